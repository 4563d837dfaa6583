{{
    config(
        materialized='incremental',
        unique_key=['user_id', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ drop_detail_before_retention() }}",
    )
}}
{#- The one pass over the event stream: identified events (pre-signup anonymous events attached through
    their anonymous_id) counted per user, day and event name, with sessions. Everything downstream reads
    this table, never the events again.
    Incremental: a run recomputes whole user-days, namely those with an event received since the
    high-water mark minus var('event_lookback_days') or written by stg_app__events since this model's last
    run (a received day delivered late), and those of anonymous ids first identified in that window, from
    all their events; so it equals a full refresh.
    Rules: an identified event dated before its user's signup is dated at the signup (client clock);
    events received after the as-of date are ignored;
    processed_at is the run that last wrote the row (the high-water mark of int_user_days_active:
    whatever this model rewrites, late, stitched or recounted, is picked up downstream); with var('event_retention_days') set, detail older
    than that many days before the as-of date is dropped. -#}

with

events as (
    select * from {{ ref('stg_app__events') }}
),

anonymous_ids as (
    select * from {{ ref('int_anonymous_ids_stitched') }}
),

users as (
    select * from {{ ref('stg_app__users') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

resolved as (
    select
        events.anonymous_id,
        coalesce(events.user_id, anonymous_ids.user_id) as user_id,
        events.event_name,
        events.received_at,
        events.processed_at as event_processed_at,
        case
            when events.user_id is not null and events.event_at < users.signed_up_at
                then users.signed_up_at
            else events.event_at
        end as event_at,
    from events
    cross join build_context
    left join anonymous_ids
        on
            events.user_id is null
            and events.anonymous_id = anonymous_ids.anonymous_id
    left join users
        on events.user_id = users.user_id
    where
        events.received_at < build_context.as_of_cutoff_at
        and coalesce(events.user_id, anonymous_ids.user_id) is not null
),

dated as (
    select
        resolved.*,
        cast(resolved.event_at as date) as activity_date,
    from resolved
    cross join build_context
    {% if var('event_retention_days') %}
        where
            cast(resolved.event_at as date)
            >= {{ dbt.dateadd('day', -var('event_retention_days'), 'build_context.as_of_date') }}
    {% endif %}
),

{% if is_incremental() %}
    high_water_mark as (
        select {{ dbt.dateadd('day', -var('event_lookback_days'), 'max(max_received_at)') }} as reprocess_from,
        from {{ this }}
    ),

    newly_identified as (
        select anonymous_ids.anonymous_id,
        from anonymous_ids
        inner join high_water_mark
            on anonymous_ids.first_identified_at >= high_water_mark.reprocess_from
    ),

    touched_user_days as (
        select distinct
            dated.user_id,
            dated.activity_date,
        from dated
        cross join high_water_mark
        left join newly_identified
            on dated.anonymous_id = newly_identified.anonymous_id
        where
            dated.received_at >= high_water_mark.reprocess_from
            or {{ processed_since_last_run('dated.event_processed_at') }}
            or newly_identified.anonymous_id is not null
    ),

    scoped as (
        select dated.*,
        from dated
        inner join touched_user_days
            on
                dated.user_id = touched_user_days.user_id
                and dated.activity_date = touched_user_days.activity_date
    ),
{% else %}
    scoped as (
        select * from dated
    ),
{% endif %}

sessionized as (
    {#- Events at the same instant are ordered by name: a session start goes to the same event name
        whichever tied copy comes first (ordering by the string event_id cost 15% more). -#}
    select
        user_id,
        activity_date,
        event_name,
        event_at,
        received_at,
        case
            when
                lag(event_at) over (partition by user_id, activity_date order by event_at, event_name) is null
                or {{ dbt.datediff(
                    'lag(event_at) over (partition by user_id, activity_date order by event_at, event_name)',
                    'event_at',
                    'minute'
                ) }} > {{ var('session_inactivity_minutes') }}
                then 1
            else 0
        end as is_session_start,
    from scoped
),

counted as (
    select
        user_id,
        activity_date,
        event_name,
        count(*) as event_count,
        cast(sum(is_session_start) as {{ dbt.type_bigint() }}) as sessions_started,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        max(received_at) as max_received_at,
        {{ run_processed_at() }} as processed_at,
    from sessionized
    group by
        user_id,
        activity_date,
        event_name
)

select * from counted
