{#
    Models land in the schema named by their folder's +schema (staging, intermediate, marts, ml, seeds)
    rather than dbt's default `<target schema>_<custom>`, so BI tools see stable schema names.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
