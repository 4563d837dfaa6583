{#- Adoption of each feature by each user, for every week in which the feature was used within the last
    adoption_window_weeks weeks: tried (at most adoption_tried_max_uses uses so far), habitual (used in
    at least adoption_habitual_min_weeks of the window), else occasional. Each used week is spread over
    the window weeks it counts for, so the table holds only weeks where the feature is in play (outside
    them it is not habitual and keeps its last tried/occasional state); never-used features have no rows. -#}

with

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

weekly_uses as (
    select
        user_event_days.user_id,
        catalog.feature,
        min(catalog.feature_tier) as feature_tier,
        cast({{ dbt.date_trunc('week', 'user_event_days.activity_date') }} as date) as week_start,
        cast(sum(user_event_days.event_count) as {{ dbt.type_bigint() }}) as uses,
    from user_event_days
    inner join catalog
        on user_event_days.event_name = catalog.event_name
    where catalog.feature is not null
    group by
        user_event_days.user_id,
        catalog.feature,
        cast({{ dbt.date_trunc('week', 'user_event_days.activity_date') }} as date)
),

in_window as (
    select
        weekly_uses.user_id,
        weekly_uses.feature,
        weekly_uses.feature_tier,
        weekly_uses.week_start as used_week_start,
        weekly_uses.uses,
        {{ period_starts_between(
            'weekly_uses.week_start',
            'least(' ~ dbt.dateadd('day', '7 * (thresholds.adoption_window_weeks - 1)', 'weekly_uses.week_start')
            ~ ', build_context.as_of_week_start)',
            'week',
        ) }} as week_start,
    from weekly_uses
    cross join thresholds
    cross join build_context
),

windowed as (
    select
        user_id,
        feature,
        min(feature_tier) as feature_tier,
        week_start,
        cast(sum(case when used_week_start = week_start then uses else 0 end) as {{ dbt.type_bigint() }}) as uses,
        count(*) as weeks_used_in_window,
    from in_window
    group by
        user_id,
        feature,
        week_start
),

cumulated as (
    select
        *,
        cast(sum(uses) over (
            partition by user_id, feature
            order by week_start
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as uses_to_date,
    from windowed
),

adopted as (
    select
        windowed.user_id,
        windowed.feature,
        windowed.feature_tier,
        windowed.week_start,
        windowed.uses,
        windowed.uses_to_date,
        windowed.weeks_used_in_window,
        case
            when windowed.weeks_used_in_window >= thresholds.adoption_habitual_min_weeks then 'habitual'
            when windowed.uses_to_date <= thresholds.adoption_tried_max_uses then 'tried'
            else 'occasional'
        end as adoption_state,
    from cumulated as windowed
    cross join thresholds
)

select * from adopted
