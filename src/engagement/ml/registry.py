"""Persisted ML fits: the model registry's rows, their safe serialisation and scoring with them.

The weekly cadence fits (python_models/churn, python_models/clustering) and each fit adds one ``fit`` row
to its stacked outputs; the incremental model ``ml_model_registry`` keeps every such row across runs. The
daily cadence (python_models/scoring) loads the latest *succeeded* fit of each model and scores the
current snapshots / assigns the current week's users with it, without refitting.

A registry row (:data:`FIT_COLUMNS`): model name, model version, ``fitted_at`` (the build's as-of date,
never the wall clock, so a rerun writes the same row), status (``succeeded`` / ``failed``), error message,
training window, feature list (JSON), config hash, artifact format and artifact.

Artifacts are never pickles:

- churn: the scoring estimators serialised with ``skops.io`` (base64 text) and loaded with an explicit
  list of trusted types (:data:`CHURN_TRUSTED_TYPES`); anything else in the file refuses to load. skops
  names its array files after object ids and stamps zip times, so :func:`canonical_skops` renumbers the
  ids in order of appearance and rewrites the zip with fixed times: the same fit gives the same bytes.
  The rest (features, medians, window, bands) is JSON.
- clustering: the :class:`~engagement.ml.clustering.ClusterModel` as JSON (arrays as lists).

A fit that raises is caught by the Python model, which returns only a ``failed`` fit row with the error
(:func:`failed_fit_frame`); the scorers then keep the previous succeeded fit, or score nothing with
status ``no_fit`` when there is none.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from engagement.ml.churn import ChurnScoringModel
from engagement.ml.clustering import ClusterModel

#: model names in the registry
CHURN_MODEL = "churn"
CLUSTER_MODEL = "clustering"

STATUS_SUCCEEDED = "succeeded"
STATUS_FAILED = "failed"
#: status of score rows when no succeeded fit is registered
STATUS_NO_FIT = "no_fit"
STATUS_SCORED = "scored"

FIT_COLUMNS: tuple[str, ...] = (
    "model_name",
    "model_version",
    "fitted_at",
    "status",
    "error_message",
    "training_window_start",
    "training_window_end",
    "feature_list",
    "config_hash",
    "artifact_format",
    "artifact",
)

#: the only types a churn artifact may hold beyond skops' defaults (checked before loading)
CHURN_TRUSTED_TYPES: tuple[str, ...] = (
    "engagement.ml.churn._NanSafeBoosting",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.Interval",
    # the logistic regression champion (engagement.ml.config.SCORING_MODELS)
    "numpy.dtype",
)

#: a test hook (var ``ml_force_fit_failure``): models named in it raise this inside their fit
FORCED_FAILURE_MESSAGE = "fit forced to fail by var ml_force_fit_failure (test hook)"

_ID_PATTERN = re.compile(r'"__id__": (\d+)|"(\d+)\.npy"')
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ForcedFitFailure(RuntimeError):
    """Raised inside a fit named in var ``ml_force_fit_failure`` (exercises the real failure path)."""


def check_forced_failure(model_name: str, forced: object) -> None:
    """Raise :class:`ForcedFitFailure` when ``model_name`` is listed in ``forced`` (a list or text)."""
    if forced is None:
        return
    items = forced if isinstance(forced, list | tuple) else re.split(r"[\s,]+", str(forced))
    names = {str(item).strip().strip("[]'\"") for item in items}
    if model_name in names:
        raise ForcedFitFailure(FORCED_FAILURE_MESSAGE)


def config_hash(settings: Mapping[str, object]) -> str:
    """Short stable hash of a fit's settings (the governed config)."""
    text = json.dumps({str(k): settings[k] for k in sorted(settings)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _as_date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def fit_frame(
    model_name: str,
    model_version: str | None,
    fitted_at: object,
    window: tuple[object, object],
    features: Sequence[str],
    settings: Mapping[str, object],
    artifact_format: str,
    artifact: str,
) -> pd.DataFrame:
    """One succeeded registry row (columns :data:`FIT_COLUMNS`)."""
    return pd.DataFrame(
        [
            {
                "model_name": model_name,
                "model_version": model_version,
                "fitted_at": _as_date(fitted_at),
                "status": STATUS_SUCCEEDED,
                "error_message": None,
                "training_window_start": _as_date(window[0]),
                "training_window_end": _as_date(window[1]),
                "feature_list": json.dumps(list(features)),
                "config_hash": config_hash(settings),
                "artifact_format": artifact_format,
                "artifact": artifact,
            }
        ],
        columns=list(FIT_COLUMNS),
    )


def failed_fit_frame(
    model_name: str,
    fitted_at: object,
    features: Sequence[str],
    settings: Mapping[str, object],
    error: BaseException,
) -> pd.DataFrame:
    """One failed registry row: the error's type and message, no version and no artifact."""
    message = f"{type(error).__name__}: {error}"
    return pd.DataFrame(
        [
            {
                "model_name": model_name,
                "model_version": None,
                "fitted_at": _as_date(fitted_at),
                "status": STATUS_FAILED,
                "error_message": message[:2000],
                "training_window_start": None,
                "training_window_end": None,
                "feature_list": json.dumps(list(features)),
                "config_hash": config_hash(settings),
                "artifact_format": None,
                "artifact": None,
            }
        ],
        columns=list(FIT_COLUMNS),
    )


def latest_succeeded(registry: pd.DataFrame | None, model_name: str) -> pd.Series | None:
    """The registry row of ``model_name``'s latest succeeded fit (latest fitted_at), or ``None``."""
    if registry is None or not len(registry):
        return None
    rows = registry[(registry["model_name"] == model_name) & (registry["status"] == STATUS_SUCCEEDED)]
    rows = rows[rows["artifact"].notna()]
    if not len(rows):
        return None
    rows = rows.assign(_at=pd.to_datetime(rows["fitted_at"])).sort_values(
        ["_at", "model_version"], kind="mergesort"
    )
    return rows.iloc[-1]


# --------------------------------------------------------------------------- skops, canonical bytes


def canonical_skops(data: bytes) -> bytes:
    """``data`` (a skops file) with object ids renumbered in order of appearance and fixed zip times."""
    source = zipfile.ZipFile(io.BytesIO(data))
    schema = source.read("schema.json").decode()
    numbering: dict[str, str] = {}
    for match in _ID_PATTERN.finditer(schema):
        found = match.group(1) or match.group(2)
        numbering.setdefault(found, str(len(numbering) + 1))

    def renumber(match: re.Match[str]) -> str:
        if match.group(1):
            return f'"__id__": {numbering[match.group(1)]}'
        return f'"{numbering[match.group(2)]}.npy"'

    entries: dict[str, bytes] = {"schema.json": _ID_PATTERN.sub(renumber, schema).encode()}
    for name in source.namelist():
        if name == "schema.json":
            continue
        stem = name[: -len(".npy")] if name.endswith(".npy") else None
        target = f"{numbering[stem]}.npy" if stem in numbering else name
        entries[target] = source.read(name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target_zip:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target_zip.writestr(info, entries[name])
    return out.getvalue()


def dump_churn_model(model: ChurnScoringModel) -> str:
    """A churn scoring model as text: JSON with the estimators as base64 skops bytes."""
    import skops.io as sio

    estimators = {
        label: est for label, est in model.estimators.items() if est is not None and not _is_prior(est)
    }
    priors = {label: float(est) for label, est in model.estimators.items() if _is_prior(est)}
    blob = canonical_skops(sio.dumps(estimators)) if estimators else b""
    payload = {
        "format": "churn-skops-v1",
        "features": list(model.features),
        "estimators_skops_b64": base64.b64encode(blob).decode(),
        "estimator_labels": sorted(estimators),
        "priors": priors,
        "missing": sorted(label for label, est in model.estimators.items() if est is None),
        "medians": [None if np.isnan(v) else float(v) for v in np.asarray(model.medians, dtype=float)],
        "window_start": None if model.window_start is None else str(model.window_start),
        "window_end": None if model.window_end is None else str(model.window_end),
        "feature_decimals": model.feature_decimals,
        "risk_band_cutoffs": list(model.risk_band_cutoffs),
        "risk_band_labels": list(model.risk_band_labels),
    }
    return json.dumps(payload, sort_keys=True)


def _is_prior(estimator: object) -> bool:
    return isinstance(estimator, float | int) and not isinstance(estimator, bool)


def load_churn_model(text: str) -> ChurnScoringModel:
    """The inverse of :func:`dump_churn_model`; refuses a file holding a type outside the trusted list."""
    import skops.io as sio

    payload = json.loads(text)
    if payload.get("format") != "churn-skops-v1":
        raise ValueError(f"unknown churn artifact format {payload.get('format')!r}")
    estimators: dict[str, object | None] = {label: None for label in payload["missing"]}
    estimators.update({label: float(prior) for label, prior in payload["priors"].items()})
    blob = base64.b64decode(payload["estimators_skops_b64"])
    if blob:
        untrusted = sorted(set(sio.get_untrusted_types(data=blob)) - set(CHURN_TRUSTED_TYPES))
        if untrusted:
            raise ValueError(f"churn artifact holds types outside the trusted list: {untrusted}")
        loaded = sio.loads(blob, trusted=list(CHURN_TRUSTED_TYPES))
        estimators.update(loaded)
    return ChurnScoringModel(
        features=tuple(payload["features"]),
        estimators=estimators,
        medians=np.asarray([np.nan if v is None else v for v in payload["medians"]], dtype=float),
        window_start=_as_date(payload["window_start"]),
        window_end=_as_date(payload["window_end"]),
        feature_decimals=payload["feature_decimals"],
        risk_band_cutoffs=tuple(payload["risk_band_cutoffs"]),
        risk_band_labels=tuple(payload["risk_band_labels"]),
    )


# --------------------------------------------------------------------------- clustering, JSON


def _floats(values: np.ndarray) -> list[object]:
    return [None if np.isnan(v) else float(v) for v in np.asarray(values, dtype=float).ravel()]


def dump_cluster_model(model: ClusterModel) -> str:
    """A :class:`ClusterModel` as JSON (floats round-trip exactly through ``repr``)."""
    centers = np.asarray(model.centers, dtype=float)
    payload = {
        "format": "clusters-json-v1",
        "feature_columns": list(model.feature_columns),
        "kept": list(model.kept),
        "medians": _floats(model.medians),
        "mean": _floats(model.mean),
        "std": _floats(model.std),
        "centers": [_floats(row) for row in centers],
        "centers_shape": list(centers.shape),
        "cluster_ids": [int(v) for v in np.asarray(model.cluster_ids)],
        "cluster_names": list(model.cluster_names),
        "feature_decimals": model.feature_decimals,
    }
    return json.dumps(payload, sort_keys=True)


def _array(values: list[object]) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def load_cluster_model(text: str) -> ClusterModel:
    """The inverse of :func:`dump_cluster_model`."""
    payload = json.loads(text)
    if payload.get("format") != "clusters-json-v1":
        raise ValueError(f"unknown cluster artifact format {payload.get('format')!r}")
    shape = tuple(payload["centers_shape"])
    centers = (
        np.asarray([_array(row) for row in payload["centers"]], dtype=float).reshape(shape)
        if payload["centers"]
        else np.zeros(shape)
    )
    return ClusterModel(
        feature_columns=tuple(payload["feature_columns"]),
        kept=tuple(payload["kept"]),
        medians=_array(payload["medians"]),
        mean=_array(payload["mean"]),
        std=_array(payload["std"]),
        centers=centers,
        cluster_ids=np.asarray(payload["cluster_ids"], dtype=np.int64),
        cluster_names=tuple(payload["cluster_names"]),
        feature_decimals=payload["feature_decimals"],
    )
