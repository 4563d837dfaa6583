{#- One row per campaign touch of a known user (sends and holdouts): the member's lifecycle segment in force
    at the send (that of the week before the send week; 'not_activated' when the user has no segment row
    then), consent, the funnel (opened, clicked, unsubscribed) and the outcomes with whether each is observed
    yet: re-engagement (a key action on day 1..campaign_reengagement_days after the send day), activation
    (for users not activated at the send: activated within milestone_window_days of it) and 28-day
    retention (a key action in the 7 days ending campaign_retention_days after the send day).
    Account-level touches (no user) have no user outcome and are counted in campaign_readout's status. -#}

{%- set days_per_week = 7 -%}
{%- set reengagement_days = var('campaign_reengagement_days') -%}
{%- set retention_days = var('campaign_retention_days') -%}

with

touches as (
    select * from {{ ref('stg_crm__campaign_touches') }}
),

users as (
    select * from {{ ref('int_users_stitched') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_segmented') }}
),

user_days as (
    select * from {{ ref('int_user_days_active') }}
),

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

playbook as (
    select * from {{ ref('segment_playbook') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

playbook_actions as (
    select distinct action from playbook
),

user_touches as (
    select
        touches.touch_id,
        touches.campaign_id,
        touches.action,
        touches.channel,
        touches.user_id,
        coalesce(touches.account_id, users.account_id) as account_id,
        touches.is_holdout,
        touches.sent_at,
        touches.sent_date,
        cast({{ dbt.date_trunc('week', 'touches.sent_date') }} as date) as send_week,
        touches.opened_at is not null as is_opened,
        touches.clicked_at is not null as is_clicked,
        touches.unsubscribed_at is not null as is_unsubscribed,
        touches.unsubscribed_at,
        coalesce(users.is_marketing_opt_in, false) as is_marketing_opt_in,
        playbook_actions.action is not null as is_playbook_action,
    from touches
    inner join users
        on touches.user_id = users.user_id
    left join playbook_actions
        on touches.action = playbook_actions.action
    cross join build_context
    where touches.sent_at < build_context.as_of_cutoff_at
),

key_action_windows as (
    select
        user_touches.touch_id,
        max(
            case
                when
                    user_days.activity_date > user_touches.sent_date
                    and user_days.activity_date
                    <= {{ dbt.dateadd('day', reengagement_days, 'user_touches.sent_date') }}
                    then 1
                else 0
            end
        ) as is_reengaged,
        max(
            case
                when
                    user_days.activity_date
                    > {{ dbt.dateadd('day', retention_days - days_per_week, 'user_touches.sent_date') }}
                    and user_days.activity_date
                    <= {{ dbt.dateadd('day', retention_days, 'user_touches.sent_date') }}
                    then 1
                else 0
            end
        ) as is_retained,
    from user_touches
    inner join user_days
        on
            user_touches.user_id = user_days.user_id
            and user_touches.sent_date < user_days.activity_date
            and {{ dbt.dateadd('day', retention_days, 'user_touches.sent_date') }} >= user_days.activity_date
            and user_days.key_actions > 0
    group by user_touches.touch_id
),

outcomes as (
    select
        user_touches.*,
        segment_weeks.lifecycle_segment as segment_week_before,
        coalesce(milestones.activated_at < user_touches.sent_at, false) as was_activated_at_send,
        {{ dbt.dateadd('day', reengagement_days, 'user_touches.sent_date') }}
        < build_context.as_of_date as is_reengagement_observed,
        coalesce(key_action_windows.is_reengaged, 0) = 1 as is_reengaged,
        {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'user_touches.sent_at') }}
        <= build_context.as_of_cutoff_at as is_activation_observed,
        coalesce(
            milestones.activated_at
            < {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'user_touches.sent_at') }},
            false
        ) as is_activated_in_window,
        {{ dbt.dateadd('day', retention_days, 'user_touches.sent_date') }}
        < build_context.as_of_date as is_retention_observed,
        coalesce(key_action_windows.is_retained, 0) = 1 as is_retained,
    from user_touches
    cross join thresholds
    cross join build_context
    left join key_action_windows
        on user_touches.touch_id = key_action_windows.touch_id
    left join milestones
        on user_touches.user_id = milestones.user_id
    left join user_weeks as segment_weeks
        on
            user_touches.user_id = segment_weeks.user_id
            and segment_weeks.week_start = {{ dbt.dateadd('day', -days_per_week, 'user_touches.send_week') }}
),

final as (
    select
        cast(touch_id as {{ dbt.type_string() }}) as touch_id,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(is_playbook_action as {{ dbt.type_boolean() }}) as is_playbook_action,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(coalesce(segment_week_before, 'not_activated') as {{ dbt.type_string() }}) as segment_at_send,
        cast(is_holdout as {{ dbt.type_boolean() }}) as is_holdout,
        cast(sent_at as {{ dbt.type_timestamp() }}) as sent_at,
        cast(send_week as date) as send_week,
        cast(is_marketing_opt_in as {{ dbt.type_boolean() }}) as is_marketing_opt_in,
        cast(is_opened as {{ dbt.type_boolean() }}) as is_opened,
        cast(is_clicked as {{ dbt.type_boolean() }}) as is_clicked,
        cast(is_unsubscribed as {{ dbt.type_boolean() }}) as is_unsubscribed,
        cast(was_activated_at_send as {{ dbt.type_boolean() }}) as was_activated_at_send,
        cast(is_reengagement_observed as {{ dbt.type_boolean() }}) as is_reengagement_observed,
        cast(is_reengaged as {{ dbt.type_boolean() }}) as is_reengaged,
        cast(is_activation_observed and not was_activated_at_send as {{ dbt.type_boolean() }})
            as is_activation_observed,
        cast(is_activated_in_window and not was_activated_at_send as {{ dbt.type_boolean() }})
            as is_activated_in_window,
        cast(is_retention_observed as {{ dbt.type_boolean() }}) as is_retention_observed,
        cast(is_retained as {{ dbt.type_boolean() }}) as is_retained,
    from outcomes
)

select * from final
