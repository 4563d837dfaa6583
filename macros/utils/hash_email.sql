{#
    A salted one-way hash of an e-mail: the only form in which e-mails may reach the marts.
    The salt is ENGAGEMENT_EMAIL_SALT; without it the public demo salt below is used, which anyone can
    use to reverse the hashes with a dictionary of e-mails. Demo or production is told apart by the salt
    itself (see email_salt_check and RAW_DATA_CONTRACT.md, "E-mail hashes"): the build says loudly when it
    hashes with the demo salt, refuses to when ENGAGEMENT_ENV=production, and the CRM export
    (src/engagement/export.py, which recognises demo-salt hashes) refuses to publish them unless
    ENGAGEMENT_ENV=demo.
#}
{% macro hash_email(column) %}
    {{ return(adapter.dispatch('hash_email', 'engagement')(column)) }}
{% endmacro %}

{% macro duckdb__hash_email(column) -%}
    case when {{ column }} is not null
        then sha256('{{ engagement.email_salt() | replace("'", "''") }}' || {{ column }})
    end
{%- endmacro %}

{# The public demo salt (also DEMO_EMAIL_SALT in src/engagement/export.py; a test keeps them equal). #}
{% macro demo_email_salt() %}
    {{ return('engagement-demo-salt') }}
{% endmacro %}

{# The salt e-mails are hashed with: ENGAGEMENT_EMAIL_SALT, else the public demo salt. #}
{% macro email_salt() %}
    {% set own = env_var('ENGAGEMENT_EMAIL_SALT', '') %}
    {{ return(own if own | length > 0 else engagement.demo_email_salt()) }}
{% endmacro %}

{#
    Called by the on-run-start hook: says loudly when e-mails are hashed with the public demo salt, and
    returns the problem (a string) when ENGAGEMENT_ENV=production asks for a salt of its own; else none.
#}
{% macro email_salt_check() %}
    {% set environment = env_var('ENGAGEMENT_ENV', '') | lower %}
    {% if engagement.email_salt() != engagement.demo_email_salt() %}
        {{ return(none) }}
    {% elif environment == 'production' %}
        {{ return('ENGAGEMENT_ENV=production but ENGAGEMENT_EMAIL_SALT is not set (or is the public demo salt'
            ~ ' "' ~ engagement.demo_email_salt() ~ '"): e-mail hashes would be reversible with a dictionary.'
            ~ ' Fix: set ENGAGEMENT_EMAIL_SALT to a secret of your own (keep it stable: it keys the CRM match).') }}
    {% else %}
        {% do log('E-mail salt: ENGAGEMENT_EMAIL_SALT is not set, so e-mail hashes use the public DEMO salt "'
            ~ engagement.demo_email_salt() ~ '" (reversible with a dictionary of e-mails). Fine for demo data;'
            ~ ' for real e-mails set ENGAGEMENT_EMAIL_SALT. The CRM export refuses to publish these hashes'
            ~ ' unless ENGAGEMENT_ENV=demo' ~ (' (set: demo run).' if environment == 'demo' else '.'), info=true) %}
        {{ return(none) }}
    {% endif %}
{% endmacro %}
