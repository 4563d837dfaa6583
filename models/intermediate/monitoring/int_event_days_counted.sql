{{
    config(
        materialized='incremental',
        unique_key=['event_name', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ drop_detail_before_retention() }}",
    )
}}
{#- One row per event name and day: the identified users' events of that name that day and how many users
    sent them (int_user_event_days_counted), the volumes the tracking monitor (tracking_event_daily_volume,
    tracking_plan_health) compares, carried so the daily run does not re-aggregate all history.
    Incremental: a run recounts whole days, those with a user-event-day int_user_event_days_counted wrote
    since this table's latest processed_at (that model rewrites whole user-days, so a recounted day holds
    every row of that day); so it equals a full refresh. processed_at is the latest upstream processed_at
    of the day's rows. With var('event_retention_days') set, days the upstream dropped are dropped here too. -#}

with

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

{% if is_incremental() %}
    touched_days as (
        select distinct user_event_days.activity_date,
        from user_event_days
        where {{ processed_since_last_run('user_event_days.processed_at') }}
    ),
{% endif %}

counted as (
    select
        user_event_days.event_name,
        user_event_days.activity_date,
        sum(user_event_days.event_count) as events,
        count(distinct user_event_days.user_id) as users,
        max(user_event_days.processed_at) as processed_at,
    from user_event_days
    {% if is_incremental() %}
        where user_event_days.activity_date in (select touched_days.activity_date from touched_days)
    {% endif %}
    group by
        user_event_days.event_name,
        user_event_days.activity_date
),

final as (
    select
        cast(event_name as {{ dbt.type_string() }}) as event_name,
        cast(activity_date as date) as activity_date,
        cast(events as {{ dbt.type_bigint() }}) as events,
        cast(users as {{ dbt.type_bigint() }}) as users,
        cast(processed_at as {{ dbt.type_timestamp() }}) as processed_at,
    from counted
)

select * from final
