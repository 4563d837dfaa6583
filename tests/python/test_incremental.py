"""Incremental runs day by day equal a full refresh, and a re-run without new data changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import generate, make_project

pytestmark = pytest.mark.slow

SCHEMAS = ("staging", "intermediate", "marts")
# Run provenance, not data: the clustering metrics note whether the previous run's profiles were matched
# (stable labels), which a fresh full refresh by design has none of.
PROVENANCE_COLUMNS = {"marts.cluster_model_metrics": "note"}


def snapshot(db_path: Path) -> dict[str, set[tuple]]:
    """Every table of the compared schemas (ML marts included) as a set of rows."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {SCHEMAS} and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        snapshots = {}
        for schema, table in tables:
            name = f"{schema}.{table}"
            columns = "*" + (f" exclude ({PROVENANCE_COLUMNS[name]})" if name in PROVENANCE_COLUMNS else "")
            snapshots[name] = set(con.sql(f'select {columns} from "{schema}"."{table}"').fetchall())
        return snapshots


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
    generate(work / "full", work / "truth", scale=0.15, seed=11)
    return work, sorted((work / "full" / "app" / "events").glob("*.parquet"))


def test_day_by_day_incremental_equals_full_refresh_and_reruns_are_idempotent(feed):
    work, event_files = feed
    daily = make_project(work / "daily", work / "daily_raw")
    # the first build sees all but the last 12 days; then the feed grows 5 days, 1 day, 6 days
    cut_points = [len(event_files) - 12, len(event_files) - 7, len(event_files) - 6, len(event_files)]
    copy_feed(work / "full", daily.raw_root, event_files[: cut_points[0]])
    daily.dbt("seed")
    daily.dbt("run")
    for cut in cut_points[1:]:
        copy_feed(work / "full", daily.raw_root, event_files[:cut])
        daily.dbt("run")
    incremental = snapshot(daily.db_path)

    full = make_project(work / "full_refresh", work / "full")
    full.dbt("seed")
    full.dbt("run", "--full-refresh")
    refreshed = snapshot(full.db_path)

    assert incremental.keys() == refreshed.keys()
    differing = {
        table: (len(incremental[table] - refreshed[table]), len(refreshed[table] - incremental[table]))
        for table in refreshed
        if incremental[table] != refreshed[table]
    }
    assert not differing, f"tables differing (rows only incremental, rows only full refresh): {differing}"
    assert len(refreshed["staging.stg_app__events"]) > 1000

    # a second run with no new data changes nothing (idempotency)
    daily.dbt("run")
    assert snapshot(daily.db_path) == incremental
