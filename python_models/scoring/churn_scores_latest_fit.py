"""Daily churn scores: the latest registered churn fit scores the snapshots after its training window.

No refit (the weekly cadence fits, churn_model_outputs -> ml_model_registry). Before any weekly run the
registry does not exist: the rows then say ``no_fit`` (see engagement.ml.scoring).
"""

from __future__ import annotations

from typing import Any

from engagement.ml.scoring import churn_scores


def registry_exists(session: Any, schema: str, table: str) -> bool:
    found = session.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(found[0][0])


def model(dbt: Any, session: Any) -> Any:
    snapshots = dbt.ref("int_account_snapshots_featurized").df()
    registry = None
    if registry_exists(session, dbt.config.get("registry_schema"), dbt.config.get("registry_table")):
        registry = dbt.ref("ml_model_registry").df()
    return churn_scores(snapshots, registry)
