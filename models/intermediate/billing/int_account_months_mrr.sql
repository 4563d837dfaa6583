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

first_paid as (
    select
        account_id,
        min(paid_from_at) as first_paid_at,
    from paying_spells
    group by 1
),

account_months as (
    select
        first_paid.account_id,
        {{ engagement.period_starts_between('first_paid.first_paid_at', 'build_context.as_of_date', 'month') }}
            as month_start,
    from first_paid
    cross join build_context
),

-- each month is observed at its end, or at the as-of cut-off for the current month
observed_months as (
    select
        account_months.account_id,
        account_months.month_start,
        least(
            {{ dbt.dateadd('month', 1, 'account_months.month_start') }},
            build_context.as_of_cutoff_at
        ) as observed_until_at,
    from account_months
    cross join build_context
),

month_end_mrr as (
    select
        observed_months.account_id,
        observed_months.month_start,
        observed_months.observed_until_at,
        coalesce(sum(subscription_states.mrr_usd), 0) as mrr_usd,
    from observed_months
    left join subscription_states
        on
            observed_months.account_id = subscription_states.account_id
            and observed_months.observed_until_at > subscription_states.effective_at
            and (
                subscription_states.valid_to_at is null
                or observed_months.observed_until_at <= subscription_states.valid_to_at
            )
    group by 1, 2, 3
),

-- an account's rows start with the first month that closes with MRR
from_first_paying_month as (
    select
        *,
        min(case when mrr_usd > 0 then month_start end) over (partition by account_id) as first_paying_month,
    from month_end_mrr
),

account_months_mrr as (
    select
        account_id,
        month_start,
        observed_until_at,
        mrr_usd,
        coalesce(lag(mrr_usd) over account_history, 0) as previous_mrr_usd,
        row_number() over account_history > 1 as has_paid_before,
    from from_first_paying_month
    where month_start >= first_paying_month
    window account_history as (partition by account_id order by month_start)
)

select * from account_months_mrr
