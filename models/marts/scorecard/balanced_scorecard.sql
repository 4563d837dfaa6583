{#- One row per complete week, segment and metric: the balanced scorecard, with each metric's pillar,
    target, direction, leading/lagging flag (seed scorecard_targets) and status. Weekly metrics measure
    the week; the revenue metrics keep their one governed definition, the calendar month of mrr_movements,
    and each week shows the latest month complete by the week's end (period_grain, period_start). -#}

{#- The governed monthly revenue metrics shown on the scorecard: the mrr_movements column (also the
    metric's name) and the column counting the accounts it is computed over. -#}
{%- set revenue_metrics = [
    {'name': 'logo_churn_rate_monthly', 'base': 'opening_customers'},
    {'name': 'nrr_trailing_12m', 'base': 'cohort_customers_trailing_12m'},
] -%}

with

segment_metrics as (
    select * from {{ ref('int_segment_weeks_measured') }}
),

company_metrics as (
    select * from {{ ref('int_company_weeks_measured') }}
),

mrr_movements as (
    select * from {{ ref('mrr_movements') }}
),

scorecard_weeks as (
    select * from {{ ref('int_scorecard_weeks_spined') }}
),

scorecard_targets as (
    select * from {{ ref('scorecard_targets') }}
),

-- each week reads the latest calendar month that is over by the week's end
week_months as (
    select
        week_start,
        cast({{ dbt.dateadd(
            'month', -1, dbt.date_trunc('month', dbt.dateadd('day', 7, 'week_start'))
        ) }} as date) as month_start,
    from scorecard_weeks
),

revenue_values as (
    {%- for metric in revenue_metrics %}
        select
            week_months.week_start,
            'all' as segment_type,
            'all' as segment,
            '{{ metric.name }}' as metric,
            cast(mrr_movements.{{ metric.name }} as {{ type_double() }}) as metric_value,
            cast(coalesce(mrr_movements.{{ metric.base }}, 0) as {{ dbt.type_bigint() }}) as sample_size,
            'month' as period_grain,
            week_months.month_start as period_start,
        from week_months
        left join mrr_movements
            on
                week_months.month_start = mrr_movements.month_start
                and not mrr_movements.is_partial_month
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

metric_values as (
    select
        week_start,
        segment_type,
        segment,
        metric,
        metric_value,
        sample_size,
        'week' as period_grain,
        week_start as period_start,
    from segment_metrics
    union all
    select
        week_start,
        segment_type,
        segment,
        metric,
        metric_value,
        sample_size,
        'week' as period_grain,
        week_start as period_start,
    from company_metrics
    union all
    select
        week_start,
        segment_type,
        segment,
        metric,
        metric_value,
        sample_size,
        period_grain,
        period_start,
    from revenue_values
),

scored as (
    select
        cast(metric_values.week_start as date) as week_start,
        cast(metric_values.segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(metric_values.segment as {{ dbt.type_string() }}) as segment,
        cast(scorecard_targets.pillar as {{ dbt.type_string() }}) as pillar,
        cast(metric_values.metric as {{ dbt.type_string() }}) as metric,
        cast(metric_values.period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(metric_values.period_start as date) as period_start,
        cast(metric_values.metric_value as {{ type_double() }}) as value,
        cast(metric_values.sample_size as {{ dbt.type_bigint() }}) as sample_size,
        cast(scorecard_targets.target as {{ type_double() }}) as target,
        cast(scorecard_targets.target_direction as {{ dbt.type_string() }}) as target_direction,
        cast(scorecard_targets.is_leading as {{ dbt.type_boolean() }}) as is_leading,
        cast({{ scorecard_status(
            'metric_values.metric_value', 'scorecard_targets.target', 'scorecard_targets.target_direction'
        ) }} as {{ dbt.type_string() }}) as status,
        cast(scorecard_targets.description as {{ dbt.type_string() }}) as metric_description,
    from metric_values
    left join scorecard_targets
        on metric_values.metric = scorecard_targets.metric
)

select * from scored
