{#- One row per number of clusters tried: silhouette and inertia, the chosen k, and on the chosen row
    the bootstrap ARI (stability under resampling) and the period ARI (the same users' clusters in the
    as-of week against the week before), from the build's one clustering fit. -#}

with

cluster_model_outputs as (
    select * from {{ ref('cluster_model_outputs') }}
),

metrics as (
    select
        k,
        silhouette,
        inertia,
        is_chosen,
        bootstrap_ari_mean,
        period_ari,
        n_users,
        n_users_both_periods,
        changed_cluster_rate,
        n_features_used,
        note,
        model_version,
    from cluster_model_outputs
    where output_name = 'metrics'
)

select * from metrics
