{#- One row per segment-size alert: the rows of segment_size_drift whose share moved past the
    decision_settings thresholds, or that emptied or swallowed most members (collapses, which usually mean a
    tracking or definition problem). The as-of week's rows are is_current_week (the warn-level test
    warn_segment_size_alerts_current_week prints them in dbt build output). -#}

with

drift as (
    select * from {{ ref('segment_size_drift') }}
),

alerts as (
    select
        grain,
        week_start,
        segment_type,
        segment,
        alert_type,
        alert_type in ('collapse_emptied', 'collapse_swallowed') as is_collapse,
        alert_reason,
        members,
        grain_members,
        share_rate,
        baseline_share_rate,
        share_change,
        share_z_score,
        baseline_weeks,
        is_current_week,
    from drift
    where is_alert
)

select * from alerts
