"""Same inputs, same decisions (1/2): day-by-day incremental runs equal a --full-refresh, and a re-run
without new data changes nothing.

The feed is not the demo's: the generator's alt product (other event names, features and currencies)
with another seed. Every table of the staging, intermediate, marts and ml schemas is compared by
tests/python/warehouse_diff.py: decisions (every non-float column: segments, tiers, risk bands, cluster
ids, crossings, actions, counts, ids) exactly, measures (float columns) within REL_TOL. New models are
covered without touching this file. Two fresh full builds are compared in test_determinism.py.

The daily runs see the feed grow by received day: up to a Saturday, then three days that cross a week
boundary (the as-of week moves on), then the rest; each step brings late arrivals (events received days
after they occurred, beyond event_lookback_days). One received day's file never arrives in the first two
runs and is delivered in the last, long after the look-back window passed it (a day that never arrived).
The --full-refresh reads the feed with the rows of every file in another order, with 4 DuckDB threads
and 2 dbt threads, so it also shows that neither row order nor thread counts change a decision.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from build_variants import set_threads, shuffle_rows
from conftest import REPO, generate, make_project
from warehouse_diff import compare_warehouses

pytestmark = pytest.mark.slow

FEED = {"scale": 0.15, "seed": 23, "extra": ("--product", "alt")}
LOOKBACK_DAYS = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["event_lookback_days"]


def event_day(path: Path) -> dt.date:
    """The received day of an event file (events_YYYY-MM-DD.parquet)."""
    return dt.date.fromisoformat(path.stem.removeprefix("events_"))


def daily_cuts(days: list[dt.date]) -> list[dt.date]:
    """Last received day of each run: a Saturday, the Tuesday after (a new week), the end."""
    last = days[-1]
    monday = last - dt.timedelta(days=3 + (last - dt.timedelta(days=3)).weekday())
    return [monday - dt.timedelta(days=2), monday + dt.timedelta(days=1), last]


def copy_feed(source: Path, target: Path, event_files: list[Path]) -> None:
    """All non-event tables as they are, and the given event files (one per received day)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("events"))
    (target / "app" / "events").mkdir()
    for path in event_files:
        shutil.copy(path, target / "app" / "events" / path.name)


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    work = tmp_path_factory.mktemp("incremental")
    generate(work / "full", work / "truth", **FEED)
    return work, sorted((work / "full" / "app" / "events").glob("events_*.parquet"))


def test_day_by_day_incremental_equals_full_refresh_and_reruns_change_nothing(feed):
    work, event_files = feed
    cuts = daily_cuts([event_day(path) for path in event_files])
    gap_day = cuts[0] - dt.timedelta(days=LOOKBACK_DAYS + 4)
    daily = make_project(work / "daily", work / "daily_raw")
    as_of_weeks, late_arrivals = [], []
    for run, cut in enumerate(cuts):
        delivered = [p for p in event_files if event_day(p) <= cut and (event_day(p) != gap_day or run == 2)]
        copy_feed(work / "full", daily.raw_root, delivered)
        if run == 0:
            daily.dbt("seed")
        log = daily.dbt("run").stdout
        gap_rows = daily.scalar(
            f"select count(*) from staging.stg_app__events where cast(received_at as date) = date '{gap_day}'"
        )
        assert (gap_rows > 0) == (run == 2), (run, gap_rows)
        assert (
            f"re-reading 1 received day(s) the feed delivered after the look-back window had passed "
            f"them: {gap_day}" in log
        ) == (run == 2), log[-3000:]
        as_of_weeks.append(daily.scalar("select as_of_week_start from intermediate.int_build_context"))
        if run:
            # events received in this step that occurred before the previous as-of day's lookback window
            late_arrivals.append(
                daily.scalar(
                    "select count(*) from staging.stg_app__events "
                    f"where cast(received_at as date) > date '{cuts[run - 1]}' "
                    f"and occurred_at < date '{cuts[run - 1]}' - interval {LOOKBACK_DAYS} day"
                )
            )
    assert cuts[-1] == event_day(event_files[-1])
    assert as_of_weeks[0] < as_of_weeks[1], "the second run must cross a week boundary"
    assert all(late_arrivals), f"every step brings late arrivals: {late_arrivals}"
    incremental = work / "incremental.duckdb"
    shutil.copy(daily.db_path, incremental)

    # (c) a re-run with no new data changes nothing
    daily.dbt("run")
    rerun = compare_warehouses(incremental, daily.db_path)
    assert not rerun.differing, f"a re-run without new data changed:\n{rerun.summary()}"

    # (b) the warehouse rebuilt with --full-refresh (rows shuffled, more threads) equals the daily result
    shuffle_rows(work / "full", daily.raw_root)
    set_threads(daily.work / "profiles.yml", duckdb_threads=4, dbt_threads=2)
    daily.dbt("run", "--full-refresh")
    refreshed = compare_warehouses(incremental, daily.db_path)
    assert not (refreshed.only_in_a or refreshed.only_in_b), refreshed.summary()
    assert not refreshed.differing, f"incremental (A) vs --full-refresh (B):\n{refreshed.summary()}"

    # the comparison covered the decision marts, with rows in them
    with duckdb.connect(str(incremental), read_only=True) as con:
        for table in (
            "marts.segment_membership",
            "marts.threshold_crossings",
            "marts.next_best_actions",
            "marts.churn_risk_scores",
            "marts.user_clusters",
        ):
            assert table in refreshed.tables
            assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table
    assert len(refreshed.tables) >= 50

    # every incremental model of the manifest was compared (a new one cannot escape the comparison)
    manifest = json.loads((daily.work / "target" / "manifest.json").read_text())
    incremental_models = {
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }
    expected = {
        "intermediate.int_user_event_days_counted",
        "intermediate.int_user_days_active",
        "intermediate.int_user_feature_weeks_adopted",
        "intermediate.int_user_weeks_active",
        "intermediate.int_user_weeks_segmented",
    }
    assert expected <= incremental_models, incremental_models
    assert incremental_models <= set(refreshed.tables), incremental_models - set(refreshed.tables)

    # proof the comparison can fail: an incremental table that missed the last run's rows (a broken
    # high-water mark would leave exactly these stale) is reported as differing
    broken = work / "broken.duckdb"
    shutil.copy(incremental, broken)
    with duckdb.connect(str(broken)) as con:
        stale = con.execute(
            "delete from intermediate.int_user_days_active where processed_at = "
            "(select max(processed_at) from intermediate.int_user_days_active)"
        ).fetchone()[0]
    assert stale > 0
    caught = compare_warehouses(broken, daily.db_path)
    assert "intermediate.int_user_days_active" in {d.table for d in caught.differing}, caught.summary()
