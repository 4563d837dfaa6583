{#- One row per candidate milestone ("did X at least k times in the first N days", N =
    milestone_window_days): how many eligible users did it, their retention (a key action in week
    retention_horizon_weeks after signup) against the others', the lift and the phi coefficient. The
    evidence that the governed activation definition (seed activation_milestones) predicts retention. -#}

{#- The use counts k tried for every catalogued feature. -#}
{%- set min_uses_options = var('milestone_signal_min_uses') -%}
{#- Rates, lift and phi are rounded to this many decimals. -#}
{%- set decimals = 6 -%}

with

reached as (
    select * from {{ ref('int_user_onboarding_candidates_reached') }}
),

users_observed as (
    select * from {{ ref('int_users_retention_observed') }}
),

activation_milestones as (
    select * from {{ ref('activation_milestones') }}
),

catalog as (
    select * from {{ ref('int_feature_catalog') }}
),

thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

min_uses_options as (
    {%- for min_uses in min_uses_options %}
        select {{ min_uses }} as min_uses
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

features as (
    select distinct feature,
    from catalog
    where feature is not null
),

-- a milestone is reached once: its candidate is "reached at least once"
candidates as (
    select
        'milestone' as candidate_type,
        milestone as candidate,
        1 as min_uses,
        is_activation_requirement,
    from activation_milestones
    union all
    select
        'feature' as candidate_type,
        features.feature as candidate,
        min_uses_options.min_uses,
        false as is_activation_requirement,
    from features
    cross join min_uses_options
    union all
    select
        'activation' as candidate_type,
        'activated' as candidate,
        1 as min_uses,
        true as is_activation_requirement,
),

eligible_users as (
    select
        user_id,
        is_retained,
    from users_observed
    where is_retention_observed
),

eligible_totals as (
    select
        count(*) as users_eligible,
        coalesce(sum(case when is_retained then 1 else 0 end), 0) as users_retained,
    from eligible_users
),

reaching as (
    select
        candidates.candidate_type,
        candidates.candidate,
        candidates.min_uses,
        count(*) as users_reaching,
        sum(case when eligible_users.is_retained then 1 else 0 end) as users_reaching_retained,
    from candidates
    inner join reached
        on
            candidates.candidate_type = reached.candidate_type
            and candidates.candidate = reached.candidate
            and candidates.min_uses <= reached.uses_in_window
    inner join eligible_users
        on reached.user_id = eligible_users.user_id
    group by
        candidates.candidate_type,
        candidates.candidate,
        candidates.min_uses
),

-- the 2x2 table of each candidate: reached (or not) x retained (or not)
contingency as (
    select
        candidates.candidate_type,
        candidates.candidate,
        candidates.min_uses,
        candidates.is_activation_requirement,
        eligible_totals.users_eligible,
        eligible_totals.users_retained,
        coalesce(reaching.users_reaching, 0) as users_reaching,
        coalesce(reaching.users_reaching_retained, 0) as reached_retained,
        coalesce(reaching.users_reaching, 0) - coalesce(reaching.users_reaching_retained, 0) as reached_not_retained,
        eligible_totals.users_retained - coalesce(reaching.users_reaching_retained, 0) as not_reached_retained,
        eligible_totals.users_eligible - coalesce(reaching.users_reaching, 0)
        - eligible_totals.users_retained + coalesce(reaching.users_reaching_retained, 0) as not_reached_not_retained,
    from candidates
    cross join eligible_totals
    left join reaching
        on
            candidates.candidate_type = reaching.candidate_type
            and candidates.candidate = reaching.candidate
            and candidates.min_uses = reaching.min_uses
),

rated as (
    select
        *,
        users_reaching * 1.0 / nullif(users_eligible, 0) as reaching_rate,
        reached_retained * 1.0 / nullif(users_reaching, 0) as retention_with_rate,
        not_reached_retained * 1.0 / nullif(users_eligible - users_reaching, 0) as retention_without_rate,
        {{ phi_coefficient(
            'reached_retained', 'reached_not_retained', 'not_reached_retained', 'not_reached_not_retained'
        ) }} as phi_coefficient,
    from contingency
),

signal as (
    select
        cast(rated.candidate_type as {{ dbt.type_string() }}) as candidate_type,
        cast(rated.candidate as {{ dbt.type_string() }}) as candidate,
        cast(rated.min_uses as {{ dbt.type_int() }}) as min_uses,
        cast(thresholds.milestone_window_days as {{ dbt.type_int() }}) as window_days,
        cast(thresholds.retention_horizon_weeks as {{ dbt.type_int() }}) as retention_horizon_weeks,
        cast(rated.is_activation_requirement as {{ dbt.type_boolean() }}) as is_activation_requirement,
        cast(rated.users_eligible as {{ dbt.type_bigint() }}) as users_eligible,
        cast(rated.users_reaching as {{ dbt.type_bigint() }}) as users_reaching,
        cast(rated.users_retained as {{ dbt.type_bigint() }}) as users_retained,
        cast(rated.reached_retained as {{ dbt.type_bigint() }}) as users_reaching_retained,
        cast(round(rated.reaching_rate, {{ decimals }}) as {{ type_double() }}) as reaching_rate,
        cast(round(rated.retention_with_rate, {{ decimals }}) as {{ type_double() }}) as retention_with_rate,
        cast(round(rated.retention_without_rate, {{ decimals }}) as {{ type_double() }}) as retention_without_rate,
        cast(
            round(rated.retention_with_rate - rated.retention_without_rate, {{ decimals }}) as {{ type_double() }}
        ) as retention_lift,
        cast(round(rated.phi_coefficient, {{ decimals }}) as {{ type_double() }}) as phi_coefficient,
    from rated
    cross join thresholds
)

select * from signal
