{#- Time-to-value by signup month, the account's current plan tier and signup route (invited by a
    teammate or self-serve, the acquisition channel the product knows): activation and first value
    within the milestone window (seed segment_thresholds) and the median days to each. -#}

with

users as (
    select * from {{ ref('dim_users') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

users_described as (
    select
        users.user_id,
        users.is_activated,
        users.days_to_activation,
        users.days_to_first_value,
        thresholds.milestone_window_days,
        cast({{ dbt.date_trunc('month', 'users.signup_week') }} as date) as signup_month,
        coalesce(accounts.current_plan_tier, 'none') as plan_tier,
        case when users.is_invited then 'invited' else 'self_serve' end as signup_route,
    from users
    cross join thresholds
    left join accounts
        on users.account_id = accounts.account_id
),

time_to_value as (
    select
        signup_month,
        plan_tier,
        signup_route,
        count(*) as signups,
        avg(case when is_activated then 1.0 else 0.0 end) as activated_rate,
        avg(case when days_to_activation <= milestone_window_days then 1.0 else 0.0 end)
            as activated_in_window_rate,
        avg(case when days_to_first_value <= milestone_window_days then 1.0 else 0.0 end)
            as first_value_in_window_rate,
        percentile_cont(0.5) within group (order by days_to_activation) as median_days_to_activation,
        percentile_cont(0.5) within group (order by days_to_first_value) as median_days_to_first_value,
    from users_described
    group by signup_month, plan_tier, signup_route
)

select * from time_to_value
order by signup_month desc, plan_tier asc, signup_route asc
