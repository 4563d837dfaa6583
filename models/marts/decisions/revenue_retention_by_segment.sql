{#- One row per usage segment at start (segment type, segment) and month since start: the revenue and logo
    retention curve of the account cohorts that started paying, split by the segment each account was in at
    the end of its first paying month. Revenue retention = what the cohorts' accounts pay at the end of month
    k over what they paid at the end of their first month (expansion counts, so it can exceed 1); only
    complete months are observed, so each point pools the cohorts old enough to have reached it. Movements
    come from int_accounts_mrr_moved, the account-months mrr_movements sums. -#}

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

complete_months as (
    select
        account_movements.account_id,
        account_movements.month_start,
        account_movements.mrr_usd,
    from account_movements
    cross join build_context
    where {{ dbt.dateadd('month', 1, 'account_movements.month_start') }} <= build_context.as_of_cutoff_at
),

cohort_months as (
    select
        account_cohorts.segment_type,
        account_cohorts.segment,
        account_cohorts.account_id,
        account_cohorts.cohort_month,
        account_cohorts.starting_mrr_usd,
        complete_months.month_start,
        {{ dbt.datediff('account_cohorts.cohort_month', 'complete_months.month_start', 'month') }}
            as months_since_start,
        complete_months.mrr_usd,
    from account_cohorts
    inner join complete_months
        on
            account_cohorts.account_id = complete_months.account_id
            and account_cohorts.cohort_month <= complete_months.month_start
),

curve as (
    select
        cohort_months.segment_type,
        cohort_months.segment,
        cohort_months.months_since_start,
        count(distinct cohort_months.cohort_month) as cohorts,
        count(*) as accounts,
        sum(case when cohort_months.mrr_usd > 0 then 1 else 0 end) as paying_accounts,
        sum(cohort_months.starting_mrr_usd) as starting_mrr_usd,
        sum(cohort_months.mrr_usd) as retained_mrr_usd,
    from cohort_months
    where cohort_months.months_since_start <= {{ var('revenue_curve_max_months') }}
    group by
        cohort_months.segment_type,
        cohort_months.segment,
        cohort_months.months_since_start
),

final as (
    select
        cast(curve.segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(curve.segment as {{ dbt.type_string() }}) as segment,
        cast(curve.months_since_start as {{ dbt.type_int() }}) as months_since_start,
        cast(curve.cohorts as {{ dbt.type_bigint() }}) as cohorts,
        cast(curve.accounts as {{ dbt.type_bigint() }}) as accounts,
        cast(curve.paying_accounts as {{ dbt.type_bigint() }}) as paying_accounts,
        cast(curve.starting_mrr_usd as {{ dbt.type_numeric() }}) as starting_mrr_usd,
        cast(curve.retained_mrr_usd as {{ dbt.type_numeric() }}) as retained_mrr_usd,
        cast(curve.retained_mrr_usd / nullif(curve.starting_mrr_usd, 0) as double) as revenue_retention_rate,
        cast(curve.paying_accounts as double) / nullif(curve.accounts, 0) as logo_retention_rate,
        cast(build_context.as_of_date as date) as as_of_date,
    from curve
    cross join build_context
)

select * from final
