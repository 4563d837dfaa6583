{#- One row per signup cohort week, group (group_type all, lifecycle_segment, engagement_tier,
    cluster_archetype or plan_tier, and its value) and onboarding step: signup, then the contract's
    milestones in the governed order of the activation_milestones seed (milestone_order). A user is in a
    step's funnel when they reached that milestone and every earlier one; conversion is from the previous
    step; the median days between steps is over the users reaching both. Groups: the user's lifecycle
    segment and engagement tier in the as-of week, their behavioural cluster in the as-of week (users not
    clustered: 'unclustered'), and their account's plan tier in their signup week ('no_plan' without one). -#}

with

users as (
    select * from {{ ref('dim_users') }}
),

user_clusters as (
    select * from {{ ref('user_clusters') }}
),

account_weeks as (
    select * from {{ ref('fct_account_engagement_weekly') }}
),

activation_milestones as (
    select * from {{ ref('activation_milestones') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

grouped_users as (
    select
        users.user_id,
        users.signup_week,
        users.signed_up_at,
        users.setup_complete_at,
        users.first_key_action_at,
        users.teammate_invited_at,
        users.integration_connected_at,
        users.first_value_outcome_at,
        coalesce(users.current_lifecycle_segment, 'unknown') as lifecycle_segment,
        coalesce(users.current_engagement_tier, 'unknown') as engagement_tier,
        coalesce(user_clusters.cluster_archetype, 'unclustered') as cluster_archetype,
        coalesce(account_weeks.plan_tier, 'no_plan') as plan_tier,
    from users
    cross join build_context
    left join user_clusters
        on
            users.user_id = user_clusters.user_id
            and build_context.as_of_week_start = user_clusters.week_start
    left join account_weeks
        on
            users.account_id = account_weeks.account_id
            and users.signup_week = account_weeks.week_start
),

-- signup is step 0; the contract's milestones follow in the seed's governed order
user_steps as (
    select
        grouped_users.user_id,
        0 as step_order,
        'signup' as step,
        grouped_users.signed_up_at as reached_at,
    from grouped_users
    {%- for milestone in ['setup_complete', 'first_key_action', 'teammate_invited', 'integration_connected',
                          'first_value_outcome'] %}
        union all
        select
            grouped_users.user_id,
            activation_milestones.milestone_order as step_order,
            activation_milestones.milestone as step,
            grouped_users.{{ milestone }}_at as reached_at,
        from grouped_users
        inner join activation_milestones
            on activation_milestones.milestone = '{{ milestone }}'
    {%- endfor %}
),

-- in the funnel at a step: reached it and every earlier step; the time is from the previous step
funnel_steps as (
    select
        user_id,
        step_order,
        step,
        reached_at,
        min(case when reached_at is null then 0 else 1 end) over (
            partition by user_id order by step_order rows between unbounded preceding and current row
        ) = 1 as is_in_funnel,
        lag(reached_at) over (partition by user_id order by step_order) as previous_reached_at,
    from user_steps
),

user_group_steps as (
    {%- for group_type in ['all', 'lifecycle_segment', 'engagement_tier', 'cluster_archetype', 'plan_tier'] %}
        select
            grouped_users.signup_week,
            '{{ group_type }}' as group_type,
            {% if group_type == 'all' %}'all'{% else %}grouped_users.{{ group_type }}{% endif %} as group_value,
            funnel_steps.step_order,
            funnel_steps.step,
            funnel_steps.is_in_funnel,
            case
                when funnel_steps.is_in_funnel and funnel_steps.step_order > 0
                    then
                        {{ dbt.datediff(
                            'funnel_steps.previous_reached_at', 'funnel_steps.reached_at', 'second'
                        ) }}
                        / 86400.0
            end as days_from_previous_step,
        from funnel_steps
        inner join grouped_users
            on funnel_steps.user_id = grouped_users.user_id
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

counted as (
    select
        signup_week,
        group_type,
        group_value,
        step_order,
        step,
        sum(case when is_in_funnel then 1 else 0 end) as reached_users,
        {{ median('days_from_previous_step') }} as median_days_from_previous_step,
    from user_group_steps
    group by
        signup_week,
        group_type,
        group_value,
        step_order,
        step
),

converted as (
    select
        counted.*,
        max(case when counted.step_order = 0 then counted.reached_users end) over (
            partition by counted.signup_week, counted.group_type, counted.group_value
        ) as cohort_users,
        lag(counted.reached_users) over (
            partition by counted.signup_week, counted.group_type, counted.group_value order by counted.step_order
        ) as previous_step_users,
    from counted
),

final as (
    select
        cast(signup_week as date) as signup_week,
        cast(group_type as {{ dbt.type_string() }}) as group_type,
        cast(group_value as {{ dbt.type_string() }}) as group_value,
        cast(step_order as integer) as step_order,
        cast(step as {{ dbt.type_string() }}) as step,
        cast(cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(reached_users as {{ dbt.type_bigint() }}) as reached_users,
        cast(previous_step_users as {{ dbt.type_bigint() }}) as previous_step_users,
        cast(cast(reached_users as double) / nullif(cohort_users, 0) as double) as reached_rate,
        cast(cast(reached_users as double) / nullif(previous_step_users, 0) as double) as step_conversion_rate,
        cast(median_days_from_previous_step as double) as median_days_from_previous_step,
    from converted
)

select * from final
