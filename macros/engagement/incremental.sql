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

{% macro definitions_version(relations) -%}
    {#- A hash of every row of the given relations (the seeds and catalogues a model applies to all of its
        history): incremental models store it per row and reprocess all history when it changes, so a
        changed threshold or catalogue reclassifies the past as a --full-refresh would. -#}
    {%- set parts = [] -%}
    {%- for relation in relations -%}
        {%- set fields = [] -%}
        {%- for column in (adapter.get_columns_in_relation(relation) if execute else []) -%}
            {%- do fields.append("coalesce(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
            {%- do fields.append("'|'") -%}
        {%- endfor -%}
        {%- if fields -%}
            {%- set row = dbt.concat(fields) -%}
            {%- do parts.append("(select " ~ dbt.listagg(row, "','", "order by " ~ row) ~ " from " ~ relation ~ ")") -%}
        {%- else -%}
            {#- columns unknown (parsing, unit-test fixtures): the row count stands in -#}
            {%- do parts.append("(select cast(count(*) as " ~ dbt.type_string() ~ ") from " ~ relation ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{% macro reprocess_from_week(default_from) -%}
    {#- The first week an incremental weekly model rewrites for a user: `default_from` (a SQL date
        expression evaluated against the CTE `previous`), or all history when the definitions the rows were
        built with (column definitions_version, macro definitions_version) differ from the current ones
        (CTE `current_definitions`). -#}
    case
        when previous.definitions_version = current_definitions.definitions_version then {{ default_from }}
        else cast('1900-01-01' as date)
    end
{%- endmacro %}

{% macro drop_detail_before_retention() -%}
    {#- Post-hook of the daily-detail models (user-event-days, user-days, event-days): with
        var('event_retention_days') set, delete the rows dated more than that many days before the as-of
        date; nothing otherwise. -#}
    {%- if var('event_retention_days') -%}
        delete from {{ this }} where activity_date < (
            select {{ dbt.dateadd('day', -1 * var('event_retention_days'), 'as_of_date') }}
            from {{ ref('int_build_context') }}
        )
    {%- endif -%}
{%- endmacro %}
