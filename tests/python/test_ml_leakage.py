"""Leakage of the churn snapshots (engagement.ml.leakage).

Fast tests pin the comparison and the raw-data shift on tiny frames. The slow test proves the property
on generated data: shifting (removing) every raw row dated on or after D must leave the features of every
snapshot dated on or before D, and the labels of those dated on or before D - horizon, unchanged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engagement.ml.leakage import DIFF_COLUMNS, compare_snapshots, shift_raw_after

HORIZON_DAYS = 90  # var churn_horizon_days of dbt_project.yml


def snapshots(value: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "as_of_date": pd.to_datetime(["2025-01-06", "2025-02-03", "2025-01-06"]),
            "key_actions_l28": [10.0, 12.0, value],
            "nps_13w": [np.nan, 5.0, np.nan],
            "is_churned_in_horizon": pd.array([True, None, False], dtype="boolean"),
        }
    )


def test_compare_snapshots_identical_and_changed_cells() -> None:
    assert compare_snapshots(snapshots(), snapshots(), "2025-12-31").empty
    diff = compare_snapshots(snapshots(), snapshots(value=2.0), "2025-12-31")
    assert list(diff.columns) == list(DIFF_COLUMNS)
    assert diff[["account_id", "column", "reference_value", "candidate_value"]].values.tolist() == [
        ["b", "key_actions_l28", 1.0, 2.0]
    ]
    assert diff["as_of_date"].tolist() == [dt.date(2025, 1, 6)]
    tiny = snapshots(value=1.0 + 1e-12)
    assert compare_snapshots(snapshots(), tiny, "2025-12-31").empty  # float noise tolerated


def test_compare_snapshots_cutoff_columns_and_missing_rows() -> None:
    later = snapshots()
    later.loc[1, "key_actions_l28"] = 99.0  # dated 2025-02-03
    assert compare_snapshots(snapshots(), later, "2025-01-31").empty
    assert len(compare_snapshots(snapshots(), later, "2025-02-03")) == 1
    assert compare_snapshots(snapshots(), later, "2025-02-03", columns=["nps_13w"]).empty
    fewer = snapshots().iloc[:2]
    diff = compare_snapshots(snapshots(), fewer, "2025-12-31")
    assert diff.values.tolist() == [["b", dt.date(2025, 1, 6), "<row>", "present", None]]
    with pytest.raises(ValueError, match="not in both"):
        compare_snapshots(snapshots(), snapshots(), "2025-12-31", columns=["nope"])
    with pytest.raises(ValueError, match="duplicate"):
        compare_snapshots(pd.concat([snapshots(), snapshots()]), snapshots(), "2025-12-31")
    with pytest.raises(ValueError, match="key columns"):
        compare_snapshots(snapshots().drop(columns="account_id"), snapshots(), "2025-12-31")


def _write(path: Path, rows: dict[str, list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows), path)


def test_shift_raw_after_removes_rows_dated_on_or_after_the_cutoff(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    t = dt.datetime
    _write(
        raw / "app/events/events_1.parquet",
        {
            "event_id": ["e1", "e2", "e3"],
            "occurred_at": [t(2025, 1, 1), t(2025, 1, 2), t(2025, 3, 1)],
            "received_at": [t(2025, 1, 1), t(2025, 3, 2), t(2025, 3, 1)],  # e2 arrives late
        },
    )
    _write(
        raw / "app/events/events_2.parquet",
        {"event_id": ["e4"], "occurred_at": [t(2025, 3, 5)], "received_at": [t(2025, 3, 5)]},
    )
    _write(
        raw / "billing/subscription_changes.parquet",
        {"change_id": ["c1", "c2"], "effective_at": [t(2025, 1, 1), t(2025, 2, 1)]},
    )
    _write(raw / "crm/accounts.parquet", {"account_id": ["a1"], "created_at": [t(2025, 6, 1)]})
    removed = shift_raw_after(raw, tmp_path / "shifted", "2025-02-01")
    assert removed == {"app/events": 1, "billing/subscription_changes": 1, "crm/accounts": 0}
    events = pq.read_table(tmp_path / "shifted/app/events.parquet").column("event_id").to_pylist()
    assert sorted(events) == ["e1", "e2", "e4"]  # e2: dated before; e4: the latest received, kept
    assert pq.read_table(tmp_path / "shifted/crm/accounts.parquet").num_rows == 1


# --------------------------------------------------------------------------- the two builds (slow)


@pytest.mark.slow
def test_snapshots_do_not_change_when_data_after_the_prediction_date_shifts(
    demo_build, tmp_path: Path
) -> None:
    """The demo build (conftest) against a build of its raw data with everything dated from D on removed."""
    from conftest import make_project

    raw = demo_build.raw_root
    with duckdb.connect() as con:
        last = con.sql(
            f"select max(received_at) from read_parquet('{raw}/app/events/**/*.parquet')"
        ).fetchall()
    as_of_week = pd.Timestamp(last[0][0]).normalize().to_period("W-SUN").start_time
    cutoff = as_of_week - pd.Timedelta(weeks=16)  # a prediction date of both builds
    shift_raw_after(raw, tmp_path / "shifted", cutoff)
    shifted_project = make_project(tmp_path / "work", tmp_path / "shifted")
    shifted_project.dbt(
        "build",
        "--select",
        "+int_account_snapshots_featurized",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
    )
    sql = "select * from intermediate.int_account_snapshots_featurized"
    with duckdb.connect(str(demo_build.db_path), read_only=True) as con:
        full = con.sql(sql).df()
    with duckdb.connect(str(shifted_project.db_path), read_only=True) as con:
        shifted = con.sql(sql).df()

    labels = ["is_churned_in_horizon", "is_downgraded_in_horizon", "horizon_weeks_observed"]
    features = [c for c in full.columns if c not in ("account_id", "as_of_date", *labels)]
    compared = full[pd.to_datetime(full["as_of_date"]) <= cutoff]
    assert len(compared) > 0 and compared["as_of_date"].nunique() >= 3
    feature_diff = compare_snapshots(full, shifted, cutoff, columns=features)
    assert feature_diff.empty, feature_diff.head(20).to_string()
    label_cutoff = cutoff - pd.Timedelta(days=HORIZON_DAYS)
    assert full.loc[pd.to_datetime(full["as_of_date"]) <= label_cutoff, "is_churned_in_horizon"].notna().all()
    label_diff = compare_snapshots(full, shifted, label_cutoff, columns=labels)
    assert label_diff.empty, label_diff.head(20).to_string()
