{#
    Sort key of subscription changes that share one effective_at: the lifecycle order of the raw
    contract's change types (a start before a trial, a conversion before a plan change, an end last), as
    the governed change_type list orders them (macro governed_values).
#}
{% macro subscription_change_apply_order(change_type) -%}
    {{ engagement.governed_value_order('change_type', change_type) }}
{%- endmacro %}

{#
    The first billing-period end strictly after `observed_date` of a subscription billed every
    `months_per_interval` months from `anchor_date` (portable: dbt.dateadd / dbt.datediff only).
#}
{% macro next_period_end(anchor_date, months_per_interval, observed_date) -%}
    {%- set periods_elapsed = 'floor(' ~ dbt.datediff(anchor_date, observed_date, 'month') ~ ' / '
        ~ months_per_interval ~ ')' -%}
    case
        when {{ dbt.dateadd('month', periods_elapsed ~ ' * ' ~ months_per_interval, anchor_date) }}
            > {{ observed_date }}
            then cast({{ dbt.dateadd('month', periods_elapsed ~ ' * ' ~ months_per_interval, anchor_date) }} as date)
        else cast({{ dbt.dateadd('month', '(' ~ periods_elapsed ~ ' + 1) * ' ~ months_per_interval, anchor_date) }}
            as date)
    end
{%- endmacro %}
