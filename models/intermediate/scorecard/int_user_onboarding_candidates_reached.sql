{#- One row per user and onboarding candidate the user did within the first milestone_window_days days
    after signup (the signup day is day 0): each onboarding milestone reached (uses 1), each catalogued
    feature used (uses = its events in the window), and the governed activation itself (candidate_type
    'activation', candidate 'activated'). -#}

{#- The onboarding milestones of the raw contract, as columns <milestone>_at of int_user_milestones_reached. -#}
{%- set milestones = ['setup_complete', 'first_key_action', 'teammate_invited', 'integration_connected',
    'first_value_outcome'] -%}

with

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

user_event_days as (
    select * from {{ ref('int_user_event_days_counted') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

windows as (
    select
        milestones.user_id,
        cast(milestones.signed_up_at as date) as signup_date,
        {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'cast(milestones.signed_up_at as date)') }}
            as window_closes_on,
        {%- for milestone in milestones %}
            milestones.{{ milestone }}_at,
        {%- endfor %}
        milestones.activated_at,
    from milestones
    cross join thresholds
),

milestones_reached as (
    {%- for milestone in milestones %}
        select
            user_id,
            'milestone' as candidate_type,
            '{{ milestone }}' as candidate,
            1 as uses_in_window,
        from windows
        where {{ milestone }}_at < window_closes_on
        union all
    {%- endfor %}
    select
        user_id,
        'activation' as candidate_type,
        'activated' as candidate,
        1 as uses_in_window,
    from windows
    where activated_at < window_closes_on
),

features_used as (
    select
        windows.user_id,
        'feature' as candidate_type,
        catalog.feature as candidate,
        sum(user_event_days.event_count) as uses_in_window,
    from windows
    inner join user_event_days
        on
            windows.user_id = user_event_days.user_id
            and windows.signup_date <= user_event_days.activity_date
            and windows.window_closes_on > user_event_days.activity_date
    inner join catalog
        on user_event_days.event_name = catalog.event_name
    where catalog.feature is not null
    group by
        windows.user_id,
        catalog.feature
),

reached as (
    select
        user_id,
        candidate_type,
        candidate,
        cast(uses_in_window as {{ dbt.type_bigint() }}) as uses_in_window,
    from milestones_reached
    union all
    select
        user_id,
        candidate_type,
        candidate,
        cast(uses_in_window as {{ dbt.type_bigint() }}) as uses_in_window,
    from features_used
)

select * from reached
