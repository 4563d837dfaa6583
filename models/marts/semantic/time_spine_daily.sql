{#- One row per day: the MetricFlow time spine of the semantic layer (metrics by day, week, month ...).
    From var time_spine_start_date through var time_spine_end_date (defaults wide enough for any feed);
    dbt.date_spine keeps it portable. -#}

with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('time_spine_start_date') ~ "' as date)",
        "cast('" ~ var('time_spine_end_date') ~ "' as date)",
    ) }}
),

spine as (
    select cast(date_day as date) as date_day,
    from days
)

select * from spine
