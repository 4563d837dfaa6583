{#- The mean of a floating-point expression, the same bit for bit whatever order the rows are added in:
    each value is cast to a decimal with var('measure_decimals') decimals first, so the sum is exact
    (integer arithmetic) and only the final division is a float. A float sum depends on the order the
    engine adds the rows in (threads, row groups), and a downstream fit or threshold can amplify that.
    Integer and decimal inputs need no wrapper: their sums are exact already. -#}
{% macro exact_avg(expression) -%}
    avg(cast({{ expression }} as decimal(38, {{ var('measure_decimals') }})))
{%- endmacro %}
