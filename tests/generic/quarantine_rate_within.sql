{#
    A broken feed fails loudly: the share of a raw table's rows that were quarantined must not exceed
    `max_rate` (default var('max_quarantine_rate')), and above `var('quarantine_warn_fraction')` of that
    limit (half by default) the build warns. Apply to the quarantine model, once per source table.

    The test returns one row per level crossed ('warn', then 'error'), so warn_if '>0' / error_if '>1'
    turn one row into a warning and two into an error. When a level is crossed, the test also logs one line
    naming the table, the rows, the reasons and the fix (dbt's own summary only says "Got N results").
#}
{% test quarantine_rate_within(model, raw_relation, source_table, max_rate=none) %}

{{ config(warn_if='>0', error_if='>1') }}

{%- set threshold = max_rate if max_rate is not none else var('max_quarantine_rate') %}
{%- set warn_fraction = var('quarantine_warn_fraction') %}

{% set shares_sql %}
with

raw_rows as (
    select count(*) as n from {{ raw_relation }}
),

quarantined_rows as (
    select count(*) as n from {{ model }}
    where source_table = '{{ source_table }}'
),

shares as (
    select
        '{{ source_table }}' as source_table,
        quarantined_rows.n as rows_quarantined,
        raw_rows.n as rows_in,
        quarantined_rows.n * 1.0 / nullif(raw_rows.n, 0) as quarantine_rate,
        {{ threshold }} as max_rate,
    from raw_rows
    cross join quarantined_rows
),
{% endset %}

{% if execute and flags.WHICH in ['build', 'test'] and load_relation(model) is not none %}
    {% set share = run_query(shares_sql ~ ' done as (select 1) select rows_quarantined, rows_in, quarantine_rate'
        ~ ' from shares').rows[0] %}
    {% if share[2] is not none and share[2] > threshold * warn_fraction %}
        {% set reasons = run_query("select quarantine_reason, count(*) from " ~ model ~ " where source_table = '"
            ~ source_table ~ "' group by 1 order by 2 desc, 1 limit 5").rows %}
        {% set over_limit = share[2] > threshold %}
        {% do log(('ERROR' if over_limit else 'WARNING') ~ ' quarantine: ' ~ source_table ~ ': '
            ~ share[0] ~ ' of ' ~ share[1] ~ ' rows quarantined (' ~ '%.1f' | format(share[2] * 100) ~ '%), '
            ~ ('above the limit ' ~ '%g' | format(threshold * 100) ~ '% (var max_quarantine_rate)'
                if over_limit else 'above the warning level ' ~ '%g' | format(threshold * warn_fraction * 100)
                ~ '% (var quarantine_warn_fraction ' ~ warn_fraction ~ ' of max_quarantine_rate ' ~ threshold
                ~ ')') ~ '; reasons: '
            ~ reasons | map('join', ' ') | join(', ')
            ~ '. See stg_quarantine__rows where source_table = \'' ~ source_table ~ '\' (raw_row keeps each row).'
            ~ ' Fix: correct the export (RAW_DATA_CONTRACT.md) or, if the share is expected, raise the var'
            ~ ' max_quarantine_rate.', info=true) %}
    {% endif %}
{% endif %}

{{ shares_sql }}

levels as (
    select 'warn' as level, {{ warn_fraction }} as share_of_limit
    union all
    select 'error' as level, 1.0 as share_of_limit
)

select
    shares.*,
    levels.level,
from shares
cross join levels
where shares.quarantine_rate > shares.max_rate * levels.share_of_limit

{% endtest %}
