{#- One row per grain (user, account), week, segment type (lifecycle_segment, engagement_tier) and segment
    of the governed list: the segment's members and share of the grain's members that week against its
    trailing baseline (mean and standard deviation of the share over the drift_baseline_weeks before), the
    z-score, and the alert the decision_settings seed's thresholds raise (null when none). Segments with no
    member in a week have a row with 0 members, so a segment that empties is visible. Only weeks the event
    feed observed whole (starting on or after its first received day) are measured: before it every
    member reads as inactive, which would be a collapse of the feed's making; and no alert is raised before
    drift_min_baseline_weeks of such weeks make a baseline (the warm-up). -#}

{%- set str = dbt.type_string() %}

with

membership as (
    select * from {{ ref('segment_membership') }}
),

settings as (
    select * from {{ ref('decision_settings') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

feed_days as (
    select * from {{ ref('int_feed_days_completed') }}
),

feed_start as (
    select min(feed_date) as first_feed_date,
    from feed_days
),

observed_membership as (
    select membership.*,
    from membership
    inner join feed_start
        on membership.week_start >= feed_start.first_feed_date
),

member_segments as (
    select
        grain,
        week_start,
        'lifecycle_segment' as segment_type,
        lifecycle_segment as segment,
    from observed_membership
    union all
    select
        grain,
        week_start,
        'engagement_tier' as segment_type,
        engagement_tier as segment,
    from observed_membership
    where engagement_tier is not null
),

governed_segments as (
    {%- for segment_type in ['lifecycle_segment', 'engagement_tier'] %}
        {%- for value in governed_value_names(segment_type) %}
            select
                '{{ segment_type }}' as segment_type,
                '{{ value }}' as segment,
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

grain_weeks as (
    select
        grain,
        week_start,
        segment_type,
        count(*) as grain_members,
    from member_segments
    group by
        grain,
        week_start,
        segment_type
),

segment_counts as (
    select
        grain,
        week_start,
        segment_type,
        segment,
        count(*) as members,
    from member_segments
    group by
        grain,
        week_start,
        segment_type,
        segment
),

filled as (
    select
        grain_weeks.grain,
        grain_weeks.week_start,
        grain_weeks.segment_type,
        governed_segments.segment,
        grain_weeks.grain_members,
        coalesce(segment_counts.members, 0) as members,
        cast(coalesce(segment_counts.members, 0) as double) / grain_weeks.grain_members as share_rate,
    from grain_weeks
    inner join governed_segments
        on grain_weeks.segment_type = governed_segments.segment_type
    left join segment_counts
        on
            grain_weeks.grain = segment_counts.grain
            and grain_weeks.week_start = segment_counts.week_start
            and grain_weeks.segment_type = segment_counts.segment_type
            and governed_segments.segment = segment_counts.segment
),

baselined as (
    select
        filled.grain,
        filled.week_start,
        filled.segment_type,
        filled.segment,
        filled.grain_members,
        filled.members,
        filled.share_rate,
        count(baseline.week_start) as baseline_weeks,
        avg(baseline.share_rate) as baseline_share_rate,
        stddev_samp(baseline.share_rate) as baseline_share_stddev,
    from filled
    cross join settings
    left join filled as baseline
        on
            filled.grain = baseline.grain
            and filled.segment_type = baseline.segment_type
            and filled.segment = baseline.segment
            and filled.week_start > baseline.week_start
            and baseline.week_start >= {{ dbt.dateadd('week', '-settings.drift_baseline_weeks', 'filled.week_start') }}
    group by
        filled.grain,
        filled.week_start,
        filled.segment_type,
        filled.segment,
        filled.grain_members,
        filled.members,
        filled.share_rate
),

scored as (
    select
        baselined.*,
        baselined.share_rate - baselined.baseline_share_rate as share_change,
        (baselined.share_rate - baselined.baseline_share_rate)
        / nullif(baselined.baseline_share_stddev, 0) as share_z_score,
        settings.drift_min_baseline_weeks,
        settings.drift_min_share_change,
        settings.drift_min_abs_z,
        settings.drift_z_min_share_change,
        settings.drift_empty_min_baseline_share,
        settings.drift_empty_min_baseline_members,
        settings.drift_swallow_min_share,
        settings.drift_min_members,
    from baselined
    cross join settings
),

classified as (
    select
        *,
        case
            when grain_members < drift_min_members then null
            when baseline_weeks < drift_min_baseline_weeks then null
            when share_rate >= drift_swallow_min_share then 'collapse_swallowed'
            when
                members = 0
                and baseline_share_rate >= drift_empty_min_baseline_share
                and baseline_share_rate * grain_members >= drift_empty_min_baseline_members
                then 'collapse_emptied'
            when
                abs(share_change) >= drift_min_share_change
                or (abs(share_z_score) >= drift_min_abs_z and abs(share_change) >= drift_z_min_share_change)
                then case when share_change > 0 then 'grew' else 'shrank' end
        end as alert_type,
    from scored
),

reasoned as (
    select
        classified.*,
        classified.week_start = build_context.as_of_week_start as is_current_week,
        case
            when classified.alert_type = 'collapse_swallowed'
                then {{ dbt.concat([
                    "classified.segment", "' holds '", "cast(round(100 * classified.share_rate, 1) as " ~ str ~ ")",
                    "'% of '", "classified.grain", "' members (>= '",
                    "cast(round(100 * classified.drift_swallow_min_share, 1) as " ~ str ~ ")",
                    "'%): a segment swallowing most members usually means a tracking or definition problem'",
                    "' (e.g. a milestone or key action no longer tracked, a threshold changed), not behaviour'",
                ]) }}
            when classified.alert_type = 'collapse_emptied'
                then {{ dbt.concat([
                    "classified.segment", "' emptied: 0 of '", "cast(classified.grain_members as " ~ str ~ ")",
                    "' '", "classified.grain", "' members after a baseline share of '",
                    "cast(round(100 * classified.baseline_share_rate, 1) as " ~ str ~ ")",
                    "'%: a segment emptying at once usually means a tracking or definition problem'",
                    "' (an event no longer tracked, a rule or threshold changed), not behaviour'",
                ]) }}
            when classified.alert_type in ('grew', 'shrank')
                then {{ dbt.concat([
                    "classified.segment", "' '", "classified.alert_type", "' to '",
                    "cast(round(100 * classified.share_rate, 1) as " ~ str ~ ")", "'% of '", "classified.grain",
                    "' members from a baseline of '", "cast(round(100 * classified.baseline_share_rate, 1) as " ~ str ~ ")",
                    "'% ('", "cast(classified.baseline_weeks as " ~ str ~ ")", "' weeks; change '",
                    "cast(round(100 * classified.share_change, 1) as " ~ str ~ ")", "' pts, z '",
                    "coalesce(cast(round(classified.share_z_score, 1) as " ~ str ~ "), 'n/a')",
                    "'; thresholds '", "cast(round(100 * classified.drift_min_share_change, 1) as " ~ str ~ ")",
                    "' pts or z '", "cast(classified.drift_min_abs_z as " ~ str ~ ")", "')'",
                ]) }}
        end as alert_reason,
    from classified
    cross join build_context
),

final as (
    select
        cast(grain as {{ dbt.type_string() }}) as grain,
        cast(week_start as date) as week_start,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(grain_members as {{ dbt.type_bigint() }}) as grain_members,
        cast(members as {{ dbt.type_bigint() }}) as members,
        cast(share_rate as double) as share_rate,
        cast(baseline_weeks as {{ dbt.type_bigint() }}) as baseline_weeks,
        cast(baseline_share_rate as double) as baseline_share_rate,
        cast(baseline_share_stddev as double) as baseline_share_stddev,
        cast(share_change as double) as share_change,
        cast(share_z_score as double) as share_z_score,
        cast(alert_type as {{ dbt.type_string() }}) as alert_type,
        cast(alert_reason as {{ dbt.type_string() }}) as alert_reason,
        cast(alert_type is not null as {{ dbt.type_boolean() }}) as is_alert,
        cast(is_current_week as {{ dbt.type_boolean() }}) as is_current_week,
    from reasoned
)

select * from final
