{#- One row per clustered user per week (the as-of week and the week before): the user's behavioural
    cluster, from the build's one clustering fit (cluster_model_outputs). As-of-week rows say whether the
    cluster changed since the previous week and, when it did, the three features that moved most. -#}

with

cluster_model_outputs as (
    select * from {{ ref('cluster_model_outputs') }}
),

assignments as (
    select
        user_id,
        cast(week_start as date) as week_start,
        cluster_id,
        cluster_archetype,
        distance_to_centroid,
        week_role = 'current' as is_fit_week,
        previous_cluster_id,
        previous_cluster_archetype,
        has_cluster_changed,
        moved_feature_1,
        moved_feature_1_change,
        moved_feature_2,
        moved_feature_2_change,
        moved_feature_3,
        moved_feature_3_change,
        model_version,
    from cluster_model_outputs
    where
        output_name = 'assignments'
        and week_role in ('current', 'previous')
)

select * from assignments
