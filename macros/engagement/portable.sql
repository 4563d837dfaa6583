{#
    A select-list expression that expands each row into one row per Monday (a date) from the week of
    `start_expr` to the week of `end_expr` (date expressions), e.g.
    `select user_id, {{ week_starts_between('signed_up_at', 'as_of_date') }} as week_start from users`.
#}
{% macro week_starts_between(start_expr, end_expr) %}
    {{ return(adapter.dispatch('week_starts_between', 'engagement')(start_expr, end_expr)) }}
{% endmacro %}

{% macro duckdb__week_starts_between(start_expr, end_expr) -%}
    cast(unnest(generate_series(
        cast({{ dbt.date_trunc('week', start_expr) }} as date),
        cast({{ dbt.date_trunc('week', end_expr) }} as date),
        interval 7 day
    )) as date)
{%- endmacro %}

{# A salted one-way hash of an e-mail: the only form in which e-mails may reach the marts. #}
{% macro hash_email(column) %}
    {{ return(adapter.dispatch('hash_email', 'engagement')(column)) }}
{% endmacro %}

{% macro duckdb__hash_email(column) -%}
    case when {{ column }} is not null
        then sha256('{{ env_var("ENGAGEMENT_EMAIL_SALT", "engagement-demo-salt") }}' || {{ column }})
    end
{%- endmacro %}
