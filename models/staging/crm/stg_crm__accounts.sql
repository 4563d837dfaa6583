with

accounts as (
    select * from {{ source('crm', 'accounts') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('crm.accounts') }} as quarantine_reason,
    from accounts
),

cleaned as (
    select
        trim(account_id) as account_id,
        account_name,
        nullif(lower(trim(domain)), '') as domain,
        coalesce(nullif(lower(trim(industry)), ''), 'unknown') as industry,
        case when employee_count >= 0 then employee_count end as employee_count,
        coalesce(nullif(upper(trim(region)), ''), 'UNKNOWN') as region,
        nullif(trim(csm_owner), '') as csm_owner,
        nullif(trim(csm_owner), '') is not null as has_csm_owner,
        created_at,
    from checked
    where quarantine_reason is null
)

select * from cleaned
