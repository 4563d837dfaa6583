{#- One row per walk-forward back-test fit (date and candidate) per churn feature: its permutation
    importance on that date's out-of-sample rows (the drop in ROC AUC when the feature is shuffled), from
    the build's one churn fit. -#}

with

churn_model_outputs as (
    select * from {{ ref('churn_model_outputs') }}
),

importance as (
    select
        cast(as_of_date as date) as as_of_date,
        model_name,
        feature,
        importance_mean,
        importance_std,
        model_version,
    from churn_model_outputs
    where output_name = 'importance'
)

select * from importance
