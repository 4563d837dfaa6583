{#
    Resolves the e-mail column `email_column` / domain column `domain_column` of the relation aliased
    `alias` to a user and an account, the way every support record is resolved: the product user with
    that normalised e-mail (when exactly one), that user's account, else the CRM account whose domain is
    the e-mail's domain (when exactly one). Expects CTEs `users_by_email` and `unique_domains` (see
    contact_lookup_ctes) in the calling model. Yields user_id, account_id and contact_resolution.
#}
{% macro resolved_contact_columns(alias, email_column, domain_column) -%}
    users_by_email.user_id,
    coalesce(users_by_email.account_id, unique_domains.account_id) as account_id,
    case
        when users_by_email.user_id is not null and users_by_email.account_id is not null then 'user'
        when unique_domains.account_id is not null then 'email_domain'
        when users_by_email.user_id is not null then 'user_without_account'
        else 'unresolved'
    end as contact_resolution,
{%- endmacro %}

{% macro resolved_contact_joins(alias, email_column, domain_column) -%}
    left join users_by_email
        on {{ alias }}.{{ email_column }} = users_by_email.email
    left join unique_domains
        on {{ alias }}.{{ domain_column }} = unique_domains.domain
{%- endmacro %}

{# The lookup CTEs resolved_contact_* need (end with a comma). #}
{% macro contact_lookup_ctes() -%}
users_by_email as (
    select
        email,
        min(user_id) as user_id,
        min(account_id) as account_id,
    from {{ ref('int_users_stitched') }}
    where email is not null
    group by email
    having count(*) = 1
),

unique_domains as (
    select * from {{ ref('int_account_domains') }}
),
{%- endmacro %}
