{#- The automation trigger feed: members that entered a lifecycle segment or changed engagement tier in
    the as-of week, with the reason that placed them there. -#}

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
        lag(membership.engagement_tier) over (
            partition by membership.grain, membership.user_id, membership.account_id
            order by membership.week_start
        ) as previous_engagement_tier,
    from membership
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
),

dated as (
    select
        build_context.as_of_date,
        crossings.*,
    from crossings
    cross join build_context
)

select * from dated
