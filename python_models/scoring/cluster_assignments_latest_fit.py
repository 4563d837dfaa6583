"""Daily cluster assignments: the latest registered clustering fit assigns the current and previous week
and the scoring rubric's retention cohort week (engagement.ml.scoring.ASSIGNED_WEEK_ROLES).

No refit (the weekly cadence fits, cluster_model_outputs -> ml_model_registry). Before any weekly run the
registry does not exist: the current week's rows then say ``no_fit`` (see engagement.ml.scoring).
"""

from __future__ import annotations

from typing import Any

from engagement.ml import registry
from engagement.ml.scoring import ASSIGNED_WEEK_ROLES, cluster_assignments, read_registry, registry_exists


def model(dbt: Any, session: Any) -> Any:
    schema, table = dbt.config.get("registry_schema"), dbt.config.get("registry_table")
    relation = dbt.ref("ml_model_registry") if registry_exists(session, schema, table) else None
    registry_frame = read_registry(relation, registry.CLUSTER_MODEL)
    roles = ", ".join(f"'{role}'" for role in ASSIGNED_WEEK_ROLES)
    features = dbt.ref("int_user_cluster_features").filter(f"week_role in ({roles})").df()
    return cluster_assignments(features, registry_frame)
