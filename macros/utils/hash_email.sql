{# A salted one-way hash of an e-mail: the only form in which e-mails may reach the marts. #}
{% macro hash_email(column) %}
    {{ return(adapter.dispatch('hash_email', 'engagement')(column)) }}
{% endmacro %}

{% macro duckdb__hash_email(column) -%}
    case when {{ column }} is not null
        then sha256('{{ env_var("ENGAGEMENT_EMAIL_SALT", "engagement-demo-salt") }}' || {{ column }})
    end
{%- endmacro %}
