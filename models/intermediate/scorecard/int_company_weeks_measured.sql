{#- The account-based support metrics of the scorecard per complete week, in long form at segment 'all'
    (one row per week and metric): tickets per active user and open urgent tickets. The revenue metrics
    (logo churn, NRR) are not computed here: balanced_scorecard reads their governed monthly values from
    mrr_movements. -#}

{%- set metrics = [
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

measured as (
    select
        usage_and_support.week_start,
        usage_and_support.accounts,
        coalesce(usage_and_support.active_users, 0) as active_users,
        coalesce(usage_and_support.tickets_opened, 0) as tickets_opened,
        coalesce(usage_and_support.open_urgent_tickets, 0) as open_urgent_tickets,
    from usage_and_support
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
