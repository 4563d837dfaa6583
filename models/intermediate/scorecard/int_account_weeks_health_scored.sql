{#- One row per account per week of the scorecard calendar (int_scorecard_weeks_spined): the measures and
    the 0-100 score of each health dimension (engagement, value, retention_risk, support, billing). Each
    score is 100 x the mean of its available components (each a share in [0, 1]) and null when none is
    available; higher is healthier. The formulas are documented on the columns. -#}

{#- The trailing window of the "l4"/"l28" measures, in weeks. -#}
{%- set trailing_weeks = 4 -%}
{#- The CSAT scale of the raw contract: 1 (worst) to 5 (best); NPS runs from -100 to 100. -#}
{%- set csat_min = 1 -%}
{%- set csat_max = 5 -%}
{%- set nps_min = -100 -%}
{%- set nps_max = 100 -%}

with

account_weeks as (
    select * from {{ ref('int_account_weeks_active') }}
),

account_weeks_supported as (
    select * from {{ ref('int_account_weeks_supported') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

scorecard_weeks as (
    select * from {{ ref('int_scorecard_weeks_spined') }}
),

usage_trend as (
    select
        account_id,
        week_start,
        lag(key_actions_l28, {{ trailing_weeks }}) over (
            partition by account_id order by week_start
        ) as key_actions_prev_l28,
    from account_weeks
),

support_trailing as (
    select
        account_id,
        week_start,
        open_urgent_tickets,
        nps_13w,
        nps_responses_13w,
        sum(tickets_opened) over trailing_weeks as tickets_opened_l4w,
        sum(csat_avg * csat_responses) over trailing_weeks as csat_points_l4w,
        sum(csat_responses) over trailing_weeks as csat_responses_l4w,
    from account_weeks_supported
    window trailing_weeks as (
        partition by account_id order by week_start
        rows between {{ trailing_weeks - 1 }} preceding and current row
    )
),

billing_trailing as (
    select
        account_id,
        week_start,
        subscription_status,
        seats,
        mrr_usd,
        days_to_renewal,
        max(mrr_usd) over (
            partition by account_id order by week_start
            rows between {{ trailing_weeks - 1 }} preceding and current row
        ) as max_mrr_usd_l4w,
    from account_weeks_billed
),

components as (
    select
        account_weeks.account_id,
        account_weeks.week_start,
        account_weeks.users,
        account_weeks.active_users_l28,
        account_weeks.key_actions_l28,
        usage_trend.key_actions_prev_l28,
        billing_trailing.subscription_status,
        billing_trailing.seats,
        billing_trailing.mrr_usd,
        billing_trailing.days_to_renewal,
        support_trailing.open_urgent_tickets,
        support_trailing.tickets_opened_l4w,
        -- engagement
        case
            when account_weeks.users > 0 then account_weeks.active_weeks_l4 * 1.0 / {{ trailing_weeks }}
        end as active_weeks_rate,
        account_weeks.active_users_l28 * 1.0 / nullif(account_weeks.users, 0) as active_user_rate,
        case when account_weeks.users > 0 then account_weeks.feature_breadth_rate end as feature_breadth_rate,
        -- value
        account_weeks.activated_users * 1.0 / nullif(account_weeks.users, 0) as activated_user_rate,
        case
            when account_weeks.users > 0 and thresholds.dormant_days > 0
                then greatest(
                    1 - coalesce(account_weeks.days_since_last_value_outcome, thresholds.dormant_days) * 1.0
                    / thresholds.dormant_days,
                    0
                )
        end as value_recency_rate,
        -- retention risk (1 = low risk); least() ignores nulls on some warehouses, hence the guards
        case
            when billing_trailing.seats > 0
                then least(account_weeks.active_users_l28 * 1.0 / billing_trailing.seats, 1)
        end as seat_utilisation_rate,
        case
            when usage_trend.key_actions_prev_l28 > 0
                then least(account_weeks.key_actions_l28 * 1.0 / usage_trend.key_actions_prev_l28, 1)
        end as key_action_trend_rate,
        -- support
        case
            when support_trailing.tickets_opened_l4w > 0 or support_trailing.open_urgent_tickets > 0
                then 1.0 / (1 + support_trailing.open_urgent_tickets)
        end as urgent_backlog_rate,
        (support_trailing.csat_points_l4w / nullif(support_trailing.csat_responses_l4w, 0) - {{ csat_min }})
        / ({{ csat_max }} - {{ csat_min }}) as csat_rate,
        case
            when support_trailing.nps_responses_13w > 0
                then (support_trailing.nps_13w - ({{ nps_min }})) / ({{ nps_max }} - ({{ nps_min }}))
        end as nps_rate,
        -- billing
        case
            when billing_trailing.subscription_status = 'active'
                then coalesce(billing_trailing.mrr_usd / nullif(billing_trailing.max_mrr_usd_l4w, 0), 0)
            when billing_trailing.subscription_status = 'canceling' then 0
        end as mrr_kept_rate,
    from account_weeks
    cross join thresholds
    inner join scorecard_weeks
        on account_weeks.week_start = scorecard_weeks.week_start
    left join usage_trend
        on
            account_weeks.account_id = usage_trend.account_id
            and account_weeks.week_start = usage_trend.week_start
    left join support_trailing
        on
            account_weeks.account_id = support_trailing.account_id
            and account_weeks.week_start = support_trailing.week_start
    left join billing_trailing
        on
            account_weeks.account_id = billing_trailing.account_id
            and account_weeks.week_start = billing_trailing.week_start
),

scored as (
    select
        account_id,
        week_start,
        users,
        active_users_l28,
        key_actions_l28,
        key_actions_prev_l28,
        subscription_status,
        seats,
        mrr_usd,
        days_to_renewal,
        open_urgent_tickets,
        tickets_opened_l4w,
        active_weeks_rate,
        active_user_rate,
        feature_breadth_rate,
        activated_user_rate,
        value_recency_rate,
        seat_utilisation_rate,
        key_action_trend_rate,
        urgent_backlog_rate,
        csat_rate,
        nps_rate,
        mrr_kept_rate,
        round(100 * {{ mean_of_available(['active_weeks_rate', 'active_user_rate', 'feature_breadth_rate']) }}, 1)
            as engagement_score,
        round(100 * {{ mean_of_available(['activated_user_rate', 'value_recency_rate']) }}, 1) as value_score,
        round(100 * {{ mean_of_available(['seat_utilisation_rate', 'key_action_trend_rate']) }}, 1)
            as retention_risk_score,
        round(100 * {{ mean_of_available(['urgent_backlog_rate', 'csat_rate', 'nps_rate']) }}, 1) as support_score,
        round(100 * mrr_kept_rate, 1) as billing_score,
    from components
)

select * from scored
