"""Behavioural clustering of users with stable, human-readable cluster ids and archetype names.

Entry point: :func:`fit_clusters` (pure: DataFrame in, :class:`ClusterResult` of DataFrames out).

Pipeline:
1. Rows are put in a canonical order (by ``user_id``) and every feature is rounded to
   ``config.feature_decimals`` decimals, so the result depends neither on input row order nor on float
   noise below that precision (the same rounding applies when a fitted model assigns other rows).
2. NaN is imputed with the column median; columns with no value or zero variance are dropped from the
   distance space (noted); the rest are standardised (z-scores against the population).
3. k runs over ``[k_min, k_max]`` (capped by the number of distinct rows, noted); each k is a KMeans fit
   (fixed ``random_state`` and ``n_init``) scored by silhouette on a fixed-seed sample of at most
   ``silhouette_sample`` rows. The best silhouette wins (ties: smaller k); every k tried is reported.
4. Clusters are ordered by activity (mean z of the ``frequency``-role features, else the first kept
   feature; descending), then lexicographically by centroid, and numbered 1..k in that order.
5. Each cluster is named from its centroid z-profile with a fixed vocabulary of its own (first rule that
   holds, ``t = archetype_z_threshold``; no name is a lifecycle segment's or an engagement tier's, so a
   cluster never reads as a rule-based segment with another meaning): ``idle_usage`` (dormancy >= t, or
   without a dormancy feature frequency <= -2t), ``heavy_broad_usage`` (frequency >= t and breadth >= t),
   ``broad_light_usage`` (breadth >= t, frequency < t), ``fast_start_usage`` (time-to-value <= -t, i.e.
   fast, and |frequency| < t), ``fading_usage`` (trend <= -t), ``light_usage`` (frequency <= -t), else
   ``steady_usage`` (steady moderate use). A role without features counts as 0 (population mean). Repeated
   names get ``_2``, ``_3`` in cluster-id order.
6. With ``previous_profiles``, new centroids are matched to the previous ones (Hungarian algorithm on
   Euclidean distance in the current standardised space); matched clusters keep the previous id and
   name, unmatched ones get new ids above the previous maximum and fresh (unique) names.

Fallbacks (no crash; recorded in ``metrics.note``): fewer distinct rows than ``k_min``/``k`` reduce the
k range; fewer than two distinct rows (or no usable feature) give one cluster, ``cluster_id`` 0 named
``all_users``; a silhouette that cannot be computed is NaN (if no k has one, the smallest k is chosen);
bootstrap replicates with fewer distinct rows than k are skipped. Empty input returns empty
``assignments``/``profiles`` and one metrics row with ``k = 0`` and a note. Missing or non-numeric
columns, null or duplicate ``user_id`` and malformed ``previous_profiles`` raise ``ValueError``.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from engagement.ml.config import ROLES, ClusterConfig, round_features, thread_limit
from engagement.ml.metrics import as_float_array

ID_COLUMN = "user_id"
SINGLE_CLUSTER_ID = 0
SINGLE_CLUSTER_NAME = "all_users"
ARCHETYPES: tuple[str, ...] = (
    "idle_usage",
    "heavy_broad_usage",
    "broad_light_usage",
    "fast_start_usage",
    "fading_usage",
    "light_usage",
    "steady_usage",
    SINGLE_CLUSTER_NAME,
)
ASSIGNMENT_COLUMNS: dict[str, str] = {
    "user_id": "str",
    "cluster_id": "int64",
    "cluster_archetype": "str",
    "distance_to_centroid": "float64",
}
PROFILE_BASE_COLUMNS: dict[str, str] = {
    "cluster_id": "int64",
    "cluster_archetype": "str",
    "n_users": "int64",
    "share": "float64",
}
METRICS_COLUMNS: dict[str, str] = {
    "k": "int64",
    "silhouette": "float64",
    "inertia": "float64",
    "is_chosen": "bool",
    "bootstrap_ari_mean": "float64",
    "n_users": "Int64",
    "n_features_used": "Int64",
    "note": "str",
}


@dataclass(frozen=True)
class ClusterModel:
    """The fitted clustering, enough to assign new rows without refitting (see :func:`assign_clusters`).

    - ``feature_columns``: every feature given to the fit, in order; ``kept``: those in the distance space.
    - ``medians``: imputation value of each of ``feature_columns`` (NaN for an all-NaN column).
    - ``mean`` / ``std``: standardisation of the ``kept`` features (population of the fit).
    - ``centers``: ``(n_clusters, len(kept))`` centroids in standardised units; row ``c`` is cluster
      ``cluster_ids[c]`` named ``cluster_names[c]``.
    - ``feature_decimals``: features are rounded to this many decimals before standardising.
    """

    feature_columns: tuple[str, ...]
    kept: tuple[str, ...]
    medians: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    centers: np.ndarray
    cluster_ids: np.ndarray
    cluster_names: tuple[str, ...]
    feature_decimals: int | None = None


@dataclass(frozen=True)
class ClusterResult:
    """Outputs of :func:`fit_clusters`.

    - ``assignments``: user_id, cluster_id, cluster_archetype, distance_to_centroid (Euclidean, in
      standardised units of the kept features), sorted by user_id.
    - ``profiles``: cluster_id, cluster_archetype, n_users, share, one column per feature (centroid in
      original units, after median imputation), centroid_json; sorted by cluster_id.
    - ``metrics``: one row per k tried (k, silhouette, inertia, is_chosen); the chosen row also carries
      bootstrap_ari_mean, n_users, n_features_used and note.
    - ``model``: the fitted :class:`ClusterModel` (``None`` on empty input).
    """

    assignments: pd.DataFrame
    profiles: pd.DataFrame
    metrics: pd.DataFrame
    model: ClusterModel | None = None


# --------------------------------------------------------------------------- public helpers


def adjusted_rand(
    a: Sequence[object] | np.ndarray | pd.Series, b: Sequence[object] | np.ndarray | pd.Series
) -> float:
    """Adjusted Rand index of two labelings of the same items.

    NaN when empty; ``ValueError`` when the lengths differ. Labels are compared as strings.
    """
    left = np.asarray(a, dtype=object)
    right = np.asarray(b, dtype=object)
    if left.shape != right.shape:
        raise ValueError(f"labelings differ in length ({left.size} vs {right.size})")
    if left.size == 0:
        return math.nan
    return float(adjusted_rand_score(left.astype(str), right.astype(str)))


def period_stability(prev_assignments: pd.DataFrame, new_assignments: pd.DataFrame) -> float:
    """ARI between two periods' ``cluster_id`` on the users present in both (NaN with < 2 common users)."""
    for name, frame in (("prev_assignments", prev_assignments), ("new_assignments", new_assignments)):
        missing = {ID_COLUMN, "cluster_id"} - set(frame.columns)
        if missing:
            raise ValueError(f"{name} is missing columns: {sorted(missing)}")
    merged = prev_assignments[[ID_COLUMN, "cluster_id"]].merge(
        new_assignments[[ID_COLUMN, "cluster_id"]], on=ID_COLUMN, suffixes=("_prev", "_new")
    )
    if len(merged) < 2:
        return math.nan
    return adjusted_rand(merged["cluster_id_prev"], merged["cluster_id_new"])


# --------------------------------------------------------------------------- internals


def _validate(features: pd.DataFrame, feature_columns: Sequence[str]) -> list[str]:
    if not isinstance(features, pd.DataFrame):
        raise ValueError("features must be a pandas DataFrame")
    columns = list(feature_columns)
    if not columns:
        raise ValueError("feature_columns is empty")
    if len(set(columns)) != len(columns):
        raise ValueError("feature_columns contains duplicates")
    reserved = {ID_COLUMN, "centroid_json", *PROFILE_BASE_COLUMNS}
    clash = sorted(reserved & set(columns))
    if clash:
        raise ValueError(f"feature names clash with output columns: {clash}")
    missing = [c for c in [ID_COLUMN, *columns] if c not in features.columns]
    if missing:
        raise ValueError(f"features is missing columns: {missing}")
    for name in columns:
        column = features[name]
        converted = pd.to_numeric(column, errors="coerce") if column.dtype == object else column
        if not (pd.api.types.is_numeric_dtype(converted) or pd.api.types.is_bool_dtype(converted)):
            raise ValueError(f"feature {name!r} is not numeric (dtype {column.dtype})")
        if (pd.isna(converted) & column.notna()).any():
            raise ValueError(f"feature {name!r} has non-numeric values")
    if features[ID_COLUMN].isna().any():
        raise ValueError("user_id has nulls")
    if features[ID_COLUMN].astype(str).duplicated().any():
        raise ValueError("user_id is not unique")
    return columns


def _roles(columns: Sequence[str], config: ClusterConfig) -> dict[str, str]:
    """Role of each feature: explicit ``config.feature_roles`` first, then name patterns."""
    explicit = dict(config.feature_roles or {})
    roles: dict[str, str] = {}
    for name in columns:
        if name in explicit:
            roles[name] = explicit[name]
            continue
        lowered = name.lower()
        for role, patterns in config.role_patterns:
            if any(p in lowered for p in patterns):
                roles[name] = role
                break
    return roles


def _role_scores(
    z_centroids: np.ndarray, kept: Sequence[str], roles: dict[str, str]
) -> dict[str, np.ndarray]:
    """Mean centroid z per role (``(k,)`` arrays); NaN when the role has no kept feature."""
    out: dict[str, np.ndarray] = {}
    for role in ROLES:
        idx = [j for j, name in enumerate(kept) if roles.get(name) == role]
        out[role] = z_centroids[:, idx].mean(axis=1) if idx else np.full(z_centroids.shape[0], np.nan)
    return out


def _archetype(scores: dict[str, float], t: float) -> str:
    def val(role: str) -> float:
        v = scores[role]
        return 0.0 if math.isnan(v) else v

    freq, breadth, trend, ttv = val("frequency"), val("breadth"), val("trend"), val("time_to_value")
    dormant = val("dormancy") >= t if not math.isnan(scores["dormancy"]) else freq <= -2 * t
    if dormant:
        return "idle_usage"
    if freq >= t and breadth >= t:
        return "heavy_broad_usage"
    if breadth >= t and freq < t:
        return "broad_light_usage"
    if ttv <= -t and abs(freq) < t:
        return "fast_start_usage"
    if trend <= -t:
        return "fading_usage"
    if freq <= -t:
        return "light_usage"
    return "steady_usage"


def _unique_name(base: str, taken: set[str]) -> str:
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def _silhouette(z: np.ndarray, labels: np.ndarray, sample: np.ndarray) -> float:
    sub_labels = labels[sample]
    n_labels = np.unique(sub_labels).size
    if n_labels < 2 or n_labels > sample.size - 1:
        return math.nan
    return float(silhouette_score(z[sample], sub_labels))


def _kmeans(k: int, config: ClusterConfig) -> KMeans:
    return KMeans(
        n_clusters=k, n_init=config.n_init, max_iter=config.max_iter, random_state=config.random_state
    )


def _bootstrap_ari(
    z: np.ndarray, labels: np.ndarray, k: int, config: ClusterConfig
) -> tuple[float, str | None]:
    values = []
    for b in range(config.n_bootstrap):
        rng = np.random.default_rng([config.random_state, b])
        idx = rng.integers(0, z.shape[0], z.shape[0])
        if np.unique(z[idx], axis=0).shape[0] < k:
            continue
        model = _kmeans(k, config).fit(z[idx])
        values.append(adjusted_rand(labels, model.predict(z)))
    skipped = config.n_bootstrap - len(values)
    note = (
        f"{skipped} bootstrap replicate(s) skipped (fewer distinct rows than k)"
        if skipped and config.n_bootstrap
        else None
    )
    return (float(np.mean(values)) if values else math.nan), note


def _previous_centroids(
    previous: pd.DataFrame, kept: Sequence[str], mean: np.ndarray, std: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Previous ids, standardised centroids on the kept features, names and notes."""
    if "cluster_id" not in previous.columns:
        raise ValueError("previous_profiles must have a cluster_id column")
    name_column = "cluster_archetype" if "cluster_archetype" in previous.columns else "archetype"
    if name_column not in previous.columns:
        raise ValueError("previous_profiles must have a cluster_archetype (or archetype) column")
    previous = previous[previous["cluster_id"] != SINGLE_CLUSTER_ID]
    if previous["cluster_id"].duplicated().any():
        raise ValueError("previous_profiles has duplicate cluster_id")
    ids = previous["cluster_id"].astype("int64").to_numpy()
    names = previous[name_column].astype(str).tolist()
    centroids = np.full((len(previous), len(kept)), np.nan)
    parsed = None
    if "centroid_json" in previous.columns:
        parsed = [json.loads(v) if isinstance(v, str) else {} for v in previous["centroid_json"]]
    for j, name in enumerate(kept):
        if name in previous.columns:
            centroids[:, j] = as_float_array(previous[name])
        elif parsed is not None:
            centroids[:, j] = [np.nan if p.get(name) is None else float(p[name]) for p in parsed]
    notes = []
    absent = [name for j, name in enumerate(kept) if np.isnan(centroids[:, j]).all()]
    if absent:
        notes.append(f"previous profiles lack {absent}: treated as population mean for matching")
    z = (centroids - mean) / std
    return ids, np.nan_to_num(z, nan=0.0), names, notes


def _empty_result(feature_columns: Sequence[str], note: str) -> ClusterResult:
    metrics = pd.DataFrame(
        [
            {
                "k": 0,
                "silhouette": math.nan,
                "inertia": math.nan,
                "is_chosen": True,
                "bootstrap_ari_mean": math.nan,
                "n_users": 0,
                "n_features_used": 0,
                "note": note,
            }
        ]
    )
    return ClusterResult(
        assignments=_cast(pd.DataFrame(columns=list(ASSIGNMENT_COLUMNS)), ASSIGNMENT_COLUMNS),
        profiles=_cast(
            pd.DataFrame(columns=[*PROFILE_BASE_COLUMNS, *feature_columns, "centroid_json"]),
            {**PROFILE_BASE_COLUMNS, **dict.fromkeys(feature_columns, "float64"), "centroid_json": "str"},
        ),
        metrics=_cast(metrics, METRICS_COLUMNS),
    )


def _cast(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    return frame.astype(schema)[list(schema)].reset_index(drop=True)


# --------------------------------------------------------------------------- main entry point


def fit_clusters(
    features: pd.DataFrame,
    feature_columns: Sequence[str],
    config: ClusterConfig | None = None,
    previous_profiles: pd.DataFrame | None = None,
) -> ClusterResult:
    """Cluster users on behavioural features with a governed k range and stable ids/names.

    Args:
        features: one row per user: ``user_id`` plus the numeric ``feature_columns`` (NaN allowed).
        feature_columns: features to cluster on (order is the tie-break order of the centroid sort).
        config: governed settings; defaults to :class:`ClusterConfig`.
        previous_profiles: the previous run's ``profiles`` frame (cluster_id, cluster_archetype or
            archetype, one column per feature or ``centroid_json``) to carry ids and names over.

    Returns:
        :class:`ClusterResult` (see its docstring and the module docstring for fallbacks).

    Raises:
        ValueError: on a broken input contract (missing/non-numeric columns, null or duplicate user_id,
            malformed previous_profiles).
    """
    config = config or ClusterConfig()
    columns = _validate(features, feature_columns)
    with thread_limit(config.n_threads):
        return _fit_clusters(features, columns, config, previous_profiles)


def _fit_clusters(
    features: pd.DataFrame, columns: list[str], config: ClusterConfig, previous_profiles: pd.DataFrame | None
) -> ClusterResult:
    """Body of :func:`fit_clusters` on validated input."""
    if len(features) == 0:
        return _empty_result(columns, "empty input: no users to cluster")

    frame = features.assign(_key=features[ID_COLUMN].astype(str)).sort_values("_key", kind="mergesort")
    frame = frame.reset_index(drop=True)
    n_users = len(frame)
    raw = round_features(
        np.column_stack([as_float_array(frame[name]) for name in columns]), config.feature_decimals
    )
    notes: list[str] = []

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        medians = np.nanmedian(raw, axis=0)
    imputed = np.where(np.isnan(raw), medians, raw)
    all_nan = np.isnan(medians)
    mean = imputed.mean(axis=0)
    std = imputed.std(axis=0)
    constant = ~all_nan & (std <= 1e-12 * np.maximum(1.0, np.abs(mean)))
    if all_nan.any():
        notes.append(f"all-NaN features dropped: {[c for c, d in zip(columns, all_nan, strict=True) if d]}")
    if constant.any():
        notes.append(
            f"zero-variance features dropped: {[c for c, d in zip(columns, constant, strict=True) if d]}"
        )
    keep = ~(all_nan | constant)
    kept = [c for c, k in zip(columns, keep, strict=True) if k]
    z = (imputed[:, keep] - mean[keep]) / std[keep] if kept else np.zeros((n_users, 0))

    n_distinct = np.unique(z, axis=0).shape[0] if kept else 1
    roles = _roles(kept, config)

    metric_rows: list[dict[str, object]] = []
    if n_distinct < 2:
        notes.append("fewer than 2 distinct rows (or no usable feature): single cluster")
        labels = np.zeros(n_users, dtype=int)
        chosen_k = 1
        metric_rows.append(
            {"k": 1, "silhouette": math.nan, "inertia": float((z**2).sum()), "is_chosen": True}
        )
        centers = np.zeros((1, z.shape[1]))
    else:
        k_low, k_high = min(config.k_min, n_distinct), min(config.k_max, n_distinct)
        k_low = max(k_low, 2)
        if (k_low, k_high) != (config.k_min, config.k_max):
            notes.append(f"k range reduced to [{k_low}, {k_high}] ({n_distinct} distinct rows)")
        rng = np.random.default_rng(config.random_state)
        sample = (
            np.sort(rng.choice(n_users, size=config.silhouette_sample, replace=False))
            if n_users > config.silhouette_sample
            else np.arange(n_users)
        )
        fits: dict[int, KMeans] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k in range(k_low, k_high + 1):
                model = _kmeans(k, config).fit(z)
                fits[k] = model
                metric_rows.append(
                    {
                        "k": k,
                        "silhouette": _silhouette(z, model.labels_, sample),
                        "inertia": float(model.inertia_),
                    }
                )
        silhouettes = np.array([row["silhouette"] for row in metric_rows], dtype=float)
        if np.isfinite(silhouettes).any():
            chosen_k = int(metric_rows[int(np.nanargmax(silhouettes))]["k"])  # first max = smallest k
        else:
            chosen_k = k_low
            notes.append("silhouette undefined for every k: smallest k chosen")
        for row in metric_rows:
            row["is_chosen"] = row["k"] == chosen_k
        raw_labels = fits[chosen_k].labels_
        present = np.unique(raw_labels)
        labels = np.searchsorted(present, raw_labels)
        centers = np.vstack([z[labels == c].mean(axis=0) for c in range(present.size)])
        if present.size < chosen_k:
            notes.append(f"KMeans left {chosen_k - present.size} empty cluster(s)")

    n_clusters = centers.shape[0]
    # Deterministic order: activity (desc), then centroid lexicographically.
    freq_idx = [j for j, name in enumerate(kept) if roles.get(name) == "frequency"]
    if n_clusters > 1 and not freq_idx:
        notes.append(f"no frequency-role feature: clusters ordered by {kept[0]!r}")
        freq_idx = [0]
    activity = centers[:, freq_idx].mean(axis=1) if freq_idx else np.zeros(n_clusters)
    order = sorted(
        range(n_clusters),
        key=lambda c: (-round(float(activity[c]), 9), *(round(float(v), 9) for v in centers[c])),
    )
    rank = np.empty(n_clusters, dtype=int)
    rank[order] = np.arange(n_clusters)
    role_scores = _role_scores(centers, kept, roles)
    base_names = [
        _archetype({r: float(role_scores[r][c]) for r in ROLES}, config.archetype_z_threshold)
        for c in range(n_clusters)
    ]

    ids = np.empty(n_clusters, dtype="int64")
    names: list[str] = [""] * n_clusters
    if n_clusters == 1 and n_distinct < 2:
        ids[0], names[0] = SINGLE_CLUSTER_ID, SINGLE_CLUSTER_NAME
    else:
        matched: dict[int, tuple[int, str]] = {}
        next_id = 1
        if previous_profiles is not None and len(previous_profiles):
            prev_ids, prev_z, prev_names, prev_notes = _previous_centroids(
                previous_profiles, kept, mean[keep], std[keep]
            )
            notes.extend(prev_notes)
            if prev_ids.size:
                cost = np.linalg.norm(centers[:, None, :] - prev_z[None, :, :], axis=2)
                rows, cols = linear_sum_assignment(cost)
                for r, c in zip(rows, cols, strict=True):
                    if config.match_max_distance is None or cost[r, c] <= config.match_max_distance:
                        matched[int(r)] = (int(prev_ids[c]), prev_names[c])
                next_id = int(max(prev_ids.max(), 0)) + 1
                notes.append(f"{len(matched)} of {n_clusters} clusters matched to previous profiles")
        taken = {name for _, name in matched.values()}
        for c in order:
            if c in matched:
                ids[c], names[c] = matched[c]
            else:
                ids[c], next_id = next_id, next_id + 1
                names[c] = _unique_name(base_names[c], taken)

    cluster_of_row = ids[labels]
    name_of_row = np.asarray(names, dtype=object)[labels]
    distance = np.linalg.norm(z - centers[labels], axis=1) if z.shape[1] else np.zeros(n_users)
    assignments = pd.DataFrame(
        {
            "user_id": frame[ID_COLUMN].astype(str),
            "cluster_id": cluster_of_row,
            "cluster_archetype": name_of_row,
            "distance_to_centroid": distance,
        }
    )

    profile_rows = []
    for c in range(n_clusters):
        members = labels == c
        centroid = imputed[members].mean(axis=0)
        values = {
            name: (None if np.isnan(v) else float(v)) for name, v in zip(columns, centroid, strict=True)
        }
        profile_rows.append(
            {
                "cluster_id": int(ids[c]),
                "cluster_archetype": names[c],
                "n_users": int(members.sum()),
                "share": float(members.mean()),
                **{name: (np.nan if v is None else v) for name, v in values.items()},
                "centroid_json": json.dumps(values),
            }
        )
    profile_schema = {**PROFILE_BASE_COLUMNS, **dict.fromkeys(columns, "float64"), "centroid_json": "str"}
    profiles = _cast(pd.DataFrame(profile_rows).sort_values("cluster_id", kind="mergesort"), profile_schema)

    ari_mean, ari_note = (math.nan, None)
    if chosen_k > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ari_mean, ari_note = _bootstrap_ari(z, labels, n_clusters, config)
    if ari_note:
        notes.append(ari_note)
    for row in metric_rows:
        chosen = bool(row["is_chosen"])
        row["bootstrap_ari_mean"] = ari_mean if chosen else math.nan
        row["n_users"] = n_users if chosen else pd.NA
        row["n_features_used"] = len(kept) if chosen else pd.NA
        row["note"] = ("; ".join(dict.fromkeys(notes)) or None) if chosen else None
    metrics = _cast(pd.DataFrame(metric_rows), METRICS_COLUMNS)
    model = ClusterModel(
        feature_columns=tuple(columns),
        kept=tuple(kept),
        medians=medians,
        mean=mean[keep],
        std=std[keep],
        centers=centers,
        cluster_ids=ids.copy(),
        cluster_names=tuple(names),
        feature_decimals=config.feature_decimals,
    )
    return ClusterResult(
        assignments=_cast(assignments, ASSIGNMENT_COLUMNS), profiles=profiles, metrics=metrics, model=model
    )


# --------------------------------------------------------------------------- applying a fitted model


def standardise(model: ClusterModel, features: pd.DataFrame) -> np.ndarray:
    """Rows of ``features`` in the model's distance space: median-imputed, z-scored ``kept`` features.

    ``features`` needs ``user_id`` and every one of ``model.feature_columns`` (``ValueError`` otherwise).
    """
    _validate(features, model.feature_columns)
    if not model.kept:
        return np.zeros((len(features), 0))
    index = [model.feature_columns.index(name) for name in model.kept]
    raw = round_features(
        np.column_stack([as_float_array(features[name]) for name in model.kept]), model.feature_decimals
    )
    imputed = np.where(np.isnan(raw), model.medians[index], raw)
    return (imputed - model.mean) / model.std


def assign_clusters(model: ClusterModel, features: pd.DataFrame) -> pd.DataFrame:
    """Assign rows to the nearest centroid of a fitted model (no refit): the ``assignments`` columns.

    Sorted by user_id; ties go to the centroid listed first in the model. Empty input gives an empty frame.
    """
    frame = features.assign(_key=features[ID_COLUMN].astype(str)).sort_values("_key", kind="mergesort")
    z = standardise(model, frame)
    if len(frame) == 0:
        return _cast(pd.DataFrame(columns=list(ASSIGNMENT_COLUMNS)), ASSIGNMENT_COLUMNS)
    distances = np.linalg.norm(z[:, None, :] - model.centers[None, :, :], axis=2)
    nearest = np.argmin(distances, axis=1)
    assignments = pd.DataFrame(
        {
            "user_id": frame["_key"].to_numpy(),
            "cluster_id": model.cluster_ids[nearest],
            "cluster_archetype": np.asarray(model.cluster_names, dtype=object)[nearest],
            "distance_to_centroid": distances[np.arange(len(frame)), nearest],
        }
    )
    return _cast(assignments, ASSIGNMENT_COLUMNS)


def moved_features(
    model: ClusterModel, current: pd.DataFrame, previous: pd.DataFrame, n_features: int = 3
) -> pd.DataFrame:
    """What moved: per user present in both frames, the ``n_features`` largest standardised changes.

    The change of a feature is ``z(current) - z(previous)`` in the model's standardisation, so features
    on different scales compare. Columns: user_id, then ``moved_feature_<i>`` (name) and
    ``moved_feature_<i>_change`` (signed change, z units) for i = 1..n_features, largest absolute change
    first (ties: feature order); a change of zero is not listed (null). Sorted by user_id.
    """
    if n_features < 1:
        raise ValueError("n_features must be >= 1")
    columns = ["user_id"] + [
        name for i in range(1, n_features + 1) for name in (f"moved_feature_{i}", f"moved_feature_{i}_change")
    ]
    cur = current.assign(_key=current[ID_COLUMN].astype(str)).sort_values("_key", kind="mergesort")
    prev = previous.assign(_key=previous[ID_COLUMN].astype(str)).set_index("_key")
    cur = cur[cur["_key"].isin(prev.index)]
    if len(cur) == 0 or not model.kept:
        return pd.DataFrame(
            {name: pd.Series(dtype="float64" if name.endswith("change") else "object") for name in columns}
        )
    prev = prev.loc[cur["_key"]].reset_index()
    change = standardise(model, cur) - standardise(model, prev)
    width = min(n_features, change.shape[1])
    order = np.argsort(-np.abs(change), axis=1, kind="stable")[:, :width]
    top = np.take_along_axis(change, order, axis=1)
    names = np.asarray(model.kept, dtype=object)[order]
    keep = np.abs(top) > 1e-12
    out = pd.DataFrame({"user_id": cur["_key"].to_numpy()})
    for i in range(n_features):
        if i < width:
            out[f"moved_feature_{i + 1}"] = np.where(keep[:, i], names[:, i], None)
            out[f"moved_feature_{i + 1}_change"] = np.where(keep[:, i], top[:, i], np.nan)
        else:
            out[f"moved_feature_{i + 1}"] = None
            out[f"moved_feature_{i + 1}_change"] = np.nan
    return out[columns]
