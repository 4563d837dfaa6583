"""Governed settings of the ML package, as frozen dataclasses with documented defaults.

The dbt Python models build these from YAML config (``dbt.config.get``) so every threshold that shapes a
score or a segment is a reviewed parameter, never a literal buried in the logic. Invalid settings raise
``ValueError`` at construction, before any data is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from threadpoolctl import threadpool_limits

#: Roles a clustering feature can play when naming archetypes, matched by substring on the column name
#: (first role whose pattern matches wins, so ``key_actions_trend`` is a trend, not a frequency).
#: ``dormancy`` features grow with inactivity (days since last activity); ``time_to_value`` features
#: grow with slowness. All others grow with engagement.
DEFAULT_ROLE_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("trend", ("trend", "slope", "change")),
    ("time_to_value", ("time_to_value", "ttv", "days_to_first", "days_to_value", "hours_to_first")),
    ("dormancy", ("days_since", "recency", "inactive", "dormant")),
    ("collaboration", ("collab", "teammate", "invite", "shared", "seats_active")),
    ("breadth", ("breadth", "distinct_feature", "features_used", "n_features", "feature_count")),
    ("frequency", ("key_action", "active_day", "active_week", "session", "frequency", "event", "action")),
)

ROLES: tuple[str, ...] = ("trend", "time_to_value", "dormancy", "collaboration", "breadth", "frequency")

#: Features are rounded to this many decimals before every fit and every scoring (dbt var
#: ``measure_decimals``). Two builds of the same data can hand the fits float features that differ in
#: the last bits (a mean added up in another order); a tree ensemble splits between neighbouring distinct
#: values and quantile bins move when ties break, so such noise moved churn probabilities by up to 0.24
#: on a 287-snapshot fit. Rounded, inputs that agree to ~1e-12 give bit-identical fits, except for a
#: value within that distance of a rounding midpoint (one in ~1e3 of them at worst, in practice none:
#: upstream means are exact, see macro exact_avg).
DEFAULT_FEATURE_DECIMALS = 9
#: the churn candidates that publish calibrated probabilities (ChurnConfig.scoring_model)
SCORING_MODELS: tuple[str, ...] = ("gradient_boosting_calibrated", "logistic_regression")


def round_features(x: np.ndarray, decimals: int | None) -> np.ndarray:
    """``x`` rounded to ``decimals`` decimals (half to even; NaN stays NaN); ``None`` leaves it as it is."""
    return x if decimals is None else np.round(x, decimals)


def thread_limit(n_threads: int | None) -> AbstractContextManager[object]:
    """Cap native (OpenMP/BLAS) threads while fitting; ``None`` leaves the libraries' default (all cores).

    Results do not depend on it. Measured on 10.9M events (benchmark data, 2 cores): the churn fit
    (30k snapshots) took 18.6 s on 1 thread and 14.2 s on all, so it uses all; the clustering fit
    (77k users) took 4.3 s on 1 thread and 5.9 s on all, so it keeps 1.
    """
    return threadpool_limits(limits=n_threads) if n_threads is not None else nullcontext()


@dataclass(frozen=True)
class ChurnConfig:
    """Settings of :func:`engagement.ml.churn.fit_churn_model`.

    Attributes:
        test_dates: number of latest *labelled* prediction dates held out as test. ``None`` means
            ``max(1, round(test_fraction * n_labelled_dates))``. Always capped so at least one labelled
            date stays in train (a note is recorded when capped).
        test_fraction: share of labelled dates held out when ``test_dates`` is ``None``.
        decline_feature: feature used by the transparent ``naive_rule`` baseline (usage decline). When it
            is not among the features, the first feature is used and a note is recorded.
        decline_lower_is_riskier: ``True`` when a *lower* value of ``decline_feature`` means more risk
            (a negative usage trend); the naive score is then the share of training rows with a higher
            value (mid-rank for ties).
        risk_band_cutoffs: ascending probability cut-offs between ``risk_band_labels``; a probability
            equal to a cut-off falls in the upper band (default low < 0.1 <= medium < 0.3 <= high).
        risk_band_labels: band names, one more than the cut-offs.
        psi_alert_threshold: PSI above which a feature's drift row is flagged ``is_alert``.
        psi_bins: quantile bins (from the reference data) for PSI.
        calibration_bins: equal-width bins for ECE and the calibration frame.
        calibration_folds: CV folds of ``CalibratedClassifierCV`` (reduced to the minority-class count
            when that is smaller, with a note).
        isotonic_min_rows: isotonic calibration needs at least this many training rows ...
        isotonic_min_minority: ... and at least this many rows of the minority class; otherwise sigmoid.
        logistic_c: inverse regularisation strength of the logistic baseline.
        logistic_class_weight: ``None`` (default) keeps the logistic output a probability comparable to
            the main model in Brier/ECE; ``"balanced"`` reweights classes (better ranking on rare
            positives, but inflated probabilities).
        hgb_*: HistGradientBoostingClassifier settings (early stopping off, for determinism);
            ``hgb_min_samples_leaf`` is capped at a tenth of the training rows (min 2), with a note.
            100 rounds at learning rate 0.1 scored like 200 at 0.05 on 10.9M events (test ROC AUC churn
            0.648 vs 0.651, downgrade 0.731 vs 0.732) in half the time.
        refit_on_all_labelled: when ``True`` the models that score the unlabelled ``score`` rows are
            refit on train + test; train and test rows are always scored by the train-only model.
        n_threads: native threads while fitting (see :func:`thread_limit`); not part of model_version.
        random_state: seed of every estimator (gradient boosting, logistic regression; the calibration
            folds are unshuffled stratified folds of the rows sorted by date and account).
        feature_decimals: every feature is rounded to this many decimals before fitting and scoring
            (see :data:`DEFAULT_FEATURE_DECIMALS`); ``None`` keeps full float precision.
        scoring_model: the candidate whose probabilities are published (the scores, the risk bands, the
            drivers and the persisted scoring model): ``gradient_boosting_calibrated`` or
            ``logistic_regression``. The build sets it to the walk-forward champion
            (:func:`engagement.ml.outputs.churn_outputs`); the naive rule is a rank, never a scorer.
    """

    test_dates: int | None = None
    test_fraction: float = 0.25
    decline_feature: str = "key_actions_trend"
    decline_lower_is_riskier: bool = True
    risk_band_cutoffs: tuple[float, ...] = (0.1, 0.3)
    risk_band_labels: tuple[str, ...] = ("low", "medium", "high")
    psi_alert_threshold: float = 0.2
    psi_bins: int = 10
    calibration_bins: int = 10
    calibration_folds: int = 3
    isotonic_min_rows: int = 1000
    isotonic_min_minority: int = 100
    logistic_c: float = 1.0
    logistic_class_weight: str | None = None
    hgb_max_iter: int = 100
    hgb_learning_rate: float = 0.1
    hgb_max_leaf_nodes: int = 15
    hgb_min_samples_leaf: int = 20
    hgb_l2_regularization: float = 1.0
    refit_on_all_labelled: bool = True
    n_threads: int | None = None
    random_state: int = 42
    feature_decimals: int | None = DEFAULT_FEATURE_DECIMALS
    scoring_model: str = "gradient_boosting_calibrated"

    def __post_init__(self) -> None:
        _check_decimals(self.feature_decimals)
        if self.scoring_model not in SCORING_MODELS:
            raise ValueError(
                f"scoring_model must be one of {list(SCORING_MODELS)}, got {self.scoring_model!r}"
            )
        if self.test_dates is not None and self.test_dates < 1:
            raise ValueError(f"test_dates must be >= 1 or None, got {self.test_dates}")
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError(f"test_fraction must be in (0, 1), got {self.test_fraction}")
        cuts = tuple(self.risk_band_cutoffs)
        if any(not 0.0 <= c <= 1.0 for c in cuts) or any(a >= b for a, b in pairwise(cuts)):
            raise ValueError(f"risk_band_cutoffs must be strictly ascending within [0, 1], got {cuts}")
        if len(self.risk_band_labels) != len(cuts) + 1:
            raise ValueError("risk_band_labels must have exactly one more entry than risk_band_cutoffs")
        if self.psi_bins < 1 or self.calibration_bins < 1:
            raise ValueError("psi_bins and calibration_bins must be >= 1")
        if self.n_threads is not None and self.n_threads < 1:
            raise ValueError("n_threads must be >= 1 or None")
        if self.calibration_folds < 2:
            raise ValueError("calibration_folds must be >= 2")
        if self.logistic_class_weight not in (None, "balanced"):
            raise ValueError("logistic_class_weight must be None or 'balanced'")


@dataclass(frozen=True)
class ClusterConfig:
    """Settings of :func:`engagement.ml.clustering.fit_clusters`.

    Attributes:
        k_min, k_max: governed range of cluster counts tried (reduced when there are fewer distinct
            rows, with a note).
        silhouette_sample: silhouette is computed on a fixed-seed sample of at most this many rows.
        n_init, max_iter: KMeans settings.
        n_bootstrap: bootstrap refits used for ``bootstrap_ari_mean``.
        archetype_z_threshold: a centroid counts as high/low on a role when its standardised value is
            at least this far above/below the population mean (0 = population mean).
        feature_roles: explicit ``{column: role}`` overriding the name patterns (roles in ``ROLES``).
        role_patterns: substring patterns that infer a column's role from its name.
        match_max_distance: when previous profiles are given, a Hungarian match further apart than this
            (Euclidean, standardised units) is not kept; ``None`` keeps every match.
        n_threads: native threads while fitting (see :func:`thread_limit`).
        random_state: seed of KMeans (every one of its ``n_init`` starts), the silhouette sample and
            every bootstrap replicate.
        feature_decimals: every feature is rounded to this many decimals before fitting and assigning
            (see :data:`DEFAULT_FEATURE_DECIMALS`); ``None`` keeps full float precision.
    """

    k_min: int = 2
    k_max: int = 8
    silhouette_sample: int = 5000
    n_init: int = 10
    max_iter: int = 300
    n_bootstrap: int = 5
    archetype_z_threshold: float = 0.5
    feature_roles: dict[str, str] | None = None
    role_patterns: tuple[tuple[str, tuple[str, ...]], ...] = field(default=DEFAULT_ROLE_PATTERNS)
    match_max_distance: float | None = None
    n_threads: int | None = 1
    random_state: int = 42
    feature_decimals: int | None = DEFAULT_FEATURE_DECIMALS

    def __post_init__(self) -> None:
        _check_decimals(self.feature_decimals)
        if self.k_min < 2 or self.k_max < self.k_min:
            raise ValueError(f"need 2 <= k_min <= k_max, got k_min={self.k_min}, k_max={self.k_max}")
        if self.silhouette_sample < 2:
            raise ValueError("silhouette_sample must be >= 2")
        if self.n_init < 1 or self.max_iter < 1 or self.n_bootstrap < 0:
            raise ValueError("n_init and max_iter must be >= 1 and n_bootstrap >= 0")
        if self.n_threads is not None and self.n_threads < 1:
            raise ValueError("n_threads must be >= 1 or None")
        if self.archetype_z_threshold <= 0:
            raise ValueError("archetype_z_threshold must be > 0")
        if self.feature_roles is not None:
            unknown = sorted(set(self.feature_roles.values()) - set(ROLES))
            if unknown:
                raise ValueError(f"unknown feature roles {unknown}; expected some of {list(ROLES)}")
        if self.match_max_distance is not None and self.match_max_distance <= 0:
            raise ValueError("match_max_distance must be > 0 or None")


def _check_decimals(decimals: int | None) -> None:
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0):
        raise ValueError(f"feature_decimals must be a whole number >= 0 or None, got {decimals!r}")


# --------------------------------------------------------------------------- settings from dbt config


def _setting(settings: Mapping[str, object], key: str, kind: type[int] | type[float]) -> int | float | None:
    """``settings[key]`` as ``kind``; ``None`` when absent, null or blank. dbt renders vars in YAML config
    as text, so ``"0.25"`` and ``0.25`` are both accepted; anything else raises ``ValueError``."""
    value = settings.get(key)
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    if isinstance(value, bool):
        raise ValueError(f"setting {key!r} must be a number, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {key!r} must be a number, got {value!r}") from exc
    if kind is int:
        if not number.is_integer():
            raise ValueError(f"setting {key!r} must be a whole number, got {value!r}")
        return int(number)
    return number


def churn_config_from_settings(settings: Mapping[str, object]) -> ChurnConfig:
    """A :class:`ChurnConfig` from governed settings (the dbt model's YAML config).

    Keys (all optional, absent or null = the dataclass default): ``test_fraction``,
    ``risk_band_medium_min`` and ``risk_band_high_min`` (the two cut-offs of low/medium/high),
    ``psi_alert_threshold``, ``random_state``, ``feature_decimals``.
    """
    kwargs: dict[str, object] = {}
    for key, kind in (
        ("test_fraction", float),
        ("psi_alert_threshold", float),
        ("random_state", int),
        ("feature_decimals", int),
    ):
        value = _setting(settings, key, kind)
        if value is not None:
            kwargs[key] = value
    medium = _setting(settings, "risk_band_medium_min", float)
    high = _setting(settings, "risk_band_high_min", float)
    if (medium is None) != (high is None):
        raise ValueError("set both risk_band_medium_min and risk_band_high_min, or neither")
    if medium is not None and high is not None:
        kwargs["risk_band_cutoffs"] = (medium, high)
    return ChurnConfig(**kwargs)  # type: ignore[arg-type]


def cluster_config_from_settings(settings: Mapping[str, object]) -> ClusterConfig:
    """A :class:`ClusterConfig` from governed settings (the dbt model's YAML config).

    Keys (all optional): ``k_min``, ``k_max``, ``n_bootstrap``, ``random_state``, ``feature_decimals``
    and ``feature_roles`` (a mapping ``{feature: role}``).
    """
    kwargs: dict[str, object] = {}
    for key in ("k_min", "k_max", "n_bootstrap", "random_state", "feature_decimals"):
        value = _setting(settings, key, int)
        if value is not None:
            kwargs[key] = value
    roles = settings.get("feature_roles")
    if roles:
        if not isinstance(roles, Mapping):
            raise ValueError("feature_roles must be a mapping {feature: role}")
        kwargs["feature_roles"] = {str(k): str(v) for k, v in roles.items()}
    return ClusterConfig(**kwargs)  # type: ignore[arg-type]
