{#- One row per usage segment at start (segment type, segment; 'all' for every paying account): the LTV
    estimate ARPA x gross margin / monthly churn rate, with the rows it rests on. The account-months are
    those of int_accounts_mrr_moved (the rows mrr_movements sums) from each account's first paying month on,
    complete months only; churn rate = churned account-months / account-months paying at the month's start
    (mrr_movements' logo_churn_rate_monthly, pooled over the months), with its Wilson interval (z: var
    ltv_ci_z) carried to LTV. Expected lifetime 1 / churn rate is capped at var ltv_max_months
    (also when no account churned). -#}

with

account_movements as (
    select * from {{ ref('int_accounts_mrr_moved') }}
),

account_cohorts as (
    select * from {{ ref('int_account_cohorts_segmented') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

segment_months as (
    select
        account_cohorts.segment_type,
        account_cohorts.segment,
        account_cohorts.account_id,
        account_movements.previous_mrr_usd,
        account_movements.is_paying_at_start,
        account_movements.movement_type,
    from account_cohorts
    cross join build_context
    inner join account_movements
        on
            account_cohorts.account_id = account_movements.account_id
            and account_cohorts.cohort_month <= account_movements.month_start
    where {{ dbt.dateadd('month', 1, 'account_movements.month_start') }} <= build_context.as_of_cutoff_at
),

counted as (
    select
        segment_type,
        segment,
        count(distinct account_id) as accounts,
        sum(case when is_paying_at_start then 1 else 0 end) as paying_account_months,
        sum(case when movement_type = 'churn' then 1 else 0 end) as churn_events,
        sum(case when is_paying_at_start then previous_mrr_usd else 0 end) as opening_mrr_usd,
    from segment_months
    group by
        segment_type,
        segment
),

rated as (
    select
        counted.*,
        {{ var('ltv_gross_margin_rate') }} as gross_margin_rate,
        {{ var('ltv_max_months') }} as ltv_max_months,
        counted.opening_mrr_usd / nullif(counted.paying_account_months, 0) as arpa_usd,
        cast(counted.churn_events as double) / nullif(counted.paying_account_months, 0) as churn_rate_monthly,
        {{ var('ltv_ci_z') }} as z,
    from counted
),

intervals as (
    select
        *,
        {{ wilson_bound('churn_rate_monthly', 'paying_account_months', 'z', 'lower') }} as churn_rate_ci_lower,
        {{ wilson_bound('churn_rate_monthly', 'paying_account_months', 'z', 'upper') }} as churn_rate_ci_upper,
    from rated
),

-- lifetime in months: 1 / churn rate, capped (a rate of 0 or an interval reaching 0 gets the cap)
lifetimes as (
    select
        *,
        case
            when churn_rate_monthly > 1.0 / ltv_max_months then 1.0 / churn_rate_monthly
            when churn_rate_monthly is not null then ltv_max_months
        end as expected_lifetime_months,
        case
            when churn_rate_ci_upper > 1.0 / ltv_max_months then 1.0 / churn_rate_ci_upper
            when churn_rate_ci_upper is not null then ltv_max_months
        end as lifetime_ci_lower_months,
        case
            when churn_rate_ci_lower > 1.0 / ltv_max_months then 1.0 / churn_rate_ci_lower
            when churn_rate_ci_lower is not null then ltv_max_months
        end as lifetime_ci_upper_months,
    from intervals
),

final as (
    select
        cast(lifetimes.segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(lifetimes.segment as {{ dbt.type_string() }}) as segment,
        cast(lifetimes.accounts as {{ dbt.type_bigint() }}) as accounts,
        cast(lifetimes.paying_account_months as {{ dbt.type_bigint() }}) as paying_account_months,
        cast(lifetimes.churn_events as {{ dbt.type_bigint() }}) as churn_events,
        cast(lifetimes.arpa_usd as {{ dbt.type_numeric() }}) as arpa_usd,
        cast(lifetimes.gross_margin_rate as double) as gross_margin_rate,
        cast(lifetimes.churn_rate_monthly as double) as churn_rate_monthly,
        cast(lifetimes.churn_rate_ci_lower as double) as churn_rate_ci_lower,
        cast(lifetimes.churn_rate_ci_upper as double) as churn_rate_ci_upper,
        cast(lifetimes.expected_lifetime_months as double) as expected_lifetime_months,
        cast(
            lifetimes.arpa_usd * lifetimes.gross_margin_rate * lifetimes.expected_lifetime_months
            as {{ dbt.type_numeric() }}
        ) as ltv_usd,
        cast(
            lifetimes.arpa_usd * lifetimes.gross_margin_rate * lifetimes.lifetime_ci_lower_months
            as {{ dbt.type_numeric() }}
        ) as ltv_ci_lower_usd,
        cast(
            lifetimes.arpa_usd * lifetimes.gross_margin_rate * lifetimes.lifetime_ci_upper_months
            as {{ dbt.type_numeric() }}
        ) as ltv_ci_upper_usd,
        coalesce(lifetimes.churn_rate_monthly <= 1.0 / lifetimes.ltv_max_months, false) as is_lifetime_capped,
        cast(build_context.as_of_date as date) as as_of_date,
    from lifetimes
    cross join build_context
)

select * from final
