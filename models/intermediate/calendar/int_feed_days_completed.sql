{#- One row per calendar day from the first to the last received_at day of the events feed: the events
    the server received that day, those of them that also happened that day (on time), the day's norm,
    and whether the feed is complete there.
    Rule (RAW_DATA_CONTRACT.md, "The as-of date and feed completeness"): a day's norm is the median of the
    on-time events of the same weekday in the var('feed_completeness_norm_weeks') weeks before it (weeks
    before the feed began are not counted); the day is incomplete when its on-time events are fewer than
    var('feed_incomplete_below_rate') of its norm. On-time events (event day = received day; a client
    clock ahead of the server reads as received_at) make late arrivals count for nothing: a feed whose
    latest days hold only late arrivals is incomplete there, however quiet the weekday. A day without a
    norm, or whose norm is under var('feed_completeness_min_norm_events'), is too small to judge and
    counts as complete. Counted over every de-duplicated event, identified or anonymous.
    int_build_context takes the last complete day as the as-of date. -#}

{%- set days_per_week = 7 -%}
{%- set norm_offsets = [] -%}
{%- for week in range(1, var('feed_completeness_norm_weeks') + 1) -%}
    {%- do norm_offsets.append(week * days_per_week) -%}
{%- endfor -%}

with

events as (
    select * from {{ ref('stg_app__events') }}
),

received_days as (
    select
        cast(received_at as date) as feed_date,
        count(*) as events_received,
        sum(
            case when cast(event_at as date) = cast(received_at as date) then 1 else 0 end
        ) as events_on_time,
    from events
    group by cast(received_at as date)
),

feed_bounds as (
    select
        min(feed_date) as first_feed_date,
        max(feed_date) as last_feed_date,
    from received_days
),

calendar_days as (
    select {{ period_starts_between('first_feed_date', 'last_feed_date', 'day') }} as feed_date,
    from feed_bounds
),

days_counted as (
    select
        calendar_days.feed_date,
        coalesce(received_days.events_received, 0) as events_received,
        coalesce(received_days.events_on_time, 0) as events_on_time,
    from calendar_days
    left join received_days
        on calendar_days.feed_date = received_days.feed_date
),

-- how many days back the same weekday of each previous norm week is
norm_offsets as (
    {%- for offset in norm_offsets %}
        select {{ offset }} as days_back
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- the same weekday in each of the previous weeks that the feed covers
norm_days as (
    select
        days_counted.feed_date,
        {{ engagement.median('prior_days.events_on_time') }} as norm_events_on_time,
        count(prior_days.feed_date) as norm_days_counted,
    from days_counted
    cross join norm_offsets
    left join days_counted as prior_days
        on prior_days.feed_date = {{ dbt.dateadd('day', '-1 * norm_offsets.days_back', 'days_counted.feed_date') }}
    group by days_counted.feed_date
),

judged as (
    select
        days_counted.feed_date,
        days_counted.events_received,
        days_counted.events_on_time,
        norm_days.norm_events_on_time,
        norm_days.norm_days_counted,
        days_counted.events_on_time * 1.0 / nullif(norm_days.norm_events_on_time, 0) as on_time_rate_of_norm,
        coalesce(
            norm_days.norm_events_on_time >= {{ var('feed_completeness_min_norm_events') }}, false
        ) as is_judged,
    from days_counted
    inner join norm_days
        on days_counted.feed_date = norm_days.feed_date
),

completed as (
    select
        judged.*,
        not judged.is_judged
        or judged.events_on_time >= {{ var('feed_incomplete_below_rate') }} * judged.norm_events_on_time
            as is_complete,
        judged.feed_date = feed_bounds.last_feed_date as is_last_feed_date,
    from judged
    cross join feed_bounds
)

select * from completed
