{#- One row per behavioural cluster: size, share, archetype, centroid in original units (from the
    build's one clustering fit) and business impact - what happened next to the users who sat in the
    cluster var('cluster_outcome_horizon_weeks') weeks before the as-of week (assigned by the same model):
    retention = still active in the 4 weeks up to the as-of week; among those whose account then paid and
    renewed, churn = the account stopped paying or gave notice by the as-of week, expansion = its MRR is
    higher now. Rates are shares of users. The next run reads this table to keep cluster ids stable. -#}

with

cluster_model_outputs as (
    select * from {{ ref('cluster_model_outputs') }}
),

cluster_features as (
    select * from {{ ref('int_user_cluster_features') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_active') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

profiles as (
    select
        cluster_id,
        cluster_archetype,
        n_users,
        share,
        log_key_actions_l28,
        log_value_outcomes_l28,
        active_weeks_l4,
        feature_breadth_rate,
        log_features_adopted,
        log_advanced_features_adopted,
        feature_depth_weeks,
        log_days_since_last_key_action,
        log_days_to_first_value,
        centroid_json,
        model_version,
    from cluster_model_outputs
    where output_name = 'profiles'
),

baseline_users as (
    select
        cluster_model_outputs.user_id,
        cluster_model_outputs.cluster_id,
        cluster_features.account_id,
        cluster_features.week_start,
    from cluster_model_outputs
    inner join cluster_features
        on
            cluster_model_outputs.user_id = cluster_features.user_id
            and cast(cluster_model_outputs.week_start as date) = cluster_features.week_start
            and cluster_model_outputs.week_role = cluster_features.week_role
    where
        cluster_model_outputs.output_name = 'assignments'
        and cluster_model_outputs.week_role = 'baseline'
),

baseline_outcomes as (
    select
        baseline_users.cluster_id,
        baseline_users.user_id,
        coalesce(user_now.active_days_l28 > 0, false) as is_retained,
        coalesce(billed_then.is_paying and billed_then.subscription_status != 'canceling', false)
            as was_paying,
        coalesce(not billed_now.is_paying or billed_now.subscription_status = 'canceling', false)
            as has_churned_since,
        coalesce(billed_now.mrr_usd > billed_then.mrr_usd, false) as has_expanded_since,
    from baseline_users
    cross join build_context
    left join user_weeks as user_now
        on
            baseline_users.user_id = user_now.user_id
            and build_context.as_of_week_start = user_now.week_start
    left join account_weeks_billed as billed_then
        on
            baseline_users.account_id = billed_then.account_id
            and baseline_users.week_start = billed_then.week_start
    left join account_weeks_billed as billed_now
        on
            baseline_users.account_id = billed_now.account_id
            and build_context.as_of_week_start = billed_now.week_start
),

impact as (
    select
        cluster_id,
        count(*) as baseline_users,
        avg(case when is_retained then 1.0 else 0.0 end) as retention_rate,
        count(case when was_paying then 1 end) as baseline_paying_users,
        count(case when was_paying and has_churned_since then 1 end) * 1.0
        / nullif(count(case when was_paying then 1 end), 0) as churn_rate,
        count(case when was_paying and has_expanded_since then 1 end) * 1.0
        / nullif(count(case when was_paying then 1 end), 0) as expansion_rate,
    from baseline_outcomes
    group by cluster_id
),

profiled as (
    select
        profiles.cluster_id,
        profiles.cluster_archetype,
        profiles.n_users,
        profiles.share,
        coalesce(impact.baseline_users, 0) as baseline_users,
        coalesce(impact.baseline_paying_users, 0) as baseline_paying_users,
        impact.retention_rate,
        impact.churn_rate,
        impact.expansion_rate,
        profiles.log_key_actions_l28,
        profiles.log_value_outcomes_l28,
        profiles.active_weeks_l4,
        profiles.feature_breadth_rate,
        profiles.log_features_adopted,
        profiles.log_advanced_features_adopted,
        profiles.feature_depth_weeks,
        profiles.log_days_since_last_key_action,
        profiles.log_days_to_first_value,
        profiles.centroid_json,
        profiles.model_version,
    from profiles
    left join impact
        on profiles.cluster_id = impact.cluster_id
)

select * from profiled
