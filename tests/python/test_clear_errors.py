"""A raw export that breaks the contract stops dbt at once with a message naming the file, column and fix.

The contract check is the on-run-start hook `register_raw_sources`: it fails before any model runs, so
these cases run `dbt run --select stg_app__users` (seconds, not a build). The four contract breaks share
one run because the hook reports every problem of a feed at once; each test asserts its own line. All
runs share one dbt target folder so dbt can reuse its parse.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import contract_fixture
import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import REPO, DbtProject, make_project

pytestmark = pytest.mark.slow

HOOK_ONLY = ("run", "--select", "stg_app__users")


def _rewrite(path: Path, sql: str) -> None:
    """Replace a Parquet file by ``sql`` over it (``{src}`` is the file)."""
    tmp = path.with_suffix(".tmp.parquet")
    query = sql.format(src=f"'{path}'")
    with duckdb.connect() as con:
        con.execute(f"copy ({query}) to '{tmp}' (format parquet)")
    tmp.replace(path)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clear_errors")
    make_project(folder, folder / "unused")
    return folder


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return contract_fixture.write(tmp_path_factory.mktemp("contract") / "raw")


def project_for(work: Path, raw_root: Path, name: str) -> DbtProject:
    return DbtProject(raw_root=raw_root, db_path=work / f"{name}.duckdb", work=work)


@pytest.fixture(scope="module")
def broken_run(work, pristine, tmp_path_factory):
    """One feed with four contract breaks: a missing table, a renamed column, a wrong type, no events."""
    root = tmp_path_factory.mktemp("broken") / "raw"
    shutil.copytree(pristine, root)
    (root / "crm" / "accounts.parquet").unlink()
    _rewrite(root / "billing" / "plans.parquet", "select * rename (plan_name as name) from {src}")
    _rewrite(
        root / "app" / "users.parquet",
        "select * replace (strftime(created_at, '%Y-%m-%d %H:%M:%S') as created_at) from {src}",
    )
    events = root / "app" / "events"
    first = sorted(events.glob("*.parquet"))[0]
    _rewrite(first, "select * from {src} limit 0")
    for other in sorted(events.glob("*.parquet"))[1:]:
        other.unlink()
    proc = project_for(work, root, "broken").dbt(*HOOK_ONLY, check=False)
    return root, proc.returncode, proc.stdout + proc.stderr


def test_contract_breaks_stop_the_run_before_any_model(broken_run):
    _, code, output = broken_run
    assert code != 0
    root = broken_run[0]
    # The contract message comes first (logged before dbt's own error header) and again in the error.
    headline = (
        f"Raw data contract: the feed under {root} breaks the contract in 4 places "
        "(read RAW_DATA_CONTRACT.md at the root of this dbt project). Nothing was built."
    )
    assert output.count(headline) == 2
    assert output.index(headline) < output.index("Compilation Error in operation engagement-on-run-start-0")
    assert (REPO / "RAW_DATA_CONTRACT.md").is_file()
    assert "in macro duckdb__register_raw_sources" in output
    assert "1 of 1 START" not in output  # no model ran


def test_missing_table_names_the_file_and_the_fix(broken_run):
    root, _, output = broken_run
    assert f"crm/accounts: no Parquet found at {root}/crm/accounts.parquet" in output
    assert "Fix: export the table there, or point ENGAGEMENT_RAW_ROOT" in output


def test_renamed_column_names_the_column_and_the_fix(broken_run):
    root, _, output = broken_run
    assert (
        f'billing/plans: contract column "plan_name" (varchar) is missing from {root}/billing/plans.parquet'
    ) in output
    assert "Fix: export it under that name" in output


def test_wrong_type_names_the_column_types_and_the_fix(broken_run):
    root, _, output = broken_run
    assert (
        f'app/users: column "created_at" is VARCHAR in {root}/app/users.parquet but the contract says '
        "timestamp. Fix: export it as timestamp."
    ) in output


def test_empty_events_feed_names_the_file_and_the_fix(broken_run):
    root, _, output = broken_run
    assert f"app/events: {root}/app/events/**/*.parquet has no rows" in output
    assert "Fix: export a non-empty feed." in output


def test_locked_duckdb_file_names_the_file_and_the_lock_holder(work, pristine):
    project = project_for(work, pristine, "locked")
    hold = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
        "print('locked', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(project.db_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        proc = project.dbt(*HOOK_ONLY, check=False)
    finally:
        holder.kill()
        holder.wait()
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    # dbt-duckdb passes DuckDB's message through: the file, the holding process and its PID, the docs.
    assert f'Could not set lock on file "{project.db_path}"' in output
    assert "Conflicting lock is held in" in output and f"(PID {holder.pid})" in output
    assert "duckdb.org/docs/current/connect/concurrency" in output


def test_extra_columns_and_hive_partitions_are_accepted(work, pristine, tmp_path):
    root = tmp_path / "raw"
    shutil.copytree(pristine, root, ignore=shutil.ignore_patterns("events"))
    _rewrite(root / "app" / "users.parquet", "select *, 'blue' as favourite_colour from {src}")
    rows = 0
    for path in sorted((pristine / "app" / "events").glob("*.parquet")):
        table = pq.read_table(path)
        rows += table.num_rows
        day = path.stem.removeprefix("events_")
        partition = root / "app" / "events" / f"date={day}"
        partition.mkdir(parents=True)
        pq.write_table(
            table.append_column("context_ip", [["10.0.0.1"] * table.num_rows]), partition / "part-0.parquet"
        )
    project = project_for(work, root, "hive")
    project.dbt(
        "build", "--select", "+staging", "--indirect-selection", "cautious", vars={"max_quarantine_rate": 1}
    )
    assert project.scalar("select count(*) from raw_app.events") == rows
    raw_columns = {row[0] for row in project.query("describe raw_app.users")}
    assert "favourite_colour" not in raw_columns and "created_at" in raw_columns
    assert "date" not in {row[0] for row in project.query("describe raw_app.events")}
    assert project.scalar("select count(*) from staging.stg_app__users") > 0


def test_optional_table_and_column_may_be_absent(work, pristine):
    """No crm/campaign_touches and no tracking_plan.is_self_serve_help: the build says so and goes on."""
    project = project_for(work, pristine, "optional_absent")
    proc = project.dbt("run", "--select", "stg_app__tracking_plan")
    output = proc.stdout
    assert (
        "Raw data contract: crm/campaign_touches: optional table absent "
        f"(no {pristine}/crm/campaign_touches.parquet"
    ) in output
    assert (
        'Raw data contract: app/tracking_plan: optional column "is_self_serve_help" absent from '
        f"{pristine}/app/tracking_plan.parquet; it reads as null."
    ) in output
    assert project.scalar("select count(*) from raw_crm.campaign_touches") == 0
    columns = {row[0]: row[1] for row in project.query("describe raw_crm.campaign_touches")}
    assert columns["is_holdout"] == "BOOLEAN" and columns["sent_at"] == "TIMESTAMP"
    assert project.scalar("select bool_or(is_self_serve_help) from staging.stg_app__tracking_plan") is False


def test_optional_table_and_column_are_read_when_present(work, pristine, tmp_path):
    root = tmp_path / "raw"
    shutil.copytree(pristine, root)
    plan = root / "app" / "tracking_plan.parquet"
    _rewrite(plan, "select *, row_number() over (order by event_name) = 1 as is_self_serve_help from {src}")
    with duckdb.connect() as con:
        con.execute(
            "copy (select 't1' as touch_id, 'c1' as campaign_id, 'win_back' as action, 'email' as channel, "
            "'u1' as user_id, null as account_id, true as is_holdout, timestamp '2025-03-03' as sent_at, "
            "null as opened_at, null as clicked_at, null as unsubscribed_at) "
            f"to '{root / 'crm' / 'campaign_touches.parquet'}' (format parquet)"
        )
    project = project_for(work, root, "optional_present")
    output = project.dbt("run", "--select", "stg_app__tracking_plan").stdout
    assert "optional table absent" not in output and "optional column" not in output
    assert project.query("select touch_id, is_holdout from raw_crm.campaign_touches") == [("t1", True)]
    assert project.scalar("select count(*) from staging.stg_app__tracking_plan where is_self_serve_help") == 1
