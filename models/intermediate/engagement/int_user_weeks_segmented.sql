{{
    config(
        materialized='incremental',
        unique_key=['user_id', 'week_start'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=(
            "{% if is_incremental() %}delete from {{ this }} where user_id not in ("
            "select user_id from {{ ref('int_user_weeks_active') }}){% endif %}"
        ),
    )
}}
{#- The rule-based segments of each user-week: lifecycle segment (macro lifecycle_rules: exactly one,
    anchored on first activation) and engagement tier (macro engagement_tier_rules), each with the
    reason that placed the row there. Thresholds come from the segment_thresholds seed.
    Incremental: a run rewrites, per user, the weeks from the first user-week int_user_weeks_active wrote
    since this table's latest processed_at (the row keeps that upstream processed_at), or from the first
    week whose account's churn state changed since it was stored; all weeks when the thresholds changed
    (segment_definitions_version). The week before is read for the last week's recency, so it equals a
    full refresh. Users no longer in int_user_weeks_active lose their rows. -#}

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

current_definitions as (
    select {{ definitions_version([ref('segment_thresholds')]) }} as definitions_version,
),

{% if is_incremental() %}
    previous as (
        select
            max(segment_definitions_version) as definitions_version,
        from {{ this }}
    ),

    reprocess_candidates as (
        select
            user_weeks.user_id,
            min(user_weeks.week_start) as reprocess_from,
        from user_weeks
        where {{ processed_since_last_run('user_weeks.processed_at') }}
        group by user_weeks.user_id
        union all
        select
            stored.user_id,
            min(stored.week_start) as reprocess_from,
        from {{ this }} as stored
        left join account_weeks_billed
            on
                stored.account_id = account_weeks_billed.account_id
                and stored.week_start = account_weeks_billed.week_start
        where stored.has_churned <> coalesce(account_weeks_billed.has_churned, false)
        group by stored.user_id
        union all
        select distinct
            user_weeks.user_id,
            cast('1900-01-01' as date) as reprocess_from,
        from user_weeks
        cross join previous
        cross join current_definitions
        where previous.definitions_version is distinct from current_definitions.definitions_version
    ),

    scope as (
        select
            user_id,
            min(reprocess_from) as reprocess_from,
        from reprocess_candidates
        group by user_id
    ),
{% endif %}

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
    {% if is_incremental() %}
        inner join scope
            on
                user_weeks.user_id = scope.user_id
                and user_weeks.week_start >= {{ dbt.dateadd('day', -7, 'scope.reprocess_from') }}
    {% endif %}
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
        current_definitions.definitions_version as segment_definitions_version,
    from inputs
    cross join thresholds
    cross join current_definitions
    {% if is_incremental() %}
        inner join scope
            on
                inputs.user_id = scope.user_id
                and inputs.week_start >= scope.reprocess_from
    {% endif %}
)

select * from segmented
