{#- The days-active histogram is a distribution: for every week and segment with trailing-28-day active
    users, the shares days_active_0_rate .. days_active_7_rate add up to 1. -#}

with

scorecard as (
    select * from {{ ref('balanced_scorecard') }}
),

histogram_totals as (
    select
        week_start,
        segment_type,
        segment,
        count(*) as buckets,
        sum(value) as total_share,
    from scorecard
    where
        metric like 'days\_active\_%\_rate' escape '\'
        and sample_size > 0
    group by
        week_start,
        segment_type,
        segment
)

select * from histogram_totals
where abs(total_share - 1) > 1e-9
