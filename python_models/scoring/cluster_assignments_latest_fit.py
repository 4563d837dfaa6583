"""Daily cluster assignments: the latest registered clustering fit assigns the current and previous week.

No refit (the weekly cadence fits, cluster_model_outputs -> ml_model_registry). Before any weekly run the
registry does not exist: the current week's rows then say ``no_fit`` (see engagement.ml.scoring).
"""

from __future__ import annotations

from typing import Any

from engagement.ml.scoring import cluster_assignments


def registry_exists(session: Any, schema: str, table: str) -> bool:
    found = session.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(found[0][0])


def model(dbt: Any, session: Any) -> Any:
    features = dbt.ref("int_user_cluster_features").df()
    registry = None
    if registry_exists(session, dbt.config.get("registry_schema"), dbt.config.get("registry_table")):
        registry = dbt.ref("ml_model_registry").df()
    return cluster_assignments(features, registry)
