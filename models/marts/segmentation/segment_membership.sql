with

user_weeks as (
    select * from {{ ref('int_user_weeks_segmented') }}
),

account_weeks as (
    select * from {{ ref('int_account_weeks_segmented') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

-- the ML columns come from the daily scorers (latest registered fit, never a refit): a failed or missing
-- fit leaves them null and never holds the rule-based columns back
cluster_assignments_latest_fit as (
    select * from {{ ref('cluster_assignments_latest_fit') }}
),

churn_scores_latest_fit as (
    select * from {{ ref('churn_scores_latest_fit') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

-- each prediction holds from its date until the account's next prediction
risk_periods as (
    select
        account_id,
        as_of_date as valid_from,
        lead(as_of_date) over (partition by account_id order by as_of_date) as valid_until,
        churn_probability,
        risk_band,
        model_version as risk_model_version,
        fitted_at as risk_fitted_at,
    from churn_scores_latest_fit
    where ml_status = 'scored'
),

user_clusters as (
    select * from cluster_assignments_latest_fit
    where ml_status = 'scored'
),

-- the build's ML status: 'scored', or which model has no registered fit (its columns are then null)
churn_fit_status as (
    select
        count(*) as n_churn_rows,
        coalesce(sum(case when ml_status = 'scored' then 1 else 0 end), 0) > 0 as is_churn_scored,
    from churn_scores_latest_fit
),

cluster_fit_status as (
    select
        count(*) as n_cluster_rows,
        coalesce(sum(case when ml_status = 'scored' then 1 else 0 end), 0) > 0 as is_cluster_scored,
    from cluster_assignments_latest_fit
),

role_mix as (
    select
        account_id,
        avg(case when role = 'admin' then 1.0 else 0.0 end) as admin_user_rate,
    from users
    where account_id is not null
    group by account_id
),

user_rows as (
    select
        user_weeks.week_start,
        'user' as grain,
        user_weeks.user_id,
        user_weeks.account_id,
        user_weeks.lifecycle_segment,
        user_weeks.lifecycle_reason,
        user_weeks.engagement_tier,
        user_weeks.engagement_tier_reason,
        user_weeks.usage_band,
        lag(user_weeks.lifecycle_segment) over (
            partition by user_weeks.user_id order by user_weeks.week_start
        ) as previous_lifecycle_segment,
        users.role,
        cast(null as double) as admin_user_rate,
        users.is_marketing_opt_in,
    from user_weeks
    inner join users
        on user_weeks.user_id = users.user_id
),

account_rows as (
    select
        account_weeks.week_start,
        'account' as grain,
        cast(null as {{ dbt.type_string() }}) as user_id,
        account_weeks.account_id,
        account_weeks.lifecycle_segment,
        account_weeks.lifecycle_reason,
        account_weeks.engagement_tier,
        account_weeks.engagement_tier_reason,
        cast(null as {{ dbt.type_string() }}) as usage_band,
        lag(account_weeks.lifecycle_segment) over (
            partition by account_weeks.account_id order by account_weeks.week_start
        ) as previous_lifecycle_segment,
        cast(null as {{ dbt.type_string() }}) as role,
        role_mix.admin_user_rate,
        cast(null as boolean) as is_marketing_opt_in,
    from account_weeks
    left join role_mix
        on account_weeks.account_id = role_mix.account_id
),

unioned as (
    select * from user_rows
    union all
    select * from account_rows
),

membership as (
    select
        unioned.week_start,
        unioned.grain,
        unioned.user_id,
        unioned.account_id,
        unioned.lifecycle_segment,
        unioned.lifecycle_reason,
        unioned.previous_lifecycle_segment,
        unioned.engagement_tier,
        unioned.engagement_tier_reason,
        unioned.usage_band,
        unioned.week_start = build_context.as_of_week_start as is_current_week,
        coalesce(accounts.size_band, 'unknown') as size_band,
        coalesce(accounts.industry, 'unknown') as industry,
        coalesce(accounts.region, 'UNKNOWN') as region,
        unioned.role,
        unioned.admin_user_rate,
        unioned.is_marketing_opt_in,
        coalesce(accounts.has_csm_owner, false) as has_csm_owner,
        user_clusters.cluster_archetype,
        risk_periods.risk_band,
        risk_periods.churn_probability,
        user_clusters.model_version as cluster_model_version,
        user_clusters.fitted_at as cluster_fitted_at,
        risk_periods.risk_model_version,
        risk_periods.risk_fitted_at,
        case
            when churn_fit_status.is_churn_scored and cluster_fit_status.is_cluster_scored then 'scored'
            when churn_fit_status.is_churn_scored then 'no fit: clustering'
            when cluster_fit_status.is_cluster_scored then 'no fit: churn'
            else 'no fit: churn, clustering'
        end as ml_status,
    from unioned
    cross join build_context
    cross join churn_fit_status
    cross join cluster_fit_status
    left join accounts
        on unioned.account_id = accounts.account_id
    left join user_clusters
        on
            unioned.user_id = user_clusters.user_id
            and unioned.week_start = user_clusters.week_start
    left join risk_periods
        on
            unioned.account_id = risk_periods.account_id
            and unioned.week_start >= risk_periods.valid_from
            and (unioned.week_start < risk_periods.valid_until or risk_periods.valid_until is null)
)

select * from membership
