{#- One row per ML model per fit date per status: every fit of the weekly cadence (the fit rows of
    churn_model_outputs and cluster_model_outputs), kept across runs. Incremental by (model_name,
    fitted_at, status): a rerun on the same as-of date replaces its row, so reruns are idempotent; never
    rebuilt by --full-refresh (full_refresh false), so the history of fits survives. The daily scorers
    (python_models/scoring) load the latest succeeded fit of each model. -#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['model_name', 'fitted_at', 'status'],
        full_refresh=false,
        on_schema_change='fail',
    )
}}

with

churn_model_outputs as (
    select * from {{ ref('churn_model_outputs') }}
),

cluster_model_outputs as (
    select * from {{ ref('cluster_model_outputs') }}
),

churn_fits as (
    select
        model_version,
        fitted_at,
        status,
        error_message,
        training_window_start,
        training_window_end,
        feature_list,
        config_hash,
        artifact_format,
        artifact,
        'churn' as model_name,
    from churn_model_outputs
    where output_name = 'fit'
),

cluster_fits as (
    select
        model_version,
        fitted_at,
        status,
        error_message,
        training_window_start,
        training_window_end,
        feature_list,
        config_hash,
        artifact_format,
        artifact,
        'clustering' as model_name,
    from cluster_model_outputs
    where output_name = 'fit'
),

fits as (
    select * from churn_fits
    union all
    select * from cluster_fits
),

registered as (
    select
        model_name,
        model_version,
        cast(fitted_at as date) as fitted_at,
        status,
        error_message,
        cast(training_window_start as date) as training_window_start,
        cast(training_window_end as date) as training_window_end,
        feature_list,
        config_hash,
        artifact_format,
        artifact,
    from fits
)

select * from registered
