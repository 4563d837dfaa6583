{#
    The SQL type of a double-precision float: `double` on DuckDB (whose `float` is single precision),
    dbt's type_float elsewhere.
#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'engagement')()) }}
{% endmacro %}

{% macro default__type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{#
    Case expression: the scorecard status of a metric value against its target. No value: 'no_data';
    no target: 'no_target'; else 'on_target' when the value reaches the target in its direction
    ('at_least': value >= target, 'at_most': value <= target; a value exactly at the target is on target),
    else 'off_target'.
#}
{% macro scorecard_status(value, target, target_direction) -%}
    case
        when {{ value }} is null then 'no_data'
        when {{ target }} is null or {{ target_direction }} is null then 'no_target'
        when {{ target_direction }} = 'at_least' and {{ value }} >= {{ target }} then 'on_target'
        when {{ target_direction }} = 'at_most' and {{ value }} <= {{ target }} then 'on_target'
        else 'off_target'
    end
{%- endmacro %}

{#
    Case expression: the band of a 0-100 score under governed cut-offs - 'red' below `red_below`,
    'green' from `green_from`, else 'yellow'; null when the score is null.
#}
{% macro score_band(score, red_below, green_from) -%}
    case
        when {{ score }} is null then null
        when {{ score }} < {{ red_below }} then 'red'
        when {{ score }} >= {{ green_from }} then 'green'
        else 'yellow'
    end
{%- endmacro %}

{#
    The mean of the non-null expressions in `expressions` (a list of SQL expressions); null when all
    are null.
#}
{% macro mean_of_available(expressions) -%}
    (
        {%- for expression in expressions %}
            coalesce({{ expression }}, 0){% if not loop.last %} +{% endif %}
        {%- endfor %}
    ) / nullif(
        {%- for expression in expressions %}
            case when {{ expression }} is not null then 1 else 0 end{% if not loop.last %} +{% endif %}
        {%- endfor %}
    , 0)
{%- endmacro %}

{#
    The phi coefficient of a 2x2 table of counts: n11 = both true, n10 = first only, n01 = second only,
    n00 = neither. (n11 n00 - n10 n01) / sqrt of the product of the four margins; null when a margin is 0.
#}
{% macro phi_coefficient(n11, n10, n01, n00) -%}
    (
        cast({{ n11 }} as {{ engagement.type_double() }}) * {{ n00 }}
        - cast({{ n10 }} as {{ engagement.type_double() }}) * {{ n01 }}
    ) / nullif(sqrt(
        cast({{ n11 }} + {{ n10 }} as {{ engagement.type_double() }})
        * ({{ n01 }} + {{ n00 }})
        * ({{ n11 }} + {{ n01 }})
        * ({{ n10 }} + {{ n00 }})
    ), 0)
{%- endmacro %}

{#
    The standard error of the difference of two independent proportions (normal approximation,
    unpooled): sqrt(p_a (1 - p_a) / n_a + p_b (1 - p_b) / n_b); null when either n is 0 or null.
#}
{% macro proportion_difference_standard_error(rate_a, n_a, rate_b, n_b) -%}
    sqrt(
        {{ rate_a }} * (1 - {{ rate_a }}) / nullif({{ n_a }}, 0)
        + {{ rate_b }} * (1 - {{ rate_b }}) / nullif({{ n_b }}, 0)
    )
{%- endmacro %}

{#
    One end of the Wilson score interval of a proportion `rate` observed on `n` members, at normal quantile
    `z`: (p + z^2/2n -/+ z sqrt(p (1 - p) / n + z^2/4n^2)) / (1 + z^2/n). `side` is 'lower' or 'upper';
    null when n is 0 or null.
#}
{% macro wilson_bound(rate, n, z, side) -%}
    {%- if side not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("wilson_bound: side must be 'lower' or 'upper', not " ~ side) }}
    {%- endif -%}
    (
        {{ rate }} + {{ z }} * {{ z }} / (2.0 * nullif({{ n }}, 0))
        {{ '-' if side == 'lower' else '+' }} {{ z }} * sqrt(
            {{ rate }} * (1 - {{ rate }}) / nullif({{ n }}, 0)
            + {{ z }} * {{ z }} / (4.0 * nullif({{ n }}, 0) * {{ n }})
        )
    ) / (1 + {{ z }} * {{ z }} / nullif({{ n }}, 0))
{%- endmacro %}
