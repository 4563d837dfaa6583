"""One fit per build: run a model once and stack all its outputs into one typed, long Arrow table.

A dbt Python model returns one table, but a fit has several outputs (scores, metrics, calibration,
drift; or assignments, profiles, metrics). Refitting per output would multiply the cost and could even
give outputs of different fits, so each dbt Python model calls one function here, which fits once and
returns every output stacked: the column ``output_name`` says which output a row belongs to, the other
columns are the union of the outputs' columns (null where they do not apply). Thin SQL marts split the
table by ``output_name``.

- :func:`churn_outputs`: :func:`engagement.ml.churn.fit_churn_model` on the account snapshots; the
  score rows also carry the snapshots' labels so back-test rows can be judged.
- :func:`cluster_outputs`: :func:`engagement.ml.clustering.fit_clusters` on the users of the
  ``current`` week, then the same fitted model assigns the ``previous`` week (so a user's cluster change
  is visible, with the features that moved most), the ``baseline`` week (whose later outcomes measure
  each cluster's business impact) and the ``cohort`` week (the segment scoring rubric's retention cohort),
  without refitting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from engagement.ml import registry
from engagement.ml.backtest import (
    METRICS,
    POOLED,
    BacktestConfig,
    WalkForwardResult,
    backtest_metrics,
    choose_champion,
    walk_forward,
)
from engagement.ml.churn import LABEL_COLUMNS, MAIN_MODEL, ChurnResult, _risk_band, fit_churn_model
from engagement.ml.clustering import (
    ClusterResult,
    assign_clusters,
    fit_clusters,
    moved_features,
    period_stability,
)
from engagement.ml.config import SCORING_MODELS, ChurnConfig, ClusterConfig

WEEK_ROLES: tuple[str, ...] = ("current", "previous", "baseline", "cohort")
N_MOVED_FEATURES = 3

#: the ``fit`` row of each stacked table: the registry entry of the fit (engagement.ml.registry);
#: model_version and note are shared with the other outputs
FIT_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("fitted_at", pa.date32()),
    ("status", pa.string()),
    ("error_message", pa.string()),
    ("training_window_start", pa.date32()),
    ("training_window_end", pa.date32()),
    ("feature_list", pa.string()),
    ("config_hash", pa.string()),
    ("artifact_format", pa.string()),
    ("artifact", pa.string()),
)

CHURN_OUTPUT_SCHEMA = pa.schema(
    [
        ("output_name", pa.string()),
        ("model_version", pa.string()),
        # scores
        ("account_id", pa.string()),
        ("as_of_date", pa.date32()),
        ("split", pa.string()),
        ("churn_probability", pa.float64()),
        ("downgrade_probability", pa.float64()),
        ("risk_band", pa.string()),
        *[(name, pa.string()) for i in range(1, 4) for name in (f"driver_{i}", f"driver_{i}_direction")],
        ("is_churned_in_horizon", pa.bool_()),
        ("is_downgraded_in_horizon", pa.bool_()),
        # metrics (label and model_name also key the calibration rows)
        ("label", pa.string()),
        ("model_name", pa.string()),
        ("roc_auc", pa.float64()),
        ("pr_auc", pa.float64()),
        ("brier", pa.float64()),
        ("ece", pa.float64()),
        ("lift_top_decile", pa.float64()),
        ("n_train", pa.int64()),
        ("n_test", pa.int64()),
        ("n_test_positive", pa.int64()),
        ("train_start_date", pa.date32()),
        ("train_end_date", pa.date32()),
        ("test_start_date", pa.date32()),
        ("test_end_date", pa.date32()),
        ("calibration_method", pa.string()),
        ("note", pa.string()),
        # calibration
        ("bin", pa.int64()),
        ("bin_lower", pa.float64()),
        ("bin_upper", pa.float64()),
        ("mean_predicted", pa.float64()),
        ("observed_rate", pa.float64()),
        ("n", pa.int64()),
        # drift (n_train and note shared with metrics)
        ("feature", pa.string()),
        ("psi", pa.float64()),
        ("is_alert", pa.bool_()),
        ("n_score", pa.int64()),
        # backtest_metrics (the walk-forward back-test, engagement.ml.backtest; shares the metric columns)
        ("scope", pa.string()),
        *[(f"{metric}_{side}", pa.float64()) for metric in METRICS for side in ("lower", "upper")],
        ("n_train_positive", pa.int64()),
        ("is_champion", pa.bool_()),
        ("is_scoring_model", pa.bool_()),
        ("champion_reason", pa.string()),
        # importance (permutation importance per walk-forward fit; feature shared with drift)
        ("importance_mean", pa.float64()),
        ("importance_std", pa.float64()),
        # fit (the registry row)
        *FIT_FIELDS,
    ]
)

CLUSTER_OUTPUT_BASE_SCHEMA = pa.schema(
    [
        ("output_name", pa.string()),
        ("model_version", pa.string()),
        # assignments
        ("user_id", pa.string()),
        ("week_start", pa.date32()),
        ("week_role", pa.string()),
        ("cluster_id", pa.int64()),
        ("cluster_archetype", pa.string()),
        ("distance_to_centroid", pa.float64()),
        ("previous_cluster_id", pa.int64()),
        ("previous_cluster_archetype", pa.string()),
        ("has_cluster_changed", pa.bool_()),
        *[
            field
            for i in range(1, N_MOVED_FEATURES + 1)
            for field in ((f"moved_feature_{i}", pa.string()), (f"moved_feature_{i}_change", pa.float64()))
        ],
        # profiles (cluster_id and cluster_archetype shared), then one centroid column per feature
        ("n_users", pa.int64()),
        ("share", pa.float64()),
        ("centroid_json", pa.string()),
        # metrics (n_users shared)
        ("k", pa.int64()),
        ("silhouette", pa.float64()),
        ("inertia", pa.float64()),
        ("is_chosen", pa.bool_()),
        ("bootstrap_ari_mean", pa.float64()),
        ("n_features_used", pa.int64()),
        ("period_ari", pa.float64()),
        ("n_users_both_periods", pa.int64()),
        ("changed_cluster_rate", pa.float64()),
        # fit (the registry row)
        *FIT_FIELDS,
        ("note", pa.string()),
    ]
)


# --------------------------------------------------------------------------- arrow conversion


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _as_date(value: object) -> dt.date | None:
    if _is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _column(values: pd.Series, kind: pa.DataType) -> pa.Array:
    items = values.tolist()
    if pa.types.is_date32(kind):
        return pa.array([_as_date(v) for v in items], type=kind)
    if pa.types.is_boolean(kind):
        return pa.array([None if _is_missing(v) else bool(v) for v in items], type=kind)
    if pa.types.is_integer(kind):
        return pa.array([None if _is_missing(v) else int(v) for v in items], type=kind)
    if pa.types.is_floating(kind):
        return pa.array([None if _is_missing(v) else float(v) for v in items], type=kind)
    return pa.array([None if _is_missing(v) else str(v) for v in items], type=kind)


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame`` as an Arrow table of exactly ``schema`` (missing columns all null; NaN becomes null)."""
    n_rows = len(frame)
    arrays = []
    for field in schema:
        if field.name in frame.columns:
            arrays.append(_column(frame[field.name], field.type))
        else:
            arrays.append(pa.nulls(n_rows, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _stack(parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [part.assign(output_name=name) for name, part in parts.items() if len(part)]
    if not frames:
        return pd.DataFrame(columns=["output_name"])
    return pd.concat([frame.astype(object) for frame in frames], ignore_index=True)


def failed_fit_table(
    model_name: str,
    fitted_at: object,
    feature_columns: Sequence[str],
    settings: Mapping[str, object],
    error: BaseException,
) -> pa.Table:
    """The stacked table of a fit that failed before it started (e.g. a bad setting): one ``fit`` row."""
    failed = registry.failed_fit_frame(model_name, fitted_at, feature_columns, settings, error)
    schema = (
        CHURN_OUTPUT_SCHEMA if model_name == registry.CHURN_MODEL else cluster_output_schema(feature_columns)
    )
    return to_arrow(failed.assign(output_name="fit"), schema)


# --------------------------------------------------------------------------- churn


@dataclass(frozen=True)
class ChurnEvidence:
    """The walk-forward back-test of a build's churn fit and the champion it chose.

    ``scoring_model`` is the candidate whose probabilities the build publishes: the champion, or, when
    the champion is the naive rule (a rank, not a probability), the simplest probability model; the main
    model when no back-test date was possible. ``reason`` says which, in words.
    """

    walk_forward: WalkForwardResult
    metrics: pd.DataFrame
    champion: str | None
    scoring_model: str
    reason: str


def churn_evidence(
    snapshots: pd.DataFrame, feature_columns: Sequence[str], config: ChurnConfig, backtest: BacktestConfig
) -> ChurnEvidence:
    """Walk-forward back-test every candidate, compute its metrics and choose the champion (issue 14)."""
    result = walk_forward(snapshots, feature_columns, config, backtest)
    metrics = backtest_metrics(result.scores, backtest, config.calibration_bins)
    choice = choose_champion(metrics) if len(metrics) else {"champion": None, "reason": ""}
    champion = choice["champion"]
    notes = "; ".join(result.notes)
    if champion is None:
        scoring = MAIN_MODEL
        reason = f"no walk-forward back-test ({notes or 'no labelled dates'})"
    else:
        scoring = str(champion) if champion in SCORING_MODELS else SCORING_MODELS[-1]
        reason = str(choice["reason"]) + (f" ({notes})" if notes else "")
        if scoring != champion:
            reason += f"; {champion} is a rank, not a probability, so the simplest probability model scores"
    reason += f"; scores published by {scoring}"
    return ChurnEvidence(result, metrics, None if champion is None else str(champion), scoring, reason)


def _with_labels(scores: pd.DataFrame, snapshots: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``scores`` (account_id, as_of_date, ...) with the snapshots' label ``columns`` of the same rows."""
    labels = snapshots[["account_id", "as_of_date", *columns]].assign(
        account_id=lambda f: f["account_id"].astype(str),
        _date=lambda f: pd.to_datetime(f["as_of_date"]).dt.normalize(),
    )
    keyed = scores.assign(_date=pd.to_datetime(scores["as_of_date"]).dt.normalize())
    return keyed.merge(
        labels.drop(columns="as_of_date"), on=["account_id", "_date"], how="left", validate="one_to_one"
    ).drop(columns="_date")


def _evidence_parts(
    snapshots: pd.DataFrame, evidence: ChurnEvidence, config: ChurnConfig, build_version: str
) -> dict[str, pd.DataFrame]:
    """The back-test as stacked parts: ``backtest_scores`` (the scoring model's out-of-sample rows, each
    with the version of the fit that made it), ``backtest_metrics`` (per date and pooled, every
    candidate, with the champion) and ``importance`` (permutation importance per fit)."""
    wf = evidence.walk_forward
    scores = wf.scores[wf.scores["model_name"] == evidence.scoring_model]
    probability = scores["probability"].to_numpy(dtype=float)
    scores = scores.assign(
        split="backtest",
        churn_probability=probability,
        risk_band=_risk_band(probability, config),
        is_churned_in_horizon=scores["label"].astype(bool),
    ).drop(columns=["label", "probability", "model_name"])
    scores = _with_labels(scores, snapshots, [LABEL_COLUMNS["downgrade"]])

    metrics = evidence.metrics.rename(columns={"n_rows": "n_test", "n_positive": "n_test_positive"})
    if len(metrics):
        dates = pd.to_datetime(metrics["scope"].where(metrics["scope"] != POOLED), errors="coerce")
        first, last = dates.min(), dates.max()
        metrics = metrics.assign(
            label="churn",
            test_start_date=dates.where(dates.notna(), first),
            test_end_date=dates.where(dates.notna(), last),
            is_champion=metrics["model_name"] == evidence.champion,
            is_scoring_model=metrics["model_name"] == evidence.scoring_model,
            champion_reason=np.where(metrics["scope"] == POOLED, evidence.reason, None),
            model_version=metrics["model_version"].where(metrics["scope"] != POOLED, build_version),
        )
        if len(wf.fits):
            fits = wf.fits.assign(scope=lambda f: f["as_of_date"].astype(str)).drop(columns="as_of_date")
            fits = fits.drop(columns="model_version")
            metrics = metrics.merge(fits, on=["scope", "model_name"], how="left")
    return {"backtest_scores": scores, "backtest_metrics": metrics, "importance": wf.importance}


def churn_outputs_table(
    snapshots: pd.DataFrame,
    result: ChurnResult,
    fit: pd.DataFrame | None = None,
    evidence: ChurnEvidence | None = None,
    config: ChurnConfig | None = None,
) -> pa.Table:
    """Stack a churn fit's outputs (``scores`` with the snapshots' labels, ``metrics``, ``calibration``,
    ``drift``, with ``evidence`` the back-test parts of :func:`_evidence_parts` and, when given, the
    registry row ``fit``) into one table of :data:`CHURN_OUTPUT_SCHEMA`. Every row carries a
    model_version: the back-test rows that of the walk-forward fit that made them, the others the
    build's fit."""
    scores = _with_labels(result.scores, snapshots, list(LABEL_COLUMNS.values()))
    parts = {
        "scores": scores,
        "metrics": result.metrics,
        "calibration": result.calibration,
        "drift": result.drift,
        "fit": fit if fit is not None else pd.DataFrame(),
    }
    parts = {name: part.assign(model_version=result.model_version) for name, part in parts.items()}
    if evidence is not None:
        parts.update(_evidence_parts(snapshots, evidence, config or ChurnConfig(), result.model_version))
    return to_arrow(_stack(parts), CHURN_OUTPUT_SCHEMA)


def churn_outputs(
    snapshots: pd.DataFrame,
    feature_columns: Sequence[str],
    config: ChurnConfig | None = None,
    fitted_at: object = None,
    settings: Mapping[str, object] | None = None,
    forced_failure: object = None,
    backtest: BacktestConfig | None = None,
) -> pa.Table:
    """Fit the churn models once and return every output stacked (see :func:`churn_outputs_table`).

    With ``backtest`` the candidates are first back-tested walk-forward (:func:`churn_evidence`) and the
    champion's probabilities are the ones published (``ChurnConfig.scoring_model``). With ``fitted_at``
    (the build's as-of date) the table also holds the fit's registry row (output ``fit``, the scoring
    models serialised by :func:`engagement.ml.registry.dump_churn_model`). A fit that raises does not
    raise here: the table is then that one ``fit`` row with status ``failed`` and the error
    (``forced_failure``, var ``ml_force_fit_failure``, is the test hook that makes the fit raise).
    """
    settings = dict(settings or {})
    config = config or ChurnConfig()
    try:
        registry.check_forced_failure(registry.CHURN_MODEL, forced_failure)
        evidence = None
        if backtest is not None:
            evidence = churn_evidence(snapshots, feature_columns, config, backtest)
            config = replace(config, scoring_model=evidence.scoring_model)
        result = fit_churn_model(snapshots, feature_columns, config)
        fit = None
        if fitted_at is not None and result.scoring is not None:
            fit = registry.fit_frame(
                registry.CHURN_MODEL,
                result.model_version,
                fitted_at,
                (result.scoring.window_start, result.scoring.window_end),
                feature_columns,
                settings,
                "churn-skops-v1",
                registry.dump_churn_model(result.scoring),
            )
        return churn_outputs_table(snapshots, result, fit, evidence, config)
    except Exception as error:  # noqa: BLE001 - recorded in the registry row, never raised (issue 12 item 3)
        if fitted_at is None:
            raise
        failed = registry.failed_fit_frame(registry.CHURN_MODEL, fitted_at, feature_columns, settings, error)
        return to_arrow(failed.assign(output_name="fit"), CHURN_OUTPUT_SCHEMA)


# --------------------------------------------------------------------------- clustering


def cluster_output_schema(feature_columns: Sequence[str]) -> pa.Schema:
    """:data:`CLUSTER_OUTPUT_BASE_SCHEMA` plus one float centroid column per feature (profile rows)."""
    clash = sorted(set(feature_columns) & set(CLUSTER_OUTPUT_BASE_SCHEMA.names))
    if clash:
        raise ValueError(f"feature names clash with output columns: {clash}")
    fields = list(CLUSTER_OUTPUT_BASE_SCHEMA)
    note = fields.pop()  # keep note last
    return pa.schema([*fields, *[(name, pa.float64()) for name in feature_columns], note])


def _cluster_model_version(config: ClusterConfig, features: Sequence[str], week: object) -> str:
    payload = {
        "config": {k: v for k, v in asdict(config).items() if k != "n_threads"},
        "features": list(features),
        "week": str(_as_date(week)),
        "schema": "clusters-v1",
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f"clusters-{digest[:12]}"


def _week_of(frame: pd.DataFrame) -> object:
    weeks = frame["week_start"].dropna().unique() if "week_start" in frame else []
    if len(weeks) > 1:
        raise ValueError("each week_role must have a single week_start")
    return weeks[0] if len(weeks) else None


def cluster_outputs(
    features: pd.DataFrame,
    feature_columns: Sequence[str],
    config: ClusterConfig | None = None,
    previous_profiles: pd.DataFrame | None = None,
    fitted_at: object = None,
    settings: Mapping[str, object] | None = None,
    forced_failure: object = None,
) -> pa.Table:
    """Fit the clustering once on the ``current`` week and return every output stacked.

    With ``fitted_at`` (the build's as-of date) the table also holds the fit's registry row (output
    ``fit``, the :class:`~engagement.ml.clustering.ClusterModel` as JSON), and a fit that raises (or
    yields no model) gives only a ``fit`` row with status ``failed`` and the error, never an exception
    (``forced_failure``, var ``ml_force_fit_failure``, is the test hook that makes the fit raise).
    Without ``fitted_at`` errors propagate and there is no ``fit`` row (see :func:`_cluster_outputs`).
    """
    if fitted_at is None:
        return _cluster_outputs(features, feature_columns, config, previous_profiles)
    settings = dict(settings or {})
    try:
        registry.check_forced_failure(registry.CLUSTER_MODEL, forced_failure)
        return _cluster_outputs(features, feature_columns, config, previous_profiles, fitted_at, settings)
    except Exception as error:  # noqa: BLE001 - recorded in the registry row, never raised (issue 12 item 3)
        failed = registry.failed_fit_frame(
            registry.CLUSTER_MODEL, fitted_at, feature_columns, settings, error
        )
        return to_arrow(failed.assign(output_name="fit"), cluster_output_schema(feature_columns))


def _cluster_outputs(
    features: pd.DataFrame,
    feature_columns: Sequence[str],
    config: ClusterConfig | None = None,
    previous_profiles: pd.DataFrame | None = None,
    fitted_at: object = None,
    settings: Mapping[str, object] | None = None,
) -> pa.Table:
    """Body of :func:`cluster_outputs`: every output stacked, plus the ``fit`` row when ``fitted_at``.

    Args:
        features: one row per user per ``week_role`` (``current``, ``previous``, ``baseline``; the last
            two optional) with ``user_id``, ``week_start`` (one week per role) and the features.
        feature_columns: the features to cluster on.
        config: governed settings; defaults to :class:`ClusterConfig`.
        previous_profiles: the previous run's profiles, to keep cluster ids and names stable.

    Returns:
        A table of :func:`cluster_output_schema` with ``output_name``:

        - ``assignments``: one row per user per week role, assigned by the one fitted model (``current``
          rows are the fit's own labels). ``current`` rows of users also in the ``previous`` week carry
          ``previous_cluster_id`` / ``previous_cluster_archetype`` and ``has_cluster_changed``; when it
          changed, the ``N_MOVED_FEATURES`` features with the largest standardised change (what moved).
        - ``profiles``: the fit's profiles (centroids in original units, size, share, centroid_json).
        - ``metrics``: one row per k tried; the chosen row adds ``period_ari`` (ARI between the current
          and previous week's assignments of the users in both), ``n_users_both_periods`` and
          ``changed_cluster_rate``.

    Raises:
        ValueError: unknown week roles, several weeks in one role, or a broken input contract.
    """
    config = config or ClusterConfig()
    if "week_role" not in features.columns:
        raise ValueError("features must have a week_role column")
    unknown = sorted(set(features["week_role"].dropna().astype(str)) - set(WEEK_ROLES))
    if unknown:
        raise ValueError(f"unknown week roles {unknown}; expected some of {list(WEEK_ROLES)}")
    schema = cluster_output_schema(feature_columns)
    by_role = {role: features[features["week_role"] == role].reset_index(drop=True) for role in WEEK_ROLES}
    current, previous = by_role["current"], by_role["previous"]
    weeks = {role: _week_of(frame) for role, frame in by_role.items()}

    result: ClusterResult = fit_clusters(current, feature_columns, config, previous_profiles)
    model = result.model
    assigned = {"current": result.assignments}
    for role in WEEK_ROLES[1:]:
        assigned[role] = (
            assign_clusters(model, by_role[role]) if model is not None else result.assignments.iloc[0:0]
        )

    tracked = assigned["current"].merge(
        assigned["previous"][["user_id", "cluster_id", "cluster_archetype"]].rename(
            columns={"cluster_id": "previous_cluster_id", "cluster_archetype": "previous_cluster_archetype"}
        ),
        on="user_id",
        how="left",
    )
    in_both = tracked["previous_cluster_id"].notna()
    tracked["has_cluster_changed"] = np.where(
        in_both, tracked["cluster_id"] != tracked["previous_cluster_id"], None
    )
    if model is not None:
        moved = moved_features(model, current, previous, N_MOVED_FEATURES)
        changed_users = tracked.loc[tracked["has_cluster_changed"].eq(True), "user_id"]
        tracked = tracked.merge(moved[moved["user_id"].isin(changed_users)], on="user_id", how="left")

    assignment_rows = [tracked.assign(week_role="current", week_start=weeks["current"])]
    for role in WEEK_ROLES[1:]:
        assignment_rows.append(assigned[role].assign(week_role=role, week_start=weeks[role]))
    assignments = pd.concat([frame.astype(object) for frame in assignment_rows], ignore_index=True)

    metrics = result.metrics.copy()
    chosen = metrics["is_chosen"].astype(bool)
    period_ari = period_stability(assigned["previous"], assigned["current"])
    changed = tracked.loc[in_both, "has_cluster_changed"].astype(bool)
    changed_rate = float(changed.mean()) if in_both.any() else math.nan
    metrics["period_ari"] = np.where(chosen, period_ari, np.nan)
    metrics["n_users_both_periods"] = np.where(chosen, int(in_both.sum()), None)
    metrics["changed_cluster_rate"] = np.where(chosen, changed_rate, np.nan)

    version = _cluster_model_version(config, feature_columns, weeks["current"])
    fit = pd.DataFrame()
    if fitted_at is not None:
        if model is None:
            note = "; ".join(str(n) for n in result.metrics.get("note", pd.Series(dtype=object)).dropna())
            raise ValueError(f"no cluster model fitted ({note or 'no users in the current week'})")
        fit = registry.fit_frame(
            registry.CLUSTER_MODEL,
            version,
            fitted_at,
            (weeks["current"], weeks["current"]),
            feature_columns,
            settings or {},
            "clusters-json-v1",
            registry.dump_cluster_model(model),
        )
    stacked = _stack(
        {"assignments": assignments, "profiles": result.profiles, "metrics": metrics, "fit": fit}
    )
    stacked["model_version"] = version
    return to_arrow(stacked, schema)
