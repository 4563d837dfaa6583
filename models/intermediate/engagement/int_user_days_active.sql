{{
    config(
        materialized='incremental',
        unique_key=['user_id', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ drop_detail_before_retention() }}",
    )
}}
{#- Daily activity per user, read through the feature catalogue.
    Incremental: a run recomputes the user-days int_user_event_days_counted wrote since this table's
    latest processed_at (whole user-days: that model rewrites every event name of a touched day), and
    every user-day when the catalogue's version (a hash of its rows) differs from the one stored, so a
    changed tracking plan or feature_catalog seed reclassifies all history; so it equals a full refresh.
    With var('event_retention_days') set, days older than the retention are dropped as upstream. -#}

with

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

catalog_version as (
    select
        {{ dbt.hash(dbt.listagg(
            dbt.concat([
                'event_name', "'|'", "coalesce(feature, '~')", "'|'",
                "cast(is_key_action as " ~ dbt.type_string() ~ ")", "'|'",
                "cast(is_value_outcome as " ~ dbt.type_string() ~ ")",
            ]),
            "','",
            'order by event_name',
        )) }} as catalog_version,
    from catalog
),

user_event_days as (
    select user_event_days.*,
    from {{ ref('int_user_event_days_counted') }} as user_event_days
    {% if is_incremental() %}
        cross join catalog_version
        where
            {{ processed_since_last_run('user_event_days.processed_at') }}
            or catalog_version.catalog_version
            <> (select max(previous.catalog_version) from {{ this }} as previous)
    {% endif %}
),

cataloged as (
    select
        user_event_days.user_id,
        user_event_days.activity_date,
        user_event_days.event_count,
        user_event_days.sessions_started,
        user_event_days.first_event_at,
        user_event_days.last_event_at,
        user_event_days.processed_at,
        catalog.feature,
        catalog.event_name is null as is_unmapped,
        coalesce(catalog.is_key_action, false) as is_key_action,
        coalesce(catalog.is_value_outcome, false) as is_value_outcome,
    from user_event_days
    left join catalog
        on user_event_days.event_name = catalog.event_name
),

daily as (
    select
        cataloged.user_id,
        cataloged.activity_date,
        cast({{ dbt.date_trunc('week', 'cataloged.activity_date') }} as date) as week_start,
        cast(sum(cataloged.event_count) as {{ dbt.type_bigint() }}) as events,
        cast(sum(case when cataloged.is_key_action then cataloged.event_count else 0 end) as {{ dbt.type_bigint() }})
            as key_actions,
        cast(sum(case when cataloged.is_value_outcome then cataloged.event_count else 0 end) as {{ dbt.type_bigint() }})
            as value_outcomes,
        cast(sum(case when cataloged.is_unmapped then cataloged.event_count else 0 end) as {{ dbt.type_bigint() }})
            as unmapped_events,
        cast(sum(cataloged.sessions_started) as {{ dbt.type_bigint() }}) as sessions,
        count(distinct cataloged.feature) as features_used,
        max(case when cataloged.is_key_action then cataloged.last_event_at end) as last_key_action_at,
        max(case when cataloged.is_value_outcome then cataloged.last_event_at end) as last_value_outcome_at,
        max(cataloged.processed_at) as processed_at,
        max(catalog_version.catalog_version) as catalog_version,
    from cataloged
    cross join catalog_version
    group by
        cataloged.user_id,
        cataloged.activity_date
)

select * from daily
