{#- The rule-based segments of each account-week: lifecycle segment from the same rules as users
    (macro lifecycle_rules) on the account's rolled-up activity and billing state, where 'power' means
    enough of its active users are power users; engagement tier = the tier most of its users hold
    (ties go to the tier listed first: power_user, early_adopter, renewer,
    explorer). Each with the reason that placed the row there. -#}

with

account_weeks as (
    select * from {{ ref('int_account_weeks_active') }}
),

account_weeks_billed as (
    select * from {{ ref('int_account_weeks_billed') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

inputs as (
    select
        account_weeks.*,
        coalesce(account_weeks_billed.has_churned, false) as has_churned,
        coalesce(account_weeks.activated_at < {{ dbt.dateadd('day', 7, 'account_weeks.week_start') }}, false)
            as is_activated,
        {{ dbt.datediff(
            dbt.date_trunc('week', 'account_weeks.activated_at'), 'account_weeks.week_start', 'week'
        ) }} as weeks_since_activation,
        account_weeks.power_users * 1.0 / nullif(account_weeks.active_users_l28, 0) as power_user_rate,
    from account_weeks
    left join account_weeks_billed
        on
            account_weeks.account_id = account_weeks_billed.account_id
            and account_weeks.week_start = account_weeks_billed.week_start
),

{%- set text = dbt.type_string() %}
{%- set lifecycle = lifecycle_rules(
    power_condition='power_user_rate >= thresholds.account_power_min_user_share',
    power_reason="'power users ' || cast(round(power_user_rate, 2) as " ~ text ~ ")"
        ~ " || ' of active users >= account_power_min_user_share '"
        ~ " || cast(thresholds.account_power_min_user_share as " ~ text ~ ")",
) %}
{#- the engagement tiers in their governed order (macro governed_values); ties go to the earlier tier -#}
{%- set tiers = engagement.governed_value_names('engagement_tier') %}
{#- the reason text: 'most users: power_user 3, early_adopter 1, ...' -#}
{%- set tier_counts = [] %}
{%- for tier in tiers %}
    {%- do tier_counts.append("'" ~ tier ~ " ' || cast(inputs." ~ tier ~ "_tier_users as " ~ text ~ ")") %}
{%- endfor %}
{%- set tier_counts_text = "'most users: ' || " ~ tier_counts | join("\n        || ', ' || ") %}

segmented as (
    select
        inputs.*,
        {{ first_matching_rule(lifecycle) }} as lifecycle_segment,
        {{ first_matching_reason(lifecycle) }} as lifecycle_reason,
        case
            when inputs.users = 0 then null
            {%- for tier in tiers[:-1] %}
                {%- set tier_index = loop.index0 %}
                when
                    {%- for other in tiers if other != tier %}
                        inputs.{{ tier }}_tier_users {{ '>' if loop.index0 < tier_index else '>=' }}
                        inputs.{{ other }}_tier_users
                        {%- if not loop.last %} and{% endif %}
                    {%- endfor %}
                    then '{{ tier }}'
            {%- endfor %}
            else '{{ tiers[-1] }}'
        end as engagement_tier,
        {{ tier_counts_text }} as engagement_tier_reason,
    from inputs
    cross join thresholds
)

select * from segmented
