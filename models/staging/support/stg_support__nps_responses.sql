with

nps_responses as (
    select * from {{ source('support', 'nps_responses') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('support.nps_responses') }} as quarantine_reason,
    from nps_responses
),

cleaned as (
    select
        trim(response_id) as response_id,
        {{ normalize_email('respondent_email') }} as respondent_email,
        {{ email_domain('respondent_email') }} as respondent_email_domain,
        submitted_at,
        score,
        case
            when score >= 9 then 'promoter'
            when score >= 7 then 'passive'
            else 'detractor'
        end as nps_category,
    from checked
    where quarantine_reason is null
)

select * from cleaned
