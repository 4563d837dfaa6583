{#- One row per account per prediction date: the churn and downgrade risk of every snapshot, from the
    build's one churn fit (churn_model_outputs). The latest prediction date is the current score; older
    dates are the back-test (split train/test, with their labels) and the not-yet-labelled recent dates. -#}

with

churn_model_outputs as (
    select * from {{ ref('churn_model_outputs') }}
),

scores as (
    select
        account_id,
        cast(as_of_date as date) as as_of_date,
        churn_probability,
        risk_band,
        downgrade_probability,
        split,
        driver_1,
        driver_1_direction,
        driver_2,
        driver_2_direction,
        driver_3,
        driver_3_direction,
        is_churned_in_horizon,
        is_downgraded_in_horizon,
        model_version,
    from churn_model_outputs
    where output_name = 'scores'
)

select * from scores
