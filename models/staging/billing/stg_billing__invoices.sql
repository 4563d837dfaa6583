with

invoices as (
    select * from {{ source('billing', 'invoices') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('billing.invoices') }} as quarantine_reason,
    from invoices
),

cleaned as (
    select
        trim(invoice_id) as invoice_id,
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_id('subscription_id') }} as subscription_id,
        period_start as period_start_at,
        period_end as period_end_at,
        amount_due as amount_due_minor,
        amount_paid as amount_paid_minor,
        upper(trim(currency)) as currency,
        coalesce(lower(trim(status)), 'unknown') as status,
        amount_due < 0 or amount_paid < 0 as is_credit_note,
        created_at,
    from checked
    where quarantine_reason is null
)

select * from cleaned
