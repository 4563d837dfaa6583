"""Leakage check of the churn snapshots: a snapshot must not change when data after it changes.

Build the snapshots twice: on a raw data set and on a copy whose data dated on or after a date D is
shifted (:func:`shift_raw_after`: removed, except the latest-received event so both builds keep the same
as-of date and prediction dates). Features of every snapshot dated on or before D, and labels of those
dated on or before D - horizon, must be identical in both builds; a difference means a feature (or
label) reads data from after its prediction date. :func:`compare_snapshots` lists the differing cells;
``tests/python/test_ml_leakage.py`` runs the two builds.

"Dated" is the data's own time (event, effective, created, submitted), not its arrival: an event that
happened before D but arrives after D (a late arrival) legitimately belongs to the weeks before D.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

KEY: tuple[str, str] = ("account_id", "as_of_date")
DIFF_COLUMNS: tuple[str, ...] = ("account_id", "as_of_date", "column", "reference_value", "candidate_value")


def _same(left: object, right: object, tolerance: float) -> bool:
    left_missing = left is None or left is pd.NA or (isinstance(left, float) and math.isnan(left))
    right_missing = right is None or right is pd.NA or (isinstance(right, float) and math.isnan(right))
    if left_missing or right_missing:
        return left_missing and right_missing
    if isinstance(left, bool | np.bool_) or isinstance(right, bool | np.bool_):
        return bool(left) == bool(right)
    if isinstance(left, int | float | np.number) and isinstance(right, int | float | np.number):
        return abs(float(left) - float(right)) <= tolerance * max(1.0, abs(float(left)), abs(float(right)))
    return left == right


def compare_snapshots(
    reference: pd.DataFrame,
    candidate: pd.DataFrame,
    up_to_date: dt.date | str | pd.Timestamp,
    columns: Sequence[str] | None = None,
    tolerance: float = 1e-9,
) -> pd.DataFrame:
    """Cells that differ between two builds' snapshots dated on or before ``up_to_date``.

    Args:
        reference: snapshots of one build (e.g. ``as_of_date`` = D), keyed by account_id, as_of_date.
        candidate: snapshots of the other build (e.g. the full data).
        up_to_date: only snapshots dated on or before this date are compared (e.g. D - horizon).
        columns: columns to compare; default every column the two frames share, keys excepted.
        tolerance: relative tolerance for numbers (floating-point sums may differ in the last digits).

    Returns:
        One row per differing cell (:data:`DIFF_COLUMNS`); a snapshot present in only one build is one
        row with ``column`` = ``<row>`` and the missing side null. Empty when the builds agree.
    """
    for name, frame in (("reference", reference), ("candidate", candidate)):
        missing = [key for key in KEY if key not in frame.columns]
        if missing:
            raise ValueError(f"{name} is missing key columns {missing}")
    cutoff = pd.Timestamp(up_to_date).normalize()
    shared = [c for c in reference.columns if c in candidate.columns and c not in KEY]
    compared = list(columns) if columns is not None else shared
    unknown = [c for c in compared if c not in shared]
    if unknown:
        raise ValueError(f"columns not in both frames: {unknown}")

    def prepare(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.assign(
            account_id=frame["account_id"].astype(str),
            as_of_date=pd.to_datetime(frame["as_of_date"]).dt.normalize(),
        )
        out = out[out["as_of_date"] <= cutoff]
        if out.duplicated(list(KEY)).any():
            raise ValueError("snapshots have duplicate (account_id, as_of_date)")
        return out.set_index(list(KEY))[compared]

    left, right = prepare(reference), prepare(candidate)
    rows: list[dict[str, object]] = []
    for key in left.index.symmetric_difference(right.index):
        in_left = key in left.index
        rows.append(
            {
                "account_id": key[0],
                "as_of_date": key[1].date(),
                "column": "<row>",
                "reference_value": "present" if in_left else None,
                "candidate_value": None if in_left else "present",
            }
        )
    common = left.index.intersection(right.index).sort_values()
    left, right = left.loc[common], right.loc[common]
    for column in compared:
        for key, a, b in zip(common, left[column].tolist(), right[column].tolist(), strict=True):
            if not _same(a, b, tolerance):
                rows.append(
                    {
                        "account_id": key[0],
                        "as_of_date": key[1].date(),
                        "column": column,
                        "reference_value": a,
                        "candidate_value": b,
                    }
                )
    return pd.DataFrame(rows, columns=list(DIFF_COLUMNS))


#: Per raw table (``<source>/<table>``): the column that dates a row. Rows dated on or after the cut-off
#: are removed by :func:`shift_raw_after`; tables not listed are copied unchanged (reference data).
DATED_COLUMNS: dict[str, str] = {
    "app/experiment_assignments": "assigned_at",
    "billing/subscription_changes": "effective_at",
    "billing/invoices": "created_at",
    "support/tickets": "created_at",
    "support/nps_responses": "submitted_at",
}


def _source(raw_root: Path, table: str) -> str:
    folder = raw_root / table
    if folder.is_dir():
        return f"read_parquet('{folder.as_posix()}/**/*.parquet', union_by_name = true)"
    return f"read_parquet('{(raw_root / f'{table}.parquet').as_posix()}')"


def shift_raw_after(raw_root: Path, out_root: Path, cutoff: dt.date | str) -> dict[str, int]:
    """Copy a raw data set (the raw data contract's layout), removing the rows dated on or after ``cutoff``.

    Events are removed when both their ``occurred_at`` and ``received_at`` are on or after the cut-off
    (so no staging clock rule can date them before it), except the one received last, which keeps the
    build's as-of date. Rows of :data:`DATED_COLUMNS` tables are removed by their dating column; other
    tables are copied as they are. Returns the rows removed per table.
    """
    raw_root, out_root = Path(raw_root), Path(out_root)
    start = pd.Timestamp(cutoff).to_pydatetime()
    if out_root.exists():
        shutil.rmtree(out_root)
    removed: dict[str, int] = {}
    con = duckdb.connect()
    try:
        tables = sorted(
            {
                str(path.relative_to(raw_root).with_suffix("")).split("/")[0]
                + "/"
                + str(path.relative_to(raw_root).with_suffix("")).split("/")[1]
                for path in raw_root.rglob("*.parquet")
            }
        )
        for table in tables:
            target = out_root / f"{table}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            source = _source(raw_root, table)
            if table == "app/events":
                keep = (
                    "not (occurred_at >= $start and received_at >= $start)"
                    f" or received_at = (select max(received_at) from {source})"
                )
            elif table in DATED_COLUMNS:
                keep = f"{DATED_COLUMNS[table]} is null or {DATED_COLUMNS[table]} < $start"
            else:
                keep = "true"
            total = con.execute(f"select count(*) from {source}").fetchall()[0][0]
            con.execute(
                f"copy (select * from {source} where {keep}) to '{target.as_posix()}' (format parquet)",
                {"start": start} if "$start" in keep else None,
            )
            kept = con.execute(f"select count(*) from read_parquet('{target.as_posix()}')").fetchall()[0][0]
            removed[table] = int(total - kept)
    finally:
        con.close()
    return removed
