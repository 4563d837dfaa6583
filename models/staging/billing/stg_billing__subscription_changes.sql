with

subscription_changes as (
    select * from {{ source('billing', 'subscription_changes') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('billing.subscription_changes') }} as quarantine_reason,
    from subscription_changes
),

cleaned as (
    select
        trim(change_id) as change_id,
        trim(subscription_id) as subscription_id,
        {{ clean_id('customer_id') }} as customer_id,
        lower(trim(change_type)) as change_type,
        {{ clean_id('plan_id') }} as plan_id,
        seats,
        effective_at,
        coalesce(cancel_at_period_end, false) as is_cancel_at_period_end,
    from checked
    where quarantine_reason is null
)

select * from cleaned
