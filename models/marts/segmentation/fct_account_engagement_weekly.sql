with

account_weeks as (
    select * from {{ ref('int_account_weeks_segmented') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

account_weeks_supported as (
    select * from {{ ref('int_account_weeks_supported') }}
),

fct as (
    select
        account_weeks.account_id,
        account_weeks.week_start,
        account_weeks.users,
        account_weeks.active_users,
        account_weeks.key_active_users,
        account_weeks.active_users_l28,
        account_weeks.activated_users,
        account_weeks.events,
        account_weeks.key_actions,
        account_weeks.value_outcomes,
        account_weeks.key_actions_l28,
        account_weeks.value_outcomes_l28,
        account_weeks.days_since_last_key_action,
        account_weeks.days_since_last_value_outcome,
        account_weeks.feature_breadth_rate,
        account_weeks.active_weeks_l4,
        account_weeks.power_users,
        account_weeks.lifecycle_segment,
        account_weeks.engagement_tier,
        account_weeks_billed.subscription_status,
        account_weeks_billed.plan_tier,
        coalesce(account_weeks_billed.mrr_usd, 0) as mrr_usd,
        coalesce(account_weeks_billed.seats, 0) as seats,
        account_weeks.active_users_l28 * 1.0 / nullif(account_weeks_billed.seats, 0) as seat_utilisation,
        account_weeks_billed.days_to_renewal,
        coalesce(account_weeks_billed.has_churned, false) as has_churned,
        account_weeks_supported.tickets_opened,
        account_weeks_supported.urgent_tickets_opened,
        account_weeks_supported.open_urgent_tickets,
        account_weeks_supported.median_first_response_hours,
        account_weeks_supported.median_resolution_hours,
        account_weeks_supported.csat_avg,
        account_weeks_supported.nps_13w,
        account_weeks_supported.tickets_opened * 1.0 / nullif(account_weeks.active_users, 0)
            as tickets_per_active_user,
    from account_weeks
    left join account_weeks_billed
        on
            account_weeks.account_id = account_weeks_billed.account_id
            and account_weeks.week_start = account_weeks_billed.week_start
    left join account_weeks_supported
        on
            account_weeks.account_id = account_weeks_supported.account_id
            and account_weeks.week_start = account_weeks_supported.week_start
)

select * from fct
