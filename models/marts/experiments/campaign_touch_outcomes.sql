{#- One row per campaign touch (sends and holdouts) of a known user (grain 'user') or, for account-level
    outreach without a user, of a known account (grain 'account'): the member's lifecycle segment in force
    at the send (that of the week before the send week; 'not_activated' without a segment row then),
    consent, the funnel (opened, clicked, unsubscribed) and the outcomes with whether each is observed
    yet: re-engagement (a key action on day 1..campaign_reengagement_days after the send day), activation
    (for members not activated at the send: activated within milestone_window_days of it) and 28-day
    retention (a key action in the 7 days ending campaign_retention_days after the send day). An account's
    key actions are its users' (int_users_stitched.account_id), it is activated when its first user is,
    and it consents to marketing when one of its users does. -#}

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

account_weeks as (
    select * from {{ ref('int_account_weeks_segmented') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
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

account_consent as (
    select
        account_id,
        max(case when is_marketing_opt_in then 1 else 0 end) = 1 as is_marketing_opt_in,
    from users
    where account_id is not null
    group by account_id
),

-- a touch with a user is the user's (grain user); one without is its account's (grain account)
member_touches as (
    select
        case when touches.user_id is null then 'account' else 'user' end as grain,
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
        coalesce(
            case
                when touches.user_id is null then account_consent.is_marketing_opt_in
                else users.is_marketing_opt_in
            end,
            false
        ) as is_marketing_opt_in,
        playbook_actions.action is not null as is_playbook_action,
    from touches
    left join users
        on touches.user_id = users.user_id
    left join accounts
        on touches.account_id = accounts.account_id
    left join account_consent
        on touches.account_id = account_consent.account_id
    left join playbook_actions
        on touches.action = playbook_actions.action
    cross join build_context
    where
        touches.sent_at < build_context.as_of_cutoff_at
        and (users.user_id is not null or (touches.user_id is null and accounts.account_id is not null))
),

-- the users whose key actions and activation count for a touch: its user, or every user of its account
touch_users as (
    select
        touch_id,
        user_id,
    from member_touches
    where grain = 'user'
    union all
    select
        member_touches.touch_id,
        users.user_id,
    from member_touches
    inner join users
        on member_touches.account_id = users.account_id
    where member_touches.grain = 'account'
),

touch_activation as (
    select
        touch_users.touch_id,
        min(milestones.activated_at) as activated_at,
    from touch_users
    inner join milestones
        on touch_users.user_id = milestones.user_id
    group by touch_users.touch_id
),

key_action_windows as (
    select
        member_touches.touch_id,
        max(
            case
                when
                    user_days.activity_date > member_touches.sent_date
                    and user_days.activity_date
                    <= {{ dbt.dateadd('day', reengagement_days, 'member_touches.sent_date') }}
                    then 1
                else 0
            end
        ) as is_reengaged,
        max(
            case
                when
                    user_days.activity_date
                    > {{ dbt.dateadd('day', retention_days - days_per_week, 'member_touches.sent_date') }}
                    and user_days.activity_date
                    <= {{ dbt.dateadd('day', retention_days, 'member_touches.sent_date') }}
                    then 1
                else 0
            end
        ) as is_retained,
    from member_touches
    inner join touch_users
        on member_touches.touch_id = touch_users.touch_id
    inner join user_days
        on
            touch_users.user_id = user_days.user_id
            and member_touches.sent_date < user_days.activity_date
            and {{ dbt.dateadd('day', retention_days, 'member_touches.sent_date') }} >= user_days.activity_date
            and user_days.key_actions > 0
    group by member_touches.touch_id
),

outcomes as (
    select
        member_touches.*,
        coalesce(user_segment_weeks.lifecycle_segment, account_segment_weeks.lifecycle_segment)
            as segment_week_before,
        coalesce(touch_activation.activated_at < member_touches.sent_at, false) as was_activated_at_send,
        {{ dbt.dateadd('day', reengagement_days, 'member_touches.sent_date') }}
        < build_context.as_of_date as is_reengagement_observed,
        coalesce(key_action_windows.is_reengaged, 0) = 1 as is_reengaged,
        {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'member_touches.sent_at') }}
        <= build_context.as_of_cutoff_at as is_activation_observed,
        coalesce(
            touch_activation.activated_at
            < {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'member_touches.sent_at') }},
            false
        ) as is_activated_in_window,
        {{ dbt.dateadd('day', retention_days, 'member_touches.sent_date') }}
        < build_context.as_of_date as is_retention_observed,
        coalesce(key_action_windows.is_retained, 0) = 1 as is_retained,
    from member_touches
    cross join thresholds
    cross join build_context
    left join key_action_windows
        on member_touches.touch_id = key_action_windows.touch_id
    left join touch_activation
        on member_touches.touch_id = touch_activation.touch_id
    left join user_weeks as user_segment_weeks
        on
            member_touches.user_id = user_segment_weeks.user_id
            and user_segment_weeks.week_start
            = {{ dbt.dateadd('day', -days_per_week, 'member_touches.send_week') }}
    left join account_weeks as account_segment_weeks
        on
            member_touches.grain = 'account'
            and member_touches.account_id = account_segment_weeks.account_id
            and account_segment_weeks.week_start
            = {{ dbt.dateadd('day', -days_per_week, 'member_touches.send_week') }}
),

final as (
    select
        cast(touch_id as {{ dbt.type_string() }}) as touch_id,
        cast(grain as {{ dbt.type_string() }}) as grain,
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
