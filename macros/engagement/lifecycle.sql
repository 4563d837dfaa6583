{#
    The lifecycle segment rules, in priority order: the first rule that holds gives the segment, so every
    row gets exactly one. Each rule is [segment, condition, reason]; the reason is a SQL expression
    quoting the values and thresholds that placed the row there. Inputs are columns of the calling
    model (same names at user and account grain) and `thresholds` (the segment_thresholds seed);
    `power_condition` differs by grain.
#}
{% macro lifecycle_rules(power_condition, power_reason) %}
    {% set text = dbt.type_string() %}
    {% set days_idle = "coalesce(cast(days_since_last_key_action as " ~ text ~ "), 'never')" %}
    {{ return(engagement.in_governed_order('lifecycle_segment', [
        ['churned', 'has_churned', "'account subscription ended'"],
        ['not_activated', 'not is_activated', "'activation milestones (seed activation_milestones) not all reached'"],
        ['dormant',
            'coalesce(days_since_last_key_action >= thresholds.dormant_days, true)',
            "'days_since_last_key_action ' || " ~ days_idle ~ " || ' >= dormant_days '"
            ~ " || cast(thresholds.dormant_days as " ~ text ~ ")"],
        ['resurrected',
            'key_actions > 0 and coalesce(prev_days_since_last_key_action >= thresholds.dormant_days, false)',
            "'key action after ' || cast(prev_days_since_last_key_action as " ~ text ~ ")"
            ~ " || ' idle days >= dormant_days ' || cast(thresholds.dormant_days as " ~ text ~ ")"],
        ['new',
            'weeks_since_activation < thresholds.new_user_weeks',
            "'activated ' || cast(weeks_since_activation as " ~ text ~ ") || ' weeks ago < new_user_weeks '"
            ~ " || cast(thresholds.new_user_weeks as " ~ text ~ ")"],
        ['declining',
            'key_actions_prev_2_weeks > 0'
            ~ ' and key_actions_prev_week <= key_actions_prev_2_weeks * (1 - thresholds.declining_drop_rate)'
            ~ ' and key_actions <= key_actions_prev_week * (1 - thresholds.declining_drop_rate)',
            "'key actions ' || cast(key_actions_prev_2_weeks as " ~ text ~ ") || ' -> '"
            ~ " || cast(key_actions_prev_week as " ~ text ~ ") || ' -> ' || cast(key_actions as " ~ text ~ ")"
            ~ " || ', each down >= declining_drop_rate ' || cast(thresholds.declining_drop_rate as " ~ text ~ ")"],
        ['power', power_condition, power_reason],
        ['habitual',
            'active_weeks_l4 >= thresholds.habitual_min_active_weeks',
            "'active ' || cast(active_weeks_l4 as " ~ text ~ ") || ' of last 4 weeks >= habitual_min_active_weeks '"
            ~ " || cast(thresholds.habitual_min_active_weeks as " ~ text ~ ")"],
        ['casual', 'true',
            "'active ' || cast(active_weeks_l4 as " ~ text ~ ") || ' of last 4 weeks < habitual_min_active_weeks '"
            ~ " || cast(thresholds.habitual_min_active_weeks as " ~ text ~ ")"],
    ])) }}
{% endmacro %}

{# Case expression: the segment of the first rule that holds. #}
{% macro first_matching_rule(rules) -%}
    case
        {%- for rule in rules %}
            when {{ rule[1] }} then '{{ rule[0] }}'
        {%- endfor %}
    end
{%- endmacro %}

{# Case expression: the reason of the first rule that holds. #}
{% macro first_matching_reason(rules) -%}
    case
        {%- for rule in rules %}
            when {{ rule[1] }} then {{ rule[2] }}
        {%- endfor %}
    end
{%- endmacro %}

{#
    The engagement tier rules (go-to-market archetypes), in priority order, same shape as lifecycle_rules:
    power_user = high frequency (key actions l28) and broad use; early_adopter = fast time-to-value and
    advanced features; renewer = steady weekly use; explorer = the rest (irregular, shallow).
    Inputs: key_actions_l28, features_adopted_to_date, days_to_first_value,
    advanced_features_adopted_to_date, active_weeks_l4 and `thresholds`.
#}
{% macro engagement_tier_rules() %}
    {% set text = dbt.type_string() %}
    {{ return(engagement.in_governed_order('engagement_tier', [
        ['power_user',
            'key_actions_l28 >= thresholds.power_min_key_actions_l28'
            ~ ' and features_adopted_to_date >= thresholds.power_min_features_adopted',
            "'key actions l28 ' || cast(key_actions_l28 as " ~ text ~ ") || ' >= power_min_key_actions_l28 '"
            ~ " || cast(thresholds.power_min_key_actions_l28 as " ~ text ~ ") || ', features used '"
            ~ " || cast(features_adopted_to_date as " ~ text ~ ") || ' >= power_min_features_adopted '"
            ~ " || cast(thresholds.power_min_features_adopted as " ~ text ~ ")"],
        ['early_adopter',
            'days_to_first_value <= thresholds.early_adopter_max_days_to_value'
            ~ ' and advanced_features_adopted_to_date >= thresholds.early_adopter_min_advanced_features',
            "'first value after ' || cast(round(days_to_first_value, 1) as " ~ text ~ ")"
            ~ " || ' days <= early_adopter_max_days_to_value '"
            ~ " || cast(thresholds.early_adopter_max_days_to_value as " ~ text ~ ") || ', advanced features '"
            ~ " || cast(advanced_features_adopted_to_date as " ~ text ~ ") || ' >= '"
            ~ " || cast(thresholds.early_adopter_min_advanced_features as " ~ text ~ ")"],
        ['renewer',
            'active_weeks_l4 >= thresholds.renewer_min_active_weeks',
            "'active ' || cast(active_weeks_l4 as " ~ text ~ ") || ' of last 4 weeks >= renewer_min_active_weeks '"
            ~ " || cast(thresholds.renewer_min_active_weeks as " ~ text ~ ")"],
        ['explorer', 'true', "'none of power_user, early_adopter, renewer'"],
    ])) }}
{% endmacro %}

{#
    The lifecycle ladder used to call a transition a progression or a regression: higher is healthier.
    Every segment of lifecycle_rules has a rank (macro governed_values); '(entered)' and unknown values are 0.
#}
{% macro lifecycle_segment_ranks() %}
    {%- set ranks = {} -%}
    {%- for segment in engagement.governed_values()['lifecycle_segment'] -%}
        {%- do ranks.update({segment['value']: segment['rank']}) -%}
    {%- endfor -%}
    {{ return(ranks) }}
{% endmacro %}

{#
    The rules of a segmentation in the order and with the names of its governed list (macro
    governed_values); a rule list that drifts from it fails compilation with one message.
#}
{% macro in_governed_order(list_name, rules) %}
    {%- set names = [] -%}
    {%- for rule in rules -%}
        {%- do names.append(rule[0]) -%}
    {%- endfor -%}
    {%- set governed = engagement.governed_value_names(list_name) -%}
    {%- if names != governed -%}
        {{ exceptions.raise_compiler_error(
            "The " ~ list_name ~ " rules (" ~ names | join(', ') ~ ") differ from the governed list ("
            ~ governed | join(', ') ~ ", macro governed_values): change both together."
        ) }}
    {%- endif -%}
    {{ return(rules) }}
{% endmacro %}

{% macro lifecycle_segment_rank(column) -%}
    case {{ column }}
        {%- for segment, rank in lifecycle_segment_ranks().items() %}
            when '{{ segment }}' then {{ rank }}
        {%- endfor %}
        else 0
    end
{%- endmacro %}
