{#- One row per account per prediction date: the churn model's training, back-test and scoring set.
    Prediction dates are Mondays every var('churn_snapshot_interval_weeks') weeks counted back from the
    as-of week, from var('churn_min_history_weeks') weeks after event tracking starts. An account is in a
    snapshot when it pays and renews at the prediction date (its state at the end of the week before):
    accounts that stopped paying or already gave notice are left out.
    Features come ONLY from the weeks before the prediction date (the week row that ends at it, and
    windows ending there), and account activity only from users who had signed up by then. Labels look at the weeks that start within var('churn_horizon_days') after it:
    churned = stops paying or gives notice; downgraded = still paying, MRR down by at least
    var('downgrade_min_contraction_rate'). Both are null until the last horizon week has ended by the
    as-of cut-off. -#}

{%- set horizon_week_count = (var('churn_horizon_days') + 6) // 7 %}

with

build_context as (
    select * from {{ ref('int_build_context') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_active') }}
),

account_weeks_supported as (
    select * from {{ ref('int_account_weeks_supported') }}
),

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

plan_tiers as (
    select * from {{ ref('plan_tiers') }}
),

-- the first week of event tracking: the week of the earliest server receipt of any event
tracking_start as (
    select
        cast({{ dbt.date_trunc('week', 'min(max_received_at)') }} as date) as tracking_start_week,
    from user_event_days
),

prediction_dates as (
    select distinct account_weeks_billed.week_start as as_of_date
    from account_weeks_billed
    cross join build_context
    cross join tracking_start
    where
        account_weeks_billed.week_start <= build_context.as_of_week_start
        and mod(
            {{ dbt.datediff('account_weeks_billed.week_start', 'build_context.as_of_week_start', 'week') }},
            {{ var('churn_snapshot_interval_weeks') }}
        ) = 0
        and account_weeks_billed.week_start
        >= {{ dbt.dateadd('week', var('churn_min_history_weeks'), 'tracking_start.tracking_start_week') }}
),

-- the account's users who had signed up by the week: a user signing up later (whose pre-signup
-- anonymous activity is stitched back in time) must not shape an earlier snapshot
account_activity as (
    select
        account_id,
        week_start,
        count(*) as users,
        count(case when is_active then 1 end) as active_users,
        count(case when active_days_l28 > 0 then 1 end) as active_users_l28,
        count(case when is_activated then 1 end) as activated_users,
        sum(key_actions) as key_actions,
        sum(key_actions_l28) as key_actions_l28,
        sum(value_outcomes_l28) as value_outcomes_l28,
        min(days_since_last_key_action) as days_since_last_key_action,
        min(days_since_last_value_outcome) as days_since_last_value_outcome,
        {{ exact_avg("case when active_days_l28 > 0 then feature_breadth_rate end") }} as feature_breadth_rate,
    from user_weeks
    where
        account_id is not null
        and tenure_weeks >= 0
    group by
        account_id,
        week_start
),

activity_windows as (
    select
        account_id,
        week_start,
        users,
        active_users,
        active_users_l28,
        activated_users,
        key_actions_l28,
        value_outcomes_l28,
        days_since_last_key_action,
        days_since_last_value_outcome,
        feature_breadth_rate,
        count(case when key_actions > 0 then 1 end) over (
            partition by account_id order by week_start rows between 3 preceding and current row
        ) as active_weeks_l4,
        lag(key_actions_l28, 4) over account_history as key_actions_prev_l28,
        lag(active_users_l28, 4) over account_history as active_users_prev_l28,
        sum(key_actions) over (
            partition by account_id order by week_start rows between 1 preceding and current row
        ) as key_actions_l14,
        sum(key_actions) over (
            partition by account_id order by week_start rows between 5 preceding and 2 preceding
        ) as key_actions_prior_4_weeks,
    from account_activity
    window account_history as (partition by account_id order by week_start)
),

support_windows as (
    select
        account_id,
        week_start,
        open_urgent_tickets,
        nps_13w,
        nps_responses_13w,
        sum(tickets_opened) over trailing_4_weeks as tickets_opened_l28,
        sum(urgent_tickets_opened) over trailing_4_weeks as urgent_tickets_opened_l28,
        sum(csat_avg * csat_responses) over trailing_13_weeks
        / nullif(sum(csat_responses) over trailing_13_weeks, 0) as csat_avg_13w,
    from account_weeks_supported
    window
        trailing_4_weeks as (
            partition by account_id order by week_start rows between 3 preceding and current row
        ),
        trailing_13_weeks as (
            partition by account_id order by week_start rows between 12 preceding and current row
        )
),

billing_windows as (
    select
        account_weeks_billed.account_id,
        account_weeks_billed.week_start,
        account_weeks_billed.subscription_status,
        account_weeks_billed.is_paying,
        account_weeks_billed.plan_tier,
        plan_tiers.tier_rank as plan_tier_rank,
        account_weeks_billed.seats,
        account_weeks_billed.mrr_usd,
        account_weeks_billed.days_to_renewal,
        account_weeks_billed.customer_tenure_weeks,
        lag(account_weeks_billed.mrr_usd, 12) over account_history as mrr_usd_12_weeks_before,
    from account_weeks_billed
    left join plan_tiers
        on account_weeks_billed.plan_tier = plan_tiers.tier
    window account_history as (
        partition by account_weeks_billed.account_id order by account_weeks_billed.week_start
    )
),

-- accounts paying and renewing at the prediction date: their state at the end of the week before it
snapshot_accounts as (
    select
        billing_windows.account_id,
        prediction_dates.as_of_date,
        billing_windows.week_start as feature_week_start,
        billing_windows.plan_tier,
        billing_windows.plan_tier_rank,
        billing_windows.seats,
        billing_windows.mrr_usd,
        billing_windows.days_to_renewal,
        billing_windows.customer_tenure_weeks,
        billing_windows.mrr_usd_12_weeks_before,
    from prediction_dates
    inner join billing_windows
        on {{ dbt.dateadd('day', -7, 'prediction_dates.as_of_date') }} = billing_windows.week_start
    where
        billing_windows.is_paying
        and billing_windows.subscription_status != 'canceling'
),

horizon_outcomes as (
    select
        snapshot_accounts.account_id,
        snapshot_accounts.as_of_date,
        count(*) as horizon_weeks_observed,
        max(
            case
                when not horizon_weeks.is_paying or horizon_weeks.subscription_status = 'canceling' then 1
                else 0
            end
        ) as has_churn_week,
        max(
            case
                when
                    horizon_weeks.is_paying
                    and horizon_weeks.mrr_usd
                    <= snapshot_accounts.mrr_usd * (1 - {{ var('downgrade_min_contraction_rate') }})
                    then 1
                else 0
            end
        ) as has_downgrade_week,
    from snapshot_accounts
    inner join account_weeks_billed as horizon_weeks
        on
            snapshot_accounts.account_id = horizon_weeks.account_id
            and snapshot_accounts.as_of_date <= horizon_weeks.week_start
            and {{ dbt.dateadd('day', var('churn_horizon_days'), 'snapshot_accounts.as_of_date') }}
            > horizon_weeks.week_start
    group by
        snapshot_accounts.account_id,
        snapshot_accounts.as_of_date
),

snapshots_joined as (
    select
        snapshot_accounts.*,
        coalesce(activity_windows.key_actions_l28, 0) as key_actions_l28,
        coalesce(activity_windows.key_actions_prev_l28, 0) as key_actions_prev_l28,
        coalesce(activity_windows.key_actions_l14, 0) / 2.0 as key_actions_recent_weekly,
        coalesce(activity_windows.key_actions_prior_4_weeks, 0) / 4.0 as key_actions_prior_weekly,
        coalesce(activity_windows.value_outcomes_l28, 0) as value_outcomes_l28,
        coalesce(activity_windows.users, 0) as users,
        coalesce(activity_windows.active_users, 0) as active_users_l7,
        coalesce(activity_windows.active_users_l28, 0) as active_users_l28,
        activity_windows.active_users_prev_l28,
        coalesce(activity_windows.activated_users, 0) as activated_users,
        coalesce(activity_windows.active_weeks_l4, 0) as active_weeks_l4,
        activity_windows.days_since_last_key_action,
        activity_windows.days_since_last_value_outcome,
        activity_windows.feature_breadth_rate,
        coalesce(support_windows.open_urgent_tickets, 0) as open_urgent_tickets,
        coalesce(support_windows.tickets_opened_l28, 0) as tickets_opened_l28,
        coalesce(support_windows.urgent_tickets_opened_l28, 0) as urgent_tickets_opened_l28,
        support_windows.nps_13w,
        coalesce(support_windows.nps_responses_13w, 0) as nps_responses_13w,
        support_windows.csat_avg_13w,
        {{ dbt.dateadd('week', horizon_week_count, 'snapshot_accounts.as_of_date') }}
        <= build_context.as_of_cutoff_at as is_horizon_observed,
        horizon_outcomes.has_churn_week,
        horizon_outcomes.has_downgrade_week,
        coalesce(horizon_outcomes.horizon_weeks_observed, 0) as horizon_weeks_observed,
    from snapshot_accounts
    cross join build_context
    left join activity_windows
        on
            snapshot_accounts.account_id = activity_windows.account_id
            and snapshot_accounts.feature_week_start = activity_windows.week_start
    left join support_windows
        on
            snapshot_accounts.account_id = support_windows.account_id
            and snapshot_accounts.feature_week_start = support_windows.week_start
    left join horizon_outcomes
        on
            snapshot_accounts.account_id = horizon_outcomes.account_id
            and snapshot_accounts.as_of_date = horizon_outcomes.as_of_date
),

featurized as (
    select
        account_id,
        as_of_date,
        feature_week_start,
        plan_tier,
        key_actions_l28,
        key_actions_prev_l28,
        (key_actions_l28 - key_actions_prev_l28) * 1.0
        / nullif(key_actions_l28 + key_actions_prev_l28, 0) as key_actions_trend,
        (key_actions_recent_weekly - key_actions_prior_weekly)
        / nullif(key_actions_recent_weekly + key_actions_prior_weekly, 0) as key_actions_recent_trend,
        value_outcomes_l28,
        users,
        active_users_l7,
        active_users_l28,
        (active_users_l28 - active_users_prev_l28) * 1.0
        / nullif(active_users_prev_l28, 0) as active_users_change_rate,
        activated_users,
        active_weeks_l4,
        active_users_l28 * 1.0 / nullif(seats, 0) as seat_utilisation,
        days_since_last_key_action,
        days_since_last_value_outcome,
        feature_breadth_rate,
        mrr_usd,
        (mrr_usd - mrr_usd_12_weeks_before) / nullif(mrr_usd_12_weeks_before, 0) as mrr_change_rate_12w,
        seats,
        plan_tier_rank,
        customer_tenure_weeks,
        days_to_renewal,
        open_urgent_tickets,
        tickets_opened_l28,
        urgent_tickets_opened_l28,
        nps_13w,
        nps_responses_13w,
        csat_avg_13w,
        case when is_horizon_observed then has_churn_week = 1 end as is_churned_in_horizon,
        case when is_horizon_observed then has_downgrade_week = 1 end as is_downgraded_in_horizon,
        horizon_weeks_observed,
    from snapshots_joined
)

select * from featurized
