{#- Adoption of each feature by each user, week by week from the user's first use of it: tried (at most
    adoption_tried_max_uses uses so far), habitual (used in at least adoption_habitual_min_weeks of the
    last adoption_window_weeks weeks), else occasional. Users never appear for features they never used
    (state never). -#}

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

first_use as (
    select
        user_id,
        feature,
        min(feature_tier) as feature_tier,
        min(week_start) as first_week_start,
    from weekly_uses
    group by
        user_id,
        feature
),

spine as (
    select
        first_use.user_id,
        first_use.feature,
        first_use.feature_tier,
        {{ period_starts_between('first_use.first_week_start', 'build_context.as_of_week_start', 'week') }}
            as week_start,
    from first_use
    cross join build_context
),

cumulated as (
    select
        spine.user_id,
        spine.feature,
        spine.feature_tier,
        spine.week_start,
        coalesce(weekly_uses.uses, 0) as uses,
        cast(sum(coalesce(weekly_uses.uses, 0)) over feature_history as {{ dbt.type_bigint() }}) as uses_to_date,
        cast(sum(case when weekly_uses.uses > 0 then 1 else 0 end) over feature_history as {{ dbt.type_bigint() }})
            as weeks_used_to_date,
    from spine
    left join weekly_uses
        on
            spine.user_id = weekly_uses.user_id
            and spine.feature = weekly_uses.feature
            and spine.week_start = weekly_uses.week_start
    window feature_history as (
        partition by spine.user_id, spine.feature
        order by spine.week_start
        rows between unbounded preceding and current row
    )
),

windowed as (
    select
        cumulated.*,
        cumulated.weeks_used_to_date - coalesce(window_start.weeks_used_to_date, 0) as weeks_used_in_window,
    from cumulated
    cross join thresholds
    left join cumulated as window_start
        on
            cumulated.user_id = window_start.user_id
            and cumulated.feature = window_start.feature
            and window_start.week_start
            = {{ dbt.dateadd('day', '-7 * thresholds.adoption_window_weeks', 'cumulated.week_start') }}
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
    from windowed
    cross join thresholds
)

select * from adopted
