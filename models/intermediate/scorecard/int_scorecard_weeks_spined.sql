{#- One row per complete week observed by the events feed: from the week of the feed's first received_at
    to the last week whose final day is on or before the as-of date. The calendar of the balanced
    scorecard and the account health score (a partial as-of week, or a week before the feed began, would
    read as a drop in usage). -#}

{%- set days_per_week = 7 -%}

with

events as (
    select * from {{ ref('stg_app__events') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

feed_start as (
    select min(events.received_at) as first_received_at,
    from events
    cross join build_context
    where events.received_at < build_context.as_of_cutoff_at
),

weeks as (
    select
        {{ period_starts_between('feed_start.first_received_at', 'build_context.as_of_week_start', 'week') }}
            as week_start,
    from feed_start
    cross join build_context
    where feed_start.first_received_at is not null
),

complete_weeks as (
    select
        weeks.week_start,
        feed_start.first_received_at as feed_started_at,
    from weeks
    cross join feed_start
    cross join build_context
    where {{ dbt.dateadd('day', days_per_week, 'weeks.week_start') }} <= build_context.as_of_cutoff_at
)

select * from complete_weeks
