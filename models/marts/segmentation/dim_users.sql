with

users as (
    select * from {{ ref('int_users_stitched') }}
),

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_segmented') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

current_weeks as (
    select user_weeks.*,
    from user_weeks
    inner join build_context
        on user_weeks.week_start = build_context.as_of_week_start
),

dim as (
    select
        users.user_id,
        users.account_id,
        users.account_resolution,
        users.email_hash,
        users.role,
        users.signed_up_at,
        users.signup_week,
        users.invited_by_user_id,
        users.is_invited,
        users.is_marketing_opt_in,
        milestones.milestones_reached,
        milestones.setup_complete_at,
        milestones.first_key_action_at,
        milestones.teammate_invited_at,
        milestones.integration_connected_at,
        milestones.first_value_outcome_at,
        milestones.activated_at,
        milestones.is_activated,
        milestones.days_to_activation,
        milestones.days_to_first_value,
        current_weeks.lifecycle_segment as current_lifecycle_segment,
        current_weeks.engagement_tier as current_engagement_tier,
        current_weeks.usage_band as current_usage_band,
        current_weeks.last_key_action_at,
        build_context.as_of_date,
    from users
    cross join build_context
    left join milestones
        on users.user_id = milestones.user_id
    left join current_weeks
        on users.user_id = current_weeks.user_id
)

select * from dim
