{{ config(materialized='view') }}
{#- A view (always the latest week, nothing to store): the transition matrix of the as-of week, one row
    per grain and segment of origin, one column per destination segment. -#}

with

transitions as (
    select * from {{ ref('segment_transitions') }}
),

build_context as (
    select * from {{ ref('int_build_context') }}
),

matrix as (
    select
        transitions.grain,
        transitions.week_start,
        transitions.from_segment,
        {%- for segment in lifecycle_segment_ranks().keys() %}
            cast(
                sum(case when transitions.to_segment = '{{ segment }}' then transitions.members else 0 end)
                as {{ dbt.type_bigint() }}
            ) as to_{{ segment }},
        {%- endfor %}
        cast(sum(transitions.members) as {{ dbt.type_bigint() }}) as members,
        sum(case when transitions.is_stagnant then transitions.members else 0 end) * 1.0
        / sum(transitions.members) as stagnation_rate,
    from transitions
    inner join build_context
        on transitions.week_start = build_context.as_of_week_start
    group by
        transitions.grain,
        transitions.week_start,
        transitions.from_segment
)

select * from matrix
