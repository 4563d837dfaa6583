{#
    The governed value lists: the one place the names of lifecycle segments, engagement tiers, churn risk
    bands, subscription change types and MRR movement types are defined, in their governed order, with the
    lifecycle ladder rank (higher is healthier) and a description. SQL reads them through these macros,
    YAML tests through governed_value_names (accepted_values), and the quality suites and the report
    through the table the governed_values model builds from them.
#}
{% macro governed_values() %}
    {{ return({
        'lifecycle_segment': [
            {'value': 'churned', 'rank': 1, 'description': 'The account subscription ended.'},
            {'value': 'not_activated', 'rank': 4,
                'description': 'Not every milestone the activation_milestones seed requires is reached.'},
            {'value': 'dormant', 'rank': 2, 'description': 'No key action for dormant_days.'},
            {'value': 'resurrected', 'rank': 5, 'description': 'A key action after being dormant.'},
            {'value': 'new', 'rank': 7, 'description': 'Activated within new_user_weeks.'},
            {'value': 'declining', 'rank': 3,
                'description': 'Key actions down by declining_drop_rate two weeks running.'},
            {'value': 'power', 'rank': 9, 'description': 'Frequent and broad use (power thresholds).'},
            {'value': 'habitual', 'rank': 8, 'description': 'Active at least habitual_min_active_weeks of 4.'},
            {'value': 'casual', 'rank': 6, 'description': 'The rest: active fewer weeks.'},
        ],
        'engagement_tier': [
            {'value': 'power_user', 'description': 'High frequency (key actions l28) and broad feature use.'},
            {'value': 'early_adopter', 'description': 'Fast time-to-value and advanced features.'},
            {'value': 'renewer', 'description': 'Steady weekly use.'},
            {'value': 'explorer', 'description': 'The rest: irregular or shallow use.'},
        ],
        'risk_band': [
            {'value': 'low', 'description': 'churn_probability below var churn_risk_band_medium_min.'},
            {'value': 'medium', 'description': 'From churn_risk_band_medium_min to churn_risk_band_high_min.'},
            {'value': 'high', 'description': 'From var churn_risk_band_high_min.'},
        ],
        'change_type': [
            {'value': 'created', 'description': 'A subscription starts.'},
            {'value': 'trial_started', 'description': 'A trial starts (no MRR).'},
            {'value': 'trial_converted', 'description': 'The trial becomes paid.'},
            {'value': 'reactivated', 'description': 'A canceled subscription is resumed.'},
            {'value': 'plan_changed', 'description': 'The plan changes.'},
            {'value': 'seats_changed', 'description': 'The seat count changes.'},
            {'value': 'canceled', 'description': 'Notice given; paid until the period end.'},
            {'value': 'ended', 'description': 'The subscription ends (MRR stops).'},
        ],
        'mrr_movement_type': [
            {'value': 'new', 'description': 'First month closing with MRR.'},
            {'value': 'expansion', 'description': 'MRR up while paying at both month ends.'},
            {'value': 'contraction', 'description': 'MRR down while still paying.'},
            {'value': 'churn', 'description': 'Stopped paying (whole opening MRR lost).'},
            {'value': 'reactivation', 'description': 'Paying again after a gap.'},
            {'value': 'flat', 'description': 'MRR unchanged.'},
        ],
    }) }}
{% endmacro %}

{# The names of one governed list, in its governed order (for accepted_values and Jinja loops). #}
{% macro governed_value_names(list_name) %}
    {%- set lists = engagement.governed_values() -%}
    {%- if list_name not in lists -%}
        {{ exceptions.raise_compiler_error(
            "governed_value_names: unknown list '" ~ list_name ~ "'; known: " ~ lists.keys() | join(', ')
        ) }}
    {%- endif -%}
    {{ return(lists[list_name] | map(attribute='value') | list) }}
{% endmacro %}

{# A SQL case expression: the 1-based governed position of `column` in `list_name` (null if unknown). #}
{% macro governed_value_order(list_name, column) -%}
    case {{ column }}
        {%- for value in engagement.governed_value_names(list_name) %}
            when '{{ value }}' then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}
