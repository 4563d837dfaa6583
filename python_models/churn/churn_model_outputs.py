"""The one churn fit of the build: every output of engagement.ml.churn, stacked (see engagement.ml.outputs).

The marts churn_risk_scores, churn_model_metrics, churn_calibration and churn_feature_drift split this
table by output_name, so scores and their evaluation always come from the same fit.
"""

from __future__ import annotations

from typing import Any

from engagement.ml.config import churn_config_from_settings
from engagement.ml.outputs import churn_outputs


def model(dbt: Any, session: Any) -> Any:
    snapshots = dbt.ref("int_account_snapshots_featurized").df()
    settings = {
        "test_fraction": dbt.config.get("test_fraction"),
        "risk_band_medium_min": dbt.config.get("risk_band_medium_min"),
        "risk_band_high_min": dbt.config.get("risk_band_high_min"),
        "psi_alert_threshold": dbt.config.get("psi_alert_threshold"),
        "random_state": dbt.config.get("random_state"),
        "feature_decimals": dbt.config.get("feature_decimals"),
    }
    features = list(dbt.config.get("feature_columns"))
    return churn_outputs(snapshots, features, churn_config_from_settings(settings))
