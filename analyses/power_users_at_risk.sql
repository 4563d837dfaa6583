{#- Power users in accounts at risk this week: users in the power lifecycle segment whose account has a
    high churn risk (latest score of churn_risk_scores) or a red health band (latest week of
    account_health). They know the product best: the CSM's allies for a save, or the first to leave. -#}

with

membership as (
    select * from {{ ref('segment_membership') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

account_health as (
    select * from {{ ref('account_health') }}
),

churn_risk_scores as (
    select * from {{ ref('churn_risk_scores') }}
),

power_users as (
    select
        user_id,
        account_id,
        lifecycle_reason,
    from membership
    where
        grain = 'user'
        and is_current_week
        and lifecycle_segment = 'power'
),

{{ latest_account_state_ctes() }}

power_users_at_risk as (
    select
        power_users.user_id,
        power_users.account_id,
        accounts.account_name,
        accounts.csm_owner,
        accounts.current_mrr_usd,
        accounts.next_renewal_date,
        latest_risk.churn_probability,
        latest_risk.risk_band,
        latest_risk.driver_1 as top_churn_driver,
        latest_risk.driver_1_direction as top_churn_driver_direction,
        latest_health.health_score,
        latest_health.health_band,
        latest_health.alert_dimensions,
        coalesce(latest_risk.risk_band = 'high', false) as is_high_churn_risk,
        coalesce(latest_health.health_band = 'red', false) as is_red_health,
        power_users.lifecycle_reason,
    from power_users
    inner join accounts
        on power_users.account_id = accounts.account_id
    left join latest_risk
        on power_users.account_id = latest_risk.account_id
    left join latest_health
        on power_users.account_id = latest_health.account_id
    where
        latest_risk.risk_band = 'high'
        or latest_health.health_band = 'red'
)

select * from power_users_at_risk
order by churn_probability desc nulls last, health_score asc nulls last, account_id asc, user_id asc
