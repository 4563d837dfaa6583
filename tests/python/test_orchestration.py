"""The orchestration extra: the Dagster definitions load and materialise the daily job; the Cosmos DAGs render
and one runs. Skipped, with the reason, when `make install-orchestration` has not installed the extra."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, REPO, DbtProject, copy_of_build

pytestmark = pytest.mark.slow

DAGSTER_PYTHON = Path(os.environ.get("ENGAGEMENT_DAGSTER_PYTHON", REPO / ".venv-dagster" / "bin" / "python"))
AIRFLOW_PYTHON = Path(os.environ.get("ENGAGEMENT_AIRFLOW_PYTHON", REPO / ".venv-airflow" / "bin" / "python"))
LAYERS = {
    "staging",
    "quality",
    "definitions",
    "identity",
    "engagement",
    "billing",
    "support",
    "segmentation",
    "scorecard",
    "experiments",
    "ml",
    "decisions",
}


def _installed(python: Path, module: str) -> bool:
    if not python.is_file():
        return False
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


needs_dagster = pytest.mark.skipif(
    not _installed(DAGSTER_PYTHON, "dagster_dbt"),
    reason=f"orchestration extra not installed ({DAGSTER_PYTHON} has no dagster-dbt): "
    "make install-orchestration",
)
needs_airflow = pytest.mark.skipif(
    not _installed(AIRFLOW_PYTHON, "cosmos"),
    reason=f"orchestration extra not installed ({AIRFLOW_PYTHON} has no astronomer-cosmos): "
    "make install-orchestration",
)


def _result_line(proc: subprocess.CompletedProcess) -> dict:
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("RESULT "))


def _publication(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select dbt_invocation_id, tables from _publish.publication").fetchone()


@pytest.fixture(scope="module")
def weekly_built(demo_build, tmp_path_factory) -> DbtProject:
    """A copy of the demo warehouse after its full build (the weekly cadence: the ML fits the daily run
    reads exist)."""
    return copy_of_build(demo_build, tmp_path_factory.mktemp("orchestration"))


@needs_dagster
def test_dagster_definitions_load_and_daily_job_materialises(weekly_built):
    project = weekly_built
    published = project.work / "dagster_bi.duckdb"
    env = project.env() | {
        "ENGAGEMENT_DAGSTER_TARGET_PATH": str(project.work / "dagster_target"),
        "ENGAGEMENT_PUBLISHED_DUCKDB_PATH": str(published),
        "DAGSTER_HOME": str(project.work / "dagster_home"),
    }
    proc = subprocess.run(
        [str(DAGSTER_PYTHON), "-m", "orchestration.dagster_engagement.run", "engagement_daily"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    report = _result_line(proc)
    print(json.dumps({key: value for key, value in report.items() if key != "run"}, indent=2))
    # Every layer is a Dagster group; nothing left in `default`.
    assert set(report["groups"]) == LAYERS | {"raw", "publish"}
    assert report["materializable_assets"] >= 70
    assert report["asset_checks"] >= 400
    assert report["jobs"]["engagement_daily"] < report["jobs"]["engagement_weekly"]
    assert report["schedules"] == {
        "engagement_weekly_schedule": "0 5 * * 1",
        "engagement_daily_schedule": "0 6 * * 0,2-6",
    }

    run = report["run"]
    assert proc.returncode == 0 and run["success"], proc.stderr[-6000:]
    materialized = set(run["materialized"])
    print(f"daily job: {len(materialized)} assets materialised, checks {run['asset_checks']}")
    assert {
        "staging/stg_app__events",
        "marts/segment_membership",
        "marts/next_best_actions",
        "marts/threshold_crossings",
        "marts/balanced_scorecard",
        "marts/account_health",
        "bi_published_marts",
    } <= materialized
    # No ML refit on the daily cadence: only the scorers that apply the latest registered fit.
    assert {key for key in materialized if key.startswith("ml/")} <= {
        "ml/churn_scores_latest_fit",
        "ml/cluster_assignments_latest_fit",
    }
    assert "marts/churn_risk_scores" not in materialized
    assert run["asset_checks"].get("failed", 0) == 0
    assert run["asset_checks"]["passed"] >= 200
    assert _publication(published)[1] > 10


@needs_airflow
def test_cosmos_dags_render_and_daily_dag_runs(weekly_built):
    project = weekly_built
    airflow_home = project.work / "airflow_home"
    manifest_dir = project.work / "airflow_target"
    published = project.work / "airflow_bi.duckdb"
    project.dbt("parse", "--target-path", str(manifest_dir))
    env = project.env() | {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "orchestration" / "airflow_dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "600",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "ENGAGEMENT_DBT_MANIFEST": str(manifest_dir / "manifest.json"),
        "ENGAGEMENT_PUBLISHED_DUCKDB_PATH": str(published),
        "ENGAGEMENT_DBT_EXECUTABLE": str(BIN / "dbt"),
    }
    airflow = str(AIRFLOW_PYTHON.parent / "airflow")
    for args in (["db", "migrate"], ["pools", "set", "engagement_duckdb_writer", "1", "one DuckDB writer"]):
        subprocess.run([airflow, *args], env=env, check=True, capture_output=True, timeout=600)
    script = """
import collections, json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
out = {"import_errors": {k: v[-2000:] for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in sorted(bag.dags.items()):
    out["dags"][dag_id] = {
        "tasks": len(dag.tasks),
        "kinds": dict(collections.Counter(type(t).__name__ for t in dag.tasks)),
        "writer_pool": sorted(t.task_id for t in dag.tasks if t.pool == "engagement_duckdb_writer"),
        "publish_upstream": len(dag.get_task("publish_bi_marts").upstream_task_ids),
        "schedule": str(dag.schedule),
        "max_active_runs": dag.max_active_runs,
    }
if len(sys.argv) > 2:
    run = bag.dags[sys.argv[2]].test()
    out["run"] = {"state": str(run.state),
                  "task_states": dict(collections.Counter(str(ti.state) for ti in run.get_task_instances()))}
print("RESULT " + json.dumps(out))
"""
    proc = subprocess.run(
        [str(AIRFLOW_PYTHON), "-c", script, str(REPO / "orchestration" / "airflow_dags"), "engagement_daily"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    report = _result_line(proc)
    assert report["import_errors"] == {}
    dags = report["dags"]
    print(json.dumps(dags, indent=2))
    assert set(dags) == {"engagement_daily", "engagement_weekly"}
    for dag in dags.values():
        # One dbt process per run: a single producer, every other dbt task a sensor of its output.
        assert dag["kinds"]["DbtProducerWatcherOperator"] == 1
        assert dag["kinds"]["DbtRunWatcherOperator"] >= 30
        assert dag["writer_pool"] == ["dbt_producer_watcher", "publish_bi_marts"]
        assert dag["publish_upstream"] == dag["tasks"] - 1
        assert dag["max_active_runs"] == 1
    assert dags["engagement_daily"]["tasks"] < dags["engagement_weekly"]["tasks"]
    assert dags["engagement_daily"]["schedule"] == "0 6 * * 0,2-6"
    assert dags["engagement_weekly"]["schedule"] == "0 5 * * 1"

    run = report["run"]
    print(f"engagement_daily run: {run}")
    assert run["state"] == "success", proc.stdout[-6000:]
    assert set(run["task_states"]) == {"success"}
    assert _publication(published)[1] > 10
