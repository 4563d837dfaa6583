{#- One row per account per prediction date, out of sample only, from the build's one churn fit
    (churn_model_outputs) and its champion model: the latest prediction dates are the current scores
    (split score, by the champion fit on every labelled snapshot); the walk-forward back-test dates (split
    backtest, with their labels) were each scored by the champion fit only on snapshots whose label
    window had closed by that date, and carry that fit's model_version. In-sample scores are never
    published: read as a back-test they would show an accuracy the model does not have. -#}

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
    where
        output_name = 'backtest_scores'
        or output_name = 'scores' and split = 'score'
)

select * from scores
