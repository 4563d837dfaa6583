{{ config(materialized='table') }}
{#- A table, not a staging view: a dozen reconciliation and threshold tests read it, and as a view each
    of them re-scanned every raw table (at 10M events about 6 s per test).
    One row per raw row that no staging model could use, with the first rule it broke. Reads every
    source table through the same rules macro the staging models use, so the two always partition
    the raw rows between them. -#}
-- noqa: disable=LT02,AL05

with

{% for source_table, spec in quarantine_rules().items() | sort %}
{%- set source_name, table_name = source_table.split('.') %}
{{ source_name }}_{{ table_name }} as (
    select
        '{{ source_table }}' as source_table,
        cast({{ spec['key'] }} as {{ dbt.type_string() }}) as row_key,
        {{ quarantine_reason(source_table) }} as quarantine_reason,
        {{ row_to_json('raw_rows') }} as raw_row,
    from {{ source(source_name, table_name) }} as raw_rows
),
{% endfor %}

quarantined as (
{%- for source_table in quarantine_rules().keys() | sort %}
    select * from {{ source_table.replace('.', '_') }}
    where quarantine_reason is not null
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
)

select * from quarantined
