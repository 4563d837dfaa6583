"""The one clustering fit of the build: every output of engagement.ml.clustering, stacked
(see engagement.ml.outputs.cluster_outputs).

The previous run's cluster profiles (the cluster_profiles mart, when it exists) keep cluster ids and
names stable between runs. The marts user_clusters, cluster_profiles and cluster_model_metrics split this
table by output_name. The ``fit`` row is the fit's registry entry (kept across runs by ml_model_registry;
the daily assigner loads it); a fit that fails is recorded there (status failed) instead of failing the build.
"""

from __future__ import annotations

from typing import Any

from engagement.ml import registry
from engagement.ml.config import cluster_config_from_settings
from engagement.ml.outputs import cluster_outputs, failed_fit_table


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
    as_of_date = dbt.ref("int_build_context").df()["as_of_date"].iloc[0]
    settings = {
        "k_min": dbt.config.get("k_min"),
        "k_max": dbt.config.get("k_max"),
        "n_bootstrap": dbt.config.get("n_bootstrap"),
        "random_state": dbt.config.get("random_state"),
        "feature_decimals": dbt.config.get("feature_decimals"),
        "feature_roles": dbt.config.get("feature_roles"),
    }
    columns = list(dbt.config.get("feature_columns"))
    try:
        config = cluster_config_from_settings(settings)
    except ValueError as error:  # a bad setting is a failed fit too: recorded, the build goes on
        return failed_fit_table(registry.CLUSTER_MODEL, as_of_date, columns, settings, error)
    previous = previous_profiles(
        session, dbt.config.get("previous_profiles_schema"), dbt.config.get("previous_profiles_table")
    )
    return cluster_outputs(
        features,
        columns,
        config,
        previous,
        fitted_at=as_of_date,
        settings=settings,
        forced_failure=dbt.config.get("force_fit_failure"),
    )
