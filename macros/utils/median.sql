{#
    The median of a numeric expression, as an aggregate (nulls ignored; null when there is no value).
    Dispatched: ANSI percentile_cont by default, DuckDB's median.
#}
{% macro median(expression) %}
    {{ return(adapter.dispatch('median', 'engagement')(expression)) }}
{% endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}
