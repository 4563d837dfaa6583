"""Account-level churn and downgrade risk with a time-based holdout.

Entry point: :func:`fit_churn_model` (pure: DataFrame in, :class:`ChurnResult` of DataFrames out).

Input: one row per account per prediction date with ``account_id``, ``as_of_date``, the numeric
``feature_columns`` (NaN allowed; computed upstream from data strictly before ``as_of_date``) and the
boolean labels ``is_churned_in_horizon`` / ``is_downgraded_in_horizon`` (NA when the horizon is not yet
observable). Labels are never features.

Split (no random split across time): a prediction date is *labelled* when any row of it has a known
label. Labelled dates are sorted; the last ``config.test_dates`` of them (default ~25 %, at least 1,
always leaving one for training) are ``test``, earlier ones ``train``; unlabelled dates are ``score``.
Rows whose label is NA are left out of fitting and evaluation of that label only.

Models, per label (``churn``, ``downgrade``), all fit on the train split:
- ``naive_rule``: transparent baseline, the mid-rank of ``config.decline_feature`` in the training
  distribution (a lower usage trend ranks riskier). A rank, not a probability: Brier/ECE are indicative.
- ``logistic_regression``: median imputation, standardisation, L2 logistic regression, unweighted by
  default (``config.logistic_class_weight``) so its probabilities are comparable.
- ``gradient_boosting_calibrated`` (main): HistGradientBoostingClassifier (NaN handled natively) in
  CalibratedClassifierCV; isotonic when the training set has ``isotonic_min_rows`` rows and
  ``isotonic_min_minority`` minority rows, else sigmoid.

Determinism: rows are sorted by (as_of_date, account_id) and every feature is rounded to
``config.feature_decimals`` decimals before anything is fit, so input row order and float noise below
that precision do not change any output; every estimator is seeded (``config.random_state``) and the
calibration folds are unshuffled; results do not depend on ``config.n_threads``.

Scoring: the published probabilities come from ``config.scoring_model`` (the main model by default; the
build sets the walk-forward champion, see :mod:`engagement.ml.backtest`). ``train`` and ``test`` rows are
scored by its train-only fit (test rows are thus never seen by the model that scores them; train scores
are in-sample). ``score`` rows are scored by it refit on train + test when
``config.refit_on_all_labelled`` (default), else by the train-only one.

Drivers (the churn scoring model): for each feature, the change in predicted probability when the row's value
is replaced by the median of the data that model was fit on; the top three by absolute effect, with
direction (``raises_risk`` when the row's own value pushes the probability up). Features with no effect
are not listed (the driver columns are then null). Drivers are computed for the ``test`` and ``score``
rows only (the rows people read); ``train`` rows carry none.

Fallbacks (no crash; recorded in ``metrics.note`` / ``drift.note``):
- a single class in a label's training rows: constant prior model (logistic and main);
- small training sets: hgb_min_samples_leaf capped at a tenth of the rows;
- minority class with < 2 rows: main model left uncalibrated; fewer minority rows than CV folds:
  fewer folds;
- fewer than two labelled dates: no test set, metrics NaN with a note;
- single-class test set: ROC AUC and PR AUC NaN with a note (Brier/ECE still reported);
- no labelled rows at all for a label: its probabilities are NaN (no prior exists) with a note;
- ``decline_feature`` absent: the naive rule uses the first feature;
- constant or all-NaN features are kept (gradient boosting ignores a column with no training value;
  such features never appear as drivers);
- no ``score`` rows: drift compares test against train.
Empty input (zero rows, right columns) returns empty ``scores``/``calibration`` frames, NaN metric rows
and NaN drift rows, all with the documented columns. Missing columns, non-numeric features, labels used
as features, null ids/dates, non-boolean labels or duplicate (account_id, as_of_date) raise ``ValueError``.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from engagement.ml.config import ChurnConfig, round_features, thread_limit
from engagement.ml.metrics import as_float_array, ece, lift_at_top_decile, psi, reliability_bins

ID_COLUMN = "account_id"
DATE_COLUMN = "as_of_date"
LABEL_COLUMNS: dict[str, str] = {"churn": "is_churned_in_horizon", "downgrade": "is_downgraded_in_horizon"}
MODEL_NAMES: tuple[str, ...] = ("naive_rule", "logistic_regression", "gradient_boosting_calibrated")
MAIN_MODEL = "gradient_boosting_calibrated"
N_DRIVERS = 3
_EFFECT_TOLERANCE = 1e-9
_DATE = pd.ArrowDtype(pa.date32())

SCORES_COLUMNS: dict[str, object] = {
    "account_id": "str",
    "as_of_date": None,  # kept as given
    "split": "str",
    "churn_probability": "float64",
    "downgrade_probability": "float64",
    "risk_band": "str",
    **{name: "str" for i in range(1, N_DRIVERS + 1) for name in (f"driver_{i}", f"driver_{i}_direction")},
    "model_version": "str",
}
METRICS_COLUMNS: dict[str, object] = {
    "label": "str",
    "model_name": "str",
    "roc_auc": "float64",
    "pr_auc": "float64",
    "brier": "float64",
    "ece": "float64",
    "lift_top_decile": "float64",
    "n_train": "int64",
    "n_test": "int64",
    "n_test_positive": "int64",
    "train_start_date": _DATE,
    "train_end_date": _DATE,
    "test_start_date": _DATE,
    "test_end_date": _DATE,
    "calibration_method": "str",
    "note": "str",
    "model_version": "str",
}
CALIBRATION_COLUMNS: dict[str, object] = {
    "label": "str",
    "model_name": "str",
    "bin": "int64",
    "bin_lower": "float64",
    "bin_upper": "float64",
    "mean_predicted": "float64",
    "observed_rate": "float64",
    "n": "int64",
}
DRIFT_COLUMNS: dict[str, object] = {
    "feature": "str",
    "psi": "float64",
    "is_alert": "bool",
    "n_train": "int64",
    "n_score": "int64",
    "note": "str",
}


@dataclass(frozen=True)
class ChurnResult:
    """Outputs of :func:`fit_churn_model`; see the module docstring and the ``*_COLUMNS`` schemas."""

    scores: pd.DataFrame
    metrics: pd.DataFrame
    calibration: pd.DataFrame
    drift: pd.DataFrame
    model_version: str
    #: the models that scored the ``score`` rows, to persist and score later rows (engagement.ml.registry)
    scoring: ChurnScoringModel | None = None


@dataclass
class _Fitted:
    """A fitted scorer: ``predict`` maps a float feature matrix to probabilities in [0, 1].

    ``estimator`` is what a later run needs to predict again: an object with ``predict_proba`` (the main
    model, calibrated or not) or a float (a constant prior); ``None`` for scorers that are not persisted.
    """

    predict: Callable[[np.ndarray], np.ndarray]
    calibration_method: str | None = None
    notes: list[str] = field(default_factory=list)
    estimator: object | None = None


@dataclass(frozen=True)
class ChurnScoringModel:
    """The fitted main models that score new snapshots, enough to score them in a later run.

    - ``estimators``: per label (``churn``, ``downgrade``) an object with ``predict_proba`` or a float
      prior; ``None`` when the label had no labelled row (its probabilities are NaN).
    - ``medians``: medians of the rows the churn scoring model was fit on (the drivers' reference).
    - ``window_start`` / ``window_end``: first and last prediction date of those rows.
    """

    features: tuple[str, ...]
    estimators: dict[str, object | None]
    medians: np.ndarray
    window_start: object
    window_end: object
    feature_decimals: int | None
    risk_band_cutoffs: tuple[float, ...]
    risk_band_labels: tuple[str, ...]


def fitted_from_estimator(estimator: object | None) -> _Fitted | None:
    """A scorer from a persisted estimator (see :class:`ChurnScoringModel`)."""
    if estimator is None:
        return None
    if isinstance(estimator, float | int):
        prior = float(estimator)
        return _Fitted(lambda x: np.full(x.shape[0], prior), "constant", [], prior)
    return _Fitted(lambda x: estimator.predict_proba(x)[:, 1], None, [], estimator)  # type: ignore[attr-defined]


def score_snapshots(model: ChurnScoringModel, snapshots: pd.DataFrame) -> pd.DataFrame:
    """Score snapshots with a persisted :class:`ChurnScoringModel` (no refit).

    Same arithmetic as the fit's ``score`` rows (features rounded to the model's decimals, clipped
    probabilities, drivers against the stored medians), so a row scored here equals the fit's score of
    the same row. Returns account_id, as_of_date, churn_probability, downgrade_probability, risk_band and
    the driver columns, sorted by (as_of_date, account_id).
    """
    missing = [name for name in (ID_COLUMN, DATE_COLUMN, *model.features) if name not in snapshots.columns]
    if missing:
        raise ValueError(f"snapshots lack the fitted model's columns {missing}")
    timestamps = pd.to_datetime(snapshots[DATE_COLUMN]).dt.normalize()
    frame = snapshots.assign(_ts=timestamps.to_numpy(), _key=snapshots[ID_COLUMN].astype(str))
    frame = frame.sort_values(["_ts", "_key"], kind="mergesort").reset_index(drop=True)
    x = round_features(_feature_matrix(frame, list(model.features)), model.feature_decimals)
    out = pd.DataFrame({"account_id": frame["_key"], "as_of_date": frame[DATE_COLUMN]})
    for label in LABEL_COLUMNS:
        fitted = fitted_from_estimator(model.estimators.get(label))
        out[f"{label}_probability"] = (
            _predict(fitted, x) if fitted is not None else np.full(len(frame), np.nan)
        )
    cutoffs = np.asarray(model.risk_band_cutoffs)
    labels = np.asarray(model.risk_band_labels, dtype=object)
    probability = out["churn_probability"].to_numpy(dtype=float)
    index = np.searchsorted(cutoffs, np.nan_to_num(probability), side="right")
    out["risk_band"] = np.where(np.isnan(probability), None, labels[index])
    churn = fitted_from_estimator(model.estimators.get("churn"))
    names = np.full((len(frame), N_DRIVERS), None, dtype=object)
    directions = np.full((len(frame), N_DRIVERS), None, dtype=object)
    if churn is not None and len(frame):
        names, directions = _drivers(churn, x, model.medians, model.features)
    for i in range(N_DRIVERS):
        out[f"driver_{i + 1}"] = names[:, i]
        out[f"driver_{i + 1}_direction"] = directions[:, i]
    return out


# --------------------------------------------------------------------------- helpers


def _conform(frame: pd.DataFrame, schema: dict[str, object]) -> pd.DataFrame:
    """Order columns as in ``schema`` and cast those with a dtype (``None`` keeps the dtype)."""
    out = pd.DataFrame(index=frame.index)
    for name, dtype in schema.items():
        column = frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        out[name] = column if dtype is None else column.astype(dtype)
    return out.reset_index(drop=True)


def _join(notes: Sequence[str]) -> str | None:
    unique = list(dict.fromkeys(n for n in notes if n))
    return "; ".join(unique) if unique else None


def _validate(snapshots: pd.DataFrame, feature_columns: Sequence[str]) -> list[str]:
    """Check the caller's contract; return the feature list. Raises ``ValueError`` on violations."""
    if not isinstance(snapshots, pd.DataFrame):
        raise ValueError("snapshots must be a pandas DataFrame")
    features = list(feature_columns)
    if not features:
        raise ValueError("feature_columns is empty")
    if len(set(features)) != len(features):
        raise ValueError("feature_columns contains duplicates")
    reserved = {ID_COLUMN, DATE_COLUMN, *LABEL_COLUMNS.values()}
    leaked = sorted(reserved & set(features))
    if leaked:
        raise ValueError(f"id, date and label columns cannot be features: {leaked}")
    missing = [c for c in [ID_COLUMN, DATE_COLUMN, *LABEL_COLUMNS.values(), *features] if c not in snapshots]
    if missing:
        raise ValueError(f"snapshots is missing columns: {missing}")
    for name in features:
        column = snapshots[name]
        converted = pd.to_numeric(column, errors="coerce") if column.dtype == object else column
        if not (pd.api.types.is_numeric_dtype(converted) or pd.api.types.is_bool_dtype(converted)):
            raise ValueError(f"feature {name!r} is not numeric (dtype {column.dtype})")
        if (pd.isna(converted) & column.notna()).any():
            raise ValueError(f"feature {name!r} has non-numeric values")
    for name in LABEL_COLUMNS.values():
        values = as_float_array(snapshots[name])
        bad = ~np.isnan(values) & ~np.isin(values, (0.0, 1.0))
        if bad.any() or (np.isnan(values) & snapshots[name].notna().to_numpy()).any():
            raise ValueError(f"label {name!r} must be boolean (NA allowed)")
    if snapshots[ID_COLUMN].isna().any():
        raise ValueError("account_id has nulls")
    try:
        dates = pd.to_datetime(snapshots[DATE_COLUMN])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"as_of_date cannot be parsed as dates: {exc}") from exc
    if dates.isna().any():
        raise ValueError("as_of_date has nulls")
    if snapshots.duplicated([ID_COLUMN, DATE_COLUMN]).any():
        raise ValueError("snapshots has duplicate (account_id, as_of_date) rows")
    return features


def _feature_matrix(frame: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    if not len(frame):
        return np.empty((0, len(features)))
    return np.column_stack([as_float_array(frame[name]) for name in features])


def _plan_split(labelled_dates: list[pd.Timestamp], config: ChurnConfig) -> tuple[int, list[str]]:
    """Number of test dates (the latest labelled ones) and notes."""
    n_labelled = len(labelled_dates)
    if n_labelled == 0:
        return 0, ["no labelled prediction dates: nothing to train or test"]
    if n_labelled == 1:
        return 0, ["only one labelled prediction date: no test set"]
    wanted = (
        config.test_dates
        if config.test_dates is not None
        else max(1, round(config.test_fraction * n_labelled))
    )
    if wanted > n_labelled - 1:
        return n_labelled - 1, [
            f"test_dates capped at {n_labelled - 1} to keep one labelled date for training"
        ]
    return wanted, []


def _model_version(
    config: ChurnConfig, features: Sequence[str], train: Sequence[pd.Timestamp], test: Sequence[pd.Timestamp]
) -> str:
    payload = {
        "config": {k: v for k, v in asdict(config).items() if k != "n_threads"},
        "features": list(features),
        "train_dates": [d.date().isoformat() for d in train],
        "test_dates": [d.date().isoformat() for d in test],
        "schema": "churn-v1",
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f"churn-{digest[:12]}"


# --------------------------------------------------------------------------- models


class _NanSafeBoosting(ClassifierMixin, BaseEstimator):
    """HistGradientBoostingClassifier that ignores columns with no observed value in its training data.

    (scikit-learn's binning fails on an all-NaN column, which can also appear inside one CV fold.)
    With no usable column it predicts the training prior.
    """

    def __init__(
        self,
        learning_rate: float = 0.1,
        max_iter: int = 100,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        random_state: int | None = None,
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: np.ndarray) -> _NanSafeBoosting:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        self.columns_ = np.flatnonzero(~np.isnan(x).all(axis=0))
        self.prior_ = float(np.mean(y == self.classes_[-1]))
        self.booster_: HistGradientBoostingClassifier | None = None
        if self.columns_.size and self.classes_.size > 1:
            self.booster_ = HistGradientBoostingClassifier(
                learning_rate=self.learning_rate,
                max_iter=self.max_iter,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                l2_regularization=self.l2_regularization,
                early_stopping=False,
                random_state=self.random_state,
            ).fit(x[:, self.columns_], y)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.booster_ is None:
            positive = np.full(x.shape[0], self.prior_)
            return np.column_stack([1.0 - positive, positive])
        return self.booster_.predict_proba(x[:, self.columns_])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classes_[(self.predict_proba(x)[:, 1] >= 0.5).astype(int)]


def _constant(prior: float, note: str) -> _Fitted:
    return _Fitted(lambda x: np.full(x.shape[0], prior), "constant", [note], float(prior))


def _fit_naive(x_train: np.ndarray, column: int, lower_is_riskier: bool) -> _Fitted:
    reference = np.sort(x_train[:, column][~np.isnan(x_train[:, column])])
    if reference.size == 0:
        return _Fitted(
            lambda x: np.full(x.shape[0], 0.5), None, ["naive rule feature has no training values: 0.5"]
        )

    def predict(x: np.ndarray) -> np.ndarray:
        values = x[:, column]
        below = np.searchsorted(reference, values, side="left")
        at_or_below = np.searchsorted(reference, values, side="right")
        ties = at_or_below - below
        above = reference.size - at_or_below
        rank = (above if lower_is_riskier else below) + 0.5 * ties
        return np.where(np.isnan(values), 0.5, rank / reference.size)

    return _Fitted(predict, None, [])


def _fit_logistic(x_train: np.ndarray, y_train: np.ndarray, config: ChurnConfig) -> _Fitted:
    n_positive = int(y_train.sum())
    if n_positive in (0, y_train.size):
        return _constant(n_positive / y_train.size, "single class in training: constant prior model")
    pipeline = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(
            C=config.logistic_c,
            class_weight=config.logistic_class_weight,
            max_iter=1000,
            random_state=config.random_state,
        ),
    )
    pipeline.fit(x_train, y_train.astype(int))
    return _Fitted(lambda x: pipeline.predict_proba(x)[:, 1], None, [], pipeline)


def _fit_main(x_train: np.ndarray, y_train: np.ndarray, config: ChurnConfig) -> _Fitted:
    n_positive = int(y_train.sum())
    n_rows = y_train.size
    minority = min(n_positive, n_rows - n_positive)
    if minority == 0:
        return _constant(n_positive / n_rows, "single class in training: constant prior model")
    notes: list[str] = []
    # A leaf must be reachable on small training sets: at most a tenth of the rows (never below 2).
    leaf = min(config.hgb_min_samples_leaf, max(2, n_rows // 10))
    if leaf < config.hgb_min_samples_leaf:
        notes.append(f"hgb_min_samples_leaf reduced to {leaf} ({n_rows} training rows)")
    if np.isnan(x_train).all(axis=0).all():
        return _constant(n_positive / n_rows, "no feature has a training value: constant prior model")
    booster = _NanSafeBoosting(
        learning_rate=config.hgb_learning_rate,
        max_iter=config.hgb_max_iter,
        max_leaf_nodes=config.hgb_max_leaf_nodes,
        min_samples_leaf=leaf,
        l2_regularization=config.hgb_l2_regularization,
        random_state=config.random_state,
    )
    labels = y_train.astype(int)
    if minority < 2:
        booster.fit(x_train, labels)
        return _Fitted(
            lambda x: booster.predict_proba(x)[:, 1],
            "none",
            [*notes, "minority class has < 2 training rows: gradient boosting left uncalibrated"],
            booster,
        )
    folds = min(config.calibration_folds, minority)
    if folds < config.calibration_folds:
        notes.append(f"calibration folds reduced to {folds} (minority class has {minority} training rows)")
    if n_rows >= config.isotonic_min_rows and minority >= config.isotonic_min_minority:
        method = "isotonic"
    else:
        method = "sigmoid"
        if n_rows >= config.isotonic_min_rows:
            notes.append(
                f"sigmoid calibration: minority class has < {config.isotonic_min_minority} training rows"
            )
    calibrated = CalibratedClassifierCV(booster, method=method, cv=folds, ensemble=True)
    calibrated.fit(x_train, labels)
    return _Fitted(lambda x: calibrated.predict_proba(x)[:, 1], method, notes, calibrated)


def _fit_models(
    x_train: np.ndarray, y_train: np.ndarray, naive_column: int, config: ChurnConfig
) -> dict[str, _Fitted]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "naive_rule": _fit_naive(x_train, naive_column, config.decline_lower_is_riskier),
            "logistic_regression": _fit_logistic(x_train, y_train, config),
            MAIN_MODEL: _fit_main(x_train, y_train, config),
        }


_SCORING_FITTERS: dict[str, Callable[[np.ndarray, np.ndarray, ChurnConfig], _Fitted]] = {
    MAIN_MODEL: _fit_main,
    "logistic_regression": _fit_logistic,
}


def _predict(model: _Fitted, x: np.ndarray) -> np.ndarray:
    if x.shape[0] == 0:
        return np.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.clip(np.asarray(model.predict(x), dtype=float), 0.0, 1.0)


def _drivers(
    model: _Fitted, x: np.ndarray, medians: np.ndarray, features: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Top drivers per row: names and directions, ``(n_rows, N_DRIVERS)`` object arrays (None = no driver)."""
    n_rows, n_features = x.shape
    names = np.full((n_rows, N_DRIVERS), None, dtype=object)
    directions = np.full((n_rows, N_DRIVERS), None, dtype=object)
    if n_rows == 0:
        return names, directions
    base = _predict(model, x)
    effects = np.zeros((n_rows, n_features))
    work = x.copy()
    for j in range(n_features):
        work[:, j] = medians[j]
        effects[:, j] = base - _predict(model, work)
        work[:, j] = x[:, j]
    order = np.argsort(-np.abs(effects), axis=1, kind="stable")[:, :N_DRIVERS]
    top = np.take_along_axis(effects, order, axis=1)
    feature_names = np.asarray(list(features), dtype=object)
    keep = np.abs(top) > _EFFECT_TOLERANCE
    width = order.shape[1]
    names[:, :width] = np.where(keep, feature_names[order], None)
    directions[:, :width] = np.where(keep, np.where(top > 0, "raises_risk", "lowers_risk"), None)
    return names, directions


def _medians(x: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(x, axis=0) if x.shape[0] else np.full(x.shape[1], np.nan)


def _risk_band(probability: np.ndarray, config: ChurnConfig) -> np.ndarray:
    labels = np.asarray(config.risk_band_labels, dtype=object)
    index = np.searchsorted(np.asarray(config.risk_band_cutoffs), np.nan_to_num(probability), side="right")
    return np.where(np.isnan(probability), None, labels[index])


# --------------------------------------------------------------------------- evaluation


def _date_range(values: pd.Series) -> tuple[object, object]:
    """First and last date of ``values`` as ``datetime.date``, or ``(None, None)`` when empty."""
    if not len(values):
        return None, None
    return values.min().date(), values.max().date()


def _evaluate(
    label: str,
    name: str,
    model: _Fitted | None,
    x_test: np.ndarray,
    y_test: np.ndarray,
    base: dict[str, object],
    extra_notes: list[str],
    n_bins: int,
) -> tuple[dict[str, object], pd.DataFrame | None]:
    """One metrics row (and the reliability table, when there is a test set) for one label and model."""
    row: dict[str, object] = {
        **base,
        "label": label,
        "model_name": name,
        "roc_auc": math.nan,
        "pr_auc": math.nan,
        "brier": math.nan,
        "ece": math.nan,
        "lift_top_decile": math.nan,
        "calibration_method": model.calibration_method if (model and name == MAIN_MODEL) else None,
    }
    notes = list(extra_notes) + (model.notes if model else [])
    if name == "naive_rule":
        notes.append("rank score, not a calibrated probability: brier/ece indicative only")
    table = None
    if model is None:
        notes.append("no labelled training rows")
    elif y_test.size == 0:
        notes.append("no test rows: metrics not computed")
    else:
        probability = _predict(model, x_test)
        row["brier"] = float(np.mean((probability - y_test) ** 2))
        row["ece"] = ece(y_test, probability, n_bins)
        row["lift_top_decile"] = lift_at_top_decile(y_test, probability)
        if np.unique(y_test).size < 2:
            notes.append("test set has a single class: roc_auc and pr_auc undefined")
        else:
            row["roc_auc"] = float(roc_auc_score(y_test, probability))
            row["pr_auc"] = float(average_precision_score(y_test, probability))
        table = reliability_bins(y_test, probability, n_bins)
        table.insert(0, "model_name", name)
        table.insert(0, "label", label)
    row["note"] = _join(notes)
    return row, table


# --------------------------------------------------------------------------- main entry point


def fit_churn_model(
    snapshots: pd.DataFrame, feature_columns: Sequence[str], config: ChurnConfig | None = None
) -> ChurnResult:
    """Fit churn and downgrade risk models on a time-based holdout and score every snapshot.

    Args:
        snapshots: one row per account per prediction date (see the module docstring).
        feature_columns: numeric feature columns, in a fixed order (it enters ``model_version``).
        config: governed settings; defaults to :class:`ChurnConfig`.

    Returns:
        :class:`ChurnResult` with ``scores`` (every snapshot, sorted by as_of_date, account_id),
        ``metrics`` (label x model), ``calibration`` (test-set reliability bins), ``drift`` (PSI per
        feature) and ``model_version``.

    Raises:
        ValueError: when the input breaks the contract (see the module docstring).
    """
    config = config or ChurnConfig()
    features = _validate(snapshots, feature_columns)
    with thread_limit(config.n_threads):
        return _fit_churn(snapshots, features, config)


def _fit_churn(snapshots: pd.DataFrame, features: list[str], config: ChurnConfig) -> ChurnResult:
    """Body of :func:`fit_churn_model` on validated input."""
    timestamps = pd.to_datetime(snapshots[DATE_COLUMN]).dt.normalize()
    frame = snapshots.assign(_ts=timestamps.to_numpy(), _key=snapshots[ID_COLUMN].astype(str))
    frame = frame.sort_values(["_ts", "_key"], kind="mergesort").reset_index(drop=True)
    dates = frame["_ts"]
    # rows in a canonical order (above) and features at a fixed precision: same inputs, same fit
    x = round_features(_feature_matrix(frame, features), config.feature_decimals)
    labels = {label: as_float_array(frame[column]) for label, column in LABEL_COLUMNS.items()}

    known_any = np.zeros(len(frame), dtype=bool)
    for values in labels.values():
        known_any |= ~np.isnan(values)
    labelled_dates = list(pd.DatetimeIndex(dates[known_any]).unique().sort_values())
    n_test_dates, split_notes = _plan_split(labelled_dates, config)
    train_dates = labelled_dates[: len(labelled_dates) - n_test_dates]
    test_dates = labelled_dates[len(labelled_dates) - n_test_dates :]
    split = np.where(dates.isin(train_dates), "train", np.where(dates.isin(test_dates), "test", "score"))
    version = _model_version(config, features, train_dates, test_dates)

    naive_column = features.index(config.decline_feature) if config.decline_feature in features else 0
    naive_notes = (
        []
        if config.decline_feature in features
        else [f"decline feature {config.decline_feature!r} absent: naive rule uses {features[0]!r}"]
    )

    probabilities: dict[str, np.ndarray] = {}
    metric_rows: list[dict[str, object]] = []
    tables: list[pd.DataFrame] = []
    driver_names = np.full((len(frame), N_DRIVERS), None, dtype=object)
    driver_directions = np.full((len(frame), N_DRIVERS), None, dtype=object)
    labelled_rows = np.isin(split, ("train", "test"))
    scored_by_refit = config.refit_on_all_labelled and n_test_dates > 0
    scoring_estimators: dict[str, object | None] = {}
    scoring_window: tuple[object, object] = (None, None)
    scoring_medians = np.full(len(features), np.nan)

    for label, y in labels.items():
        train = (split == "train") & ~np.isnan(y)
        test = (split == "test") & ~np.isnan(y)
        models = _fit_models(x[train], y[train], naive_column, config) if train.any() else {}
        train_start, train_end = _date_range(dates[train])
        test_start, test_end = _date_range(dates[test])
        base = {
            "n_train": int(train.sum()),
            "n_test": int(test.sum()),
            "n_test_positive": int(y[test].sum()),
            "train_start_date": train_start,
            "train_end_date": train_end,
            "test_start_date": test_start,
            "test_end_date": test_end,
            "model_version": version,
        }
        for name in MODEL_NAMES:
            notes = split_notes + (naive_notes if name == "naive_rule" else [])
            row, table = _evaluate(
                label, name, models.get(name), x[test], y[test], base, notes, config.calibration_bins
            )
            metric_rows.append(row)
            if table is not None:
                tables.append(table)

        # The scoring model's probabilities for every row (config.scoring_model, the champion).
        probability = np.full(len(frame), np.nan)
        main = models.get(config.scoring_model)
        score_rows = split == "score"
        score_model, score_fit_rows = main, train
        all_known = labelled_rows & ~np.isnan(y)
        if scored_by_refit and score_rows.any() and all_known.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score_model = _SCORING_FITTERS[config.scoring_model](x[all_known], y[all_known], config)
            score_fit_rows = all_known
        if main is not None:
            probability[labelled_rows] = _predict(main, x[labelled_rows])
        if score_model is not None:
            probability[score_rows] = _predict(score_model, x[score_rows])
        probabilities[label] = probability
        scoring_estimators[label] = score_model.estimator if score_model is not None else None

        if label == "churn":
            scoring_medians = _medians(x[score_fit_rows])
            scoring_window = _date_range(dates[score_fit_rows])
            # Drivers explain the rows people read: the held-out back-test and the current scores.
            # Training rows carry none (they were most of the driver cost: a prediction per feature).
            for rows, model, fit_rows in (
                (split == "test", main, train),
                (score_rows, score_model, score_fit_rows),
            ):
                if model is not None and rows.any():
                    names, directions = _drivers(model, x[rows], _medians(x[fit_rows]), features)
                    driver_names[rows] = names
                    driver_directions[rows] = directions

    scores = pd.DataFrame(
        {
            "account_id": frame[ID_COLUMN].astype(str),
            "as_of_date": frame[DATE_COLUMN],
            "split": split,
            "churn_probability": probabilities["churn"],
            "downgrade_probability": probabilities["downgrade"],
            "risk_band": _risk_band(probabilities["churn"], config),
            "model_version": version,
        }
    )
    for i in range(N_DRIVERS):
        scores[f"driver_{i + 1}"] = driver_names[:, i]
        scores[f"driver_{i + 1}_direction"] = driver_directions[:, i]

    drift = _drift(x, split, features, config)
    calibration = (
        pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=list(CALIBRATION_COLUMNS))
    )
    return ChurnResult(
        scores=_conform(scores, SCORES_COLUMNS),
        metrics=_conform(pd.DataFrame(metric_rows, columns=list(METRICS_COLUMNS)), METRICS_COLUMNS),
        calibration=_conform(calibration, CALIBRATION_COLUMNS),
        drift=_conform(drift, DRIFT_COLUMNS),
        model_version=version,
        scoring=ChurnScoringModel(
            features=tuple(features),
            estimators=scoring_estimators,
            medians=scoring_medians,
            window_start=scoring_window[0],
            window_end=scoring_window[1],
            feature_decimals=config.feature_decimals,
            risk_band_cutoffs=tuple(config.risk_band_cutoffs),
            risk_band_labels=tuple(config.risk_band_labels),
        ),
    )


def _drift(x: np.ndarray, split: np.ndarray, features: Sequence[str], config: ChurnConfig) -> pd.DataFrame:
    """PSI of each feature: rows the scoring model was fit on (reference) against the ``score`` rows.

    Reference is train + test when the score rows are scored by the refit model, else train. Without
    ``score`` rows, test is compared against train (noted); with no comparison data, PSI is NaN.
    """
    note = None
    has_test = bool((split == "test").any())
    comparison = split == "score"
    if config.refit_on_all_labelled and has_test:
        reference = np.isin(split, ("train", "test"))
    else:
        reference = split == "train"
    if not comparison.any():
        if has_test:
            comparison, reference = split == "test", split == "train"
            note = "no score rows: test compared against train"
        else:
            note = "no score rows and no test rows: psi not computed"
    if not reference.any() and note is None:
        note = "no reference (training) rows: psi not computed"
    rows = []
    for j, name in enumerate(features):
        value = psi(x[reference, j], x[comparison, j], config.psi_bins)
        rows.append(
            {
                "feature": name,
                "psi": value,
                "is_alert": bool(np.isfinite(value) and value > config.psi_alert_threshold),
                "n_train": int(reference.sum()),
                "n_score": int(comparison.sum()),
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
