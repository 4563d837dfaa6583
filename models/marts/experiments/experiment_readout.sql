{#- One row per experiment, variant and segment (the user's lifecycle segment in force in the assignment
    week - that of the week before, so the treatment cannot move a user between segments; 'not_activated'
    for users who signed up in the assignment week - and 'all'): exposure, activation within milestone_window_days days of assignment, 4-week retention (a key
    action in the 4th week after the assignment week), and each treatment's lift over control (difference
    in rates) with a normal-approximation interval (z = var experiment_ci_z), its two-sided p-value, the
    p-value adjusted for the experiment's many comparisons (every treatment x segment x metric of the
    experiment is one family; var multiple_comparison_method: holm or bh) and the decision: significant
    when the adjusted p-value is below var multiple_comparison_alpha. -#}

{%- set days_per_week = 7 -%}
{#- The "4" of retention_4w: the week after the assignment week (week 0) whose activity counts. -#}
{%- set retention_week = 4 -%}
{#- z of the two-sided 95% interval. -#}
{%- set ci_z = var('experiment_ci_z') -%}
{#- Rates, lifts and interval bounds are rounded to this many decimals (significance uses the exact values). -#}
{%- set decimals = 6 -%}
{#- False-discovery control: governed method and level (macros/scorecard/multiple_comparisons.sql). -#}
{%- set method = multiple_comparison_method() -%}
{%- set alpha = var('multiple_comparison_alpha') -%}

with

assignments as (
    select * from {{ ref('stg_app__experiment_assignments') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_segmented') }}
),

milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

exposures as (
    select
        assignments.experiment_id,
        assignments.variant,
        assignments.is_control,
        assignments.user_id,
        assignments.assigned_at,
        cast({{ dbt.date_trunc('week', 'assignments.assigned_at') }} as date) as assignment_week,
        {{ dbt.dateadd('day', 'thresholds.milestone_window_days', 'assignments.assigned_at') }}
            as activation_window_ends_at,
        build_context.as_of_cutoff_at,
    from assignments
    cross join thresholds
    cross join build_context
    where assignments.assigned_at < build_context.as_of_cutoff_at
),

outcomes as (
    select
        exposures.experiment_id,
        exposures.variant,
        exposures.is_control,
        exposures.user_id,
        case
            when milestones.user_id is null then 'unknown'
            else coalesce(segment_weeks.lifecycle_segment, 'not_activated')
        end as segment,
        exposures.activation_window_ends_at <= exposures.as_of_cutoff_at as is_activation_observed,
        coalesce(milestones.activated_at < exposures.activation_window_ends_at, false) as is_activated,
        {{ dbt.dateadd(
            'day', days_per_week * (retention_week + 1), 'exposures.assignment_week'
        ) }} <= exposures.as_of_cutoff_at as is_retention_observed,
        coalesce(retention_weeks.key_actions > 0, false) as is_retained_4w,
    from exposures
    left join user_weeks as segment_weeks
        on
            exposures.user_id = segment_weeks.user_id
            and segment_weeks.week_start = {{ dbt.dateadd('day', -days_per_week, 'exposures.assignment_week') }}
    left join user_weeks as retention_weeks
        on
            exposures.user_id = retention_weeks.user_id
            and retention_weeks.week_start
            = {{ dbt.dateadd('day', days_per_week * retention_week, 'exposures.assignment_week') }}
    left join milestones
        on exposures.user_id = milestones.user_id
),

outcomes_by_segment as (
    select
        experiment_id,
        variant,
        is_control,
        segment,
        is_activation_observed,
        is_activated,
        is_retention_observed,
        is_retained_4w,
    from outcomes
    union all
    select
        experiment_id,
        variant,
        is_control,
        'all' as segment,
        is_activation_observed,
        is_activated,
        is_retention_observed,
        is_retained_4w,
    from outcomes
),

variants as (
    select
        experiment_id,
        variant,
        is_control,
        segment,
        count(*) as exposed_users,
        sum(case when is_activation_observed then 1 else 0 end) as activation_observed_users,
        sum(case when is_activation_observed and is_activated then 1 else 0 end) as activated_users,
        sum(case when is_retention_observed then 1 else 0 end) as retention_observed_users,
        sum(case when is_retention_observed and is_retained_4w then 1 else 0 end) as retained_4w_users,
    from outcomes_by_segment
    group by
        experiment_id,
        variant,
        is_control,
        segment
),

rated as (
    select
        *,
        activated_users * 1.0 / nullif(activation_observed_users, 0) as activation_rate,
        retained_4w_users * 1.0 / nullif(retention_observed_users, 0) as retention_4w_rate,
    from variants
),

compared as (
    select
        rated.*,
        case when not rated.is_control then rated.activation_rate - control.activation_rate end
            as activation_lift,
        case
            when not rated.is_control
                then {{ proportion_difference_standard_error(
                    'rated.activation_rate', 'rated.activation_observed_users',
                    'control.activation_rate', 'control.activation_observed_users',
                ) }}
        end as activation_lift_standard_error,
        case when not rated.is_control then rated.retention_4w_rate - control.retention_4w_rate end
            as retention_4w_lift,
        case
            when not rated.is_control
                then {{ proportion_difference_standard_error(
                    'rated.retention_4w_rate', 'rated.retention_observed_users',
                    'control.retention_4w_rate', 'control.retention_observed_users',
                ) }}
        end as retention_4w_lift_standard_error,
    from rated
    left join rated as control
        on
            rated.experiment_id = control.experiment_id
            and rated.segment = control.segment
            and control.is_control
),

tested as (
    select
        *,
        {{ ci_z }} * activation_lift_standard_error as activation_lift_margin,
        {{ ci_z }} * retention_4w_lift_standard_error as retention_4w_lift_margin,
        case
            when activation_lift_standard_error > 0
                then {{ two_sided_p_value('activation_lift / activation_lift_standard_error') }}
        end as activation_lift_p_value,
        case
            when retention_4w_lift_standard_error > 0
                then {{ two_sided_p_value('retention_4w_lift / retention_4w_lift_standard_error') }}
        end as retention_4w_lift_p_value,
    from compared
),

comparisons as (
    select
        experiment_id,
        variant,
        segment,
        'activation' as metric,
        activation_lift_p_value as p_value,
    from tested
    where not is_control
    union all
    select
        experiment_id,
        variant,
        segment,
        'retention_4w' as metric,
        retention_4w_lift_p_value as p_value,
    from tested
    where not is_control
),

comparisons_ranked as (
    select
        *,
        {{ p_value_adjustment_columns('p_value', 'experiment_id', 'metric, segment, variant') }}
    from comparisons
),

comparisons_adjusted as (
    select
        experiment_id,
        variant,
        segment,
        metric,
        comparisons_in_family,
        {{ adjusted_p_value('p_value', 'experiment_id') }} as adjusted_p_value,
    from comparisons_ranked
),

adjusted as (
    select
        tested.*,
        activation_adjusted.adjusted_p_value as activation_lift_adjusted_p_value,
        retention_adjusted.adjusted_p_value as retention_4w_lift_adjusted_p_value,
        coalesce(activation_adjusted.comparisons_in_family, 0) as comparisons_in_family,
    from tested
    left join comparisons_adjusted as activation_adjusted
        on
            tested.experiment_id = activation_adjusted.experiment_id
            and tested.variant = activation_adjusted.variant
            and tested.segment = activation_adjusted.segment
            and activation_adjusted.metric = 'activation'
    left join comparisons_adjusted as retention_adjusted
        on
            tested.experiment_id = retention_adjusted.experiment_id
            and tested.variant = retention_adjusted.variant
            and tested.segment = retention_adjusted.segment
            and retention_adjusted.metric = 'retention_4w'
),

readout as (
    select
        cast(experiment_id as {{ dbt.type_string() }}) as experiment_id,
        cast(variant as {{ dbt.type_string() }}) as variant,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(is_control as {{ dbt.type_boolean() }}) as is_control,
        cast(exposed_users as {{ dbt.type_bigint() }}) as exposed_users,
        cast(activation_observed_users as {{ dbt.type_bigint() }}) as activation_observed_users,
        cast(activated_users as {{ dbt.type_bigint() }}) as activated_users,
        cast(round(activation_rate, {{ decimals }}) as {{ type_double() }}) as activation_rate,
        cast(round(activation_lift, {{ decimals }}) as {{ type_double() }}) as activation_lift,
        cast(round(activation_lift - activation_lift_margin, {{ decimals }}) as {{ type_double() }})
            as activation_lift_ci_lower,
        cast(round(activation_lift + activation_lift_margin, {{ decimals }}) as {{ type_double() }})
            as activation_lift_ci_upper,
        cast(
            activation_lift - activation_lift_margin > 0 or activation_lift + activation_lift_margin < 0
            as {{ dbt.type_boolean() }}
        ) as is_activation_lift_significant_unadjusted,
        cast(round(activation_lift_p_value, {{ decimals }}) as {{ type_double() }}) as activation_lift_p_value,
        cast(round(activation_lift_adjusted_p_value, {{ decimals }}) as {{ type_double() }})
            as activation_lift_adjusted_p_value,
        cast(
            case
                when not is_control and activation_lift_margin is not null
                    then coalesce(activation_lift_adjusted_p_value < {{ alpha }}, false)
            end
            as {{ dbt.type_boolean() }}
        ) as is_activation_lift_significant,
        cast(retention_observed_users as {{ dbt.type_bigint() }}) as retention_observed_users,
        cast(retained_4w_users as {{ dbt.type_bigint() }}) as retained_4w_users,
        cast(round(retention_4w_rate, {{ decimals }}) as {{ type_double() }}) as retention_4w_rate,
        cast(round(retention_4w_lift, {{ decimals }}) as {{ type_double() }}) as retention_4w_lift,
        cast(round(retention_4w_lift - retention_4w_lift_margin, {{ decimals }}) as {{ type_double() }})
            as retention_4w_lift_ci_lower,
        cast(round(retention_4w_lift + retention_4w_lift_margin, {{ decimals }}) as {{ type_double() }})
            as retention_4w_lift_ci_upper,
        cast(
            retention_4w_lift - retention_4w_lift_margin > 0 or retention_4w_lift + retention_4w_lift_margin < 0
            as {{ dbt.type_boolean() }}
        ) as is_retention_4w_lift_significant_unadjusted,
        cast(round(retention_4w_lift_p_value, {{ decimals }}) as {{ type_double() }}) as retention_4w_lift_p_value,
        cast(round(retention_4w_lift_adjusted_p_value, {{ decimals }}) as {{ type_double() }})
            as retention_4w_lift_adjusted_p_value,
        cast(
            case
                when not is_control and retention_4w_lift_margin is not null
                    then coalesce(retention_4w_lift_adjusted_p_value < {{ alpha }}, false)
            end
            as {{ dbt.type_boolean() }}
        ) as is_retention_4w_lift_significant,
        cast('{{ method }}' as {{ dbt.type_string() }}) as multiple_comparison_method,
        cast(comparisons_in_family as {{ dbt.type_bigint() }}) as comparisons_in_family,
    from adjusted
)

select * from readout
