{#- Fails the build when the tracking plan leaves a required activation milestone unreached
    (tracking_plan_health.health_status = 'required_milestone_unreached'): one row and one printed message
    per milestone, naming it, its events and the fix. -#}
{{ config(severity='error', store_failures=true) }}

{%- set failing_sql %}
select
    signal_name as milestone,
    event_names,
    users_reached_in_window,
    users_active_in_window,
    users_reached_ever,
    message
from {{ ref('tracking_plan_health') }}
where health_status = 'required_milestone_unreached'
{%- endset %}

{{ log_failing_messages(failing_sql, 'error') }}
