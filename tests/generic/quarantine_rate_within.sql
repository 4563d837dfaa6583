{#
    A broken feed fails loudly: the share of a raw table's rows that were quarantined must not exceed
    `max_rate` (default var('max_quarantine_rate')). Apply to the quarantine model, once per source table.
#}
{% test quarantine_rate_within(model, raw_relation, source_table, max_rate=none) %}

{%- set threshold = max_rate if max_rate is not none else var('max_quarantine_rate') %}

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
)

select * from shares
where quarantine_rate > max_rate

{% endtest %}
