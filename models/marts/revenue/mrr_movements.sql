{#- One row per month. Movement amounts are positive magnitudes:
    opening + new + expansion + reactivation - contraction - churned = closing.
    The governed model of the revenue metrics (NRR, GRR, logo churn, revenue churn): their one definition
    is a calendar month; the trailing rates derive from the same account-months and name their window.
    The balanced scorecard and the semantic layer read these columns instead of recomputing them. -#}

with

account_movements as (
    select * from {{ ref('int_accounts_mrr_moved') }}
),

revenue_definitions as (
    select * from {{ ref('revenue_definitions') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

monthly as (
    select
        month_start,
        sum(previous_mrr_usd) as opening_mrr_usd,
        sum(new_mrr_usd) as new_mrr_usd,
        sum(expansion_mrr_usd) as expansion_mrr_usd,
        sum(contraction_mrr_usd) as contraction_mrr_usd,
        sum(churned_mrr_usd) as churned_mrr_usd,
        sum(reactivation_mrr_usd) as reactivation_mrr_usd,
        sum(mrr_usd) as closing_mrr_usd,
        sum(case when is_paying_at_start then 1 else 0 end) as opening_customers,
        sum(case when movement_type = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement_type = 'churn' then 1 else 0 end) as churned_customers,
        sum(case when movement_type = 'reactivation' then 1 else 0 end) as reactivated_customers,
        sum(case when is_paying_at_end then 1 else 0 end) as closing_customers,
    from account_movements
    group by 1
),

-- trailing window: accounts paying at the window's start, and what they pay at the end of month_start
trailing_cohorts as (
    select
        closing_months.month_start,
        count(*) as cohort_customers,
        sum(opening_months.mrr_usd) as cohort_opening_mrr_usd,
        sum(closing_months.mrr_usd) as cohort_closing_mrr_usd,
        sum(
            case
                when closing_months.mrr_usd < opening_months.mrr_usd then closing_months.mrr_usd
                else opening_months.mrr_usd
            end
        ) as cohort_retained_mrr_usd,
    from account_movements as opening_months
    cross join revenue_definitions
    inner join account_movements as closing_months
        on
            opening_months.account_id = closing_months.account_id
            and closing_months.month_start = {{ dbt.dateadd(
                'month', 'revenue_definitions.trailing_retention_months', 'opening_months.month_start'
            ) }}
    where opening_months.mrr_usd > 0
    group by 1
),

rates as (
    select
        monthly.month_start,
        monthly.opening_mrr_usd,
        monthly.new_mrr_usd,
        monthly.expansion_mrr_usd,
        monthly.contraction_mrr_usd,
        monthly.churned_mrr_usd,
        monthly.reactivation_mrr_usd,
        monthly.closing_mrr_usd,
        monthly.opening_customers,
        monthly.new_customers,
        monthly.churned_customers,
        monthly.reactivated_customers,
        monthly.closing_customers,
        cast(monthly.churned_customers as {{ dbt.type_numeric() }})
        / nullif(monthly.opening_customers, 0) as logo_churn_rate_monthly,
        monthly.churned_mrr_usd / nullif(monthly.opening_mrr_usd, 0) as revenue_churn_rate_monthly,
        (
            monthly.opening_mrr_usd
            + monthly.expansion_mrr_usd
            - monthly.contraction_mrr_usd
            - monthly.churned_mrr_usd
        ) / nullif(monthly.opening_mrr_usd, 0) as nrr_monthly,
        (monthly.opening_mrr_usd - monthly.contraction_mrr_usd - monthly.churned_mrr_usd)
        / nullif(monthly.opening_mrr_usd, 0) as grr_monthly,
        coalesce(trailing_cohorts.cohort_customers, 0) as cohort_customers_trailing_12m,
        trailing_cohorts.cohort_closing_mrr_usd
        / nullif(trailing_cohorts.cohort_opening_mrr_usd, 0) as nrr_trailing_12m,
        trailing_cohorts.cohort_retained_mrr_usd
        / nullif(trailing_cohorts.cohort_opening_mrr_usd, 0) as grr_trailing_12m,
        {{ dbt.dateadd('month', 1, 'monthly.month_start') }} > build_context.as_of_cutoff_at as is_partial_month,
    from monthly
    cross join build_context
    left join trailing_cohorts
        on monthly.month_start = trailing_cohorts.month_start
),

mrr_movements as (
    select
        cast(month_start as date) as month_start,
        cast(opening_mrr_usd as {{ dbt.type_numeric() }}) as opening_mrr_usd,
        cast(new_mrr_usd as {{ dbt.type_numeric() }}) as new_mrr_usd,
        cast(expansion_mrr_usd as {{ dbt.type_numeric() }}) as expansion_mrr_usd,
        cast(contraction_mrr_usd as {{ dbt.type_numeric() }}) as contraction_mrr_usd,
        cast(churned_mrr_usd as {{ dbt.type_numeric() }}) as churned_mrr_usd,
        cast(reactivation_mrr_usd as {{ dbt.type_numeric() }}) as reactivation_mrr_usd,
        cast(closing_mrr_usd as {{ dbt.type_numeric() }}) as closing_mrr_usd,
        cast(opening_customers as {{ dbt.type_bigint() }}) as opening_customers,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(churned_customers as {{ dbt.type_bigint() }}) as churned_customers,
        cast(reactivated_customers as {{ dbt.type_bigint() }}) as reactivated_customers,
        cast(closing_customers as {{ dbt.type_bigint() }}) as closing_customers,
        cast(logo_churn_rate_monthly as {{ dbt.type_numeric() }}) as logo_churn_rate_monthly,
        cast(revenue_churn_rate_monthly as {{ dbt.type_numeric() }}) as revenue_churn_rate_monthly,
        cast(nrr_monthly as {{ dbt.type_numeric() }}) as nrr_monthly,
        cast(grr_monthly as {{ dbt.type_numeric() }}) as grr_monthly,
        cast(cohort_customers_trailing_12m as {{ dbt.type_bigint() }}) as cohort_customers_trailing_12m,
        cast(nrr_trailing_12m as {{ dbt.type_numeric() }}) as nrr_trailing_12m,
        cast(grr_trailing_12m as {{ dbt.type_numeric() }}) as grr_trailing_12m,
        cast(is_partial_month as {{ dbt.type_boolean() }}) as is_partial_month,
    from rates
)

select * from mrr_movements
