{{
    config(
        materialized='incremental',
        unique_key=['user_id', 'week_start'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=(
            "{% if is_incremental() %}delete from {{ this }} where user_id not in ("
            "select user_id from {{ ref('int_users_stitched') }}){% endif %}"
        ),
    )
}}
{#- Weekly activity per user on a dense calendar (weeks start Monday, UTC) from the user's first week
    (signup, or an earlier stitched pre-signup event) to the as-of week: volume, L7/L28 windows,
    frequency, week-over-week trend, recency, feature breadth/depth, activation, usage band.
    Incremental: a run rewrites, per user, the weeks from the earliest of: the previous as-of week (its
    observation cut-off moves on), the first week of the user-days and feature-weeks written since this
    table's latest processed_at, and the user's first week when the user is new or its account, signup or
    milestones changed; all weeks when the definitions (catalogue, thresholds) changed. The windows read
    the three stored weeks before the first rewritten one, and the to-date columns carry on from the
    stored week before it, so it equals a full refresh. Users no longer stitched lose their rows. -#}

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

current_definitions as (
    select
        {{ definitions_version([ref('int_feature_catalog'), ref('segment_thresholds')]) }} as definitions_version,
),

{% if is_incremental() %}
    previous as (
        select
            max(week_start) as as_of_week_start,
            max(definitions_version) as definitions_version,
        from {{ this }}
    ),

    reprocess_candidates as (
        select
            user_days.user_id,
            min(user_days.week_start) as reprocess_from,
        from user_days
        where {{ processed_since_last_run('user_days.processed_at') }}
        group by user_days.user_id
        union all
        select
            feature_weeks.user_id,
            min(feature_weeks.week_start) as reprocess_from,
        from feature_weeks
        where {{ processed_since_last_run('feature_weeks.processed_at') }}
        group by feature_weeks.user_id
        union all
        -- new users, and users whose account, signup or milestones differ from their stored rows
        select
            users.user_id,
            cast('1900-01-01' as date) as reprocess_from,
        from users
        cross join previous
        left join milestones
            on users.user_id = milestones.user_id
        left join {{ this }} as stored
            on
                users.user_id = stored.user_id
                and stored.week_start = previous.as_of_week_start
        where
            stored.user_id is null
            or stored.account_id is distinct from users.account_id
            or stored.tenure_weeks
            is distinct from {{ dbt.datediff('users.signup_week', 'previous.as_of_week_start', 'week') }}
            or stored.activated_at is distinct from milestones.activated_at
            or stored.days_to_activation is distinct from milestones.days_to_activation
            or stored.days_to_first_value is distinct from milestones.days_to_first_value
    ),

    scope as (
        select
            users.user_id,
            least(
                coalesce(min(reprocess_candidates.reprocess_from), previous.as_of_week_start),
                {{ reprocess_from_week('previous.as_of_week_start') }}
            ) as reprocess_from,
        from users
        cross join previous
        cross join current_definitions
        left join reprocess_candidates
            on users.user_id = reprocess_candidates.user_id
        group by
            users.user_id,
            previous.as_of_week_start,
            previous.definitions_version,
            current_definitions.definitions_version
    ),
{% else %}
    scope as (
        select
            user_id,
            cast('1900-01-01' as date) as reprocess_from,
        from users
    ),
{% endif %}

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
            'greatest(least(users.signup_week, coalesce(first_activity.first_active_week, users.signup_week)),'
            ~ ' scope.reprocess_from)',
            'build_context.as_of_week_start',
            'week',
        ) }} as week_start,
    from users
    cross join build_context
    inner join scope
        on users.user_id = scope.user_id
    left join first_activity
        on users.user_id = first_activity.user_id
    where users.signup_week <= build_context.as_of_week_start
),

weekly_activity as (
    select
        user_days.user_id,
        user_days.week_start,
        count(*) as active_days,
        cast(sum(user_days.events) as {{ dbt.type_bigint() }}) as events,
        cast(sum(user_days.key_actions) as {{ dbt.type_bigint() }}) as key_actions,
        cast(sum(user_days.value_outcomes) as {{ dbt.type_bigint() }}) as value_outcomes,
        cast(sum(user_days.unmapped_events) as {{ dbt.type_bigint() }}) as unmapped_events,
        cast(sum(user_days.sessions) as {{ dbt.type_bigint() }}) as sessions,
        max(user_days.last_key_action_at) as last_key_action_at,
        max(user_days.last_value_outcome_at) as last_value_outcome_at,
    from user_days
    inner join scope
        on
            user_days.user_id = scope.user_id
            and user_days.week_start >= scope.reprocess_from
    group by
        user_days.user_id,
        user_days.week_start
),

core_feature_count as (
    select count(distinct feature) as core_features,
    from catalog
    where feature_tier = 'core'
),

scoped_feature_weeks as (
    select feature_weeks.*,
    from feature_weeks
    inner join scope
        on
            feature_weeks.user_id = scope.user_id
            and feature_weeks.week_start >= scope.reprocess_from
),

weekly_features as (
    select
        user_id,
        week_start,
        count(case when uses > 0 then 1 end) as features_used,
        count(case when adoption_state = 'habitual' then 1 end) as features_habitual,
        count(case when adoption_state = 'habitual' and feature_tier = 'core' then 1 end) as core_features_habitual,
        avg(case when weeks_used_in_window > 0 then weeks_used_in_window end) as feature_depth_weeks,
        {#- a feature's first use: the week whose uses are all its uses to date -#}
        count(case when uses > 0 and uses_to_date = uses then 1 end) as features_first_used,
        count(case when uses > 0 and uses_to_date = uses and feature_tier in ('advanced', 'premium') then 1 end)
            as advanced_features_first_used,
    from scoped_feature_weeks
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
        coalesce(weekly_features.features_first_used, 0) as features_first_used,
        coalesce(weekly_features.advanced_features_first_used, 0) as advanced_features_first_used,
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
),

window_rows as (
    select
        user_id,
        week_start,
        active_days,
        key_actions,
        value_outcomes,
        features_first_used,
        advanced_features_first_used,
        week_last_key_action_at,
        week_last_value_outcome_at,
        false as is_stored,
    from joined
    {% if is_incremental() %}
        union all
        -- the three stored weeks before the first rewritten one; the latest carries the to-date sums
        select
            stored.user_id,
            stored.week_start,
            stored.active_days,
            stored.key_actions,
            stored.value_outcomes,
            case
                when stored.week_start = {{ dbt.dateadd('day', -7, 'scope.reprocess_from') }}
                    then stored.features_adopted_to_date
                else 0
            end as features_first_used,
            case
                when stored.week_start = {{ dbt.dateadd('day', -7, 'scope.reprocess_from') }}
                    then stored.advanced_features_adopted_to_date
                else 0
            end as advanced_features_first_used,
            stored.last_key_action_at as week_last_key_action_at,
            stored.last_value_outcome_at as week_last_value_outcome_at,
            true as is_stored,
        from {{ this }} as stored
        inner join scope
            on
                stored.user_id = scope.user_id
                and stored.week_start >= {{ dbt.dateadd('day', -21, 'scope.reprocess_from') }}
                and stored.week_start < scope.reprocess_from
    {% endif %}
),

windows as (
    select
        user_id,
        week_start,
        is_stored,
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
    from window_rows
    window
        user_weeks as (partition by user_id order by week_start),
        trailing_4_weeks as (partition by user_id order by week_start rows between 3 preceding and current row),
        user_history as (
            partition by user_id order by week_start rows between unbounded preceding and current row
        )
),

windowed as (
    select
        joined.*,
        windows.active_days_l28,
        windows.key_actions_l28,
        windows.value_outcomes_l28,
        windows.active_weeks_l4,
        windows.features_adopted_to_date,
        windows.advanced_features_adopted_to_date,
        windows.key_actions_prev_week,
        windows.key_actions_prev_2_weeks,
        windows.last_key_action_at,
        windows.last_value_outcome_at,
    from joined
    inner join windows
        on
            joined.user_id = windows.user_id
            and joined.week_start = windows.week_start
            and not windows.is_stored
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
        {{ run_processed_at() }} as processed_at,
        current_definitions.definitions_version,
    from windowed
    cross join thresholds
    cross join current_definitions
    left join milestones
        on windowed.user_id = milestones.user_id
)

select * from described
