{#- One row per group (group_type and value, as in onboarding_funnel) and onboarding step after signup,
    over every signup cohort: the group's conversion from the previous step against the rest of its group
    type (every other value), the difference in points, its two-proportion z-score, and whether this is the
    step where the group's conversion differs most from the rest (is_largest_gap: largest absolute
    difference among the group's steps; only groups with at least funnel_min_group_users signups). -#}

with

funnel as (
    select * from {{ ref('onboarding_funnel') }}
),

settings as (
    select * from {{ ref('decision_settings') }}
),

pooled as (
    select
        group_type,
        group_value,
        step_order,
        step,
        sum(cohort_users) as cohort_users,
        sum(reached_users) as reached_users,
        sum(previous_step_users) as previous_step_users,
    from funnel
    where step_order > 0
    group by
        group_type,
        group_value,
        step_order,
        step
),

with_rest as (
    select
        pooled.*,
        sum(pooled.reached_users) over (partition by pooled.group_type, pooled.step_order)
        - pooled.reached_users as rest_reached_users,
        sum(pooled.previous_step_users) over (partition by pooled.group_type, pooled.step_order)
        - pooled.previous_step_users as rest_previous_step_users,
    from pooled
),

compared as (
    select
        with_rest.*,
        cast(with_rest.reached_users as double) / nullif(with_rest.previous_step_users, 0) as step_conversion_rate,
        cast(with_rest.rest_reached_users as double)
        / nullif(with_rest.rest_previous_step_users, 0) as rest_step_conversion_rate,
        cast(with_rest.reached_users + with_rest.rest_reached_users as double)
        / nullif(with_rest.previous_step_users + with_rest.rest_previous_step_users, 0) as pooled_conversion_rate,
        with_rest.cohort_users >= settings.funnel_min_group_users as is_large_enough,
    from with_rest
    cross join settings
),

scored as (
    select
        compared.*,
        compared.step_conversion_rate - compared.rest_step_conversion_rate as conversion_gap,
        (compared.step_conversion_rate - compared.rest_step_conversion_rate)
        / nullif(sqrt(
            compared.pooled_conversion_rate * (1 - compared.pooled_conversion_rate)
            * (1.0 / nullif(compared.previous_step_users, 0) + 1.0 / nullif(compared.rest_previous_step_users, 0))
        ), 0) as conversion_gap_z_score,
    from compared
),

ranked as (
    select
        scored.*,
        row_number() over (
            partition by scored.group_type, scored.group_value
            order by abs(coalesce(scored.conversion_gap, 0)) desc, scored.step_order
        ) as gap_rank,
    from scored
),

final as (
    select
        cast(group_type as {{ dbt.type_string() }}) as group_type,
        cast(group_value as {{ dbt.type_string() }}) as group_value,
        cast(step_order as integer) as step_order,
        cast(step as {{ dbt.type_string() }}) as step,
        cast(cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(previous_step_users as {{ dbt.type_bigint() }}) as previous_step_users,
        cast(reached_users as {{ dbt.type_bigint() }}) as reached_users,
        cast(step_conversion_rate as double) as step_conversion_rate,
        cast(rest_previous_step_users as {{ dbt.type_bigint() }}) as rest_previous_step_users,
        cast(rest_step_conversion_rate as double) as rest_step_conversion_rate,
        cast(conversion_gap as double) as conversion_gap,
        cast(conversion_gap_z_score as double) as conversion_gap_z_score,
        cast(
            is_large_enough and gap_rank = 1 and conversion_gap is not null and group_type != 'all'
            as {{ dbt.type_boolean() }}
        ) as is_largest_gap,
    from ranked
)

select * from final
