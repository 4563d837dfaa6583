{#- One row per label (churn, downgrade) per model (naive_rule, logistic_regression, the main
    gradient_boosting_calibrated): its test-split metrics, from the build's one churn fit. -#}

with

churn_model_outputs as (
    select * from {{ ref('churn_model_outputs') }}
),

metrics as (
    select
        label,
        model_name,
        roc_auc,
        pr_auc,
        brier,
        ece,
        lift_top_decile,
        n_train,
        n_test,
        n_test_positive,
        cast(train_start_date as date) as train_start_date,
        cast(train_end_date as date) as train_end_date,
        cast(test_start_date as date) as test_start_date,
        cast(test_end_date as date) as test_end_date,
        calibration_method,
        note,
        model_version,
    from churn_model_outputs
    where output_name = 'metrics'
)

select * from metrics
