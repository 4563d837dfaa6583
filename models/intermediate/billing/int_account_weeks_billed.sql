with

subscription_states as (
    select * from {{ ref('int_subscription_changes_priced') }}
),

paying_spells as (
    select * from {{ ref('int_account_paying_spells') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

account_starts as (
    select
        subscription_states.account_id,
        cast({{ dbt.date_trunc('week', 'min(subscription_states.effective_at)') }} as date) as first_week_start,
    from subscription_states
    cross join build_context
    where
        subscription_states.account_id is not null
        and subscription_states.effective_at < build_context.as_of_cutoff_at
    group by 1
),

account_weeks as (
    select
        account_starts.account_id,
        account_starts.first_week_start,
        {{ engagement.period_starts_between('account_starts.first_week_start', 'build_context.as_of_date', 'week') }}
            as week_start,
    from account_starts
    cross join build_context
),

-- each week is observed at its end, or at the as-of cut-off for the current week
observed_weeks as (
    select
        account_weeks.account_id,
        account_weeks.week_start,
        account_weeks.first_week_start,
        least(
            {{ dbt.dateadd('day', 7, 'account_weeks.week_start') }},
            build_context.as_of_cutoff_at
        ) as observed_until_at,
    from account_weeks
    cross join build_context
),

-- the state of every subscription of the account at the observation: its latest change before it
states_at_week_end as (
    select
        observed_weeks.account_id,
        observed_weeks.week_start,
        subscription_states.subscription_id,
        subscription_states.status,
        subscription_states.plan_tier,
        subscription_states.plan_tier_rank,
        subscription_states.billing_interval,
        subscription_states.seats,
        subscription_states.mrr_usd,
        case
            when subscription_states.status = 'active' and subscription_states.mrr_usd > 0
                then {{ engagement.next_period_end(
                    'cast(subscription_states.billing_anchor_at as date)',
                    'subscription_states.months_per_interval',
                    'cast(' ~ dbt.dateadd('day', -1, 'observed_weeks.observed_until_at') ~ ' as date)',
                ) }}
        end as next_renewal_date,
        row_number() over (
            partition by observed_weeks.account_id, observed_weeks.week_start
            order by
                subscription_states.plan_tier_rank desc nulls last,
                subscription_states.mrr_usd desc nulls last,
                subscription_states.subscription_id asc
        ) as in_force_rank,
    from observed_weeks
    inner join subscription_states
        on
            observed_weeks.account_id = subscription_states.account_id
            and observed_weeks.observed_until_at > subscription_states.effective_at
            and (
                subscription_states.valid_to_at is null
                or observed_weeks.observed_until_at <= subscription_states.valid_to_at
            )
    where subscription_states.status != 'ended'
),

week_totals as (
    select
        account_id,
        week_start,
        coalesce(sum(mrr_usd), 0) as mrr_usd,
        sum(seats) as seats,
        max(case when status = 'active' and mrr_usd > 0 then 1 else 0 end) = 1 as has_renewing_subscription,
        max(case when status = 'trialing' then 1 else 0 end) = 1 as has_trial,
        max(case when mrr_usd is null then 1 else 0 end) = 1 as has_unpriced_subscription,
        min(next_renewal_date) as next_renewal_date,
        max(case when in_force_rank = 1 then plan_tier end) as plan_tier,
        max(case when in_force_rank = 1 then billing_interval end) as billing_interval,
    from states_at_week_end
    group by 1, 2
),

spells_so_far as (
    select
        observed_weeks.account_id,
        observed_weeks.week_start,
        max(paying_spells.paid_until_at) as latest_paid_until_at,
    from observed_weeks
    inner join paying_spells
        on
            observed_weeks.account_id = paying_spells.account_id
            and observed_weeks.observed_until_at > paying_spells.paid_from_at
    group by 1, 2
),

assembled as (
    select
        observed_weeks.account_id,
        observed_weeks.week_start,
        observed_weeks.observed_until_at,
        coalesce(week_totals.mrr_usd, 0) as mrr_usd,
        coalesce(week_totals.mrr_usd, 0) > 0 as is_paying,
        spells_so_far.account_id is not null as has_paid_before,
        coalesce(week_totals.has_renewing_subscription, false) as has_renewing_subscription,
        coalesce(week_totals.has_trial, false) as has_trial,
        coalesce(week_totals.has_unpriced_subscription, false) as has_unpriced_subscription,
        week_totals.account_id is not null as has_subscription_in_force,
        week_totals.plan_tier,
        week_totals.billing_interval,
        coalesce(week_totals.seats, 0) as seats,
        week_totals.next_renewal_date,
        spells_so_far.latest_paid_until_at,
        {{ dbt.datediff('observed_weeks.first_week_start', 'observed_weeks.week_start', 'week') }}
            as customer_tenure_weeks,
    from observed_weeks
    left join week_totals
        on
            observed_weeks.account_id = week_totals.account_id
            and observed_weeks.week_start = week_totals.week_start
    left join spells_so_far
        on
            observed_weeks.account_id = spells_so_far.account_id
            and observed_weeks.week_start = spells_so_far.week_start
),

account_weeks_billed as (
    select
        account_id,
        week_start,
        case
            when is_paying and has_renewing_subscription then 'active'
            when is_paying then 'canceling'
            when has_trial then 'trialing'
            when has_unpriced_subscription then 'unpriced'
            when has_subscription_in_force then 'free'
            when has_paid_before then 'churned'
            else 'never_paid'
        end as subscription_status,
        plan_tier,
        billing_interval,
        seats,
        mrr_usd,
        is_paying,
        has_paid_before and not is_paying as has_churned,
        case when not is_paying then latest_paid_until_at end as churned_at,
        next_renewal_date,
        {{ dbt.datediff(
            'cast(' ~ dbt.dateadd('day', -1, 'observed_until_at') ~ ' as date)',
            'next_renewal_date',
            'day',
        ) }} as days_to_renewal,
        customer_tenure_weeks,
        observed_until_at,
        has_unpriced_subscription,
    from assembled
)

select * from account_weeks_billed
