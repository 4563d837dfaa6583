{#- Weekly activity per user on a dense calendar (weeks start Monday, UTC) from the user's first week
    (signup, or an earlier stitched pre-signup event) to the as-of week: volume, L7/L28 windows,
    frequency, week-over-week trend, recency, feature breadth/depth, activation, usage band. -#}

with

users as (
    select * from {{ ref('int_users_stitched') }}
),

user_days as (
    select * from {{ ref('int_user_days_active') }}
),

feature_weeks as (
    select * from {{ ref('int_user_feature_weeks_adopted') }}
),

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

first_activity as (
    select
        user_id,
        min(week_start) as first_active_week,
    from user_days
    group by user_id
),

spine as (
    select
        users.user_id,
        users.account_id,
        users.signup_week,
        {{ period_starts_between(
            'least(users.signup_week, coalesce(first_activity.first_active_week, users.signup_week))',
            'build_context.as_of_week_start',
            'week',
        ) }} as week_start,
    from users
    cross join build_context
    left join first_activity
        on users.user_id = first_activity.user_id
    where users.signup_week <= build_context.as_of_week_start
),

weekly_activity as (
    select
        user_id,
        week_start,
        count(*) as active_days,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events,
        cast(sum(key_actions) as {{ dbt.type_bigint() }}) as key_actions,
        cast(sum(value_outcomes) as {{ dbt.type_bigint() }}) as value_outcomes,
        cast(sum(unmapped_events) as {{ dbt.type_bigint() }}) as unmapped_events,
        cast(sum(sessions) as {{ dbt.type_bigint() }}) as sessions,
        max(last_key_action_at) as last_key_action_at,
        max(last_value_outcome_at) as last_value_outcome_at,
    from user_days
    group by
        user_id,
        week_start
),

core_feature_count as (
    select count(distinct feature) as core_features,
    from catalog
    where feature_tier = 'core'
),

weekly_features as (
    select
        feature_weeks.user_id,
        feature_weeks.week_start,
        count(case when feature_weeks.uses > 0 then 1 end) as features_used,
        count(case when feature_weeks.adoption_state = 'habitual' then 1 end) as features_habitual,
        count(case when feature_weeks.adoption_state = 'habitual' and feature_weeks.feature_tier = 'core' then 1 end)
            as core_features_habitual,
        avg(case when feature_weeks.weeks_used_in_window > 0 then feature_weeks.weeks_used_in_window end)
            as feature_depth_weeks,
    from feature_weeks
    group by
        feature_weeks.user_id,
        feature_weeks.week_start
),

first_uses as (
    select
        user_id,
        week_start,
        count(*) as features_first_used,
        count(case when feature_tier in ('advanced', 'premium') then 1 end) as advanced_features_first_used,
    from (
        select
            user_id,
            feature,
            min(feature_tier) as feature_tier,
            min(week_start) as week_start,
        from feature_weeks
        group by
            user_id,
            feature
    ) as first_use_weeks
    group by
        user_id,
        week_start
),

joined as (
    select
        spine.user_id,
        spine.account_id,
        spine.week_start,
        {{ dbt.datediff('spine.signup_week', 'spine.week_start', 'week') }} as tenure_weeks,  -- noqa: LT05
        coalesce(weekly_activity.active_days, 0) as active_days,
        coalesce(weekly_activity.events, 0) as events,
        coalesce(weekly_activity.key_actions, 0) as key_actions,
        coalesce(weekly_activity.value_outcomes, 0) as value_outcomes,
        coalesce(weekly_activity.unmapped_events, 0) as unmapped_events,
        coalesce(weekly_activity.sessions, 0) as sessions,
        coalesce(weekly_features.features_used, 0) as features_used,
        coalesce(first_uses.features_first_used, 0) as features_first_used,
        coalesce(first_uses.advanced_features_first_used, 0) as advanced_features_first_used,
        coalesce(weekly_features.features_habitual, 0) as features_habitual,
        coalesce(weekly_features.core_features_habitual, 0) as core_features_habitual,
        weekly_features.feature_depth_weeks,
        weekly_activity.last_key_action_at as week_last_key_action_at,
        weekly_activity.last_value_outcome_at as week_last_value_outcome_at,
        least(
            {{ dbt.dateadd('day', 7, 'spine.week_start') }}, build_context.as_of_cutoff_at
        ) as observed_until_at,
        core_feature_count.core_features,
    from spine
    cross join build_context
    cross join core_feature_count
    left join weekly_activity
        on
            spine.user_id = weekly_activity.user_id
            and spine.week_start = weekly_activity.week_start
    left join weekly_features
        on
            spine.user_id = weekly_features.user_id
            and spine.week_start = weekly_features.week_start
    left join first_uses
        on
            spine.user_id = first_uses.user_id
            and spine.week_start = first_uses.week_start
),

windowed as (
    select
        *,
        cast(sum(active_days) over trailing_4_weeks as {{ dbt.type_bigint() }}) as active_days_l28,
        cast(sum(key_actions) over trailing_4_weeks as {{ dbt.type_bigint() }}) as key_actions_l28,
        cast(sum(value_outcomes) over trailing_4_weeks as {{ dbt.type_bigint() }}) as value_outcomes_l28,
        count(case when key_actions > 0 then 1 end) over trailing_4_weeks as active_weeks_l4,
        cast(sum(features_first_used) over user_history as {{ dbt.type_bigint() }}) as features_adopted_to_date,
        cast(sum(advanced_features_first_used) over user_history as {{ dbt.type_bigint() }})
            as advanced_features_adopted_to_date,
        lag(key_actions, 1) over user_weeks as key_actions_prev_week,
        lag(key_actions, 2) over user_weeks as key_actions_prev_2_weeks,
        max(week_last_key_action_at) over user_history as last_key_action_at,
        max(week_last_value_outcome_at) over user_history as last_value_outcome_at,
    from joined
    window
        user_weeks as (partition by user_id order by week_start),
        trailing_4_weeks as (partition by user_id order by week_start rows between 3 preceding and current row),
        user_history as (
            partition by user_id order by week_start rows between unbounded preceding and current row
        )
),

described as (
    select
        windowed.user_id,
        windowed.account_id,
        windowed.week_start,
        windowed.tenure_weeks,
        windowed.active_days,
        windowed.active_days > 0 as is_active,
        windowed.events,
        windowed.key_actions,
        windowed.value_outcomes,
        windowed.unmapped_events,
        windowed.sessions,
        windowed.active_days as active_days_l7,
        windowed.active_days_l28,
        windowed.key_actions_l28,
        windowed.value_outcomes_l28,
        windowed.active_weeks_l4,
        windowed.key_actions_prev_week,
        windowed.key_actions_prev_2_weeks,
        case
            when windowed.key_actions_prev_week > 0
                then (windowed.key_actions - windowed.key_actions_prev_week) * 1.0 / windowed.key_actions_prev_week
        end as key_actions_change_rate,
        windowed.last_key_action_at,
        {{ dbt.datediff('windowed.last_key_action_at', 'windowed.observed_until_at', 'day') }}
            as days_since_last_key_action,
        windowed.last_value_outcome_at,
        {{ dbt.datediff('windowed.last_value_outcome_at', 'windowed.observed_until_at', 'day') }}
            as days_since_last_value_outcome,
        windowed.features_used,
        windowed.features_adopted_to_date,
        windowed.features_habitual,
        windowed.core_features_habitual,
        windowed.advanced_features_adopted_to_date,
        windowed.core_features_habitual * 1.0 / nullif(windowed.core_features, 0) as feature_breadth_rate,
        windowed.feature_depth_weeks,
        milestones.activated_at,
        coalesce(milestones.activated_at < windowed.observed_until_at, false) as is_activated,
        milestones.days_to_activation,
        milestones.days_to_first_value,
        case
            when windowed.key_actions >= thresholds.heavy_min_key_actions then 'heavy'
            when windowed.key_actions >= thresholds.medium_min_key_actions then 'medium'
            when windowed.key_actions >= thresholds.light_min_key_actions then 'light'
            else 'none'
        end as usage_band,
        windowed.observed_until_at,
    from windowed
    cross join thresholds
    left join milestones
        on windowed.user_id = milestones.user_id
)

select * from described
