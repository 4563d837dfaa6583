{#- The feature catalogue: the feed's tracking plan, with the project's feature_catalog seed laid over
    it (a seed row overrides or adds an event name; the seed ships empty). Event semantics therefore
    come from the data, never from event names written in SQL. -#}

with

tracking_plan as (
    select * from {{ ref('stg_app__tracking_plan') }}
),

overrides as (
    select * from {{ ref('feature_catalog') }}
),

catalog as (
    select
        coalesce(lower(overrides.event_name), tracking_plan.event_name) as event_name,
        coalesce(lower(overrides.feature), tracking_plan.feature) as feature,
        coalesce(lower(overrides.feature_tier), tracking_plan.feature_tier) as feature_tier,
        coalesce(overrides.is_key_action, tracking_plan.is_key_action, false) as is_key_action,
        coalesce(overrides.is_value_outcome, tracking_plan.is_value_outcome, false) as is_value_outcome,
        coalesce(lower(overrides.milestone), tracking_plan.milestone) as milestone,
        coalesce(tracking_plan.is_self_serve_help, false) as is_self_serve_help,
        overrides.event_name is not null as is_overridden,
    from tracking_plan
    full outer join overrides
        on tracking_plan.event_name = lower(overrides.event_name)
)

select * from catalog
