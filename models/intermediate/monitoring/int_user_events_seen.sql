{{
    config(
        materialized='incremental',
        unique_key=['user_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- One row per user and event name the user ever sent (identified events, int_user_event_days_counted):
    the first and last day of it, so the tracking monitor (tracking_plan_health) counts who ever reached a
    signal, and when a signal was last seen, without scanning all user-event-days each day.
    Incremental: a run rewrites every row of the users with a user-event-day int_user_event_days_counted
    wrote since this table's latest processed_at (unique_key user_id: all of a user's rows are replaced, so
    an event name that vanished from a user's recounted days goes too), from all of their days; with
    var('event_retention_days') set, also the users whose first day here is older than the retained
    detail. So it equals a full refresh. processed_at is the latest upstream processed_at of the rows. -#}

-- depends_on: {{ ref('int_build_context') }}

with

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

{% if is_incremental() %}
    touched_users as (
        select distinct user_event_days.user_id,
        from user_event_days
        where {{ processed_since_last_run('user_event_days.processed_at') }}
        {%- if var('event_retention_days') %}
            union
            select stored.user_id,
            from {{ this }} as stored
            cross join {{ ref('int_build_context') }} as build_context  -- noqa: RF02
            where
                stored.first_activity_date
                < {{ dbt.dateadd('day', -1 * var('event_retention_days'), 'build_context.as_of_date') }}
        {%- endif %}
    ),
{% endif %}

seen as (
    select
        user_event_days.user_id,
        user_event_days.event_name,
        min(user_event_days.activity_date) as first_activity_date,
        max(user_event_days.activity_date) as last_activity_date,
        max(user_event_days.processed_at) as processed_at,
    from user_event_days
    {% if is_incremental() %}
        where user_event_days.user_id in (select touched_users.user_id from touched_users)
    {% endif %}
    group by
        user_event_days.user_id,
        user_event_days.event_name
),

final as (
    select
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(event_name as {{ dbt.type_string() }}) as event_name,
        cast(first_activity_date as date) as first_activity_date,
        cast(last_activity_date as date) as last_activity_date,
        cast(processed_at as {{ dbt.type_timestamp() }}) as processed_at,
    from seen
)

select * from final
