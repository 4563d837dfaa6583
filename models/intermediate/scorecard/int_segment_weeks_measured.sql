{#- The user-based scorecard metrics per complete week and segment, in long form (one row per week,
    segment and metric). Segments: 'all', and each user's lifecycle_segment and engagement_tier of the
    week (of the previous week for user_retention_rate, whose population is last week's active users).
    The cohort metrics activation_rate and median_days_to_first_value are measured at segment 'all' only:
    the segments are themselves defined by activation and time to value. -#}

{#- Days in a week, and the trailing window of DAU/MAU and of the other "l28" measures. -#}
{%- set days_per_week = 7 -%}
{%- set trailing_window_days = 28 -%}
{%- set segment_types = ['lifecycle_segment', 'engagement_tier'] -%}
{%- set metrics = [
    {'name': 'feature_breadth_rate', 'value': 'feature_breadth_rate', 'base': 'active_users_l28'},
    {'name': 'active_days_l28_avg', 'value': 'active_days_l28_avg', 'base': 'active_users_l28'},
    {'name': 'stickiness_rate',
        'value': 'user_active_days * 1.0 / ' ~ days_per_week ~ ' / nullif(active_users_l28, 0)',
        'base': 'active_users_l28'},
] -%}
{%- for active_days in range(days_per_week + 1) -%}
    {%- do metrics.append({
        'name': 'days_active_' ~ active_days ~ '_rate',
        'value': 'users_active_' ~ active_days ~ '_days * 1.0 / nullif(active_users_l28, 0)',
        'base': 'active_users_l28',
    }) -%}
{%- endfor -%}
{%- do metrics.extend([
    {'name': 'value_outcomes_per_active_user', 'value': 'value_outcomes * 1.0 / nullif(active_users, 0)',
        'base': 'active_users'},
    {'name': 'user_retention_rate', 'value': 'retained_users * 1.0 / nullif(prev_active_users, 0)',
        'base': 'prev_active_users'},
    {'name': 'activation_rate', 'value': 'activated_users * 1.0 / nullif(activation_cohort_users, 0)',
        'base': 'activation_cohort_users', 'all_only': true},
    {'name': 'median_days_to_first_value', 'value': 'median_days_to_first_value',
        'base': 'first_value_users', 'all_only': true},
]) -%}

with

user_weeks as (
    select * from {{ ref('int_user_weeks_segmented') }}
),

user_days as (
    select * from {{ ref('int_user_days_active') }}
),

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

scorecard_weeks as (
    select * from {{ ref('int_scorecard_weeks_spined') }}
),

user_days_weekly as (
    select
        user_id,
        week_start,
        count(*) as active_days,
        max(activity_date) as last_active_date,
    from user_days
    group by
        user_id,
        week_start
),

-- every user-week up to the as-of week, with the day-level activity of int_user_days_active
user_weeks_with_days as (
    select
        user_weeks.user_id,
        user_weeks.week_start,
        user_weeks.lifecycle_segment,
        user_weeks.engagement_tier,
        user_weeks.value_outcomes,
        user_weeks.feature_breadth_rate,
        coalesce(user_days_weekly.active_days, 0) as active_days,
        max(user_days_weekly.last_active_date) over user_history_so_far as last_active_date,
        sum(coalesce(user_days_weekly.active_days, 0)) over trailing_weeks as active_days_l28,
        lag(coalesce(user_days_weekly.active_days, 0) > 0) over user_history as was_active_prev_week,
        lag(user_weeks.lifecycle_segment) over user_history as prev_lifecycle_segment,
        lag(user_weeks.engagement_tier) over user_history as prev_engagement_tier,
    from user_weeks
    left join user_days_weekly
        on
            user_weeks.user_id = user_days_weekly.user_id
            and user_weeks.week_start = user_days_weekly.week_start
    window
        user_history as (partition by user_weeks.user_id order by user_weeks.week_start),
        user_history_so_far as (
            partition by user_weeks.user_id order by user_weeks.week_start
            rows between unbounded preceding and current row
        ),
        trailing_weeks as (
            partition by user_weeks.user_id order by user_weeks.week_start
            rows between {{ trailing_window_days // days_per_week - 1 }} preceding and current row
        )
),

-- the scorecard's weeks only: complete weeks observed by the events feed
complete_user_weeks as (
    select
        user_weeks_with_days.user_id,
        user_weeks_with_days.week_start,
        user_weeks_with_days.lifecycle_segment,
        user_weeks_with_days.engagement_tier,
        user_weeks_with_days.prev_lifecycle_segment,
        user_weeks_with_days.prev_engagement_tier,
        user_weeks_with_days.value_outcomes,
        user_weeks_with_days.feature_breadth_rate,
        user_weeks_with_days.active_days,
        user_weeks_with_days.active_days_l28,
        user_weeks_with_days.active_days > 0 as is_active,
        coalesce(user_weeks_with_days.was_active_prev_week, false) as was_active_prev_week,
        coalesce(
            user_weeks_with_days.last_active_date
            >= {{ dbt.dateadd('day', days_per_week - trailing_window_days, 'user_weeks_with_days.week_start') }},
            false
        ) as is_active_l28,
    from user_weeks_with_days
    inner join scorecard_weeks
        on user_weeks_with_days.week_start = scorecard_weeks.week_start
),

user_week_segments as (
    select
        'all' as segment_type,
        'all' as segment,
        'all' as prev_segment,
        complete_user_weeks.week_start,
        complete_user_weeks.is_active,
        complete_user_weeks.is_active_l28,
        complete_user_weeks.was_active_prev_week,
        complete_user_weeks.active_days,
        complete_user_weeks.active_days_l28,
        complete_user_weeks.value_outcomes,
        complete_user_weeks.feature_breadth_rate,
    from complete_user_weeks
    {%- for segment_type in segment_types %}
        union all
        select
            '{{ segment_type }}' as segment_type,
            complete_user_weeks.{{ segment_type }} as segment,
            complete_user_weeks.prev_{{ segment_type }} as prev_segment,
            complete_user_weeks.week_start,
            complete_user_weeks.is_active,
            complete_user_weeks.is_active_l28,
            complete_user_weeks.was_active_prev_week,
            complete_user_weeks.active_days,
            complete_user_weeks.active_days_l28,
            complete_user_weeks.value_outcomes,
            complete_user_weeks.feature_breadth_rate,
        from complete_user_weeks
    {%- endfor %}
),

segment_weeks as (
    select
        week_start,
        segment_type,
        segment,
        sum(case when is_active_l28 then 1 else 0 end) as active_users_l28,
        sum(case when is_active then 1 else 0 end) as active_users,
        sum(active_days) as user_active_days,
        sum(value_outcomes) as value_outcomes,
        {{ exact_avg("case when is_active_l28 then feature_breadth_rate end") }} as feature_breadth_rate,
        avg(case when is_active_l28 then active_days_l28 end) as active_days_l28_avg,
        {%- for active_days in range(days_per_week + 1) %}
            sum(case when is_active_l28 and active_days = {{ active_days }} then 1 else 0 end)
                as users_active_{{ active_days }}_days,
        {%- endfor %}
    from user_week_segments
    group by
        week_start,
        segment_type,
        segment
),

-- retention: last week's active users, by their segment of last week
retention_weeks as (
    select
        week_start,
        segment_type,
        prev_segment as segment,
        count(*) as prev_active_users,
        sum(case when is_active then 1 else 0 end) as retained_users,
    from user_week_segments
    where was_active_prev_week
    group by
        week_start,
        segment_type,
        prev_segment
),

-- activation: the signups whose activation window (milestone_window_days) closed in the week
activation_windows as (
    select
        milestones.activated_at,
        {{ dbt.dateadd(
            'day', 'thresholds.milestone_window_days', 'cast(milestones.signed_up_at as date)'
        ) }} as window_closes_on,
    from milestones
    cross join thresholds
),

activation_cohorts as (
    select
        cast({{ dbt.date_trunc('week', 'window_closes_on') }} as date) as week_start,
        count(*) as activation_cohort_users,
        sum(case when activated_at < window_closes_on then 1 else 0 end) as activated_users,
    from activation_windows
    group by cast({{ dbt.date_trunc('week', 'window_closes_on') }} as date)
),

-- time to value: the users whose first value outcome fell in the week
first_values as (
    select
        cast({{ dbt.date_trunc('week', 'first_value_outcome_at') }} as date) as week_start,
        count(*) as first_value_users,
        percentile_cont(0.5) within group (order by days_to_first_value) as median_days_to_first_value,
    from milestones
    where first_value_outcome_at is not null
    group by cast({{ dbt.date_trunc('week', 'first_value_outcome_at') }} as date)
),

segment_week_keys as (
    select
        week_start,
        segment_type,
        segment,
    from segment_weeks
    union
    select
        week_start,
        segment_type,
        segment,
    from retention_weeks
),

measured as (
    select
        segment_week_keys.week_start,
        segment_week_keys.segment_type,
        segment_week_keys.segment,
        coalesce(segment_weeks.active_users_l28, 0) as active_users_l28,
        coalesce(segment_weeks.active_users, 0) as active_users,
        coalesce(segment_weeks.user_active_days, 0) as user_active_days,
        coalesce(segment_weeks.value_outcomes, 0) as value_outcomes,
        segment_weeks.feature_breadth_rate,
        segment_weeks.active_days_l28_avg,
        {%- for active_days in range(days_per_week + 1) %}
            coalesce(segment_weeks.users_active_{{ active_days }}_days, 0) as users_active_{{ active_days }}_days,
        {%- endfor %}
        coalesce(retention_weeks.prev_active_users, 0) as prev_active_users,
        coalesce(retention_weeks.retained_users, 0) as retained_users,
        coalesce(activation_cohorts.activation_cohort_users, 0) as activation_cohort_users,
        coalesce(activation_cohorts.activated_users, 0) as activated_users,
        coalesce(first_values.first_value_users, 0) as first_value_users,
        first_values.median_days_to_first_value,
    from segment_week_keys
    left join segment_weeks
        on
            segment_week_keys.week_start = segment_weeks.week_start
            and segment_week_keys.segment_type = segment_weeks.segment_type
            and segment_week_keys.segment = segment_weeks.segment
    left join retention_weeks
        on
            segment_week_keys.week_start = retention_weeks.week_start
            and segment_week_keys.segment_type = retention_weeks.segment_type
            and segment_week_keys.segment = retention_weeks.segment
    left join activation_cohorts
        on
            segment_week_keys.week_start = activation_cohorts.week_start
            and segment_week_keys.segment_type = 'all'
    left join first_values
        on
            segment_week_keys.week_start = first_values.week_start
            and segment_week_keys.segment_type = 'all'
),

metric_values as (
    {%- for metric in metrics %}
        select
            week_start,
            segment_type,
            segment,
            '{{ metric.name }}' as metric,
            cast({{ metric.value }} as {{ type_double() }}) as metric_value,
            cast({{ metric.base }} as {{ dbt.type_bigint() }}) as sample_size,
        from measured
        {%- if metric.get('all_only') %}
            where segment_type = 'all'
        {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from metric_values
