{# The text `column` when it is a valid JSON object (kept as text: nothing is re-serialised), else null. #}
{% macro parse_json_object(column) %}
    {{ return(adapter.dispatch('parse_json_object', 'engagement')(column)) }}
{% endmacro %}

{% macro duckdb__parse_json_object(column) -%}
    case when json_valid({{ column }}) and json_type({{ column }}) = 'OBJECT' then {{ column }} end
{%- endmacro %}

{# A whole row as JSON text, so a quarantined row keeps every raw value. #}
{% macro row_to_json(relation_alias) %}
    {{ return(adapter.dispatch('row_to_json', 'engagement')(relation_alias)) }}
{% endmacro %}

{% macro duckdb__row_to_json(relation_alias) -%}
    cast(to_json({{ relation_alias }}) as {{ dbt.type_string() }})
{%- endmacro %}
