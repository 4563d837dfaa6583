{#
    A counted warning for a quarantine reason that hides a feed problem (the build stays right for every
    other row, and quarantine_rate_within turns a widespread problem into an error). Apply to the
    quarantine model: returns the quarantined rows of `source_table` with `reason` (warn by default) and
    logs one line naming the table, the number of rows, a few row keys, what it costs and the fix.
#}
{% test no_rows_quarantined_for(model, source_table, reason, consequence, fix) %}

{{ config(severity='warn') }}

{% if execute and flags.WHICH in ['build', 'test'] and load_relation(model) is not none %}
    {% set found = run_query("select count(*), string_agg(row_key, ', ' order by row_key) filter (where rank_in_keys <= 5)"
        ~ " from (select row_key, row_number() over (order by row_key) as rank_in_keys from " ~ model
        ~ " where source_table = '" ~ source_table ~ "' and quarantine_reason = '" ~ reason ~ "')").rows[0] %}
    {% if found[0] > 0 %}
        {% do log('WARNING quarantine: ' ~ source_table ~ ': ' ~ found[0] ~ ' row(s) quarantined as ' ~ reason
            ~ ' (e.g. ' ~ found[1] ~ '); ' ~ consequence ~ ' See stg_quarantine__rows where quarantine_reason = \''
            ~ reason ~ '\'. ' ~ fix, info=true) %}
    {% endif %}
{% endif %}

select * from {{ model }}
where source_table = '{{ source_table }}'
    and quarantine_reason = '{{ reason }}'

{% endtest %}
