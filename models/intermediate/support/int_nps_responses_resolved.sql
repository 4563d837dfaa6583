{#- One row per NPS response, resolved to a product user and account like support tickets. -#}

with

nps_responses as (
    select * from {{ ref('stg_support__nps_responses') }}
),

{{ contact_lookup_ctes() }}

resolved as (
    select
        nps_responses.response_id,
        {{ resolved_contact_columns('nps_responses', 'respondent_email', 'respondent_email_domain') }}
        nps_responses.submitted_at,
        cast({{ dbt.date_trunc('week', 'nps_responses.submitted_at') }} as date) as submitted_week,
        nps_responses.score,
        nps_responses.nps_category,
    from nps_responses
    {{ resolved_contact_joins('nps_responses', 'respondent_email', 'respondent_email_domain') }}
)

select * from resolved
