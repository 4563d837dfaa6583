with

experiment_assignments as (
    select * from {{ source('app', 'experiment_assignments') }}
),

checked as (
    select
        *,
        {{ quarantine_reason('app.experiment_assignments') }} as quarantine_reason,
    from experiment_assignments
),

copies_ranked as (
    select
        *,
        row_number() over (
            partition by trim(experiment_id), trim(user_id)
            order by assigned_at, variant
        ) as copy_number,
        count(*) over (partition by trim(experiment_id), trim(user_id)) as copies_received,
    from checked
    where quarantine_reason is null
),

cleaned as (
    select
        trim(experiment_id) as experiment_id,
        trim(user_id) as user_id,
        lower(trim(variant)) as variant,
        lower(trim(variant)) = 'control' as is_control,
        assigned_at,
        copies_received - 1 as duplicate_rows_dropped,
    from copies_ranked
    where copy_number = 1
)

select * from cleaned
