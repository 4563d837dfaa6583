{{ config(materialized='view') }}
{#- A view: the mart is a projection of the incremental int_user_weeks_segmented, so materialising it
    rewrote every user-week of history each day (0.94 s of the 10.7M-event daily run) for no gain; the
    publish step (engagement.publish) still hands BI tools a table. -#}

with

user_weeks as (
    select * from {{ ref('int_user_weeks_segmented') }}
),

fct as (
    select
        user_id,
        account_id,
        week_start,
        tenure_weeks,
        is_active,
        active_days,
        events,
        key_actions,
        value_outcomes,
        sessions,
        features_used,
        active_days_l28,
        key_actions_l28,
        value_outcomes_l28,
        active_weeks_l4,
        key_actions_prev_week,
        key_actions_change_rate,
        days_since_last_key_action,
        days_since_last_value_outcome,
        features_adopted_to_date,
        features_habitual,
        core_features_habitual,
        feature_breadth_rate,
        feature_depth_weeks,
        is_activated,
        usage_band,
        lifecycle_segment,
        engagement_tier,
    from user_weeks
)

select * from fct
