{#- The build's as-of date: var('as_of_date') when set, else the day of the latest received_at in the
    events feed. Never the wall clock, so a build is reproducible. -#}

with

events as (
    select * from {{ ref('stg_app__events') }}
),

as_of as (
    select
        {% if var('as_of_date') -%}
            max(cast('{{ var("as_of_date") }}' as date))
        {%- else -%}
            cast(max(received_at) as date)
        {%- endif %} as as_of_date,
    from events
),

context as (
    select
        as_of_date,
        cast({{ dbt.date_trunc('week', 'as_of_date') }} as date) as as_of_week_start,
        {{ dbt.dateadd('day', 1, 'as_of_date') }} as as_of_cutoff_at,
    from as_of
)

select * from context
