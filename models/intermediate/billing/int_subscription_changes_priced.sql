with

subscription_changes as (
    select * from {{ ref('stg_billing__subscription_changes') }}
),

plans as (
    select * from {{ ref('stg_billing__plans') }}
),

fx_rates as (
    select * from {{ ref('fx_rates') }}
),

billing_intervals as (
    select * from {{ ref('billing_intervals') }}
),

plan_tiers as (
    select * from {{ ref('plan_tiers') }}
),

customers as (
    select * from {{ ref('int_billing_customers_resolved') }}
),

-- what each change type does to the lifecycle and to the trial (null: leaves it as it was)
change_effects as (
    select
        *,
        row_number() over (
            partition by subscription_id
            order by effective_at, {{ engagement.subscription_change_apply_order('change_type') }}, change_id
        ) as change_sequence,
        case
            when change_type in ('created', 'trial_started', 'trial_converted', 'reactivated') then 'open'
            when change_type = 'canceled' and is_cancel_at_period_end then 'canceling'
            when change_type in ('canceled', 'ended') then 'ended'
        end as sets_lifecycle,
        case
            when change_type = 'trial_started' then true
            when change_type in ('trial_converted', 'reactivated') then false
        end as sets_trial,
    from subscription_changes
),

-- the state after each change: values a change leaves empty carry over from the earlier changes
carried as (
    select
        change_id,
        subscription_id,
        change_type,
        change_sequence,
        effective_at,
        is_cancel_at_period_end,
        first_value(customer_id ignore nulls) over subscription_history as customer_id,
        last_value(plan_id ignore nulls) over subscription_so_far as plan_id,
        last_value(seats ignore nulls) over subscription_so_far as seats,
        coalesce(last_value(sets_lifecycle ignore nulls) over subscription_so_far, 'open') as lifecycle,
        coalesce(last_value(sets_trial ignore nulls) over subscription_so_far, false) as is_in_trial,
        lead(effective_at) over (partition by subscription_id order by change_sequence) as valid_to_at,
    from change_effects
    window
        subscription_so_far as (
            partition by subscription_id order by change_sequence
            rows between unbounded preceding and current row
        ),
        subscription_history as (
            partition by subscription_id order by change_sequence
            rows between unbounded preceding and unbounded following
        )
),

with_status as (
    select
        *,
        case
            when lifecycle = 'ended' then 'ended'
            when is_in_trial then 'trialing'
            when lifecycle = 'canceling' then 'canceling'
            else 'active'
        end as status,
    from carried
),

priced as (
    select
        with_status.change_id,
        with_status.subscription_id,
        with_status.customer_id,
        customers.account_id,
        with_status.change_type,
        with_status.change_sequence,
        with_status.effective_at,
        with_status.valid_to_at,
        with_status.status,
        with_status.is_cancel_at_period_end,
        with_status.plan_id,
        plans.tier as plan_tier,
        plan_tiers.tier_rank as plan_tier_rank,
        plans.billing_interval,
        billing_intervals.months_per_interval,
        with_status.seats,
        plans.currency,
        plans.unit_amount_minor,
        cast(
            case
                when with_status.status in ('trialing', 'ended') then 0
                else
                    cast(plans.unit_amount_minor as {{ dbt.type_numeric() }})
                    * with_status.seats
                    / billing_intervals.months_per_interval
            end as {{ dbt.type_numeric() }}
        ) as mrr_minor,
        fx_rates.minor_unit_digits,
        fx_rates.usd_per_unit,
        plans.plan_id is null as is_unknown_plan,
        plans.plan_id is not null and fx_rates.currency is null as is_unknown_currency,
        plans.plan_id is not null and billing_intervals.billing_interval is null as is_unknown_interval,
        with_status.seats is null as is_missing_seats,
        -- a paid period starts when the subscription becomes paid, or its billing interval changes
        with_status.status in ('active', 'canceling')
        and (
            lag(with_status.status) over subscription_order is null
            or lag(with_status.status) over subscription_order in ('trialing', 'ended')
            or lag(plans.billing_interval) over subscription_order != plans.billing_interval
        ) as starts_billing_period,
    from with_status
    left join plans
        on with_status.plan_id = plans.plan_id
    left join plan_tiers
        on plans.tier = plan_tiers.tier
    left join billing_intervals
        on plans.billing_interval = billing_intervals.billing_interval
    left join fx_rates
        on plans.currency = fx_rates.currency
    left join customers
        on with_status.customer_id = customers.customer_id
    window subscription_order as (partition by with_status.subscription_id order by with_status.change_sequence)
),

converted as (
    select
        change_id,
        subscription_id,
        customer_id,
        account_id,
        change_type,
        change_sequence,
        effective_at,
        valid_to_at,
        status,
        is_cancel_at_period_end,
        plan_id,
        plan_tier,
        plan_tier_rank,
        billing_interval,
        months_per_interval,
        seats,
        currency,
        unit_amount_minor,
        mrr_minor,
        cast(
            case
                when status in ('trialing', 'ended') then 0
                else mrr_minor / power(10, minor_unit_digits) * usd_per_unit
            end as {{ dbt.type_numeric() }}
        ) as mrr_usd,
        case
            when status in ('active', 'canceling')
                then last_value(case when starts_billing_period then effective_at end ignore nulls) over (
                    partition by subscription_id order by change_sequence
                    rows between unbounded preceding and current row
                )
        end as billing_anchor_at,
        is_unknown_plan,
        is_unknown_currency,
        is_unknown_interval,
        is_missing_seats,
    from priced
)

select * from converted
