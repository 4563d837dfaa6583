"""The one churn fit of the build: every output of engagement.ml.churn, stacked (see engagement.ml.outputs).

The candidates are first back-tested walk-forward (engagement.ml.backtest) and the champion publishes the
scores. The marts churn_risk_scores, churn_model_metrics, churn_calibration, churn_feature_drift and
churn_feature_importance split this table by output_name, so scores and their evaluation always come
from the same fit. The ``fit`` row is the
fit's registry entry (kept across runs by ml_model_registry; the daily scorer loads it). A fit that fails is
recorded there (status failed, error message) instead of failing the build.
"""

from __future__ import annotations

from typing import Any

from engagement.ml import registry
from engagement.ml.backtest import backtest_config_from_settings
from engagement.ml.config import churn_config_from_settings
from engagement.ml.outputs import churn_outputs, failed_fit_table


def model(dbt: Any, session: Any) -> Any:
    snapshots = dbt.ref("int_account_snapshots_featurized").df()
    as_of_date = dbt.ref("int_build_context").df()["as_of_date"].iloc[0]
    settings = {
        "test_fraction": dbt.config.get("test_fraction"),
        "risk_band_medium_min": dbt.config.get("risk_band_medium_min"),
        "risk_band_high_min": dbt.config.get("risk_band_high_min"),
        "psi_alert_threshold": dbt.config.get("psi_alert_threshold"),
        "random_state": dbt.config.get("random_state"),
        "feature_decimals": dbt.config.get("feature_decimals"),
        "horizon_days": dbt.config.get("horizon_days"),
        "backtest_dates": dbt.config.get("backtest_dates"),
        "backtest_bootstrap": dbt.config.get("backtest_bootstrap"),
        "permutation_repeats": dbt.config.get("permutation_repeats"),
    }
    features = list(dbt.config.get("feature_columns"))
    try:
        config = churn_config_from_settings(settings)
        backtest = backtest_config_from_settings(settings, config.random_state)
    except ValueError as error:  # a bad setting is a failed fit too: recorded, the build goes on
        return failed_fit_table(registry.CHURN_MODEL, as_of_date, features, settings, error)
    return churn_outputs(
        snapshots,
        features,
        config,
        fitted_at=as_of_date,
        settings=settings,
        forced_failure=dbt.config.get("force_fit_failure"),
        backtest=backtest,
    )
