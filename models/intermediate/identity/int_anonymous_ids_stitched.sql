{#- Links each anonymous_id to the first user_id it was seen with, so pre-signup events can be attached
    to the user who later identified on the same device. Pairs are aggregated first (few), then ranked. -#}

with

events as (
    select * from {{ ref('stg_app__events') }}
),

pairs as (
    select
        anonymous_id,
        user_id,
        min(received_at) as first_received_at,
    from events
    where
        anonymous_id is not null
        and user_id is not null
    group by
        anonymous_id,
        user_id
),

ranked as (
    select
        anonymous_id,
        user_id,
        first_received_at,
        row_number() over (partition by anonymous_id order by first_received_at, user_id) as identification_order,
    from pairs
),

stitched as (
    select
        anonymous_id,
        user_id,
        first_received_at as first_identified_at,
    from ranked
    where identification_order = 1
)

select * from stitched
