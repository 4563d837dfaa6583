{#- One row per paying account and segment type (all, lifecycle_segment, engagement_tier): the account's
    revenue cohort (its first month closing with MRR, normally its 'new' movement), what it paid at the end of that month, and
    the usage segment it was in at the start - its segment in the last week that begins within the cohort
    month (the first full picture of its usage; 'unknown' when no such week is segmented). -#}

with

account_movements as (
    select * from {{ ref('int_accounts_mrr_moved') }}
),

account_weeks as (
    select * from {{ ref('int_account_weeks_segmented') }}
),

-- the first month closing with MRR (the 'new' movement, or a first paid month closed at 0 and paid again later)
first_paying_months as (
    select
        account_id,
        min(month_start) as cohort_month,
    from account_movements
    where mrr_usd > 0
    group by account_id
),

cohorts as (
    select
        first_paying_months.account_id,
        first_paying_months.cohort_month,
        account_movements.mrr_usd as starting_mrr_usd,
    from first_paying_months
    inner join account_movements
        on
            first_paying_months.account_id = account_movements.account_id
            and first_paying_months.cohort_month = account_movements.month_start
),

start_weeks as (
    select
        cohorts.account_id,
        max(account_weeks.week_start) as start_week,
    from cohorts
    inner join account_weeks
        on
            cohorts.account_id = account_weeks.account_id
            and cohorts.cohort_month <= account_weeks.week_start
            and {{ dbt.dateadd('month', 1, 'cohorts.cohort_month') }} > account_weeks.week_start
    group by cohorts.account_id
),

start_segments as (
    select
        cohorts.account_id,
        cohorts.cohort_month,
        cohorts.starting_mrr_usd,
        start_weeks.start_week,
        coalesce(account_weeks.lifecycle_segment, 'unknown') as lifecycle_segment,
        coalesce(account_weeks.engagement_tier, 'unknown') as engagement_tier,
    from cohorts
    left join start_weeks
        on cohorts.account_id = start_weeks.account_id
    left join account_weeks
        on
            start_weeks.account_id = account_weeks.account_id
            and start_weeks.start_week = account_weeks.week_start
),

unpivoted as (
    select
        account_id,
        cohort_month,
        starting_mrr_usd,
        start_week,
        'all' as segment_type,
        'all' as segment,
    from start_segments
    union all
    select
        account_id,
        cohort_month,
        starting_mrr_usd,
        start_week,
        'lifecycle_segment' as segment_type,
        lifecycle_segment as segment,
    from start_segments
    union all
    select
        account_id,
        cohort_month,
        starting_mrr_usd,
        start_week,
        'engagement_tier' as segment_type,
        engagement_tier as segment,
    from start_segments
)

select * from unpivoted
