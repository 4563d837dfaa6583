{#
    False-discovery control for readouts that test many arms x metrics x segments at once.

    two_sided_p_value(z): the two-sided p-value 2 (1 - Phi(|z|)) of a standard-normal statistic, with the
    Abramowitz-Stegun 26.2.17 polynomial (absolute error below 7.5e-8; portable SQL: exp, sqrt, abs only).
    Null z gives null.

    p_value_adjustment_columns / adjusted_p_value: the p-values of one family (rows sharing `partition_by`)
    adjusted by the governed method var('multiple_comparison_method'):
      - 'holm' (Holm-Bonferroni step-down, controls the family-wise error rate): with the m non-null
        p-values sorted ascending, p_(k) adjusted = max over j <= k of min(1, (m - j + 1) p_(j));
      - 'bh' (Benjamini-Hochberg step-up, controls the false discovery rate): p_(k) adjusted =
        min over j >= k of min(1, m p_(j) / j).
    A row is a discovery when its adjusted p-value is below var('multiple_comparison_alpha').
    Window functions cannot nest, so the rank and the family size come first (one CTE), the adjusted
    value in the next: select {{ p_value_adjustment_columns('p', 'family', 'key') }} ... then
    {{ adjusted_p_value('p', 'family') }}. `order_key` breaks ties between equal p-values, so the ranks
    (and with Holm's running maximum, nothing else) never depend on row order.
#}

{% macro two_sided_p_value(z) -%}
    {%- set x = 'abs(' ~ z ~ ')' -%}
    {%- set t = '(1.0 / (1.0 + 0.2316419 * ' ~ x ~ '))' -%}
    (2.0 * exp(-0.5 * {{ x }} * {{ x }}) / sqrt(2.0 * pi()) * (
        0.319381530 * {{ t }}
        - 0.356563782 * power({{ t }}, 2)
        + 1.781477937 * power({{ t }}, 3)
        - 1.821255978 * power({{ t }}, 4)
        + 1.330274429 * power({{ t }}, 5)
    ))
{%- endmacro %}

{% macro multiple_comparison_method() -%}
    {%- set method = var('multiple_comparison_method') | lower -%}
    {%- if method not in ['holm', 'bh'] -%}
        {{ exceptions.raise_compiler_error(
            "var multiple_comparison_method must be 'holm' or 'bh', got '" ~ method ~ "'") }}
    {%- endif -%}
    {{ return(method) }}
{%- endmacro %}

{% macro p_value_adjustment_columns(p_value, partition_by, order_key) -%}
    row_number() over (
        partition by {{ partition_by }} order by {{ p_value }} nulls last, {{ order_key }}
    ) as p_value_rank,
    count({{ p_value }}) over (partition by {{ partition_by }}) as comparisons_in_family,
{%- endmacro %}

{% macro adjusted_p_value(p_value, partition_by) -%}
    {%- if engagement.multiple_comparison_method() == 'holm' -%}
        case when {{ p_value }} is not null then least(1.0, max(
            (comparisons_in_family - p_value_rank + 1) * {{ p_value }}
        ) over (
            partition by {{ partition_by }} order by p_value_rank
            rows between unbounded preceding and current row
        )) end
    {%- else -%}
        case when {{ p_value }} is not null then least(1.0, min(
            comparisons_in_family * {{ p_value }} / p_value_rank
        ) over (
            partition by {{ partition_by }} order by p_value_rank desc
            rows between unbounded preceding and current row
        )) end
    {%- endif -%}
{%- endmacro %}
