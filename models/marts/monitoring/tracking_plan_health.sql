{#- One row per tracking signal: each onboarding milestone of the activation_milestones seed and each
    event of the feature catalogue (the tracking plan). For each: the users who reached it in the trailing
    var('tracking_health_window_days') days up to the as-of date among the users active then, the users
    who ever reached it, and the event volume of the last var('tracking_recent_days') days against the
    volume expected from the var('tracking_norm_days') days before them; then a status and a message.
    A milestone is reached through the same events as in int_user_milestones_reached: the catalogue's
    events marked with it, plus every key action for first_key_action and every value outcome for
    first_value_outcome. Only the window's user-event-days are read: who ever sent an event comes from the
    carried int_user_events_seen, event volumes per day from the carried int_event_days_counted.
    Status: required_milestone_unreached (activation requires it and nobody, or at most
    var('tracking_required_min_reached_rate') of the window's active users, reached it while someone
    signed up in the window; or nobody ever reached it) fails the build (test
    assert_required_milestones_tracked); milestone_never_reached (a milestone activation does not require,
    reached by nobody ever) and stopped_firing (an event silent for at least var('tracking_recent_days')
    days where its rate over the var('tracking_norm_days') up to its last event would have brought at
    least var('tracking_min_expected_events'); or whose last var('tracking_recent_days') days brought
    less than var('tracking_stopped_below_rate') of at least that many expected from the days before)
    warn (test warn_tracked_events_stopped_firing); never_fired (a catalogue event never seen) is listed
    without a warning, as plans keep retired events; ok otherwise. -#}

with

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

activation_milestones as (
    select * from {{ ref('activation_milestones') }}
),

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

user_events_seen as (
    select * from {{ ref('int_user_events_seen') }}
),

event_day_volumes as (
    select * from {{ ref('int_event_days_counted') }}
),

users as (
    select * from {{ ref('int_users_stitched') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

windows as (
    select
        as_of_date,
        {{ dbt.dateadd('day', 1 - var('tracking_health_window_days'), 'as_of_date') }} as window_start_date,
        {{ dbt.dateadd('day', 1 - var('tracking_recent_days'), 'as_of_date') }} as recent_start_date,
        {{ dbt.dateadd('day', 1 - var('tracking_recent_days') - var('tracking_norm_days'), 'as_of_date') }}
            as norm_start_date,
    from build_context
),

-- the window's user-event days
window_event_days as (
    select
        user_event_days.user_id,
        user_event_days.event_name,
    from user_event_days
    cross join windows
    where
        user_event_days.activity_date >= windows.window_start_date
        and user_event_days.activity_date <= windows.as_of_date
),

-- who sent each event by the as-of date
seen_by_as_of as (
    select
        user_events_seen.user_id,
        user_events_seen.event_name,
    from user_events_seen
    cross join windows
    where user_events_seen.first_activity_date <= windows.as_of_date
),

-- each event's daily volume up to the as-of date, with the windows the day falls in
volume_days as (
    select
        event_day_volumes.event_name,
        event_day_volumes.activity_date,
        event_day_volumes.events,
        event_day_volumes.activity_date >= windows.recent_start_date as is_recent,
        event_day_volumes.activity_date >= windows.norm_start_date
        and event_day_volumes.activity_date < windows.recent_start_date as is_in_norm_window,
    from event_day_volumes
    cross join windows
    where event_day_volumes.activity_date <= windows.as_of_date
),

window_population as (
    select count(distinct window_event_days.user_id) as users_active_in_window,
    from window_event_days
),

ever_population as (
    select count(distinct seen_by_as_of.user_id) as users_active_ever,
    from seen_by_as_of
),

population as (
    select
        window_population.users_active_in_window,
        ever_population.users_active_ever,
    from window_population
    cross join ever_population
),

signups as (
    select count(*) as users_signed_up_in_window,
    from users
    cross join windows
    where
        cast(users.signed_up_at as date) >= windows.window_start_date
        and cast(users.signed_up_at as date) <= windows.as_of_date
),

-- the events through which each signal is reached
signal_events as (
    select
        'milestone' as signal_type,
        activation_milestones.milestone as signal_name,
        catalog.event_name,
    from activation_milestones
    inner join catalog
        on
            activation_milestones.milestone = catalog.milestone
            or (activation_milestones.milestone = 'first_key_action' and catalog.is_key_action)
            or (activation_milestones.milestone = 'first_value_outcome' and catalog.is_value_outcome)
    union all
    select
        'event' as signal_type,
        event_name as signal_name,
        event_name,
    from catalog
),

signals as (
    select
        'milestone' as signal_type,
        milestone as signal_name,
        is_activation_requirement,
    from activation_milestones
    union all
    select
        'event' as signal_type,
        event_name as signal_name,
        false as is_activation_requirement,
    from catalog
),

signal_event_names as (
    select
        signal_type,
        signal_name,
        count(*) as event_name_count,
        {{ dbt.listagg('event_name', "', '", 'order by event_name') }} as event_names,
    from signal_events
    group by
        signal_type,
        signal_name
),

reached_in_window as (
    select
        signal_events.signal_type,
        signal_events.signal_name,
        count(distinct window_event_days.user_id) as users_reached_in_window,
    from signal_events
    inner join window_event_days
        on signal_events.event_name = window_event_days.event_name
    group by
        signal_events.signal_type,
        signal_events.signal_name
),

reached_ever as (
    select
        signal_events.signal_type,
        signal_events.signal_name,
        count(distinct seen_by_as_of.user_id) as users_reached_ever,
    from signal_events
    inner join seen_by_as_of
        on signal_events.event_name = seen_by_as_of.event_name
    group by
        signal_events.signal_type,
        signal_events.signal_name
),

volumes as (
    select
        signal_events.signal_type,
        signal_events.signal_name,
        max(volume_days.activity_date) as last_event_date,
        sum(case when volume_days.is_recent then volume_days.events else 0 end) as events_recent,
        sum(case when volume_days.is_in_norm_window then volume_days.events else 0 end) as events_norm_window,
    from signal_events
    inner join volume_days
        on signal_events.event_name = volume_days.event_name
    group by
        signal_events.signal_type,
        signal_events.signal_name
),

reached as (
    select
        volumes.signal_type,
        volumes.signal_name,
        coalesce(reached_in_window.users_reached_in_window, 0) as users_reached_in_window,
        coalesce(reached_ever.users_reached_ever, 0) as users_reached_ever,
        volumes.last_event_date,
        volumes.events_recent,
        volumes.events_norm_window,
    from volumes
    left join reached_in_window
        on
            volumes.signal_type = reached_in_window.signal_type
            and volumes.signal_name = reached_in_window.signal_name
    left join reached_ever
        on
            volumes.signal_type = reached_ever.signal_type
            and volumes.signal_name = reached_ever.signal_name
),

-- the signal's volume while it still fired: the tracking_norm_days up to its last event day
before_silence as (
    select
        reached.signal_type,
        reached.signal_name,
        sum(volume_days.events) as events_before_last_seen,
    from reached
    inner join signal_events
        on
            reached.signal_type = signal_events.signal_type
            and reached.signal_name = signal_events.signal_name
    inner join volume_days
        on
            signal_events.event_name = volume_days.event_name
            and reached.last_event_date >= volume_days.activity_date
            and {{ dbt.dateadd('day', -var('tracking_norm_days'), 'reached.last_event_date') }}
            < volume_days.activity_date
    group by
        reached.signal_type,
        reached.signal_name
),

measured as (
    select
        signals.signal_type,
        signals.signal_name,
        signals.is_activation_requirement,
        coalesce(signal_event_names.event_name_count, 0) as event_name_count,
        signal_event_names.event_names,
        windows.as_of_date,
        windows.window_start_date,
        population.users_active_in_window,
        signups.users_signed_up_in_window,
        coalesce(reached.users_reached_in_window, 0) as users_reached_in_window,
        coalesce(reached.users_reached_in_window, 0) * 1.0
        / nullif(population.users_active_in_window, 0) as reached_rate_in_window,
        population.users_active_ever,
        coalesce(reached.users_reached_ever, 0) as users_reached_ever,
        reached.last_event_date,
        coalesce(reached.events_recent, 0) as events_recent,
        coalesce(reached.events_norm_window, 0) * 1.0 * {{ var('tracking_recent_days') }}
        / {{ var('tracking_norm_days') }} as expected_events_recent,
        {{ dbt.datediff('reached.last_event_date', 'windows.as_of_date', 'day') }} as days_silent,  -- noqa: LT05
        coalesce(before_silence.events_before_last_seen, 0) * 1.0
        * {{ dbt.datediff('reached.last_event_date', 'windows.as_of_date', 'day') }}
        / {{ var('tracking_norm_days') }} as expected_events_silent,
    from signals
    cross join windows
    cross join population
    cross join signups
    left join signal_event_names
        on
            signals.signal_type = signal_event_names.signal_type
            and signals.signal_name = signal_event_names.signal_name
    left join reached
        on
            signals.signal_type = reached.signal_type
            and signals.signal_name = reached.signal_name
    left join before_silence
        on
            signals.signal_type = before_silence.signal_type
            and signals.signal_name = before_silence.signal_name
),

classified as (
    select
        *,
        case
            when
                signal_type = 'milestone'
                and is_activation_requirement
                and (
                    (
                        users_signed_up_in_window > 0
                        and users_active_in_window > 0
                        and reached_rate_in_window <= {{ var('tracking_required_min_reached_rate') }}
                    )
                    or (users_active_ever > 0 and users_reached_ever = 0)
                )
                then 'required_milestone_unreached'
            when signal_type = 'milestone' and users_active_ever > 0 and users_reached_ever = 0
                then 'milestone_never_reached'
            when signal_type = 'event' and users_reached_ever = 0
                then 'never_fired'
            when
                signal_type = 'event'
                and (
                    (
                        days_silent >= {{ var('tracking_recent_days') }}
                        and expected_events_silent >= {{ var('tracking_min_expected_events') }}
                    )
                    or (
                        expected_events_recent >= {{ var('tracking_min_expected_events') }}
                        and events_recent < {{ var('tracking_stopped_below_rate') }} * expected_events_recent
                    )
                )
                then 'stopped_firing'
            else 'ok'
        end as health_status,
    from measured
),

{%- set as_text = 'as ' ~ dbt.type_string() %}
{%- set event_list = "coalesce(event_names, 'none: no event of the tracking plan marks it')" %}

messaged as (
    select
        *,
        case health_status
            when 'required_milestone_unreached' then {{ dbt.concat([
                "'Tracking plan: required activation milestone '", "signal_name",
                "' was reached by '", "cast(users_reached_in_window " ~ as_text ~ ")",
                "' of the '", "cast(users_active_in_window " ~ as_text ~ ")",
                "' users active in the '", "'" ~ var('tracking_health_window_days') ~ "'",
                "' days to '", "cast(as_of_date " ~ as_text ~ ")",
                "' ('", "cast(users_signed_up_in_window " ~ as_text ~ ")",
                "' signed up in that window) and by '", "cast(users_reached_ever " ~ as_text ~ ")",
                "' of '", "cast(users_active_ever " ~ as_text ~ ")",
                "' users ever; its events in the tracking plan: '", event_list,
                "'. Activation requires every milestone of seeds/activation_milestones.csv, so (almost) no user'",
                "' can activate and the lifecycle segments collapse into not_activated and churned.'",
                "' Fix: correct the tracking (make app/events carry those events, or mark the event that means'",
                "' it with milestone '", "signal_name",
                "' in app/tracking_plan or seeds/feature_catalog.csv), or change activation_milestones'",
                "' (seeds/activation_milestones.csv: is_activation_requirement false for '", "signal_name",
                "').'",
            ]) }}
            when 'milestone_never_reached' then {{ dbt.concat([
                "'milestone '", "signal_name", "' (not required for activation) was never reached by any of '",
                "cast(users_active_ever " ~ as_text ~ ")", "' users; its events: '", event_list,
            ]) }}
            when 'stopped_firing' then {{ dbt.concat([
                "signal_name", "' (last seen '", "cast(last_event_date " ~ as_text ~ ")",
                "', '", "cast(days_silent " ~ as_text ~ ")", "' days before '", "cast(as_of_date " ~ as_text ~ ")",
                "'; about '",
                "cast(cast(round(case when expected_events_silent > expected_events_recent then expected_events_silent"
                ~ " else expected_events_recent end, 0) as " ~ dbt.type_bigint() ~ ") " ~ as_text ~ ")",
                "' events expected since at its earlier rate; '", "cast(events_recent " ~ as_text ~ ")",
                "' in the last '", "'" ~ var('tracking_recent_days') ~ "'", "' days)'",
            ]) }}
        end as message,
    from classified
),

final as (
    select
        cast(signal_type as {{ dbt.type_string() }}) as signal_type,
        cast(signal_name as {{ dbt.type_string() }}) as signal_name,
        cast(is_activation_requirement as {{ dbt.type_boolean() }}) as is_activation_requirement,
        cast(event_names as {{ dbt.type_string() }}) as event_names,
        cast(event_name_count as {{ dbt.type_bigint() }}) as event_name_count,
        cast(as_of_date as date) as as_of_date,
        cast(window_start_date as date) as window_start_date,
        cast(users_active_in_window as {{ dbt.type_bigint() }}) as users_active_in_window,
        cast(users_signed_up_in_window as {{ dbt.type_bigint() }}) as users_signed_up_in_window,
        cast(users_reached_in_window as {{ dbt.type_bigint() }}) as users_reached_in_window,
        cast(reached_rate_in_window as {{ type_double() }}) as reached_rate_in_window,
        cast(users_active_ever as {{ dbt.type_bigint() }}) as users_active_ever,
        cast(users_reached_ever as {{ dbt.type_bigint() }}) as users_reached_ever,
        cast(last_event_date as date) as last_event_date,
        cast(events_recent as {{ dbt.type_bigint() }}) as events_recent,
        cast(expected_events_recent as {{ type_double() }}) as expected_events_recent,
        cast(days_silent as {{ dbt.type_bigint() }}) as days_silent,
        cast(expected_events_silent as {{ type_double() }}) as expected_events_silent,
        cast(health_status as {{ dbt.type_string() }}) as health_status,
        cast(message as {{ dbt.type_string() }}) as message,
    from messaged
)

select * from final
