{#- One row per support ticket, resolved to a product user and account (macro resolved_contact_columns),
    with response and resolution times in hours. Unresolved tickets are kept and counted. -#}

with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

{{ contact_lookup_ctes() }}

resolved as (
    select
        tickets.ticket_id,
        {{ resolved_contact_columns('tickets', 'requester_email', 'requester_email_domain') }}
        tickets.created_at,
        cast({{ dbt.date_trunc('week', 'tickets.created_at') }} as date) as created_week,
        tickets.first_responded_at,
        tickets.solved_at,
        tickets.status,
        tickets.priority,
        tickets.channel,
        tickets.category,
        tickets.csat_score,
        tickets.priority = 'urgent' as is_urgent,
        {{ dbt.datediff('tickets.created_at', 'tickets.first_responded_at', 'minute') }} / 60.0  -- noqa: LT05
            as first_response_hours,
        {{ dbt.datediff('tickets.created_at', 'tickets.solved_at', 'minute') }} / 60.0  -- noqa: LT05
            as resolution_hours,
    from tickets
    {{ resolved_contact_joins('tickets', 'requester_email', 'requester_email_domain') }}
)

select * from resolved
