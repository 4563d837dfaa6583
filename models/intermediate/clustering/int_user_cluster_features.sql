{#- One row per recently active user per clustering week: the behavioural features the user clusters are
    fit on. Weeks (week_role): current = the as-of week (the fit), previous = the week before (assigned by
    the same model, so a user's cluster change shows), baseline = var('cluster_outcome_horizon_weeks')
    weeks earlier (its later outcomes give each cluster's business impact), cohort = the
    segment_thresholds seed's retention_horizon_weeks earlier (when over one week: the cohort whose
    retention and expansion segment_scoring_rubric measures, clusters included). Recently active = signed up
    by the week and at least one active day in the 4 weeks up to it. Counts are log-scaled (ln(1 + x)); every feature is read as
    of the week's end (observed_until_at), never later. -#}

with

build_context as (
    select * from {{ ref('int_build_context') }}
),

segment_thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_active') }}
),

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

users as (
    select * from {{ ref('int_users_stitched') }}
),

feature_weeks as (
    select
        'current' as week_role,
        as_of_week_start as week_start,
    from build_context
    union all
    select
        'previous' as week_role,
        cast({{ dbt.dateadd('week', -1, 'as_of_week_start') }} as date) as week_start,
    from build_context
    union all
    select
        'baseline' as week_role,
        cast({{ dbt.dateadd('week', -var('cluster_outcome_horizon_weeks'), 'as_of_week_start') }} as date)
            as week_start,
    from build_context
    union all
    select
        'cohort' as week_role,
        cast(
            {{ dbt.dateadd('week', '-segment_thresholds.retention_horizon_weeks', 'build_context.as_of_week_start') }}
            as date
        ) as week_start,
    from build_context
    cross join segment_thresholds
    where segment_thresholds.retention_horizon_weeks > 1
),

user_windows as (
    select
        user_id,
        account_id,
        week_start,
        observed_until_at,
        tenure_weeks,
        active_days_l28,
        active_weeks_l4,
        key_actions_l28,
        value_outcomes_l28,
        days_since_last_key_action,
        feature_breadth_rate,
        features_adopted_to_date,
        advanced_features_adopted_to_date,
        feature_depth_weeks,
        lag(key_actions_l28, 4) over user_history as key_actions_prev_l28,
        sum(sessions) over (
            partition by user_id order by week_start rows between 3 preceding and current row
        ) as sessions_l28,
    from user_weeks
    window user_history as (partition by user_id order by week_start)
),

invited_teammates as (
    select
        user_windows.user_id,
        user_windows.week_start,
        count(*) as teammates_invited,
    from user_windows
    inner join feature_weeks
        on user_windows.week_start = feature_weeks.week_start
    inner join users as invitees
        on
            user_windows.user_id = invitees.invited_by_user_id
            and user_windows.observed_until_at > invitees.signed_up_at
    group by
        user_windows.user_id,
        user_windows.week_start
),

featurized as (
    select
        user_windows.user_id,
        user_windows.account_id,
        user_windows.week_start,
        feature_weeks.week_role,
        ln(1 + user_windows.key_actions_l28) as log_key_actions_l28,
        ln(1 + coalesce(user_windows.sessions_l28, 0)) as log_sessions_l28,
        ln(1 + user_windows.value_outcomes_l28) as log_value_outcomes_l28,
        user_windows.active_days_l28,
        user_windows.active_weeks_l4,
        coalesce(user_windows.feature_breadth_rate, 0) as feature_breadth_rate,
        ln(1 + user_windows.features_adopted_to_date) as log_features_adopted,
        ln(1 + user_windows.advanced_features_adopted_to_date) as log_advanced_features_adopted,
        coalesce(user_windows.feature_depth_weeks, 0) as feature_depth_weeks,
        (user_windows.key_actions_l28 - coalesce(user_windows.key_actions_prev_l28, 0))
        * 1.0 / nullif(user_windows.key_actions_l28 + coalesce(user_windows.key_actions_prev_l28, 0), 0)
            as key_actions_trend,
        -- never a key action: days since signup (a lower bound of the true recency)
        ln(
            1 + coalesce(
                user_windows.days_since_last_key_action,
                {{ dbt.datediff('milestones.signed_up_at', 'user_windows.observed_until_at', 'day') }}
            )
        ) as log_days_since_last_key_action,
        ln(1 + coalesce(invited_teammates.teammates_invited, 0)) as log_teammates_invited,
        -- no value outcome by the week's end: days since signup so far (censored time-to-value)
        ln(
            1 + greatest(
                case
                    when milestones.first_value_outcome_at < user_windows.observed_until_at
                        then milestones.days_to_first_value
                    else
                        {{ dbt.datediff('milestones.signed_up_at', 'user_windows.observed_until_at', 'second') }}
                        / 86400.0
                end,
                0
            )
        ) as log_days_to_first_value,
    from user_windows
    inner join feature_weeks
        on user_windows.week_start = feature_weeks.week_start
    left join milestones
        on user_windows.user_id = milestones.user_id
    left join invited_teammates
        on
            user_windows.user_id = invited_teammates.user_id
            and user_windows.week_start = invited_teammates.week_start
    where
        user_windows.active_days_l28 > 0
        and user_windows.tenure_weeks >= 0
)

select * from featurized
