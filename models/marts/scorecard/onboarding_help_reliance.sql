{#- One row per grain (user, account), segment (segment_type all / lifecycle_segment / size_band),
    help reliance (self_serve_only, live_support_only, both, neither, all) and support channel (the
    channel of the first onboarding ticket, 'none', or 'all'): how members got help before activating
    and how that relates to activation within the window and to the time it took. Members: users
    (int_users_onboarding_help_counted) and accounts (their users' onboarding summed; activated when a
    user activated within milestone_window_days of the account's first signup). Segments: the member's
    current lifecycle segment and its account's size band. -#}

{#- z of the Wilson interval of the activation rate (the experiments' governed z). -#}
{%- set ci_z = var('experiment_ci_z') -%}
{%- set decimals = 6 -%}

with

users_helped as (
    select * from {{ ref('int_users_onboarding_help_counted') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

user_members as (
    select
        'user' as grain,
        users_helped.user_id as member_id,
        coalesce(users.current_lifecycle_segment, 'unknown') as lifecycle_segment,
        coalesce(accounts.size_band, 'unknown') as size_band,
        users_helped.is_window_observed,
        users_helped.is_activated_in_window,
        users_helped.days_to_activation,
        users_helped.self_serve_help_events,
        users_helped.tickets_opened,
        users_helped.first_ticket_channel,
    from users_helped
    left join users
        on users_helped.user_id = users.user_id
    left join accounts
        on users_helped.account_id = accounts.account_id
),

account_users as (
    select
        account_id,
        min(signed_up_at) as first_signed_up_at,
        min(activated_at) as first_activated_at,
        sum(self_serve_help_events) as self_serve_help_events,
        sum(tickets_opened) as tickets_opened,
    from users_helped
    where account_id is not null
    group by account_id
),

account_first_tickets as (
    select
        account_id,
        first_ticket_channel,
        row_number() over (
            partition by account_id order by signed_up_at, user_id
        ) as ticket_user_number,
    from users_helped
    where account_id is not null and tickets_opened > 0
),

account_members as (
    select
        'account' as grain,
        account_users.account_id as member_id,
        coalesce(accounts.current_lifecycle_segment, 'unknown') as lifecycle_segment,
        coalesce(accounts.size_band, 'unknown') as size_band,
        {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'account_users.first_signed_up_at') }}
        <= build_context.as_of_cutoff_at as is_window_observed,
        coalesce(
            account_users.first_activated_at
            < {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'account_users.first_signed_up_at') }},
            false
        ) as is_activated_in_window,
        case
            when
                account_users.first_activated_at
                < {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'account_users.first_signed_up_at') }}
                then {{ dbt.datediff(
                    'account_users.first_signed_up_at', 'account_users.first_activated_at', 'second'
                ) }} / 86400.0
        end as days_to_activation,
        account_users.self_serve_help_events,
        account_users.tickets_opened,
        coalesce(account_first_tickets.first_ticket_channel, 'none') as first_ticket_channel,
    from account_users
    cross join thresholds
    cross join build_context
    left join accounts
        on account_users.account_id = accounts.account_id
    left join account_first_tickets
        on
            account_users.account_id = account_first_tickets.account_id
            and account_first_tickets.ticket_user_number = 1
),

members as (
    select
        *,
        case
            when self_serve_help_events > 0 and tickets_opened > 0 then 'both'
            when self_serve_help_events > 0 then 'self_serve_only'
            when tickets_opened > 0 then 'live_support_only'
            else 'neither'
        end as help_reliance,
    from user_members
    union all
    select
        *,
        case
            when self_serve_help_events > 0 and tickets_opened > 0 then 'both'
            when self_serve_help_events > 0 then 'self_serve_only'
            when tickets_opened > 0 then 'live_support_only'
            else 'neither'
        end as help_reliance,
    from account_members
),

segmented as (
    select
        members.*,
        'all' as segment_type,
        'all' as segment,
    from members
    union all
    select
        members.*,
        'lifecycle_segment' as segment_type,
        members.lifecycle_segment as segment,
    from members
    union all
    select
        members.*,
        'size_band' as segment_type,
        members.size_band as segment,
    from members
),

grouped as (
    {#- every member in its reliance group and in 'all', in its first ticket channel and in 'all' -#}
    {%- for reliance, channel in [
        ('help_reliance', 'first_ticket_channel'),
        ('help_reliance', "'all'"),
        ("'all'", 'first_ticket_channel'),
        ("'all'", "'all'"),
    ] %}
        select
            grain,
            segment_type,
            segment,
            {{ reliance }} as help_reliance,
            {{ channel }} as support_channel,
            is_window_observed,
            is_activated_in_window,
            days_to_activation,
            self_serve_help_events,
            tickets_opened,
        from segmented
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

aggregated as (
    select
        grain,
        segment_type,
        segment,
        help_reliance,
        support_channel,
        count(*) as members,
        sum(case when is_window_observed then 1 else 0 end) as activation_observed_members,
        sum(case when is_window_observed and is_activated_in_window then 1 else 0 end) as activated_members,
        {{ median('days_to_activation') }} as median_days_to_activation,
        sum(self_serve_help_events) as self_serve_help_events,
        sum(tickets_opened) as tickets_opened,
    from grouped
    group by
        grain,
        segment_type,
        segment,
        help_reliance,
        support_channel
),

rated as (
    select
        *,
        activated_members * 1.0 / nullif(activation_observed_members, 0) as activation_rate,
    from aggregated
),

compared as (
    select
        rated.*,
        rated.activation_rate - baseline.activation_rate as activation_rate_vs_all,
        rated.median_days_to_activation - baseline.median_days_to_activation as median_days_to_activation_vs_all,
        rated.members * 1.0 / baseline.members as member_share,
    from rated
    inner join rated as baseline
        on
            rated.grain = baseline.grain
            and rated.segment_type = baseline.segment_type
            and rated.segment = baseline.segment
            and baseline.help_reliance = 'all'
            and baseline.support_channel = 'all'
),

final as (
    select
        cast(grain as {{ dbt.type_string() }}) as grain,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(help_reliance as {{ dbt.type_string() }}) as help_reliance,
        cast(support_channel as {{ dbt.type_string() }}) as support_channel,
        cast(members as {{ dbt.type_bigint() }}) as members,
        cast(round(member_share, {{ decimals }}) as {{ type_double() }}) as member_share,
        cast(activation_observed_members as {{ dbt.type_bigint() }}) as activation_observed_members,
        cast(activated_members as {{ dbt.type_bigint() }}) as activated_members,
        cast(round(activation_rate, {{ decimals }}) as {{ type_double() }}) as activation_rate,
        cast(round(
            {{ wilson_bound('activation_rate', 'activation_observed_members', ci_z, 'lower') }}, {{ decimals }}
        ) as {{ type_double() }}) as activation_rate_ci_lower,
        cast(round(
            {{ wilson_bound('activation_rate', 'activation_observed_members', ci_z, 'upper') }}, {{ decimals }}
        ) as {{ type_double() }}) as activation_rate_ci_upper,
        cast(round(activation_rate_vs_all, {{ decimals }}) as {{ type_double() }}) as activation_rate_vs_all,
        cast(round(median_days_to_activation, {{ decimals }}) as {{ type_double() }}) as median_days_to_activation,
        cast(round(median_days_to_activation_vs_all, {{ decimals }}) as {{ type_double() }})
            as median_days_to_activation_vs_all,
        cast(self_serve_help_events as {{ dbt.type_bigint() }}) as self_serve_help_events,
        cast(tickets_opened as {{ dbt.type_bigint() }}) as tickets_opened,
        cast(round(self_serve_help_events * 1.0 / members, {{ decimals }}) as {{ type_double() }})
            as self_serve_help_events_per_member,
        cast(round(tickets_opened * 1.0 / members, {{ decimals }}) as {{ type_double() }}) as tickets_per_member,
        cast(round(
            self_serve_help_events * 1.0 / nullif(self_serve_help_events + tickets_opened, 0), {{ decimals }}
        ) as {{ type_double() }}) as self_serve_share,
        cast(activation_observed_members < {{ var('help_reliance_min_members') }} as {{ dbt.type_boolean() }})
            as is_small_group,
    from compared
)

select * from final
