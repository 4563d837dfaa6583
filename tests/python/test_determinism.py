"""Same inputs, same decisions (2/2): the ML fits ignore float noise below their documented precision,
on a real build's features and on small frames; the warehouse comparison itself catches what it should.

Row order and thread counts are covered by test_incremental.py: its --full-refresh reads every raw file
with the rows shuffled, with 4 DuckDB and 2 dbt threads, and must equal the day-by-day incremental
warehouse built from the rows as written with one thread.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO
from test_ml_churn import make_snapshots
from warehouse_diff import REL_TOL, compare_warehouses

from engagement.ml.churn import fit_churn_model
from engagement.ml.clustering import fit_clusters
from engagement.ml.config import ChurnConfig, ClusterConfig


def noisy(frame: pd.DataFrame, columns: list[str], seed: int = 5) -> pd.DataFrame:
    """``frame`` with about two thirds of the values of ``columns`` moved by one unit in the last place:
    what a float sum added up in another order does."""
    out = frame.copy()
    rng = np.random.default_rng(seed)
    for column in columns:
        out[column] = out[column] * (1 + rng.choice([-1, 0, 1], len(out)) * 2.0**-52)
    return out


def model_config(folder: str) -> dict:
    """The config block of the Python model in python_models/<folder>/ (its feature columns)."""
    path = REPO / "python_models" / folder / f"_{folder}__models.yml"
    return yaml.safe_load(path.read_text())["models"][0]["config"]


@pytest.mark.slow
def test_ml_fits_ignore_float_noise_on_real_features(demo_build):
    """A real build's snapshot and cluster features, every DOUBLE feature moved by one ulp here and
    there (what a float sum added in another order does), give the same fits. Without the rounding
    (feature_decimals=None) the same noise moved all 244 churn probabilities of an alt-product build at
    scale 0.15 (by up to 0.034) and flipped 21 risk bands; on 3.4M alt events (scale 6) 9,655 of 9,659,
    up to 0.32, 969 bands."""
    first = demo_build.db_path
    from engagement.ml.outputs import churn_outputs, cluster_outputs

    frames, doubles = {}, {}
    with duckdb.connect(str(first), read_only=True) as con:
        for table in ("int_account_snapshots_featurized", "int_user_cluster_features"):
            frames[table] = con.execute(f"select * from intermediate.{table}").df()
            doubles[table] = {
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'intermediate' and table_name = ? and data_type = 'DOUBLE'",
                    [table],
                ).fetchall()
            }
    for table, folder, fit, config in (
        ("int_account_snapshots_featurized", "churn", churn_outputs, ChurnConfig(n_threads=1)),
        ("int_user_cluster_features", "clustering", cluster_outputs, ClusterConfig()),
    ):
        features = list(model_config(folder)["feature_columns"])
        moved = [name for name in features if name in doubles[table]]
        assert moved, table
        shaken = noisy(frames[table], moved)
        assert not shaken[moved].equals(frames[table][moved])
        assert fit(frames[table], features, config).equals(fit(shaken, features, config)), table


# --------------------------------------------------------------------------- ML fits, small frames

TIED = ["key_actions_trend", "seats_used", "breadth"]


def tied_snapshots() -> pd.DataFrame:
    """Planted churn snapshots plus a rate with many ties (k/7), like a feature-breadth rate."""
    snapshots = make_snapshots()
    rng = np.random.default_rng(3)
    snapshots["breadth"] = rng.integers(0, 8, len(snapshots)) / 7 + 0.3 * (
        snapshots["key_actions_trend"] < -0.5
    )
    return snapshots


def test_churn_fit_ignores_float_noise_below_its_precision() -> None:
    snapshots = tied_snapshots()
    shaken = noisy(snapshots, TIED).sample(frac=1.0, random_state=2)
    config = ChurnConfig(hgb_max_iter=30, n_threads=1)
    base, again = fit_churn_model(snapshots, TIED, config), fit_churn_model(shaken, TIED, config)
    for name in ("scores", "metrics", "calibration", "drift"):
        pd.testing.assert_frame_equal(getattr(base, name), getattr(again, name), check_exact=True)
    # without the rounding the same one-ulp noise moves probabilities and flips risk bands (why it exists)
    raw = ChurnConfig(hgb_max_iter=30, n_threads=1, feature_decimals=None)
    before, after = fit_churn_model(snapshots, TIED, raw).scores, fit_churn_model(shaken, TIED, raw).scores
    assert (before["risk_band"] != after["risk_band"]).any()


def test_churn_fit_does_not_depend_on_thread_count() -> None:
    snapshots = tied_snapshots()
    one = fit_churn_model(snapshots, TIED, ChurnConfig(hgb_max_iter=30, n_threads=1))
    many = fit_churn_model(snapshots, TIED, ChurnConfig(hgb_max_iter=30, n_threads=2))
    pd.testing.assert_frame_equal(one.scores, many.scores, check_exact=True)


def test_clustering_ignores_row_order_float_noise_and_thread_count() -> None:
    rng = np.random.default_rng(4)
    users = pd.DataFrame(
        {
            "user_id": [f"u{i:04d}" for i in range(600)],
            "key_actions_log": np.log1p(rng.integers(0, 30, 600)),
            "breadth": rng.integers(0, 9, 600) / 7,
            "days_since_last_active": rng.integers(0, 5, 600) / 3,
        }
    )
    columns = ["key_actions_log", "breadth", "days_since_last_active"]
    base = fit_clusters(users, columns, ClusterConfig(k_max=5))
    shaken = noisy(users, columns).sample(frac=1.0, random_state=3)
    again = fit_clusters(shaken, columns, ClusterConfig(k_max=5))
    for name in ("assignments", "profiles", "metrics"):
        pd.testing.assert_frame_equal(getattr(base, name), getattr(again, name), check_exact=True)
    # more threads: KMeans adds its inertia up in other chunks (last-bit differences), same clusters
    threads = fit_clusters(users, columns, ClusterConfig(k_max=5, n_threads=2))
    for name in ("assignments", "profiles", "metrics"):
        pd.testing.assert_frame_equal(getattr(base, name), getattr(threads, name), rtol=REL_TOL, atol=0)


def test_feature_decimals_is_governed() -> None:
    from engagement.ml.config import churn_config_from_settings, cluster_config_from_settings

    assert churn_config_from_settings({"feature_decimals": "6"}).feature_decimals == 6
    assert cluster_config_from_settings({"feature_decimals": 6}).feature_decimals == 6
    with pytest.raises(ValueError, match="feature_decimals"):
        ChurnConfig(feature_decimals=-1)


# --------------------------------------------------------------------------- the comparison itself


def _warehouse(path: Path, rows: list[tuple]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.scores (account_id varchar, risk_band varchar, n integer, p double, q float)"
        )
        con.executemany("insert into marts.scores values (?, ?, ?, ?, ?)", rows)
    return path


ROWS = [
    ("a", "low", 1, 0.05, 1.0),
    ("b", "high", 2, 0.5, None),
    ("b", "high", 2, 0.5, None),
    ("c", None, 3, 1e6, 2.0),
]


@pytest.mark.parametrize(
    ("change", "decisions", "measures"),
    [
        (lambda rows: rows, 0, 0),
        (lambda rows: [(*r[:3], r[3] * (1 + REL_TOL / 10), r[4]) for r in rows], 0, 0),
        (lambda rows: [(*r[:3], r[3] * (1 + 1e-6), r[4]) for r in rows], 0, 4),
        (lambda rows: [("a", "medium", 1, 0.05, 1.0), *rows[1:]], 1, 0),
        (lambda rows: [*rows[:2], rows[3]], 1, 0),
        (lambda rows: [*rows[:3], ("c", None, 3, 1e6, None)], 0, 1),
        (lambda rows: [*rows[:3], ("c", None, 4, 1e6, 2.0)], 1, 0),
    ],
    ids=[
        "equal",
        "within_tolerance",
        "measure_moved",
        "band_flipped",
        "duplicate_lost",
        "null_measure",
        "count",
    ],
)
def test_warehouse_diff_pairs_decisions_exactly_and_measures_within_tolerance(
    tmp_path, change, decisions, measures
) -> None:
    a = _warehouse(tmp_path / "a.duckdb", ROWS)
    b = _warehouse(tmp_path / "b.duckdb", change(ROWS))
    (diff,) = compare_warehouses(a, b).diffs
    assert (max(diff.decisions_only_a, diff.decisions_only_b), diff.measures_differing) == (
        decisions,
        measures,
    )
    assert diff.differs == bool(decisions or measures)


def test_exact_avg_does_not_depend_on_the_order_rows_are_added_in() -> None:
    """Why macro exact_avg exists: a float mean depends on the order of the rows, its decimal form not."""
    decimals = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["measure_decimals"]
    macro = (REPO / "macros" / "utils" / "exact_avg.sql").read_text()
    assert "decimal(38, {{ var('measure_decimals') }})" in macro
    rates = [0.1, 0.2, 0.3, 1 / 3, 2 / 7]
    with duckdb.connect() as con:
        means = {
            expression: {
                con.execute(f"select {expression} from unnest(?::double[]) as t(x)", [order]).fetchone()[0]
                for order in (rates, rates[::-1], rates[2:] + rates[:2])
            }
            for expression in ("avg(x)", f"avg(cast(x as decimal(38, {decimals})))")
        }
    assert len(means["avg(x)"]) > 1  # the float mean moved with the order
    assert len(means[f"avg(cast(x as decimal(38, {decimals})))"]) == 1
