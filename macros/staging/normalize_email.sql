{# An e-mail as a join key: trimmed, lower case, null when blank. #}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{# The domain part of a normalised e-mail, null when there is no '@'. #}
{% macro email_domain(column) -%}
    nullif({{ dbt.split_part(engagement.normalize_email(column), "'@'", 2) }}, '')
{%- endmacro %}

{# A trimmed id, null when blank. #}
{% macro clean_id(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
