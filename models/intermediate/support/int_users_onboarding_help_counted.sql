{#- One row per product user: how they got help during onboarding. Onboarding runs from signup to
    activation, or to the end of the activation window (seed segment_thresholds.milestone_window_days after
    signup) for users not activated within it, and never past the as-of cut-off. Self-serve help: events
    the tracking plan flags is_self_serve_help (optional column; absent or null = false, so a feed
    without it counts none), from the user-days of int_user_event_days_counted whose first help event
    precedes the end of onboarding. Live support: tickets resolved to the user (int_tickets_resolved)
    opened from signup to the end of onboarding; first_ticket_channel is the channel of the first. -#}

with

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

tickets as (
    select * from {{ ref('int_tickets_resolved') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

windows as (
    select
        milestones.user_id,
        milestones.account_id,
        milestones.signed_up_at,
        milestones.activated_at,
        milestones.days_to_activation,
        {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'milestones.signed_up_at') }}
            as activation_window_ends_at,
        build_context.as_of_cutoff_at,
    from milestones
    cross join thresholds
    cross join build_context
    where milestones.signed_up_at < build_context.as_of_cutoff_at
),

onboarding as (
    select
        user_id,
        account_id,
        signed_up_at,
        activated_at,
        activation_window_ends_at,
        coalesce(activated_at < activation_window_ends_at, false) as is_activated_in_window,
        activation_window_ends_at <= as_of_cutoff_at as is_window_observed,
        case when activated_at < activation_window_ends_at then days_to_activation end
            as days_to_activation,
        least(
            case when activated_at < activation_window_ends_at then activated_at else activation_window_ends_at end,
            as_of_cutoff_at
        ) as onboarding_ends_at,
    from windows
),

help_counted as (
    select
        onboarding.user_id,
        sum(event_days.event_count) as self_serve_help_events,
        count(distinct event_days.activity_date) as self_serve_help_days,
    from onboarding
    inner join event_days
        on onboarding.user_id = event_days.user_id
    inner join catalog
        on event_days.event_name = catalog.event_name
    where
        catalog.is_self_serve_help
        and event_days.first_event_at < onboarding.onboarding_ends_at
    group by onboarding.user_id
),

onboarding_tickets as (
    select
        onboarding.user_id,
        tickets.ticket_id,
        tickets.channel,
        row_number() over (
            partition by onboarding.user_id order by tickets.created_at, tickets.ticket_id
        ) as ticket_number,
    from onboarding
    inner join tickets
        on onboarding.user_id = tickets.user_id
    where
        tickets.created_at >= onboarding.signed_up_at
        and tickets.created_at < onboarding.onboarding_ends_at
),

tickets_counted as (
    select
        user_id,
        count(*) as tickets_opened,
        max(case when ticket_number = 1 then channel end) as first_ticket_channel,
    from onboarding_tickets
    group by user_id
),

counted as (
    select
        onboarding.user_id,
        onboarding.account_id,
        onboarding.signed_up_at,
        onboarding.activated_at,
        onboarding.activation_window_ends_at,
        onboarding.onboarding_ends_at,
        onboarding.is_window_observed,
        onboarding.is_activated_in_window,
        onboarding.days_to_activation,
        cast(coalesce(help_counted.self_serve_help_events, 0) as {{ dbt.type_bigint() }})
            as self_serve_help_events,
        cast(coalesce(help_counted.self_serve_help_days, 0) as {{ dbt.type_bigint() }})
            as self_serve_help_days,
        cast(coalesce(tickets_counted.tickets_opened, 0) as {{ dbt.type_bigint() }}) as tickets_opened,
        coalesce(tickets_counted.first_ticket_channel, 'none') as first_ticket_channel,
        case
            when help_counted.user_id is not null and tickets_counted.user_id is not null then 'both'
            when help_counted.user_id is not null then 'self_serve_only'
            when tickets_counted.user_id is not null then 'live_support_only'
            else 'neither'
        end as help_reliance,
    from onboarding
    left join help_counted
        on onboarding.user_id = help_counted.user_id
    left join tickets_counted
        on onboarding.user_id = tickets_counted.user_id
)

select * from counted
