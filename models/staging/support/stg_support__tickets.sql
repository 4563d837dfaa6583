with

tickets as (
    select * from {{ source('support', 'tickets') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('support.tickets') }} as quarantine_reason,
    from tickets
),

cleaned as (
    select
        trim(ticket_id) as ticket_id,
        {{ normalize_email('requester_email') }} as requester_email,
        {{ email_domain('requester_email') }} as requester_email_domain,
        created_at,
        case when first_response_at >= created_at then first_response_at end as first_responded_at,
        case when solved_at >= created_at then solved_at end as solved_at,
        coalesce(lower(trim(status)), 'unknown') as status,
        coalesce(lower(trim(priority)), 'unknown') as priority,
        coalesce(lower(trim(channel)), 'unknown') as channel,
        coalesce(lower(trim(category)), 'unknown') as category,
        case when csat_score between 1 and 5 then csat_score end as csat_score,
    from checked
    where quarantine_reason is null
)

select * from cleaned
