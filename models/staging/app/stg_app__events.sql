{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{#- Incremental (the feed's largest table). Each run re-derives every event_id that arrived within the
    lookback window from all its raw copies, so the result equals a full refresh. -#}

with

events as (
    select * from {{ source('app', 'events') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('app.events') }} as quarantine_reason,
    from events
),

valid as (
    select * from checked
    where quarantine_reason is null
),

{% if is_incremental() %}
    arrived_ids as (
        select distinct trim(event_id) as event_id
        from valid
        where received_at >= (
            select {{ dbt.dateadd('day', -var('event_lookback_days'), 'max(received_at)') }}
            from {{ this }}
        )
    ),
{% endif %}

copies_ranked as (
    select
        valid.*,
        row_number() over (
            partition by trim(valid.event_id)
            order by valid.received_at, valid.occurred_at, valid.event_name, valid.properties
        ) as copy_number,
        count(*) over (partition by trim(valid.event_id)) as copies_received,
    from valid
    {% if is_incremental() %}
        inner join arrived_ids
            on trim(valid.event_id) = arrived_ids.event_id
    {% endif %}
),

cleaned as (
    select
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
        properties is not null
        and trim(properties) != ''
        and {{ parse_json_object('properties') }} is null as has_malformed_properties,
        copies_received - 1 as duplicate_rows_dropped,
    from copies_ranked
    where copy_number = 1
)

select * from cleaned
