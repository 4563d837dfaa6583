{#- One row per churn feature: its population stability index between the rows the scoring model was
    fit on and the scored rows, with an alert above var('psi_alert_threshold'), from the build's one
    churn fit. -#}

with

churn_model_outputs as (
    select * from {{ ref('churn_model_outputs') }}
),

drift as (
    select
        feature,
        psi,
        is_alert,
        n_train as n_reference,
        n_score as n_scored,
        note,
        model_version,
    from churn_model_outputs
    where output_name = 'drift'
)

select * from drift
