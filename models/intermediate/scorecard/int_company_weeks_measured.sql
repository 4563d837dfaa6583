{#- The account-based scorecard metrics (billing and support) per complete week, in long form at segment
    'all' (one row per week and metric): weekly logo churn, net revenue retention over the trailing
    window of the revenue_definitions seed, tickets per active user and open urgent tickets. -#}

{%- set metrics = [
    {'name': 'logo_churn_rate', 'value': 'churned_accounts * 1.0 / nullif(prev_paying_accounts, 0)',
        'base': 'prev_paying_accounts'},
    {'name': 'net_revenue_retention', 'value': 'cohort_current_mrr_usd / nullif(cohort_opening_mrr_usd, 0)',
        'base': 'cohort_accounts'},
    {'name': 'tickets_per_active_user', 'value': 'tickets_opened * 1.0 / nullif(active_users, 0)',
        'base': 'active_users'},
    {'name': 'open_urgent_tickets', 'value': 'open_urgent_tickets', 'base': 'accounts'},
] -%}

with

account_weeks as (
    select * from {{ ref('int_account_weeks_active') }}
),

account_weeks_supported as (
    select * from {{ ref('int_account_weeks_supported') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

revenue_definitions as (
    select * from {{ ref('revenue_definitions') }}
),

scorecard_weeks as (
    select * from {{ ref('int_scorecard_weeks_spined') }}
),

-- the scorecard's weeks only: complete weeks observed by the events feed
usage_and_support as (
    select
        account_weeks.week_start,
        count(*) as accounts,
        sum(account_weeks.active_users) as active_users,
        sum(account_weeks_supported.tickets_opened) as tickets_opened,
        sum(account_weeks_supported.open_urgent_tickets) as open_urgent_tickets,
    from account_weeks
    inner join scorecard_weeks
        on account_weeks.week_start = scorecard_weeks.week_start
    left join account_weeks_supported
        on
            account_weeks.account_id = account_weeks_supported.account_id
            and account_weeks.week_start = account_weeks_supported.week_start
    group by account_weeks.week_start
),

paying_history as (
    select
        account_id,
        week_start,
        is_paying,
        lag(is_paying) over (partition by account_id order by week_start) as was_paying_prev_week,
    from account_weeks_billed
),

logo_churn as (
    select
        week_start,
        sum(case when was_paying_prev_week then 1 else 0 end) as prev_paying_accounts,
        sum(case when was_paying_prev_week and not is_paying then 1 else 0 end) as churned_accounts,
    from paying_history
    group by week_start
),

-- accounts paying at the start of the trailing window, and what they pay at its end (the week)
revenue_retention as (
    select
        usage_and_support.week_start,
        count(*) as cohort_accounts,
        sum(window_start.mrr_usd) as cohort_opening_mrr_usd,
        sum(coalesce(window_end.mrr_usd, 0)) as cohort_current_mrr_usd,
    from usage_and_support
    cross join revenue_definitions
    inner join account_weeks_billed as window_start
        on
            window_start.week_start = cast({{ dbt.date_trunc('week', dbt.dateadd(
                'month', '-1 * revenue_definitions.trailing_retention_months', 'usage_and_support.week_start'
            )) }} as date)
            and window_start.mrr_usd > 0
    left join account_weeks_billed as window_end
        on
            window_start.account_id = window_end.account_id
            and usage_and_support.week_start = window_end.week_start
    group by usage_and_support.week_start
),

measured as (
    select
        usage_and_support.week_start,
        usage_and_support.accounts,
        coalesce(usage_and_support.active_users, 0) as active_users,
        coalesce(usage_and_support.tickets_opened, 0) as tickets_opened,
        coalesce(usage_and_support.open_urgent_tickets, 0) as open_urgent_tickets,
        coalesce(logo_churn.prev_paying_accounts, 0) as prev_paying_accounts,
        coalesce(logo_churn.churned_accounts, 0) as churned_accounts,
        coalesce(revenue_retention.cohort_accounts, 0) as cohort_accounts,
        revenue_retention.cohort_opening_mrr_usd,
        revenue_retention.cohort_current_mrr_usd,
    from usage_and_support
    left join logo_churn
        on usage_and_support.week_start = logo_churn.week_start
    left join revenue_retention
        on usage_and_support.week_start = revenue_retention.week_start
),

metric_values as (
    {%- for metric in metrics %}
        select
            week_start,
            'all' as segment_type,
            'all' as segment,
            '{{ metric.name }}' as metric,
            cast({{ metric.value }} as {{ type_double() }}) as metric_value,
            cast({{ metric.base }} as {{ dbt.type_bigint() }}) as sample_size,
        from measured
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from metric_values
