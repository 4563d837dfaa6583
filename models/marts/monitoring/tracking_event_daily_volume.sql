{#- One row per tracked event (every event_name of the feature catalogue: the feed's tracking plan with
    the feature_catalog seed laid over it) per day, from the feed's first received day to the as-of date:
    the event's volume that day (identified users' events, by event day) against its trailing norm, the
    mean daily volume of the var('tracking_norm_days') days before. Zero-volume days are listed, so an
    event that stops firing shows as a run of zeros against a positive norm. The volumes come from the
    carried int_event_days_counted. -#}

with

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

event_day_volumes as (
    select * from {{ ref('int_event_days_counted') }}
),

feed_days as (
    select * from {{ ref('int_feed_days_completed') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

calendar_days as (
    select feed_days.feed_date as activity_date,
    from feed_days
    inner join build_context
        on feed_days.feed_date <= build_context.as_of_date
),

daily as (
    select
        event_day_volumes.event_name,
        event_day_volumes.activity_date,
        event_day_volumes.events,
        event_day_volumes.users,
    from event_day_volumes
    inner join calendar_days
        on event_day_volumes.activity_date = calendar_days.activity_date
),

event_days as (
    select
        catalog.event_name,
        calendar_days.activity_date,
        catalog.feature,
        catalog.is_key_action,
        catalog.is_value_outcome,
        catalog.milestone,
        coalesce(daily.events, 0) as events,
        coalesce(daily.users, 0) as users,
    from catalog
    cross join calendar_days
    left join daily
        on
            catalog.event_name = daily.event_name
            and calendar_days.activity_date = daily.activity_date
),

normed as (
    select
        event_days.*,
        avg(event_days.events) over (
            partition by event_days.event_name
            order by event_days.activity_date
            rows between {{ var('tracking_norm_days') }} preceding and 1 preceding
        ) as trailing_norm_events,
        {{ dbt.datediff('event_days.activity_date', 'build_context.as_of_date', 'day') }} as days_before_as_of,  -- noqa: LT05
    from event_days
    cross join build_context
),

final as (
    select
        cast(normed.event_name as {{ dbt.type_string() }}) as event_name,
        cast(normed.activity_date as date) as activity_date,
        cast(normed.feature as {{ dbt.type_string() }}) as feature,
        cast(normed.is_key_action as {{ dbt.type_boolean() }}) as is_key_action,
        cast(normed.is_value_outcome as {{ dbt.type_boolean() }}) as is_value_outcome,
        cast(normed.milestone as {{ dbt.type_string() }}) as milestone,
        cast(normed.events as {{ dbt.type_bigint() }}) as events,
        cast(normed.users as {{ dbt.type_bigint() }}) as users,
        cast(normed.trailing_norm_events as {{ type_double() }}) as trailing_norm_events,
        cast(normed.events / nullif(normed.trailing_norm_events, 0) as {{ type_double() }}) as volume_rate_of_norm,
        cast(normed.days_before_as_of < {{ var('tracking_recent_days') }} as {{ dbt.type_boolean() }}) as is_recent,
    from normed
)

select * from final
