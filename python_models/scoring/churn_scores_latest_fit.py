"""Daily churn scores: the latest registered churn fit scores the snapshots after its training window.

No refit (the weekly cadence fits, churn_model_outputs -> ml_model_registry). Before any weekly run the
registry does not exist: the rows then say ``no_fit`` (see engagement.ml.scoring).
"""

from __future__ import annotations

from typing import Any

from engagement.ml import registry
from engagement.ml.scoring import churn_scores, read_registry, registry_exists, snapshots_to_score


def model(dbt: Any, session: Any) -> Any:
    schema, table = dbt.config.get("registry_schema"), dbt.config.get("registry_table")
    relation = dbt.ref("ml_model_registry") if registry_exists(session, schema, table) else None
    registry_frame = read_registry(relation, registry.CHURN_MODEL)
    snapshots = snapshots_to_score(dbt.ref("int_account_snapshots_featurized"), registry_frame)
    return churn_scores(snapshots, registry_frame)
