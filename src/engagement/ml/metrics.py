"""Shared, dependency-light metric helpers: calibration (reliability bins, ECE), lift and PSI.

Conventions (all functions):
- inputs are array-likes of equal length (else ``ValueError``); pairs where the label or the score is
  NaN are dropped before computing;
- an undefined value (empty input, no positives ...) is returned as ``nan``, never raised.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

ArrayLike = npt.ArrayLike

RELIABILITY_COLUMNS: tuple[str, ...] = (
    "bin",
    "bin_lower",
    "bin_upper",
    "mean_predicted",
    "observed_rate",
    "n",
)


def as_float_array(values: ArrayLike) -> np.ndarray:
    """Flatten to a float array: booleans become 0/1, missing (None, NA, NaN) or non-numeric become NaN."""
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(float).ravel()
    series = pd.Series(arr.astype(object).ravel())
    return np.asarray(pd.to_numeric(series, errors="coerce"), dtype=float)


def _paired(y_true: ArrayLike, y_score: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return float arrays with NaN pairs removed; ``ValueError`` on a length mismatch."""
    y = as_float_array(y_true)
    s = as_float_array(y_score)
    if y.shape != s.shape:
        raise ValueError(f"y_true and y_score differ in length ({y.size} vs {s.size})")
    keep = ~(np.isnan(y) | np.isnan(s))
    return y[keep], s[keep]


def _bin_index(prob: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bin of each probability on [0, 1]; 1.0 falls in the last bin."""
    return np.minimum(np.floor(prob * n_bins).astype(int), n_bins - 1)


def reliability_bins(y_true: ArrayLike, y_prob: ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """Reliability table over ``n_bins`` equal-width probability bins on [0, 1].

    Every bin is returned (empty ones with ``n = 0`` and NaN means), so ``n`` sums to the number of
    non-NaN pairs. Columns: ``bin`` (0-based), ``bin_lower``, ``bin_upper``, ``mean_predicted``,
    ``observed_rate``, ``n``. Probabilities outside [0, 1] raise ``ValueError``.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    y, p = _paired(y_true, y_prob)
    if p.size and (p.min() < 0.0 or p.max() > 1.0):
        raise ValueError("y_prob must lie in [0, 1]")
    idx = _bin_index(p, n_bins)
    n = np.bincount(idx, minlength=n_bins)
    sum_p = np.bincount(idx, weights=p, minlength=n_bins)
    sum_y = np.bincount(idx, weights=y, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.where(n > 0, sum_p / np.maximum(n, 1), np.nan)
        rate = np.where(n > 0, sum_y / np.maximum(n, 1), np.nan)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return pd.DataFrame(
        {
            "bin": np.arange(n_bins, dtype="int64"),
            "bin_lower": edges[:-1],
            "bin_upper": edges[1:],
            "mean_predicted": mean_p,
            "observed_rate": rate,
            "n": n.astype("int64"),
        }
    )


def ece(y_true: ArrayLike, y_prob: ArrayLike, n_bins: int = 10) -> float:
    """Expected calibration error: ``sum_b n_b / N * |mean_predicted_b - observed_rate_b|``.

    Equal-width bins on [0, 1]; NaN on empty input.
    """
    table = reliability_bins(y_true, y_prob, n_bins)
    total = int(table["n"].sum())
    if total == 0:
        return math.nan
    filled = table[table["n"] > 0]
    gap = (filled["mean_predicted"] - filled["observed_rate"]).abs()
    return float((filled["n"] / total * gap).sum())


def lift_at_top_decile(y_true: ArrayLike, y_score: ArrayLike, fraction: float = 0.1) -> float:
    """Positive rate among the top ``fraction`` of rows by score, divided by the overall positive rate.

    The top set has ``max(1, ceil(fraction * N))`` rows; ties at the cut are broken by input order
    (stable sort), so the value is deterministic. NaN on empty input or when there is no positive.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError("fraction must be in (0, 1]")
    y, s = _paired(y_true, y_score)
    if y.size == 0:
        return math.nan
    base = float(y.mean())
    if base == 0.0:
        return math.nan
    n_top = max(1, math.ceil(fraction * y.size))
    order = np.argsort(-s, kind="stable")
    return float(y[order[:n_top]].mean() / base)


def psi(expected: ArrayLike, actual: ArrayLike, n_bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of ``actual`` against the reference ``expected``.

    Bins: the distinct interior quantiles ``q(1/n_bins) ... q((n_bins-1)/n_bins)`` of the non-NaN
    reference values, with open outer bins; a value equal to an edge falls in the upper bin. When either
    side has missing values, NaN forms one extra bin (so a change in the missing rate counts as drift).
    Shares are floored at ``eps`` (epsilon smoothing) before ``sum((a - e) * ln(a / e))``.
    NaN when either side is empty.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    e = as_float_array(expected)
    a = as_float_array(actual)
    if e.size == 0 or a.size == 0:
        return math.nan
    e_ok = e[~np.isnan(e)]
    edges = (
        np.unique(np.quantile(e_ok, np.linspace(0.0, 1.0, n_bins + 1))[1:-1]) if e_ok.size else np.array([])
    )
    n_value_bins = edges.size + 1
    with_nan = bool(np.isnan(e).any() or np.isnan(a).any())

    def shares(x: np.ndarray) -> np.ndarray:
        ok = ~np.isnan(x)
        counts = np.bincount(np.searchsorted(edges, x[ok], side="right"), minlength=n_value_bins).astype(
            float
        )
        if with_nan:
            counts = np.append(counts, float((~ok).sum()))
        return counts / x.size

    pe = np.maximum(shares(e), eps)
    pa = np.maximum(shares(a), eps)
    return float(np.sum((pa - pe) * np.log(pa / pe)))
