{#- Warns when tracked events stopped firing (tracking_plan_health.health_status = 'stopped_firing'): one
    row and one printed message naming every such event with its recent and expected volume; and one row
    per milestone that activation does not require but nobody ever reached. -#}
{{ config(severity='warn', store_failures=true) }}

{%- set failing_sql %}
with

health as (
    select * from {{ ref('tracking_plan_health') }}
),

stopped as (
    select
        count(*) as stopped_events,
        {{ dbt.listagg('message', "'; '", 'order by signal_name') }} as event_list
    from health
    where health_status = 'stopped_firing'
),

stopped_message as (
    select
        'stopped_firing' as health_status,
        {{ dbt.concat([
            "'Tracking plan: '", "cast(stopped_events as " ~ dbt.type_string() ~ ")",
            "' tracked event(s) stopped firing: '", "event_list",
            "'. Their features, milestones and key-action counts read as lost usage from then on. Fix: check'",
            "' the tracking of those events (SDK release, renamed event); if retired on purpose, remove them'",
            "' from app/tracking_plan.'",
        ]) }} as message
    from stopped
    where stopped_events > 0
),

never_reached_message as (
    select
        health_status,
        {{ dbt.concat([
            "'Tracking plan: '", "message",
            "'. Onboarding measures of it read 0. Fix: correct the tracking of those events, or mark the'",
            "' event that means it in app/tracking_plan or seeds/feature_catalog.csv.'",
        ]) }} as message
    from health
    where health_status = 'milestone_never_reached'
)

select * from stopped_message
union all
select * from never_reached_message
{%- endset %}

{{ log_failing_messages(failing_sql, 'warn') }}
