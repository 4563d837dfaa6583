{#- One row per complete week, segment and metric: the balanced scorecard, with each metric's pillar,
    target, direction, leading/lagging flag (seed scorecard_targets) and status. -#}

with

segment_metrics as (
    select * from {{ ref('int_segment_weeks_measured') }}
),

company_metrics as (
    select * from {{ ref('int_company_weeks_measured') }}
),

scorecard_targets as (
    select * from {{ ref('scorecard_targets') }}
),

metric_values as (
    select
        week_start,
        segment_type,
        segment,
        metric,
        metric_value,
        sample_size,
    from segment_metrics
    union all
    select
        week_start,
        segment_type,
        segment,
        metric,
        metric_value,
        sample_size,
    from company_metrics
),

scored as (
    select
        cast(metric_values.week_start as date) as week_start,
        cast(metric_values.segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(metric_values.segment as {{ dbt.type_string() }}) as segment,
        cast(scorecard_targets.pillar as {{ dbt.type_string() }}) as pillar,
        cast(metric_values.metric as {{ dbt.type_string() }}) as metric,
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
