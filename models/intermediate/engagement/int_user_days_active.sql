{#- Daily activity per user, read through the feature catalogue. -#}

with

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

cataloged as (
    select
        user_event_days.user_id,
        user_event_days.activity_date,
        user_event_days.event_count,
        user_event_days.sessions_started,
        user_event_days.first_event_at,
        user_event_days.last_event_at,
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
        user_id,
        activity_date,
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as events,
        cast(sum(case when is_key_action then event_count else 0 end) as {{ dbt.type_bigint() }}) as key_actions,
        cast(sum(case when is_value_outcome then event_count else 0 end) as {{ dbt.type_bigint() }}) as value_outcomes,
        cast(sum(case when is_unmapped then event_count else 0 end) as {{ dbt.type_bigint() }}) as unmapped_events,
        cast(sum(sessions_started) as {{ dbt.type_bigint() }}) as sessions,
        count(distinct feature) as features_used,
        max(case when is_key_action then last_event_at end) as last_key_action_at,
        max(case when is_value_outcome then last_event_at end) as last_value_outcome_at,
    from cataloged
    group by
        user_id,
        activity_date
)

select * from daily
