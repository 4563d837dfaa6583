with

tracking_plan as (
    select * from {{ source('app', 'tracking_plan') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('app.tracking_plan') }} as quarantine_reason,
    from tracking_plan
),

cleaned as (
    select
        lower(trim(event_name)) as event_name,
        nullif(lower(trim(feature)), '') as feature,
        case when nullif(trim(feature), '') is not null then lower(trim(feature_tier)) end as feature_tier,
        coalesce(is_key_action, false) as is_key_action,
        coalesce(is_value_outcome, false) as is_value_outcome,
        nullif(lower(trim(milestone)), '') as milestone,
        coalesce(is_self_serve_help, false) as is_self_serve_help,
    from checked
    where quarantine_reason is null
)

select * from cleaned
