{#- One row per user: whether the user's retention outcome is observed - signed up after the events feed
    began (int_scorecard_weeks_spined), at least milestone_window_days days + retention_horizon_weeks
    weeks before the as-of date, with the horizon week complete - and, when observed, whether the user was retained: did a key action in the week
    retention_horizon_weeks after the signup week (week 0). -#}

{%- set days_per_week = 7 -%}

with

users as (
    select * from {{ ref('int_users_stitched') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_active') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

scorecard_weeks as (
    select * from {{ ref('int_scorecard_weeks_spined') }}
),

feed_start as (
    select min(feed_started_at) as feed_started_at,
    from scorecard_weeks
),

horizons as (
    select
        users.user_id,
        users.signed_up_at,
        users.signup_week,
        cast({{ dbt.dateadd(
            'day', days_per_week ~ ' * thresholds.retention_horizon_weeks', 'users.signup_week'
        ) }} as date) as retention_week_start,
        users.signed_up_at >= feed_start.feed_started_at
        and {{ dbt.dateadd(
            'day',
            'thresholds.milestone_window_days + ' ~ days_per_week ~ ' * thresholds.retention_horizon_weeks',
            'cast(users.signed_up_at as date)',
        ) }} <= build_context.as_of_date
        and {{ dbt.dateadd(
            'day', days_per_week ~ ' * (thresholds.retention_horizon_weeks + 1)', 'users.signup_week'
        ) }} <= build_context.as_of_cutoff_at as is_retention_observed,
    from users
    cross join thresholds
    cross join build_context
    cross join feed_start
),

observed as (
    select
        horizons.user_id,
        horizons.signed_up_at,
        horizons.signup_week,
        horizons.retention_week_start,
        horizons.is_retention_observed,
        case
            when horizons.is_retention_observed then coalesce(user_weeks.key_actions > 0, false)
        end as is_retained,
    from horizons
    left join user_weeks
        on
            horizons.user_id = user_weeks.user_id
            and horizons.retention_week_start = user_weeks.week_start
)

select * from observed
