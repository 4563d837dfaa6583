"""The daily cadence's ML: score with the latest registered fit, never refit (python_models/scoring).

- :func:`churn_scores`: the account snapshots after the fit's training window (rows that model never saw)
  scored by the latest succeeded churn fit of ``ml_model_registry``.
- :func:`cluster_assignments`: the users of the ``current`` and ``previous`` weeks of the cluster features
  assigned by the latest succeeded clustering fit.

Every row carries the fit's ``model_version`` and ``fitted_at`` and an ``ml_status``: ``scored``;
``no_fit`` when no succeeded fit is registered (first daily run before any weekly one: the latest snapshot
date's accounts / the current week's users with null ML columns, so the marts still build and a warn-level
test names it); ``score_failed`` when loading or applying the fit raised (the message in
``ml_status_message``; never raised, so the rule-based marts still build).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from engagement.ml import registry
from engagement.ml.churn import N_DRIVERS, score_snapshots
from engagement.ml.clustering import assign_clusters

CHURN_SCORES_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("as_of_date", pa.date32()),
        ("churn_probability", pa.float64()),
        ("downgrade_probability", pa.float64()),
        ("risk_band", pa.string()),
        *[
            (name, pa.string())
            for i in range(1, N_DRIVERS + 1)
            for name in (f"driver_{i}", f"driver_{i}_direction")
        ],
        ("model_version", pa.string()),
        ("fitted_at", pa.date32()),
        ("training_window_end", pa.date32()),
        ("ml_status", pa.string()),
        ("ml_status_message", pa.string()),
    ]
)

CLUSTER_ASSIGNMENTS_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("week_start", pa.date32()),
        ("week_role", pa.string()),
        ("cluster_id", pa.int64()),
        ("cluster_archetype", pa.string()),
        ("distance_to_centroid", pa.float64()),
        ("model_version", pa.string()),
        ("fitted_at", pa.date32()),
        ("ml_status", pa.string()),
        ("ml_status_message", pa.string()),
    ]
)

ASSIGNED_WEEK_ROLES: tuple[str, ...] = ("current", "previous", "cohort")
"""The weeks the daily scorer assigns: the as-of week, the week before (cluster changes) and the rubric's
retention cohort (segment_scoring_rubric measures each cluster's later retention and expansion)."""


def registry_exists(session: Any, schema: str, table: str) -> bool:
    """Whether the registry table exists: it does not before the first weekly run. The python model passes
    its ``dbt.config.get`` values and calls ``dbt.ref("ml_model_registry")`` itself: dbt's parser reads
    both from the model file (a config key or ref used only here would be missing)."""
    found = session.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(found[0][0])


def read_registry(relation: Any | None, model_name: str) -> pd.DataFrame | None:
    """``model_name``'s rows of the registry relation, carrying the artifact of the latest succeeded fit only
    (the one :func:`registry.latest_succeeded` picks): the registry keeps every fit's artifact, and reading
    them all would make the daily run grow with the number of weekly fits. ``None`` without a registry."""
    if relation is None:
        return None
    rows = relation.filter(f"model_name = '{_quoted(model_name)}'")
    latest = (
        rows.filter(f"status = '{registry.STATUS_SUCCEEDED}' and artifact is not null")
        .order("fitted_at desc, model_version desc")
        .limit(1)
        .project("cast(fitted_at as varchar), model_version")
        .fetchall()
    )
    keep = "false"
    if latest:
        fitted_at, version = latest[0]
        keep = (
            f"status = '{registry.STATUS_SUCCEEDED}' and cast(fitted_at as varchar) = '{fitted_at}' "
            f"and model_version = '{_quoted(version)}'"
        )
    return rows.project(f"* exclude (artifact), case when {keep} then artifact end as artifact").df()


def snapshots_to_score(snapshots: Any, registry_frame: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of the snapshot relation :func:`churn_scores` can score: only those dated after the latest
    fit's training window are read (the daily run does not read all history); all without such a fit."""
    fit = registry.latest_succeeded(registry_frame, registry.CHURN_MODEL)
    if fit is not None and pd.notna(fit["training_window_end"]):
        window_end = pd.Timestamp(fit["training_window_end"]).date()
        return snapshots.filter(f"as_of_date > date '{window_end}'").df()
    return snapshots.df()


def _quoted(value: str) -> str:
    return str(value).replace("'", "''")


def _to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    from engagement.ml.outputs import to_arrow

    return to_arrow(frame, schema)


def _no_fit_message(model_name: str, registry_frame: pd.DataFrame | None) -> str:
    if registry_frame is None:
        return (
            f"no registered {model_name} fit: ml_model_registry does not exist yet (run the weekly selector)"
        )
    failed = registry_frame[registry_frame["model_name"] == model_name]
    if len(failed):
        last = failed.assign(_at=pd.to_datetime(failed["fitted_at"])).sort_values("_at").iloc[-1]
        return (
            f"no succeeded {model_name} fit in ml_model_registry; latest fit {last['fitted_at']} "
            f"{last['status']}: {last['error_message']}"
        )
    return f"no registered {model_name} fit in ml_model_registry (run the weekly selector)"


def churn_scores(snapshots: pd.DataFrame, registry_frame: pd.DataFrame | None) -> pa.Table:
    """Score the snapshots dated after the latest succeeded churn fit's training window (see module)."""
    fit = registry.latest_succeeded(registry_frame, registry.CHURN_MODEL)
    dates = pd.to_datetime(snapshots["as_of_date"]).dt.normalize()
    if fit is None:
        latest = snapshots[dates == dates.max()] if len(snapshots) else snapshots
        frame = pd.DataFrame(
            {"account_id": latest["account_id"].astype(str), "as_of_date": latest["as_of_date"]}
        )
        frame = frame.assign(
            ml_status=registry.STATUS_NO_FIT,
            ml_status_message=_no_fit_message(registry.CHURN_MODEL, registry_frame),
        )
        return _to_arrow(
            frame.sort_values(["as_of_date", "account_id"], kind="mergesort"), CHURN_SCORES_SCHEMA
        )
    base = {
        "model_version": fit["model_version"],
        "fitted_at": fit["fitted_at"],
        "training_window_end": fit["training_window_end"],
    }
    window_end = pd.Timestamp(fit["training_window_end"]) if pd.notna(fit["training_window_end"]) else None
    rows = snapshots if window_end is None else snapshots[dates > window_end]
    try:
        model = registry.load_churn_model(fit["artifact"])
        scored = score_snapshots(model, rows).assign(ml_status=registry.STATUS_SCORED, ml_status_message=None)
    except Exception as error:  # noqa: BLE001 - recorded on the rows, never raised (rule-based marts build)
        scored = pd.DataFrame(
            {"account_id": rows["account_id"].astype(str), "as_of_date": rows["as_of_date"]}
        )
        scored = scored.assign(ml_status="score_failed", ml_status_message=f"{type(error).__name__}: {error}")
    return _to_arrow(scored.assign(**base), CHURN_SCORES_SCHEMA)


def cluster_assignments(features: pd.DataFrame, registry_frame: pd.DataFrame | None) -> pa.Table:
    """Assign the users of the ``ASSIGNED_WEEK_ROLES`` weeks with the latest succeeded clustering fit."""
    fit = registry.latest_succeeded(registry_frame, registry.CLUSTER_MODEL)
    parts = []
    for role in ASSIGNED_WEEK_ROLES:
        rows = features[features["week_role"] == role].reset_index(drop=True)
        if fit is None:
            if role != "current":
                continue
            part = pd.DataFrame({"user_id": rows["user_id"].astype(str)}).assign(
                ml_status=registry.STATUS_NO_FIT,
                ml_status_message=_no_fit_message(registry.CLUSTER_MODEL, registry_frame),
            )
        else:
            try:
                model = registry.load_cluster_model(fit["artifact"])
                part = assign_clusters(model, rows).assign(
                    ml_status=registry.STATUS_SCORED, ml_status_message=None
                )
            except Exception as error:  # noqa: BLE001 - recorded on the rows, never raised
                part = pd.DataFrame({"user_id": rows["user_id"].astype(str)}).assign(
                    ml_status="score_failed", ml_status_message=f"{type(error).__name__}: {error}"
                )
            part = part.assign(model_version=fit["model_version"], fitted_at=fit["fitted_at"])
        weeks = rows["week_start"].dropna().unique()
        parts.append(part.assign(week_role=role, week_start=weeks[0] if len(weeks) else None))
    frame = pd.concat([p.astype(object) for p in parts], ignore_index=True) if parts else pd.DataFrame()
    return _to_arrow(frame, CLUSTER_ASSIGNMENTS_SCHEMA)
