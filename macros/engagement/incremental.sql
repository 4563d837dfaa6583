{% macro run_processed_at() -%}
    {#- The start of this dbt invocation as a timestamp: the per-row marker of the run that last wrote a
        row, which downstream incremental models use as their high-water mark. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro processed_since_last_run(column, this_column='processed_at') -%}
    {#- The predicate selecting the upstream rows written after the latest run recorded in {{ this }}
        (every row on a first or full-refresh build, or when {{ this }} is empty). -#}
    {%- if is_incremental() -%}
        coalesce({{ column }} > (select max(previous.{{ this_column }}) from {{ this }} as previous), true)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
