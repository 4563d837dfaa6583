{#
    The CTEs latest_health (each account's health in the latest scored week) and latest_risk (each
    account's current churn score and drivers), shared by the analyses that rank accounts. Expects
    import CTEs named account_health and churn_risk_scores in the calling query; ends with a comma.
#}
{% macro latest_account_state_ctes() -%}
latest_health_week as (
    select max(week_start) as week_start,
    from account_health
),

latest_health as (
    select
        account_health.account_id,
        account_health.health_score,
        account_health.health_band,
        account_health.health_score_change,
        account_health.alert_dimensions,
    from account_health
    inner join latest_health_week
        on account_health.week_start = latest_health_week.week_start
),

latest_score_date as (
    select max(as_of_date) as as_of_date,
    from churn_risk_scores
    where split = 'score'
),

latest_risk as (
    select
        churn_risk_scores.account_id,
        churn_risk_scores.churn_probability,
        churn_risk_scores.risk_band,
        churn_risk_scores.driver_1,
        churn_risk_scores.driver_1_direction,
        churn_risk_scores.driver_2,
        churn_risk_scores.driver_3,
    from churn_risk_scores
    inner join latest_score_date
        on churn_risk_scores.as_of_date = latest_score_date.as_of_date
    where churn_risk_scores.split = 'score'
),
{%- endmacro %}
