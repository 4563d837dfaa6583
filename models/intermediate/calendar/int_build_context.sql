{#- The build's as-of date: var('as_of_date') when set, else the last complete day of the events feed
    (int_feed_days_completed: the latest day that received at least its share of the norm), so a feed
    whose latest days hold only late arrivals, or a few rows dated ahead, does not set it. Never the wall
    clock, so a build is reproducible. The hook check_feed_time_range has already stopped the run when
    the var lies outside the feed's days. -#}

with

feed_days as (
    select * from {{ ref('int_feed_days_completed') }}
),

feed_summary as (
    select
        max(feed_date) as last_feed_date,
        max(case when is_complete then feed_date end) as last_complete_date,
    from feed_days
),

as_of as (
    select
        {% if var('as_of_date') -%}
            cast('{{ var("as_of_date") }}' as date)
        {%- else -%}
            feed_summary.last_complete_date
        {%- endif %} as as_of_date,
        feed_summary.last_feed_date,
        feed_summary.last_complete_date,
        {{ 'true' if var('as_of_date') else 'false' }} as is_as_of_date_from_var,
    from feed_summary
),

context as (
    select
        as_of_date,
        cast({{ dbt.date_trunc('week', 'as_of_date') }} as date) as as_of_week_start,
        {{ dbt.dateadd('day', 1, 'as_of_date') }} as as_of_cutoff_at,
        is_as_of_date_from_var,
        last_feed_date,
        last_complete_date,
        {{ dbt.datediff('as_of_date', 'last_feed_date', 'day') }} as feed_days_after_as_of,  -- noqa: LT05
    from as_of
)

select * from context
