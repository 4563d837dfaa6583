{#- One row per calendar day from the first to the last received_at day of the events feed: the events
    the server received that day against the day's norm, and whether the feed is complete there.
    Rule (RAW_DATA_CONTRACT.md, "The as-of date and feed completeness"): a day's norm is the median of the
    events received on the same weekday in the var('feed_completeness_norm_weeks') weeks before it (weeks
    before the feed began are not counted); the day is incomplete when it received less than
    var('feed_incomplete_below_rate') of its norm. A day without a norm, or whose norm is under
    var('feed_completeness_min_norm_events'), is too small to judge and counts as complete. Counted on the
    server clock (received_at) over every de-duplicated event, identified or anonymous: a feed whose
    latest days hold only late arrivals is incomplete there. int_build_context takes the last complete
    day as the as-of date. -#}

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
        {{ engagement.median('prior_days.events_received') }} as norm_events_received,
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
        norm_days.norm_events_received,
        norm_days.norm_days_counted,
        days_counted.events_received * 1.0 / nullif(norm_days.norm_events_received, 0) as received_rate_of_norm,
        coalesce(
            norm_days.norm_events_received >= {{ var('feed_completeness_min_norm_events') }}, false
        ) as is_judged,
    from days_counted
    inner join norm_days
        on days_counted.feed_date = norm_days.feed_date
),

completed as (
    select
        judged.*,
        not judged.is_judged
        or judged.events_received >= {{ var('feed_incomplete_below_rate') }} * judged.norm_events_received
            as is_complete,
        judged.feed_date = feed_bounds.last_feed_date as is_last_feed_date,
    from judged
    cross join feed_bounds
)

select * from completed
