{#- One row per segment of the as-of week at user grain, of two segment types: lifecycle_x_tier (lifecycle
    segment x engagement tier) and cluster (behavioural archetype of user_clusters). Reach (members, share,
    accounts), relevance (retention and account expansion of the segment's members retention_horizon_weeks
    before the as-of week, against all members then, with Wilson intervals at var experiment_ci_z; a
    cluster's cohort is the users the latest fit assigns to it in that week), monetization (MRR share, ARPA, NRR over the
    horizon) and the composite score: the segment_rubric_weights seed's weighted mean of the percentile
    ranks of reach share, retention lift, expansion lift and MRR share within the segment type, over the
    dimensions that have a value; ranked within the segment type (segments under rubric_min_members are
    not scored). -#}

{%- set z = var('experiment_ci_z') %}

with

membership as (
    select * from {{ ref('segment_membership') }}
),

user_weeks as (
    select * from {{ ref('fct_user_engagement_weekly') }}
),

account_weeks as (
    select * from {{ ref('fct_account_engagement_weekly') }}
),

segment_thresholds as (
    select * from {{ ref('segment_thresholds') }}
),

settings as (
    select * from {{ ref('decision_settings') }}
),

weights as (
    select * from {{ ref('segment_rubric_weights') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

weeks as (
    select
        build_context.as_of_week_start,
        cast(
            {{ dbt.dateadd('week', '-segment_thresholds.retention_horizon_weeks', 'build_context.as_of_week_start') }}
            as date
        ) as cohort_week_start,
    from build_context
    cross join segment_thresholds
),

user_members as (
    select
        membership.week_start,
        membership.user_id,
        membership.account_id,
        'lifecycle_x_tier' as segment_type,
        {{ dbt.concat(["membership.lifecycle_segment", "' x '", "coalesce(membership.engagement_tier, 'none')"]) }}
            as segment,
    from membership
    where membership.grain = 'user'
    union all
    select
        membership.week_start,
        membership.user_id,
        membership.account_id,
        'cluster' as segment_type,
        membership.cluster_archetype as segment,
    from membership
    where membership.grain = 'user' and membership.cluster_archetype is not null
),

current_members as (
    select user_members.*
    from user_members
    inner join weeks
        on user_members.week_start = weeks.as_of_week_start
),

cohort_members as (
    select user_members.*
    from user_members
    inner join weeks
        on user_members.week_start = weeks.cohort_week_start
),

current_accounts as (
    select account_weeks.*
    from account_weeks
    inner join weeks
        on account_weeks.week_start = weeks.as_of_week_start
),

cohort_accounts as (
    select account_weeks.*
    from account_weeks
    inner join weeks
        on account_weeks.week_start = weeks.cohort_week_start
),

current_users_per_account as (
    select
        account_id,
        count(*) as account_members,
    from current_members
    where segment_type = 'lifecycle_x_tier' and account_id is not null
    group by account_id
),

-- reach and monetization in the as-of week; an account's MRR is split evenly over its members that week
reach as (
    select
        current_members.segment_type,
        current_members.segment,
        count(*) as members,
        count(distinct current_members.account_id) as accounts,
        sum(
            coalesce(current_accounts.mrr_usd, 0) / nullif(current_users_per_account.account_members, 0)
        ) as allocated_mrr_usd,
        count(distinct case when current_accounts.mrr_usd > 0 then current_members.account_id end)
            as paying_accounts,
    from current_members
    left join current_accounts
        on current_members.account_id = current_accounts.account_id
    left join current_users_per_account
        on current_members.account_id = current_users_per_account.account_id
    group by
        current_members.segment_type,
        current_members.segment
),

paying_account_mrr as (
    select distinct
        current_members.segment_type,
        current_members.segment,
        current_accounts.account_id,
        current_accounts.mrr_usd,
    from current_members
    inner join current_accounts
        on current_members.account_id = current_accounts.account_id
    where current_accounts.mrr_usd > 0
),

arpa as (
    select
        segment_type,
        segment,
        avg(mrr_usd) as arpa_usd,
    from paying_account_mrr
    group by
        segment_type,
        segment
),

all_current as (
    select count(*) as all_members,
    from current_members
    where segment_type = 'lifecycle_x_tier'
),

all_mrr as (
    select sum(mrr_usd) as total_mrr_usd,
    from current_accounts
),

grain_totals as (
    select
        reach.segment_type,
        all_current.all_members,
        all_mrr.total_mrr_usd,
        sum(reach.members) as type_members,
    from reach
    cross join all_current
    cross join all_mrr
    group by
        reach.segment_type,
        all_current.all_members,
        all_mrr.total_mrr_usd
),

-- relevance: members in the cohort week and their outcome in the as-of week
cohort_outcomes as (
    select
        cohort_members.segment_type,
        cohort_members.segment,
        cohort_members.user_id,
        coalesce(current_user_weeks.is_active, false) as is_retained,
    from cohort_members
    cross join weeks
    left join user_weeks as current_user_weeks
        on
            cohort_members.user_id = current_user_weeks.user_id
            and weeks.as_of_week_start = current_user_weeks.week_start
),

cohort_account_outcomes as (
    select distinct
        cohort_members.segment_type,
        cohort_members.segment,
        cohort_accounts.account_id,
        cohort_accounts.mrr_usd as cohort_mrr_usd,
        coalesce(current_accounts.mrr_usd, 0) as current_mrr_usd,
    from cohort_members
    inner join cohort_accounts
        on cohort_members.account_id = cohort_accounts.account_id
    left join current_accounts
        on cohort_accounts.account_id = current_accounts.account_id
    where cohort_accounts.mrr_usd > 0
),

retention as (
    select
        segment_type,
        segment,
        count(*) as cohort_members,
        sum(case when is_retained then 1 else 0 end) as retained_members,
    from cohort_outcomes
    group by
        segment_type,
        segment
),

expansion as (
    select
        segment_type,
        segment,
        count(*) as cohort_paying_accounts,
        sum(case when current_mrr_usd > cohort_mrr_usd then 1 else 0 end) as expanded_accounts,
        sum(current_mrr_usd) / nullif(sum(cohort_mrr_usd), 0) as nrr_over_horizon,
    from cohort_account_outcomes
    group by
        segment_type,
        segment
),

baseline_retention as (
    select avg(case when is_retained then 1.0 else 0.0 end) as baseline_retention_rate,
    from cohort_outcomes
    where segment_type = 'lifecycle_x_tier'
),

cohort_paying as (
    select distinct
        account_id,
        cohort_mrr_usd,
        current_mrr_usd,
    from cohort_account_outcomes
    where segment_type = 'lifecycle_x_tier'
),

baseline_expansion as (
    select avg(case when current_mrr_usd > cohort_mrr_usd then 1.0 else 0.0 end) as baseline_expansion_rate,
    from cohort_paying
),

baseline as (
    select
        baseline_retention.baseline_retention_rate,
        baseline_expansion.baseline_expansion_rate,
    from baseline_retention
    cross join baseline_expansion
),

-- every segment with members now or in the cohort week: a segment that emptied since keeps its cohort's outcomes
segments as (
    select
        segment_type,
        segment,
    from reach
    union
    select
        segment_type,
        segment,
    from retention
    union
    select
        segment_type,
        segment,
    from expansion
),

joined as (
    select
        segments.segment_type,
        segments.segment,
        coalesce(reach.members, 0) as members,
        cast(coalesce(reach.members, 0) as double) / nullif(grain_totals.all_members, 0) as member_share_rate,
        coalesce(reach.accounts, 0) as accounts,
        coalesce(reach.paying_accounts, 0) as paying_accounts,
        coalesce(retention.cohort_members, 0) as cohort_members,
        retention.retained_members,
        cast(retention.retained_members as double) / nullif(retention.cohort_members, 0) as retention_rate,
        baseline.baseline_retention_rate,
        coalesce(expansion.cohort_paying_accounts, 0) as cohort_paying_accounts,
        expansion.expanded_accounts,
        cast(expansion.expanded_accounts as double) / nullif(expansion.cohort_paying_accounts, 0) as expansion_rate,
        baseline.baseline_expansion_rate,
        -- rounded: the allocated sum is a float sum whose last bits follow the scan order, and the share ranks
        round(coalesce(reach.allocated_mrr_usd, 0) / nullif(grain_totals.total_mrr_usd, 0), 9) as mrr_share_rate,
        coalesce(reach.allocated_mrr_usd, 0) as allocated_mrr_usd,
        arpa.arpa_usd,
        expansion.nrr_over_horizon,
        coalesce(reach.members, 0) >= settings.rubric_min_members as is_scored,
        weeks.as_of_week_start,
    from segments
    cross join weeks
    cross join baseline
    cross join settings
    inner join grain_totals
        on segments.segment_type = grain_totals.segment_type
    left join reach
        on segments.segment_type = reach.segment_type and segments.segment = reach.segment
    left join arpa
        on segments.segment_type = arpa.segment_type and segments.segment = arpa.segment
    left join retention
        on segments.segment_type = retention.segment_type and segments.segment = retention.segment
    left join expansion
        on segments.segment_type = expansion.segment_type and segments.segment = expansion.segment
),

-- Wilson score intervals of the two rates
intervals as (
    select
        *,
        retention_rate - baseline_retention_rate as retention_lift,
        expansion_rate - baseline_expansion_rate as expansion_lift,
        {{ wilson_bound('retention_rate', 'cohort_members', z, 'lower') }} as retention_rate_lower,
        {{ wilson_bound('retention_rate', 'cohort_members', z, 'upper') }} as retention_rate_upper,
        {{ wilson_bound('expansion_rate', 'cohort_paying_accounts', z, 'lower') }} as expansion_rate_lower,
        {{ wilson_bound('expansion_rate', 'cohort_paying_accounts', z, 'upper') }} as expansion_rate_upper,
    from joined
),

percentiles as (
    select
        intervals.*,
        case when intervals.is_scored then percent_rank() over (
            partition by intervals.segment_type, intervals.is_scored order by intervals.member_share_rate
        ) end as reach_score,
        case when intervals.is_scored and intervals.retention_lift is not null then percent_rank() over (
            partition by intervals.segment_type, intervals.is_scored, intervals.retention_lift is null
            order by intervals.retention_lift
        ) end as retention_score,
        case when intervals.is_scored and intervals.expansion_lift is not null then percent_rank() over (
            partition by intervals.segment_type, intervals.is_scored, intervals.expansion_lift is null
            order by intervals.expansion_lift
        ) end as expansion_score,
        case when intervals.is_scored then percent_rank() over (
            partition by intervals.segment_type, intervals.is_scored order by coalesce(intervals.mrr_share_rate, 0)
        ) end as monetization_score,
    from intervals
),

weight_row as (
    select
        max(case when dimension = 'reach' then weight end) as reach_weight,
        max(case when dimension = 'retention' then weight end) as retention_weight,
        max(case when dimension = 'expansion' then weight end) as expansion_weight,
        max(case when dimension = 'monetization' then weight end) as monetization_weight,
    from weights
),

composite as (
    select
        percentiles.*,
        (
            coalesce(percentiles.reach_score * weight_row.reach_weight, 0)
            + coalesce(percentiles.retention_score * weight_row.retention_weight, 0)
            + coalesce(percentiles.expansion_score * weight_row.expansion_weight, 0)
            + coalesce(percentiles.monetization_score * weight_row.monetization_weight, 0)
        ) / nullif(
            case when percentiles.reach_score is not null then weight_row.reach_weight else 0 end
            + case when percentiles.retention_score is not null then weight_row.retention_weight else 0 end
            + case when percentiles.expansion_score is not null then weight_row.expansion_weight else 0 end
            + case when percentiles.monetization_score is not null then weight_row.monetization_weight else 0 end,
            0
        ) as composite_score,
    from percentiles
    cross join weight_row
),

ranked as (
    select
        composite.*,
        case when composite.composite_score is not null then row_number() over (
            partition by composite.segment_type, composite.composite_score is null
            order by composite.composite_score desc, composite.members desc, composite.segment asc
        ) end as score_rank,
    from composite
),

final as (
    select
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(as_of_week_start as date) as as_of_week_start,
        cast(score_rank as {{ dbt.type_bigint() }}) as score_rank,
        cast(composite_score as double) as composite_score,
        cast(members as {{ dbt.type_bigint() }}) as members,
        cast(member_share_rate as double) as member_share_rate,
        cast(accounts as {{ dbt.type_bigint() }}) as accounts,
        cast(cohort_members as {{ dbt.type_bigint() }}) as cohort_members,
        cast(retention_rate as double) as retention_rate,
        cast(retention_rate_lower as double) as retention_rate_lower,
        cast(retention_rate_upper as double) as retention_rate_upper,
        cast(baseline_retention_rate as double) as baseline_retention_rate,
        cast(retention_lift as double) as retention_lift,
        cast(cohort_paying_accounts as {{ dbt.type_bigint() }}) as cohort_paying_accounts,
        cast(expansion_rate as double) as expansion_rate,
        cast(expansion_rate_lower as double) as expansion_rate_lower,
        cast(expansion_rate_upper as double) as expansion_rate_upper,
        cast(baseline_expansion_rate as double) as baseline_expansion_rate,
        cast(expansion_lift as double) as expansion_lift,
        cast(paying_accounts as {{ dbt.type_bigint() }}) as paying_accounts,
        cast(allocated_mrr_usd as {{ dbt.type_numeric() }}) as mrr_usd,
        cast(mrr_share_rate as double) as mrr_share_rate,
        cast(arpa_usd as {{ dbt.type_numeric() }}) as arpa_usd,
        cast(nrr_over_horizon as double) as nrr_over_horizon,
        cast(reach_score as double) as reach_score,
        cast(retention_score as double) as retention_score,
        cast(expansion_score as double) as expansion_score,
        cast(monetization_score as double) as monetization_score,
    from ranked
)

select * from final
