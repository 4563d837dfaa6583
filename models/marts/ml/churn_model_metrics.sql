{#- The churn candidates' evidence, from the build's one churn fit: one row per evaluation, scope, label
    and model. evaluation walk_forward - the walk-forward back-test (churn label): per back-test date
    (scope = the date, the fit on the snapshots whose label window had closed by then) and pooled over
    them (scope pooled), with bootstrap intervals, the champion and the reason it was chosen;
    evaluation holdout - the time-based holdout of the fit that scores (churn and downgrade). -#}

with

churn_model_outputs as (
    select * from {{ ref('churn_model_outputs') }}
),

metrics as (
    select
        case output_name when 'backtest_metrics' then 'walk_forward' else 'holdout' end as evaluation,
        coalesce(scope, 'holdout') as scope,
        label,
        model_name,
        coalesce(is_champion, false) as is_champion,
        coalesce(is_scoring_model, false) as is_scoring_model,
        roc_auc,
        roc_auc_lower,
        roc_auc_upper,
        pr_auc,
        pr_auc_lower,
        pr_auc_upper,
        brier,
        brier_lower,
        brier_upper,
        ece,
        ece_lower,
        ece_upper,
        lift_top_decile,
        lift_top_decile_lower,
        lift_top_decile_upper,
        n_train,
        n_train_positive,
        n_test,
        n_test_positive,
        cast(train_start_date as date) as train_start_date,
        cast(train_end_date as date) as train_end_date,
        cast(test_start_date as date) as test_start_date,
        cast(test_end_date as date) as test_end_date,
        calibration_method,
        champion_reason,
        note,
        model_version,
    from churn_model_outputs
    where output_name in ('metrics', 'backtest_metrics')
)

select * from metrics
