"""The one clustering fit of the build: every output of engagement.ml.clustering, stacked
(see engagement.ml.outputs.cluster_outputs).

The previous run's cluster profiles (the cluster_profiles mart, when it exists) keep cluster ids and
names stable between runs. The marts user_clusters, cluster_profiles and cluster_model_metrics split this
table by output_name.
"""

from __future__ import annotations

from typing import Any

from engagement.ml.config import cluster_config_from_settings
from engagement.ml.outputs import cluster_outputs


def previous_profiles(session: Any, schema: str, table: str) -> Any:
    """The previous run's profiles, or None when the table does not exist yet (first run)."""
    found = session.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    if not found[0][0]:
        return None
    return session.sql(f'select * from "{schema}"."{table}"').df()


def model(dbt: Any, session: Any) -> Any:
    features = dbt.ref("int_user_cluster_features").df()
    settings = {
        "k_min": dbt.config.get("k_min"),
        "k_max": dbt.config.get("k_max"),
        "n_bootstrap": dbt.config.get("n_bootstrap"),
        "random_state": dbt.config.get("random_state"),
        "feature_decimals": dbt.config.get("feature_decimals"),
        "feature_roles": dbt.config.get("feature_roles"),
    }
    previous = previous_profiles(
        session, dbt.config.get("previous_profiles_schema"), dbt.config.get("previous_profiles_table")
    )
    return cluster_outputs(
        features, list(dbt.config.get("feature_columns")), cluster_config_from_settings(settings), previous
    )
