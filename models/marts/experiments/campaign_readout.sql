{#- One row per grain (user, or account for account-level outreach), playbook action, channel, lifecycle
    segment at send ('all' too) and outcome
    (reengagement, activation, retention_28d): the audience, send, open, click and unsubscribe rates, the
    outcome rate of the contacted members and of the holdout, the lift (difference) with a 95%
    Agresti-Caffo interval (one success and one failure added to each arm, so a small arm with a 0% or
    100% rate does not get a zero-width interval; z = var experiment_ci_z), its two-sided p-value, the p-value adjusted over every comparison of the
    readout (var multiple_comparison_method: holm or bh) and the decision at var multiple_comparison_alpha.
    is_recommended: the adjusted lift is significant and positive; eligible_members_now counts the users (or
    accounts) in that segment this week the channel may reach (marketing channels, var
    campaign_marketing_channels: with marketing consent; nobody who unsubscribed from the channel; an account
    through at least one such user of its own). Without campaign data: one row with
    campaign_data_status 'no_campaign_data' and null measures. -#}

{%- set ci_z = var('experiment_ci_z') -%}
{%- set decimals = 6 -%}
{#- a comparison is tested (gets an interval and a p-value, and joins the family) only when both arms have
    this many observed touches -#}
{%- set min_arm = var('campaign_min_observed_per_arm') -%}
{%- set marketing_channels = "'" ~ var('campaign_marketing_channels') | join("', '") ~ "'" -%}
{#- every comparison of the readout is one family (macros/scorecard/multiple_comparisons.sql) -#}
{%- set method = engagement.multiple_comparison_method() -%}
{%- set outcomes = {
    'reengagement': ['is_reengagement_observed', 'is_reengaged'],
    'activation': ['is_activation_observed', 'is_activated_in_window'],
    'retention_28d': ['is_retention_observed', 'is_retained'],
} -%}

{# LT02 off: the outcome loop's union all and the rate loops template to lines sqlfluff cannot indent #}
-- noqa: disable=LT02

with

touch_outcomes as (
    select * from {{ ref('campaign_touch_outcomes') }}
),

feed_status as (
    select * from {{ ref('campaign_feed_status') }}
),

membership as (
    select * from {{ ref('segment_membership') }}
),

touches_by_segment as (
    select
        touch_outcomes.*,
        touch_outcomes.segment_at_send as segment,
    from touch_outcomes
    union all
    select
        touch_outcomes.*,
        'all' as segment,
    from touch_outcomes
),

funnel as (
    select
        grain,
        action,
        channel,
        segment,
        max(case when is_playbook_action then 1 else 0 end) = 1 as is_playbook_action,
        count(*) as audience_touches,
        sum(case when is_holdout then 0 else 1 end) as sent_touches,
        sum(case when is_holdout then 1 else 0 end) as holdout_touches,
        sum(case when is_opened then 1 else 0 end) as opened_touches,
        sum(case when is_clicked then 1 else 0 end) as clicked_touches,
        sum(case when is_unsubscribed then 1 else 0 end) as unsubscribed_touches,
    from touches_by_segment
    group by
        grain,
        action,
        channel,
        segment
),

outcomes_long as (
    {%- for outcome, columns in outcomes.items() %}
    select
        grain,
        action,
        channel,
        segment,
        '{{ outcome }}' as outcome,
        sum(case when not is_holdout and {{ columns[0] }} then 1 else 0 end) as contacted_observed,
        sum(case when not is_holdout and {{ columns[0] }} and {{ columns[1] }} then 1 else 0 end)
            as contacted_successes,
        sum(case when is_holdout and {{ columns[0] }} then 1 else 0 end) as holdout_observed,
        sum(case when is_holdout and {{ columns[0] }} and {{ columns[1] }} then 1 else 0 end)
            as holdout_successes,
    from touches_by_segment
    group by
        grain,
        action,
        channel,
        segment
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

rated as (
    select
        outcomes_long.*,
        outcomes_long.contacted_successes * 1.0 / nullif(outcomes_long.contacted_observed, 0) as contacted_rate,
        outcomes_long.holdout_successes * 1.0 / nullif(outcomes_long.holdout_observed, 0) as holdout_rate,
    from outcomes_long
),

smoothed as (
    select
        rated.*,
        (rated.contacted_successes + 1) * 1.0 / (rated.contacted_observed + 2) as contacted_rate_smoothed,
        (rated.holdout_successes + 1) * 1.0 / (rated.holdout_observed + 2) as holdout_rate_smoothed,
    from rated
),

compared as (
    select
        smoothed.*,
        smoothed.contacted_rate - smoothed.holdout_rate as lift,
        smoothed.contacted_rate_smoothed - smoothed.holdout_rate_smoothed as lift_smoothed,
        case
            when
                smoothed.contacted_observed >= {{ min_arm }}
                and smoothed.holdout_observed >= {{ min_arm }}
                then {{ proportion_difference_standard_error(
                    'smoothed.contacted_rate_smoothed', 'smoothed.contacted_observed + 2',
                    'smoothed.holdout_rate_smoothed', 'smoothed.holdout_observed + 2',
                ) }}
        end as lift_standard_error,
    from smoothed
),

tested as (
    select
        compared.*,
        compared.lift_smoothed / nullif(compared.lift_standard_error, 0) as lift_z,
    from compared
),

p_values as (
    select
        tested.*,
        {{ engagement.two_sided_p_value('tested.lift_z') }} as p_value,
        'campaign_readout' as comparison_family,
    from tested
),

ranked as (
    select
        p_values.*,
        {{ engagement.p_value_adjustment_columns(
            'p_values.p_value', 'p_values.comparison_family',
            'p_values.grain, p_values.action, p_values.channel, p_values.segment, p_values.outcome',
        ) }}
    from p_values
),

adjusted as (
    select
        ranked.*,
        {{ engagement.adjusted_p_value('ranked.p_value', 'ranked.comparison_family') }} as p_value_adjusted,
    from ranked
),

unsubscribed_channels as (
    select distinct
        user_id,
        channel,
    from touch_outcomes
    where
        is_unsubscribed
        and grain = 'user'
),

current_members as (
    select
        membership.user_id,
        membership.account_id,
        membership.lifecycle_segment,
        coalesce(membership.is_marketing_opt_in, false) as is_marketing_opt_in,
    from membership
    where
        membership.is_current_week
        and membership.grain = 'user'
),

channels as (
    select distinct channel from touch_outcomes
),

eligible as (
    select
        channels.channel,
        current_members.lifecycle_segment as segment,
        current_members.user_id,
        current_members.account_id,
    from channels
    cross join current_members
    left join unsubscribed_channels
        on
            current_members.user_id = unsubscribed_channels.user_id
            and channels.channel = unsubscribed_channels.channel
    where
        unsubscribed_channels.user_id is null
        and (
            channels.channel not in ({{ marketing_channels }})
            or current_members.is_marketing_opt_in
        )
),

-- an account may be reached on a channel through at least one user of its own the channel may reach
eligible_account_ids as (
    select distinct
        channel,
        account_id,
    from eligible
    where account_id is not null
),

current_accounts as (
    select
        membership.account_id,
        membership.lifecycle_segment,
    from membership
    where
        membership.is_current_week
        and membership.grain = 'account'
),

eligible_accounts as (
    select
        channels.channel,
        current_accounts.lifecycle_segment as segment,
        current_accounts.account_id,
    from channels
    cross join current_accounts
    left join eligible_account_ids
        on
            channels.channel = eligible_account_ids.channel
            and current_accounts.account_id = eligible_account_ids.account_id
    where
        channels.channel not in ({{ marketing_channels }})
        or eligible_account_ids.account_id is not null
),

eligible_members as (
    select
        'user' as grain,
        channel,
        segment,
    from eligible
    union all
    select
        'account' as grain,
        channel,
        segment,
    from eligible_accounts
),

eligible_counts as (
    select
        grain,
        channel,
        segment,
        count(*) as eligible_members_now,
    from eligible_members
    group by
        grain,
        channel,
        segment
    union all
    select
        grain,
        channel,
        'all' as segment,
        count(*) as eligible_members_now,
    from eligible_members
    group by
        grain,
        channel
),

readout as (
    select
        'ok' as campaign_data_status,
        adjusted.grain,
        adjusted.action,
        adjusted.channel,
        adjusted.segment,
        adjusted.outcome,
        funnel.is_playbook_action,
        funnel.audience_touches,
        funnel.sent_touches,
        funnel.holdout_touches,
        funnel.sent_touches * 1.0 / nullif(funnel.audience_touches, 0) as send_rate,
        funnel.opened_touches * 1.0 / nullif(funnel.sent_touches, 0) as open_rate,
        funnel.clicked_touches * 1.0 / nullif(funnel.sent_touches, 0) as click_rate,
        funnel.unsubscribed_touches * 1.0 / nullif(funnel.sent_touches, 0) as unsubscribe_rate,
        adjusted.contacted_observed,
        adjusted.contacted_successes,
        adjusted.contacted_rate,
        adjusted.holdout_observed,
        adjusted.holdout_successes,
        adjusted.holdout_rate,
        adjusted.lift,
        adjusted.lift_smoothed - {{ ci_z }} * adjusted.lift_standard_error as lift_ci_lower,
        adjusted.lift_smoothed + {{ ci_z }} * adjusted.lift_standard_error as lift_ci_upper,
        adjusted.p_value,
        adjusted.p_value_adjusted,
        adjusted.p_value < {{ var('multiple_comparison_alpha') }} as is_lift_significant,
        adjusted.p_value_adjusted < {{ var('multiple_comparison_alpha') }} as is_lift_significant_adjusted,
        coalesce(
            adjusted.p_value_adjusted < {{ var('multiple_comparison_alpha') }} and adjusted.lift > 0, false
        ) as is_recommended,
        coalesce(eligible_counts.eligible_members_now, 0) as eligible_members_now,
    from adjusted
    inner join funnel
        on
            adjusted.grain = funnel.grain
            and adjusted.action = funnel.action
            and adjusted.channel = funnel.channel
            and adjusted.segment = funnel.segment
    left join eligible_counts
        on
            adjusted.grain = eligible_counts.grain
            and adjusted.channel = eligible_counts.channel
            and adjusted.segment = eligible_counts.segment
),

no_data as (
    select
        'no_campaign_data' as campaign_data_status,
        'none' as grain,
        'none' as action,
        'none' as channel,
        'all' as segment,
        'none' as outcome,
        false as is_playbook_action,
        0 as audience_touches,
        0 as sent_touches,
        0 as holdout_touches,
        null as send_rate,
        null as open_rate,
        null as click_rate,
        null as unsubscribe_rate,
        0 as contacted_observed,
        0 as contacted_successes,
        null as contacted_rate,
        0 as holdout_observed,
        0 as holdout_successes,
        null as holdout_rate,
        null as lift,
        null as lift_ci_lower,
        null as lift_ci_upper,
        null as p_value,
        null as p_value_adjusted,
        false as is_lift_significant,
        false as is_lift_significant_adjusted,
        false as is_recommended,
        0 as eligible_members_now,
    from feed_status
    where feed_status.campaign_data_status = 'no_campaign_data'
),

unioned as (
    select * from readout
    union all
    select * from no_data
),

final as (
    select
        cast(campaign_data_status as {{ dbt.type_string() }}) as campaign_data_status,
        cast(grain as {{ dbt.type_string() }}) as grain,
        cast(action as {{ dbt.type_string() }}) as action,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(is_playbook_action as {{ dbt.type_boolean() }}) as is_playbook_action,
        cast(audience_touches as {{ dbt.type_bigint() }}) as audience_touches,
        cast(sent_touches as {{ dbt.type_bigint() }}) as sent_touches,
        cast(holdout_touches as {{ dbt.type_bigint() }}) as holdout_touches,
        {%- for rate in ['send_rate', 'open_rate', 'click_rate', 'unsubscribe_rate'] %}
        cast(round(cast({{ rate }} as {{ type_double() }}), {{ decimals }}) as {{ type_double() }}) as {{ rate }},
        {%- endfor %}
        cast(contacted_observed as {{ dbt.type_bigint() }}) as contacted_observed,
        cast(contacted_successes as {{ dbt.type_bigint() }}) as contacted_successes,
        cast(round(cast(contacted_rate as {{ type_double() }}), {{ decimals }}) as {{ type_double() }})
            as contacted_rate,
        cast(holdout_observed as {{ dbt.type_bigint() }}) as holdout_observed,
        cast(holdout_successes as {{ dbt.type_bigint() }}) as holdout_successes,
        {%- for measure in ['holdout_rate', 'lift', 'lift_ci_lower', 'lift_ci_upper', 'p_value', 'p_value_adjusted'] %}
        cast(round(cast({{ measure }} as {{ type_double() }}), {{ decimals }}) as {{ type_double() }})
            as {{ measure }},
        {%- endfor %}
        cast(coalesce(is_lift_significant, false) as {{ dbt.type_boolean() }}) as is_lift_significant,
        cast(coalesce(is_lift_significant_adjusted, false) as {{ dbt.type_boolean() }})
            as is_lift_significant_adjusted,
        cast(is_recommended as {{ dbt.type_boolean() }}) as is_recommended,
        cast(eligible_members_now as {{ dbt.type_bigint() }}) as eligible_members_now,
    from unioned
)

select * from final
