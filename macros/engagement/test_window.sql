{% macro touched_window_active() -%}
    {#- Whether data tests carrying `where: __touched_window__` test only the rows the run wrote: var
        test_window 'touched' or 'all', or 'auto' (the default): touched when the invocation uses the
        daily selector, all otherwise (weekly and full runs, plain `dbt build`, `dbt test`). -#}
    {%- set mode = var('test_window', 'auto') -%}
    {%- if mode == 'auto' -%}
        {%- set args = invocation_args_dict -%}
        {{ return(args.get('selector') == 'daily' or '--selector daily' in args.get('invocation_command', '')) }}
    {%- endif -%}
    {{ return(mode == 'touched') }}
{%- endmacro %}

{% macro duckdb__get_where_subquery(relation) -%}
    {#- dbt's where filter of a data test, with one placeholder: `__touched_window__` becomes the rows of
        the tested incremental model written by its latest run (processed_at, macro run_processed_at)
        when touched_window_active(), and no filter otherwise. The test's assertion is unchanged. -#}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__touched_window__' in where -%}
        {%- set window -%}
            {%- if touched_window_active() -%}
                processed_at >= (select max(latest.processed_at) from {{ relation }} as latest)
            {%- else -%}
                1 = 1
            {%- endif -%}
        {%- endset -%}
        {%- set where = where | replace('__touched_window__', window) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
