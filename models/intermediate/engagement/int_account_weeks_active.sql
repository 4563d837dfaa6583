{#- Engagement per account per week, rolled up from its users' weeks and laid on the account calendar:
    users, active users, key actions and value outcomes (week and L28), recency of key actions and value
    outcomes, breadth, the users' segment and tier mix, first activation and the week-over-week trend. -#}

with

account_weeks as (
    select * from {{ ref('int_account_weeks_spined') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_segmented') }}
    where account_id is not null
),

rolled_up as (
    select
        account_id,
        week_start,
        count(*) as users,
        cast(sum(case when is_active then 1 else 0 end) as {{ dbt.type_bigint() }}) as active_users,
        cast(sum(case when key_actions > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as key_active_users,
        cast(sum(case when active_days_l28 > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as active_users_l28,
        cast(sum(case when is_activated then 1 else 0 end) as {{ dbt.type_bigint() }}) as activated_users,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events,
        cast(sum(key_actions) as {{ dbt.type_bigint() }}) as key_actions,
        cast(sum(value_outcomes) as {{ dbt.type_bigint() }}) as value_outcomes,
        cast(sum(active_days) as {{ dbt.type_bigint() }}) as user_active_days,
        cast(sum(key_actions_l28) as {{ dbt.type_bigint() }}) as key_actions_l28,
        cast(sum(value_outcomes_l28) as {{ dbt.type_bigint() }}) as value_outcomes_l28,
        max(last_key_action_at) as last_key_action_at,
        min(days_since_last_key_action) as days_since_last_key_action,
        max(last_value_outcome_at) as last_value_outcome_at,
        min(days_since_last_value_outcome) as days_since_last_value_outcome,
        {{ exact_avg("case when active_days_l28 > 0 then feature_breadth_rate end") }} as feature_breadth_rate,
        min(activated_at) as activated_at,
        cast(sum(case when lifecycle_segment = 'power' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as power_users,
        {%- for tier in engagement.governed_value_names('engagement_tier') %}
            cast(sum(case when engagement_tier = '{{ tier }}' then 1 else 0 end) as {{ dbt.type_bigint() }})
                as {{ tier }}_tier_users,
        {%- endfor %}
    from user_weeks
    group by
        account_id,
        week_start
),

laid_on_calendar as (
    select
        account_weeks.account_id,
        account_weeks.week_start,
        coalesce(rolled_up.users, 0) as users,
        coalesce(rolled_up.active_users, 0) as active_users,
        coalesce(rolled_up.key_active_users, 0) as key_active_users,
        coalesce(rolled_up.active_users_l28, 0) as active_users_l28,
        coalesce(rolled_up.activated_users, 0) as activated_users,
        coalesce(rolled_up.events, 0) as events,
        coalesce(rolled_up.key_actions, 0) as key_actions,
        coalesce(rolled_up.value_outcomes, 0) as value_outcomes,
        coalesce(rolled_up.user_active_days, 0) as user_active_days,
        coalesce(rolled_up.key_actions_l28, 0) as key_actions_l28,
        coalesce(rolled_up.value_outcomes_l28, 0) as value_outcomes_l28,
        rolled_up.last_key_action_at,
        rolled_up.days_since_last_key_action,
        rolled_up.last_value_outcome_at,
        rolled_up.days_since_last_value_outcome,
        rolled_up.feature_breadth_rate,
        rolled_up.activated_at,
        coalesce(rolled_up.power_users, 0) as power_users,
        {%- for tier in engagement.governed_value_names('engagement_tier') %}
            coalesce(rolled_up.{{ tier }}_tier_users, 0) as {{ tier }}_tier_users,
        {%- endfor %}
    from account_weeks
    left join rolled_up
        on
            account_weeks.account_id = rolled_up.account_id
            and account_weeks.week_start = rolled_up.week_start
),

trended as (
    select
        *,
        lag(key_actions, 1) over account_history as key_actions_prev_week,
        lag(key_actions, 2) over account_history as key_actions_prev_2_weeks,
        lag(days_since_last_key_action, 1) over account_history as prev_days_since_last_key_action,
        cast(sum(case when key_actions > 0 then 1 else 0 end) over (
            partition by account_id order by week_start rows between 3 preceding and current row
        ) as {{ dbt.type_bigint() }}) as active_weeks_l4,
    from laid_on_calendar
    window account_history as (partition by account_id order by week_start)
)

select * from trended
