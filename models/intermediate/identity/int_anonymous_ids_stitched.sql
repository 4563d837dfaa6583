{#- Links each anonymous_id to the first user_id it was seen with, so pre-signup events can be attached
    to the user who later identified on the same device. -#}

with

events as (
    select * from {{ ref('stg_app__events') }}
),

identified_events as (
    select
        anonymous_id,
        user_id,
        received_at,
        row_number() over (
            partition by anonymous_id
            order by received_at, event_id
        ) as identification_order,
    from events
    where
        anonymous_id is not null
        and user_id is not null
),

stitched as (
    select
        anonymous_id,
        user_id,
        received_at as first_identified_at,
    from identified_events
    where identification_order = 1
)

select * from stitched
