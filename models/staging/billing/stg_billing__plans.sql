with

plans as (
    select * from {{ source('billing', 'plans') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('billing.plans') }} as quarantine_reason,
    from plans
),

cleaned as (
    select
        trim(plan_id) as plan_id,
        plan_name,
        coalesce(nullif(lower(trim(tier)), ''), 'unknown') as tier,
        lower(trim(billing_interval)) as billing_interval,
        unit_amount as unit_amount_minor,
        upper(trim(currency)) as currency,
    from checked
    where quarantine_reason is null
)

select * from cleaned
