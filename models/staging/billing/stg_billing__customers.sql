with

customers as (
    select * from {{ source('billing', 'customers') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('billing.customers') }} as quarantine_reason,
    from customers
),

cleaned as (
    select
        trim(customer_id) as customer_id,
        {{ clean_id('account_id') }} as account_id,
        {{ normalize_email('email') }} as email,
        {{ email_domain('email') }} as email_domain,
        created_at,
    from checked
    where quarantine_reason is null
)

select * from cleaned
