{#- One row per user: when each onboarding milestone was first reached, activation (every milestone the
    activation_milestones seed requires) and time-to-value. A first key action or value outcome counts
    even when the tracking plan marks no event with that milestone. -#}

with

users as (
    select * from {{ ref('int_users_stitched') }}
),

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

activation_milestones as (
    select * from {{ ref('activation_milestones') }}
),

milestone_events as (
    select
        user_event_days.user_id,
        catalog.milestone,
        user_event_days.first_event_at,
    from user_event_days
    inner join catalog
        on user_event_days.event_name = catalog.event_name
    where catalog.milestone is not null
    union all
    select
        user_event_days.user_id,
        'first_key_action' as milestone,
        user_event_days.first_event_at,
    from user_event_days
    inner join catalog
        on user_event_days.event_name = catalog.event_name
    where catalog.is_key_action
    union all
    select
        user_event_days.user_id,
        'first_value_outcome' as milestone,
        user_event_days.first_event_at,
    from user_event_days
    inner join catalog
        on user_event_days.event_name = catalog.event_name
    where catalog.is_value_outcome
),

first_reached as (
    select
        user_id,
        milestone,
        min(first_event_at) as reached_at,
    from milestone_events
    group by
        user_id,
        milestone
),

activation as (
    select
        first_reached.user_id,
        count(*) as required_milestones_reached,
        max(first_reached.reached_at) as last_required_reached_at,
    from first_reached
    inner join activation_milestones
        on first_reached.milestone = activation_milestones.milestone
    where activation_milestones.is_activation_requirement
    group by first_reached.user_id
),

required_count as (
    select count(*) as required_milestones,
    from activation_milestones
    where is_activation_requirement
),

pivoted as (
    select
        user_id,
        count(*) as milestones_reached,
        min(case when milestone = 'setup_complete' then reached_at end) as setup_complete_at,
        min(case when milestone = 'first_key_action' then reached_at end) as first_key_action_at,
        min(case when milestone = 'teammate_invited' then reached_at end) as teammate_invited_at,
        min(case when milestone = 'integration_connected' then reached_at end) as integration_connected_at,
        min(case when milestone = 'first_value_outcome' then reached_at end) as first_value_outcome_at,
    from first_reached
    group by user_id
),

milestones as (
    select
        users.user_id,
        users.account_id,
        users.signed_up_at,
        users.signup_week,
        coalesce(pivoted.milestones_reached, 0) as milestones_reached,
        pivoted.setup_complete_at,
        pivoted.first_key_action_at,
        pivoted.teammate_invited_at,
        pivoted.integration_connected_at,
        pivoted.first_value_outcome_at,
        case
            -- last_required_reached_at is null only when the seed requires nothing: activated at signup
            when coalesce(activation.required_milestones_reached, 0) >= required_count.required_milestones
                then greatest(activation.last_required_reached_at, users.signed_up_at)
        end as activated_at,
    from users
    cross join required_count
    left join pivoted
        on users.user_id = pivoted.user_id
    left join activation
        on users.user_id = activation.user_id
),

timed as (
    select
        *,
        activated_at is not null as is_activated,
        cast({{ dbt.date_trunc('week', 'activated_at') }} as date) as activation_week,
        {{ dbt.datediff('signed_up_at', 'activated_at', 'second') }} / 86400.0 as days_to_activation,  -- noqa: LT05
        -- null until a value outcome: greatest() skips nulls, so it must not see a missing first value;
        -- a value outcome before signup (stitched anonymous events) counts as day 0
        case
            when first_value_outcome_at is not null
                then
                    {{ dbt.datediff('signed_up_at', 'greatest(first_value_outcome_at, signed_up_at)', 'second') }}
                    / 86400.0
        end as days_to_first_value,
    from milestones
)

select * from timed
