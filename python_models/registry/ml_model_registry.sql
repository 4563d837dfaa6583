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

{%- set fit_sources = {'churn': 'churn_model_outputs', 'clustering': 'cluster_model_outputs'} %}

with

{% for outputs in fit_sources.values() %}
    {{ outputs }} as (
        select * from {{ ref(outputs) }}
    ),
{% endfor %}

{%- for model_name, outputs in fit_sources.items() %}
    {{ model_name }}_fits as (
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
            '{{ model_name }}' as model_name,
        from {{ outputs }}
        where output_name = 'fit'
    ),
{% endfor %}

fits as (
    {%- for model_name in fit_sources %}
        select * from {{ model_name }}_fits
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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
