{#- The automation trigger feed: members that entered a lifecycle segment or changed engagement tier in
    the as-of week, and accounts whose churn risk band changed, with the reason. The previous values are
    the week before's: membership is dense per member (user and account weeks are built on week spines),
    so only those two weeks are read, not the members' whole history. -#}

with

membership as (
    select * from {{ ref('segment_membership') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

history as (
    select
        membership.*,
        lag(membership.engagement_tier) over member_history as previous_engagement_tier,
        lag(membership.risk_band) over member_history as previous_risk_band,
    from membership
    inner join build_context
        on membership.week_start >= {{ dbt.dateadd('day', -7, 'build_context.as_of_week_start') }}
    window member_history as (
        partition by membership.grain, membership.user_id, membership.account_id
        order by membership.week_start
    )
),

this_week as (
    select history.*,
    from history
    inner join build_context
        on history.week_start = build_context.as_of_week_start
),

crossings as (
    select
        grain,
        week_start,
        user_id,
        account_id,
        'lifecycle_segment' as crossing_type,
        previous_lifecycle_segment as from_value,
        lifecycle_segment as to_value,
        lifecycle_reason as reason,
    from this_week
    where previous_lifecycle_segment != lifecycle_segment
    union all
    select
        grain,
        week_start,
        user_id,
        account_id,
        'engagement_tier' as crossing_type,
        previous_engagement_tier as from_value,
        engagement_tier as to_value,
        engagement_tier_reason as reason,
    from this_week
    where previous_engagement_tier != engagement_tier
    union all
    select
        grain,
        week_start,
        user_id,
        account_id,
        'risk_band' as crossing_type,
        previous_risk_band as from_value,
        risk_band as to_value,
        'churn probability ' || cast(round(churn_probability, 3) as {{ dbt.type_string() }}) as reason,
    from this_week
    where
        grain = 'account'
        and previous_risk_band != risk_band
),

dated as (
    select
        build_context.as_of_date,
        crossings.*,
    from crossings
    cross join build_context
)

select * from dated
