{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- The feed's largest table, incremental by received_at. One row per event_id: the earliest received
    copy, with the number of further copies dropped.
    Full refresh: ids are counted once; only the few ids that arrived more than once are ordered.
    Incremental: the feed rows re-read are those received since the high-water mark minus
    var('event_lookback_days') (a literal, so files outside that window are skipped by their statistics),
    plus every received day before it with usable rows the table lacks (a day's file delivered after the
    window had moved past it; macro received_reread_predicate). Those rows name the ids to redo. For
    each, the copy count comes from the feed's copies of those ids (matched on the id alone, then
    checked); the kept copy is the earliest of the re-read copies and the stored row, when that was
    received outside the re-read days (the earliest of its copies then). So the table always equals a
    full refresh; processed_at marks the rows a run wrote so that the event-days model redoes them,
    whenever they were received. -#}

{%- if is_incremental() %}
    {#- A join against {{ this }} instead of these literals would read the whole feed. -#}
    {%- set reread = received_reread_predicate(
        source('app', 'events'), var('event_lookback_days'), quarantine_reason('app.events') ~ ' is null'
    ) %}
{%- endif %}

{#- Cleaning of a raw event row, applied to the feed and (full refresh) to the repeated ids' copies. -#}
{%- set cleaned_columns %}
        trim(event_id) as event_id,
        {{ clean_id('user_id') }} as user_id,
        {{ clean_id('anonymous_id') }} as anonymous_id,
        {{ clean_id('account_id') }} as account_id,
        lower(trim(event_name)) as event_name,
        coalesce(lower(trim(platform)), 'unknown') as platform,
        occurred_at,
        received_at,
        case
            when occurred_at is null then received_at
            when occurred_at > {{ dbt.dateadd('minute', var('clock_skew_tolerance_minutes'), 'received_at') }}
                then received_at
            else occurred_at
        end as event_at,
        occurred_at is null
        or occurred_at > {{ dbt.dateadd('minute', var('clock_skew_tolerance_minutes'), 'received_at') }}
            as is_clock_skewed,
        {{ parse_json_object('properties') }} as properties,
        {{ parse_json_object('properties') }} is null and trim(coalesce(properties, '')) != ''
            as has_malformed_properties,
{%- endset %}

with

events as (
    select * from {{ source('app', 'events') }}
    {%- if is_incremental() %}
        where {{ reread }}
    {%- endif %}
),

checked as (
    select
        *,
        {{ quarantine_reason('app.events') }} as quarantine_reason,
    from events
),

cleaned as {{ materialized_cte() if is_incremental() }} (
    select {{ cleaned_columns }}
    from checked
    where quarantine_reason is null
),

{%- set output_columns = ['event_id', 'user_id', 'anonymous_id', 'account_id', 'event_name', 'platform',
    'occurred_at', 'received_at', 'event_at', 'is_clock_skewed', 'properties', 'has_malformed_properties'] %}
{#- The earliest copy; ties broken on every other output column, so the kept row is always the same. -#}
{%- set copy_order = 'received_at, occurred_at, event_name, user_id, anonymous_id, account_id, platform, '
    ~ 'properties, has_malformed_properties' %}

{% if is_incremental() %}

    arrived_ids as (
        select distinct event_id
        from cleaned
    ),

    feed_copies as {{ materialized_cte() }} (
        select
            feed.event_id,
            feed.user_id,
            feed.anonymous_id,
            feed.event_name,
            feed.received_at,
        from {{ source('app', 'events') }} as feed
        inner join arrived_ids
            on trim(feed.event_id) = arrived_ids.event_id
    ),

    copy_counts as (
        select
            trim(event_id) as event_id,
            count(*) as copies_received,
        from feed_copies
        where {{ quarantine_reason('app.events') }} is null
        group by trim(event_id)
    ),

    stored_outside_window as (
        select
            {%- for column in output_columns %}
                stored.{{ column }},
            {%- endfor %}
        from {{ this }} as stored
        inner join arrived_ids
            on stored.event_id = arrived_ids.event_id
        where not {{ reread }}
    ),

    candidates_ranked as (
        select
            *,
            row_number() over (partition by event_id order by {{ copy_order }}) as copy_number,
        from (
            select {{ output_columns | join(', ') }},
            from stored_outside_window
            union all
            select {{ output_columns | join(', ') }},
            from cleaned
        ) as candidates
    ),

    kept_copies as (
        select {{ output_columns | join(', ') }},
        from candidates_ranked
        where copy_number = 1
    ),

{% else %}

    {#- Full refresh: nothing is held in memory but the repeated ids. The feed streams through once,
        minus those ids; their copies are read again by id and ranked. -#}
    copy_counts as {{ materialized_cte() }} (
        select
            trim(event_id) as event_id,
            count(*) as copies_received,
        from {{ source('app', 'events') }}
        where {{ quarantine_reason('app.events') }} is null
        group by trim(event_id)
        having count(*) > 1
    ),

    repeated_copies as (
        select {{ cleaned_columns }}
        from {{ source('app', 'events') }}
        where
            trim(event_id) in (select copy_counts.event_id from copy_counts)
            and {{ quarantine_reason('app.events') }} is null
    ),

    repeated_ranked as (
        select
            *,
            row_number() over (partition by event_id order by {{ copy_order }}) as copy_number,
        from repeated_copies
    ),

    kept_copies as (
        select {{ output_columns | join(', ') }},
        from repeated_ranked
        where copy_number = 1
        union all
        select
            {%- for column in output_columns %}
                cleaned.{{ column }},
            {%- endfor %}
        from cleaned
        left join copy_counts
            on cleaned.event_id = copy_counts.event_id
        where copy_counts.event_id is null
    ),

{% endif %}

final as (
    select
        {%- for column in output_columns %}
            kept_copies.{{ column }},
        {%- endfor %}
        coalesce(copy_counts.copies_received, 1) - 1 as duplicate_rows_dropped,
        {{ run_processed_at() }} as processed_at,
    from kept_copies
    left join copy_counts
        on kept_copies.event_id = copy_counts.event_id
)

select * from final
