"""Walk-forward back-test of the churn candidates, bootstrap intervals and the champion rule (issue 14).

Entry points (pure: DataFrames in, DataFrames/dicts out):

- :func:`walk_forward`: for each of the last ``n_dates`` labelled prediction dates ``t`` (the back-test
  dates), fit every candidate (:data:`engagement.ml.churn.MODEL_NAMES`: the naive rule, regularised
  logistic regression, calibrated gradient boosting - the same fitting code as the build's fit) only on
  snapshots whose label window had *closed* by ``t`` (``as_of_date + 7 * ceil(horizon_days / 7) <= t``:
  every horizon week observed), then score the snapshots of ``t``. Every published score is therefore
  out of sample, and carries the version of the fit that made it. Each fit also records the permutation
  importance of every feature on its own back-test rows (ROC AUC drop when the column is shuffled).
- :func:`backtest_metrics`: per back-test date and pooled over all of them, per candidate: ROC AUC, PR AUC,
  Brier, ECE, lift at the top decile, each with a percentile bootstrap interval, and the row and positive
  counts. The bootstrap is paired (the same resampled rows for every candidate) and, pooled, stratified
  by date (each date's rows resampled within the date).
- :func:`choose_champion`: the best pooled ROC AUC wins unless its interval overlaps the interval of a
  simpler candidate (order :data:`COMPLEXITY_ORDER`); then a simpler one wins: of the overlapping simpler
  candidates the one with the best pooled AUC (ties: the simplest). The choice and the reason in words.

Determinism: rows sorted by (as_of_date, account_id), features rounded to ``config.feature_decimals``
(as in the build's fit), every estimator and every bootstrap / permutation seeded.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from engagement.ml.churn import (
    DATE_COLUMN,
    ID_COLUMN,
    LABEL_COLUMNS,
    MODEL_NAMES,
    _feature_matrix,
    _fit_models,
    _predict,
    _validate,
)
from engagement.ml.config import ChurnConfig, _setting, round_features, thread_limit
from engagement.ml.metrics import as_float_array

#: candidates from the simplest to the most complex (the champion rule prefers the left on overlap)
COMPLEXITY_ORDER: tuple[str, ...] = ("naive_rule", "logistic_regression", "gradient_boosting_calibrated")
METRICS: tuple[str, ...] = ("roc_auc", "pr_auc", "brier", "ece", "lift_top_decile")
POOLED = "pooled"


@dataclass(frozen=True)
class BacktestConfig:
    """Settings of the walk-forward back-test (governed as dbt vars where the build calls it).

    Attributes:
        n_dates: K, the number of latest labelled prediction dates back-tested (fewer when fewer dates
            have both back-test rows and closed training labels).
        horizon_days: the label horizon (var churn_horizon_days); a snapshot's label window closes
            ``7 * ceil(horizon_days / 7)`` days after its prediction date (every horizon week observed).
        label: which label to back-test (a key of :data:`engagement.ml.churn.LABEL_COLUMNS`).
        n_bootstrap: bootstrap resamples per interval (0: no intervals).
        interval_level: central coverage of the intervals (0.9 = 5th to 95th percentile).
        permutation_repeats: shuffles per feature for permutation importance (0: not computed).
        importance_dates: permutation importance is computed for the fits of the latest this many
            back-test dates (the fits nearest the one that scores; each costs a prediction per feature).
        min_train_rows: a back-test date is skipped (with a note) when fewer closed training rows exist.
        random_state: seed of the bootstrap and the permutations.
    """

    n_dates: int = 6
    horizon_days: int = 90
    label: str = "churn"
    n_bootstrap: int = 100
    interval_level: float = 0.9
    permutation_repeats: int = 1
    importance_dates: int = 2
    min_train_rows: int = 20
    random_state: int = 42

    def __post_init__(self) -> None:
        if self.n_dates < 1:
            raise ValueError(f"n_dates must be >= 1, got {self.n_dates}")
        if self.horizon_days < 1:
            raise ValueError(f"horizon_days must be >= 1, got {self.horizon_days}")
        if self.label not in LABEL_COLUMNS:
            raise ValueError(f"label must be one of {sorted(LABEL_COLUMNS)}, got {self.label!r}")
        if self.n_bootstrap < 0 or self.permutation_repeats < 0 or self.importance_dates < 0:
            raise ValueError("n_bootstrap, permutation_repeats and importance_dates must be >= 0")
        if not 0.0 < self.interval_level < 1.0:
            raise ValueError(f"interval_level must be in (0, 1), got {self.interval_level}")

    @property
    def label_closed_days(self) -> int:
        """Days after a prediction date until its label window has closed."""
        return 7 * math.ceil(self.horizon_days / 7)


def backtest_config_from_settings(settings: Mapping[str, object], random_state: int) -> BacktestConfig:
    """A :class:`BacktestConfig` from the churn model's governed settings: ``backtest_dates`` (K),
    ``horizon_days``, ``backtest_bootstrap``, ``permutation_repeats`` (absent or null: the default)."""
    kwargs: dict[str, object] = {"random_state": random_state}
    for key, field_name in (
        ("backtest_dates", "n_dates"),
        ("horizon_days", "horizon_days"),
        ("backtest_bootstrap", "n_bootstrap"),
        ("permutation_repeats", "permutation_repeats"),
    ):
        value = _setting(settings, key, int)
        if value is not None:
            kwargs[field_name] = value
    return BacktestConfig(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class WalkForwardResult:
    """Outputs of :func:`walk_forward`.

    - ``scores``: one row per back-test snapshot per candidate: account_id, as_of_date, model_name,
      probability, label (0/1), model_version (of the fit that scored it).
    - ``fits``: one row per back-test date per candidate: as_of_date, model_name, model_version,
      n_train, n_train_positive, train_start_date, train_end_date, calibration_method, note.
    - ``importance``: one row per back-test date per candidate per feature: as_of_date, model_name,
      model_version, feature, importance_mean, importance_std (ROC AUC drop; NaN when undefined).
    - ``notes``: dates skipped and why.
    """

    scores: pd.DataFrame
    fits: pd.DataFrame
    importance: pd.DataFrame
    notes: list[str]


# --------------------------------------------------------------------------- fast metrics


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) identity, ties counted half; NaN with a single class."""
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = rankdata(score)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision (scikit-learn's definition: sum over thresholds of precision x recall step)."""
    n_pos = int(y.sum())
    if n_pos == 0:
        return math.nan
    order = np.argsort(-score, kind="mergesort")
    s, t = score[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s) != 0), s.size - 1]
    true_pos = np.cumsum(t)[last_of_tie]
    seen = last_of_tie + 1
    precision = true_pos / seen
    recall_step = np.diff(np.r_[0.0, true_pos]) / n_pos
    return float(np.sum(precision * recall_step))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """ECE over equal-width bins on [0, 1] (same definition as :func:`engagement.ml.metrics.ece`)."""
    if y.size == 0:
        return math.nan
    idx = np.minimum(np.floor(p * n_bins).astype(int), n_bins - 1)
    gap = np.abs(
        np.bincount(idx, weights=p, minlength=n_bins) - np.bincount(idx, weights=y, minlength=n_bins)
    )
    return float(gap.sum() / y.size)


def top_decile_lift(y: np.ndarray, score: np.ndarray, fraction: float = 0.1) -> float:
    """Positive rate in the top ``fraction`` of scores over the overall rate (stable order at the cut)."""
    if y.size == 0 or y.sum() == 0:
        return math.nan
    n_top = max(1, math.ceil(fraction * y.size))
    order = np.argsort(-score, kind="stable")
    return float(y[order[:n_top]].mean() / y.mean())


def metric_values(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> dict[str, float]:
    """Every metric of :data:`METRICS` for labels ``y`` (0/1) and probabilities ``p``."""
    return {
        "roc_auc": roc_auc(y, p),
        "pr_auc": average_precision(y, p),
        "brier": float(np.mean((p - y) ** 2)) if y.size else math.nan,
        "ece": expected_calibration_error(y, p, n_bins),
        "lift_top_decile": top_decile_lift(y, p),
    }


# --------------------------------------------------------------------------- walk-forward


def _fit_version(
    config: ChurnConfig,
    features: Sequence[str],
    model_name: str,
    date: pd.Timestamp,
    train_dates: Sequence[pd.Timestamp],
    label: str,
) -> str:
    payload = {
        "config": {k: v for k, v in asdict(config).items() if k != "n_threads"},
        "features": list(features),
        "model": model_name,
        "label": label,
        "backtest_date": date.date().isoformat(),
        "train_dates": [d.date().isoformat() for d in train_dates],
        "schema": "churn-backtest-v1",
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f"churn-bt-{digest[:12]}"


def backtest_dates(dates: pd.Series, known: np.ndarray, config: BacktestConfig) -> list[pd.Timestamp]:
    """The last ``n_dates`` labelled prediction dates that have closed training labels before them."""
    labelled = sorted(pd.unique(dates[known]))
    closed = pd.Timedelta(days=config.label_closed_days)
    usable = [pd.Timestamp(t) for t in labelled if (dates[known] + closed <= t).any()]
    return usable[-config.n_dates :]


def _permutation_importance(
    model: object,
    x: np.ndarray,
    y: np.ndarray,
    features: Sequence[str],
    repeats: int,
    seed: int,
    only: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC drop per shuffled feature; with ``only`` the model reads that column alone (the naive
    rule), so every other feature's drop is exactly 0 and is not computed."""
    base = roc_auc(y, _predict(model, x))  # type: ignore[arg-type]
    means = np.full(len(features), np.nan)
    stds = np.full(len(features), np.nan)
    if math.isnan(base) or repeats == 0:
        return means, stds
    rng = np.random.default_rng(seed)
    work = x.copy()
    if only is not None:
        means[:], stds[:] = 0.0, 0.0
    for j in range(len(features)) if only is None else [only]:
        drops = []
        for _ in range(repeats):
            work[:, j] = x[rng.permutation(x.shape[0]), j]
            drops.append(base - roc_auc(y, _predict(model, work)))  # type: ignore[arg-type]
        work[:, j] = x[:, j]
        means[j] = float(np.mean(drops))
        stds[j] = float(np.std(drops))
    return means, stds


def walk_forward(
    snapshots: pd.DataFrame,
    feature_columns: Sequence[str],
    config: ChurnConfig | None = None,
    backtest: BacktestConfig | None = None,
) -> WalkForwardResult:
    """Walk-forward back-test of every candidate over the last K labelled prediction dates.

    Args:
        snapshots: the churn snapshots (contract of :func:`engagement.ml.churn.fit_churn_model`).
        feature_columns: features, in a fixed order.
        config: the churn fit's settings (estimators, decimals, seeds).
        backtest: back-test settings.

    Returns:
        :class:`WalkForwardResult`; only out-of-sample rows are ever scored.
    """
    config = config or ChurnConfig()
    backtest = backtest or BacktestConfig()
    features = _validate(snapshots, feature_columns)
    label_column = LABEL_COLUMNS[backtest.label]
    timestamps = pd.to_datetime(snapshots[DATE_COLUMN]).dt.normalize()
    frame = snapshots.assign(_ts=timestamps.to_numpy(), _key=snapshots[ID_COLUMN].astype(str))
    frame = frame.sort_values(["_ts", "_key"], kind="mergesort").reset_index(drop=True)
    dates = frame["_ts"]
    x = round_features(_feature_matrix(frame, features), config.feature_decimals)
    y = as_float_array(frame[label_column])
    known = ~np.isnan(y)
    naive_column = features.index(config.decline_feature) if config.decline_feature in features else 0
    closed = pd.Timedelta(days=backtest.label_closed_days)

    score_parts: list[pd.DataFrame] = []
    fit_rows: list[dict[str, object]] = []
    importance_rows: list[dict[str, object]] = []
    notes: list[str] = []
    chosen = backtest_dates(dates, known, backtest)
    if len(chosen) < backtest.n_dates:
        notes.append(
            f"{len(chosen)} back-test dates with closed training labels (asked for {backtest.n_dates})"
        )
    with thread_limit(config.n_threads):
        for i, date in enumerate(chosen):
            train = known & (dates + closed <= date).to_numpy()
            test = known & (dates == date).to_numpy()
            n_train = int(train.sum())
            if n_train < backtest.min_train_rows:
                notes.append(
                    f"{date.date()}: {n_train} closed training rows < {backtest.min_train_rows}, skipped"
                )
                continue
            train_dates = [pd.Timestamp(d) for d in sorted(pd.unique(dates[train]))]
            models = _fit_models(x[train], y[train], naive_column, config)
            for name in MODEL_NAMES:
                model = models[name]
                version = _fit_version(config, features, name, date, train_dates, backtest.label)
                probability = _predict(model, x[test])
                score_parts.append(
                    pd.DataFrame(
                        {
                            "account_id": frame.loc[test, "_key"].to_numpy(),
                            "as_of_date": [date.date()] * int(test.sum()),
                            "model_name": name,
                            "probability": probability,
                            "label": y[test].astype(int),
                            "model_version": version,
                        }
                    )
                )
                fit_rows.append(
                    {
                        "as_of_date": date.date(),
                        "model_name": name,
                        "model_version": version,
                        "n_train": n_train,
                        "n_train_positive": int(y[train].sum()),
                        "train_start_date": train_dates[0].date(),
                        "train_end_date": train_dates[-1].date(),
                        "calibration_method": model.calibration_method,
                        "note": "; ".join(model.notes) or None,
                    }
                )
                if i < len(chosen) - backtest.importance_dates or backtest.permutation_repeats == 0:
                    continue
                means, stds = _permutation_importance(
                    model,
                    x[test],
                    y[test],
                    features,
                    backtest.permutation_repeats,
                    backtest.random_state + i,
                    naive_column if name == "naive_rule" else None,
                )
                importance_rows.extend(
                    {
                        "as_of_date": date.date(),
                        "model_name": name,
                        "model_version": version,
                        "feature": feature,
                        "importance_mean": means[j],
                        "importance_std": stds[j],
                    }
                    for j, feature in enumerate(features)
                )
    score_columns = ["account_id", "as_of_date", "model_name", "probability", "label", "model_version"]
    scores = pd.concat(score_parts, ignore_index=True) if score_parts else pd.DataFrame(columns=score_columns)
    return WalkForwardResult(
        scores=scores,
        fits=pd.DataFrame(fit_rows),
        importance=pd.DataFrame(importance_rows),
        notes=notes,
    )


# --------------------------------------------------------------------------- metrics with intervals


def _resample_indices(strata: np.ndarray, n_bootstrap: int, seed: int) -> list[np.ndarray]:
    """Bootstrap row indices, resampled within each stratum (the same draws for every candidate)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(strata == s) for s in pd.unique(strata)]
    return [np.concatenate([g[rng.integers(0, g.size, g.size)] for g in groups]) for _ in range(n_bootstrap)]


def _interval_rows(
    block: pd.DataFrame, scope: str, draws: list[np.ndarray], config: BacktestConfig, n_bins: int
) -> list[dict[str, object]]:
    rows = []
    tail = (1.0 - config.interval_level) / 2
    for name in COMPLEXITY_ORDER:
        one = block[block["model_name"] == name]
        if one.empty:
            continue
        y = one["label"].to_numpy(dtype=float)
        p = one["probability"].to_numpy(dtype=float)
        row: dict[str, object] = {
            "scope": scope,
            "model_name": name,
            "n_rows": int(y.size),
            "n_positive": int(y.sum()),
            **metric_values(y, p, n_bins),
        }
        boot = {metric: [] for metric in METRICS}
        for index in draws:
            for metric, value in metric_values(y[index], p[index], n_bins).items():
                boot[metric].append(value)
        for metric in METRICS:
            values = np.asarray(boot[metric], dtype=float)
            values = values[~np.isnan(values)]
            low, high = np.quantile(values, [tail, 1.0 - tail]) if values.size else (math.nan, math.nan)
            row[f"{metric}_lower"] = float(low)
            row[f"{metric}_upper"] = float(high)
        row["model_version"] = one["model_version"].iloc[0] if scope != POOLED else None
        rows.append(row)
    return rows


def backtest_metrics(
    scores: pd.DataFrame, config: BacktestConfig | None = None, n_bins: int = 10
) -> pd.DataFrame:
    """Per back-test date (``scope`` = the ISO date) and pooled (``scope`` = ``pooled``), per candidate:
    every metric of :data:`METRICS` with ``<metric>_lower`` / ``<metric>_upper`` bootstrap bounds,
    ``n_rows``, ``n_positive`` and the fit's ``model_version`` (per-date rows)."""
    config = config or BacktestConfig()
    if scores.empty:
        return pd.DataFrame()
    ordered = scores.sort_values(["model_name", "as_of_date", "account_id"], kind="mergesort")
    rows: list[dict[str, object]] = []
    reference = ordered[ordered["model_name"] == ordered["model_name"].iloc[0]]
    pooled_draws = _resample_indices(
        reference["as_of_date"].astype(str).to_numpy(), config.n_bootstrap, config.random_state
    )
    for k, date in enumerate(sorted(ordered["as_of_date"].unique())):
        block = ordered[ordered["as_of_date"] == date]
        n = int((block["model_name"] == block["model_name"].iloc[0]).sum())
        draws = _resample_indices(np.zeros(n), config.n_bootstrap, config.random_state + 1 + k)
        rows.extend(_interval_rows(block, str(date), draws, config, n_bins))
    rows.extend(_interval_rows(ordered, POOLED, pooled_draws, config, n_bins))
    return pd.DataFrame(rows)


def choose_champion(
    metrics: pd.DataFrame, complexity_order: Sequence[str] = COMPLEXITY_ORDER, metric: str = "roc_auc"
) -> dict[str, object]:
    """The champion on the pooled back-test: best ``metric`` unless its interval overlaps a simpler
    candidate's interval, then the best of the overlapping simpler candidates. Returns champion, best,
    reason and the candidates' pooled figures."""
    pooled = metrics[metrics["scope"] == POOLED].set_index("model_name")
    candidates = [
        name for name in complexity_order if name in pooled.index and not math.isnan(pooled.loc[name, metric])
    ]
    if not candidates:
        return {"champion": None, "best": None, "reason": "no candidate has a pooled back-test " + metric}
    best = max(candidates, key=lambda name: (pooled.loc[name, metric], -complexity_order.index(name)))
    low, high = pooled.loc[best, f"{metric}_lower"], pooled.loc[best, f"{metric}_upper"]

    def fmt(name: str) -> str:
        row = pooled.loc[name]
        return f"{name} {row[metric]:.3f} [{row[f'{metric}_lower']:.3f}, {row[f'{metric}_upper']:.3f}]"

    simpler = candidates[: candidates.index(best)]
    overlapping = [
        n
        for n in simpler
        if pooled.loc[n, f"{metric}_upper"] >= low and pooled.loc[n, f"{metric}_lower"] <= high
    ]
    if overlapping:
        # of the simpler candidates indistinguishable from the best, the one with the best figure (ties:
        # the simpler): a near-random naive rule whose wide interval touches the best's never beats a
        # simpler model that is as good as the best
        champion = max(
            overlapping, key=lambda name: (pooled.loc[name, metric], -complexity_order.index(name))
        )
        reason = (
            f"best pooled {metric}: {fmt(best)}; its interval overlaps simpler {fmt(champion)}, "
            f"so the simpler {champion} is champion"
        )
    else:
        champion = best
        reason = f"best pooled {metric}: {fmt(best)}; no simpler candidate's interval overlaps it" + (
            " (" + "; ".join(fmt(n) for n in simpler) + ")" if simpler else ""
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shown = [m for m in METRICS if m in pooled.columns]
        figures = {name: {m: float(pooled.loc[name, m]) for m in shown} for name in candidates}
    return {"champion": champion, "best": best, "reason": reason, "candidates": figures}
