{#- Weekly and monthly billing states read the same instant in the as-of week and month (the as-of
    cut-off): total MRR and paying accounts must agree. Returns a row when they do not. -#}

with

account_weeks as (
    select * from {{ ref('int_account_weeks_billed') }}
),

account_months as (
    select * from {{ ref('int_account_months_mrr') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

weekly_total as (
    select
        coalesce(sum(account_weeks.mrr_usd), 0) as mrr_usd,
        sum(case when account_weeks.is_paying then 1 else 0 end) as paying_accounts,
    from account_weeks
    inner join build_context
        on account_weeks.week_start = build_context.as_of_week_start
),

monthly_total as (
    select
        coalesce(sum(account_months.mrr_usd), 0) as mrr_usd,
        sum(case when account_months.mrr_usd > 0 then 1 else 0 end) as paying_accounts,
    from account_months
    inner join build_context
        on account_months.month_start = cast({{ dbt.date_trunc('month', 'build_context.as_of_date') }} as date)
),

compared as (
    select
        weekly_total.mrr_usd as weekly_mrr_usd,
        monthly_total.mrr_usd as monthly_mrr_usd,
        weekly_total.paying_accounts as weekly_paying_accounts,
        monthly_total.paying_accounts as monthly_paying_accounts,
    from weekly_total
    cross join monthly_total
)

select * from compared
where
    weekly_mrr_usd != monthly_mrr_usd
    or coalesce(weekly_paying_accounts, 0) != coalesce(monthly_paying_accounts, 0)
