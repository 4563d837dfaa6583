{#
    A select-list expression that expands each row into one row per period start (a date) from the
    period of `start_expr` to the period of `end_expr`, for `datepart` 'week' (Mondays) or 'month'
    (first days), e.g. `select account_id, {{ period_starts_between('first_at', 'as_of_date', 'month') }}
    as month_start from accounts`.
#}
{% macro period_starts_between(start_expr, end_expr, datepart) %}
    {{ return(adapter.dispatch('period_starts_between', 'engagement')(start_expr, end_expr, datepart)) }}
{% endmacro %}

{% macro duckdb__period_starts_between(start_expr, end_expr, datepart) -%}
    cast(unnest(generate_series(
        cast({{ dbt.date_trunc(datepart, start_expr) }} as date),
        cast({{ dbt.date_trunc(datepart, end_expr) }} as date),
        interval 1 {{ datepart }}
    )) as date)
{%- endmacro %}

{#
    The keyword that makes a CTE computed once however often it is read (`name as {{ materialized_cte() }} (...)`),
    where the warehouse has one; elsewhere nothing (the CTE is then inlined as usual).
#}
{% macro materialized_cte() %}
    {{ return(adapter.dispatch('materialized_cte', 'engagement')()) }}
{% endmacro %}

{% macro default__materialized_cte() %}{% endmacro %}

{% macro duckdb__materialized_cte() %}materialized{% endmacro %}

{% macro postgres__materialized_cte() %}materialized{% endmacro %}
