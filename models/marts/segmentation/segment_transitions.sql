{#- Week-over-week lifecycle transitions: for each grain and week, how many members moved from each
    segment last week to each segment this week. Members seen for the first time come from '(entered)'.
    is_stagnant marks members that stayed where they were; direction says whether the move was up or
    down the lifecycle ladder (segment ranks in macro lifecycle_segment_ranks). -#}

with

membership as (
    select * from {{ ref('segment_membership') }}
),

moves as (
    select
        grain,
        week_start,
        coalesce(previous_lifecycle_segment, '(entered)') as from_segment,
        lifecycle_segment as to_segment,
        count(*) as members,
    from membership
    group by
        grain,
        week_start,
        coalesce(previous_lifecycle_segment, '(entered)'),
        lifecycle_segment
),

ranked as (
    select
        moves.*,
        sum(moves.members) over (partition by moves.grain, moves.week_start, moves.from_segment)
            as from_segment_members,
        {{ lifecycle_segment_rank('moves.from_segment') }} as from_rank,
        {{ lifecycle_segment_rank('moves.to_segment') }} as to_rank,
    from moves
),

transitions as (
    select
        grain,
        week_start,
        from_segment,
        to_segment,
        members,
        members * 1.0 / from_segment_members as transition_rate,
        from_segment = to_segment as is_stagnant,
        case
            when from_segment = '(entered)' then 'entered'
            when from_segment = to_segment then 'stayed'
            when to_rank > from_rank then 'progressed'
            else 'regressed'
        end as direction,
    from ranked
)

select * from transitions
