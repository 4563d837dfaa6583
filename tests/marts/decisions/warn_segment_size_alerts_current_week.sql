{#- Warns with one row and one printed message per segment-size alert of the as-of week
    (segment_size_alerts.is_current_week): the segment, its share against its baseline and the reason; a
    collapse (a segment emptied or swallowing most members) says it is likely a tracking or definition
    problem. -#}
{{ config(severity='warn', store_failures=true) }}

{%- set failing_sql %}
with

alerts as (
    select * from {{ ref('segment_size_alerts') }}
)

select
    grain,
    segment_type,
    segment,
    alert_type,
    {{ dbt.concat([
        "'Segment-size alert ('", "grain", "' grain, '", "segment_type", "', week '",
        "cast(week_start as " ~ dbt.type_string() ~ ")", "'): '", "alert_reason",
        "'. See marts.segment_size_alerts.'",
    ]) }} as message
from alerts
where is_current_week
{%- endset %}

{{ log_failing_messages(failing_sql, 'warn') }}
