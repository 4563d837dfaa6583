{#- The rule-based segments of each user-week: lifecycle segment (macro lifecycle_rules: exactly one,
    anchored on first activation) and engagement tier (macro engagement_tier_rules), each with the
    reason that placed the row there. Thresholds come from the segment_thresholds seed. -#}

with

user_weeks as (
    select * from {{ ref('int_user_weeks_active') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

inputs as (
    select
        user_weeks.*,
        coalesce(account_weeks_billed.has_churned, false) as has_churned,
        lag(user_weeks.days_since_last_key_action) over (
            partition by user_weeks.user_id order by user_weeks.week_start
        ) as prev_days_since_last_key_action,
        {{ dbt.datediff(
            dbt.date_trunc('week', 'user_weeks.activated_at'), 'user_weeks.week_start', 'week'
        ) }} as weeks_since_activation,
    from user_weeks
    left join account_weeks_billed
        on
            user_weeks.account_id = account_weeks_billed.account_id
            and user_weeks.week_start = account_weeks_billed.week_start
),

{%- set lifecycle = lifecycle_rules(
    power_condition='active_weeks_l4 >= thresholds.power_min_active_weeks'
        ~ ' and feature_breadth_rate >= thresholds.power_min_breadth_rate'
        ~ ' and key_actions_l28 >= thresholds.power_min_key_actions_l28',
    power_reason="'key actions l28 ' || cast(key_actions_l28 as " ~ dbt.type_string() ~ ")"
        ~ " || ' >= ' || cast(thresholds.power_min_key_actions_l28 as " ~ dbt.type_string() ~ ")"
        ~ " || ', core breadth ' || cast(round(feature_breadth_rate, 2) as " ~ dbt.type_string() ~ ")"
        ~ " || ' >= ' || cast(thresholds.power_min_breadth_rate as " ~ dbt.type_string() ~ ")",
) %}
{%- set tiers = engagement_tier_rules() %}

segmented as (
    select
        inputs.*,
        {{ first_matching_rule(lifecycle) }} as lifecycle_segment,
        {{ first_matching_reason(lifecycle) }} as lifecycle_reason,
        {{ first_matching_rule(tiers) }} as engagement_tier,
        {{ first_matching_reason(tiers) }} as engagement_tier_reason,
    from inputs
    cross join thresholds
)

select * from segmented
