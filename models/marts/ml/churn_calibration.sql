{#- One row per label per model per probability bin: the reliability table of the test split (mean
    predicted probability against the observed rate), from the build's one churn fit. -#}

with

churn_model_outputs as (
    select * from {{ ref('churn_model_outputs') }}
),

calibration as (
    select
        label,
        model_name,
        bin as bin_index,
        bin_lower,
        bin_upper,
        mean_predicted,
        observed_rate,
        n as n_rows,
        model_version,
    from churn_model_outputs
    where output_name = 'calibration'
)

select * from calibration
