"""Airflow DAGs for the engagement dbt project, rendered by astronomer-cosmos from the dbt manifest.

Two DAGs, ``engagement_daily`` (dbt selector ``daily``) and ``engagement_weekly`` (selector ``weekly``: the ML
refits included), each a Cosmos DbtDag whose dbt tasks all precede the publish step that swaps the new marts
into the file BI tools read (``python -m engagement.publish``).

- Load mode ``LoadMode.DBT_MANIFEST``: nothing runs dbt while Airflow parses this file. The manifest is
  ``target/airflow/manifest.json`` (``make orchestration-manifest``; ``ENGAGEMENT_DBT_MANIFEST`` overrides).
- No per-task start-up storm: ``ExecutionMode.WATCHER`` runs ONE ``dbt build --selector <cadence>`` in the
  producer task (``InvocationMode.SUBPROCESS`` with the project's ``.venv/bin/dbt``, so the dbt Python models
  find the ``engagement`` package); one lightweight sensor per model, seed and model-test set reports its
  outcome from the producer's log (a task group per model: its run and its tests, which run inside the
  producer's build). Cosmos' folder grouping (group_nodes_by_folder) is left off: in 1.15.1 it files models
  under the wrong folders.
- One writer at a time: the producer and the publish task use the pool ``engagement_duckdb_writer``, which
  must have one slot (``airflow pools set engagement_duckdb_writer 1 "one DuckDB writer"``), and each DAG
  has ``max_active_runs=1``; the two DAGs share the pool, so a daily and a weekly run never write together.
- Schedules (UTC): weekly on Mondays at 05:00, daily at 06:00 on the other days.
- Telemetry off (no network here): ``AIRFLOW__COSMOS__ENABLE_TELEMETRY=False`` and dbt's anonymous usage
  statistics off; set the first in the Airflow environment too (Cosmos reads it when it is imported).

The warehouse, raw data and profile come from the usual variables (``ENGAGEMENT_DUCKDB_PATH``,
``ENGAGEMENT_RAW_ROOT``, ``DBT_PROFILES_DIR``); relative defaults are made absolute against the repository,
since Cosmos runs dbt from a temporary copy of the project.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

from airflow.providers.standard.operators.bash import BashOperator  # noqa: E402
from airflow.task.trigger_rule import TriggerRule  # noqa: E402
from cosmos import (  # noqa: E402
    DbtDag,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior  # noqa: E402

REPO = Path(os.environ.get("ENGAGEMENT_REPO", Path(__file__).resolve().parents[2]))
CORE_BIN = REPO / ".venv" / "bin"
DBT_EXECUTABLE = Path(os.environ.get("ENGAGEMENT_DBT_EXECUTABLE", CORE_BIN / "dbt"))
CORE_PYTHON = Path(os.environ.get("ENGAGEMENT_PYTHON", CORE_BIN / "python"))
PROFILES_DIR = Path(os.environ.get("DBT_PROFILES_DIR", REPO))
MANIFEST = Path(os.environ.get("ENGAGEMENT_DBT_MANIFEST", REPO / "target" / "airflow" / "manifest.json"))
WRITER_POOL = "engagement_duckdb_writer"
PRODUCER_TASK_ID = "dbt_producer_watcher"


def _absolute(name: str, default: str) -> str:
    path = Path(os.environ.get(name, default))
    return str(path if path.is_absolute() else REPO / path)


# What dbt and the publish step see (the worker's environment is appended).
RUN_ENV = {
    "ENGAGEMENT_DUCKDB_PATH": _absolute("ENGAGEMENT_DUCKDB_PATH", "data/engagement.duckdb"),
    "ENGAGEMENT_RAW_ROOT": _absolute("ENGAGEMENT_RAW_ROOT", "data/raw"),
    "DBT_PROFILES_DIR": str(PROFILES_DIR),
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
}
if "ENGAGEMENT_PUBLISHED_DUCKDB_PATH" in os.environ:
    RUN_ENV["ENGAGEMENT_PUBLISHED_DUCKDB_PATH"] = _absolute("ENGAGEMENT_PUBLISHED_DUCKDB_PATH", "")

if not MANIFEST.is_file():
    raise FileNotFoundError(
        f"no dbt manifest at {MANIFEST}: run `make orchestration-manifest` (dbt parse into target/airflow) "
        "or set ENGAGEMENT_DBT_MANIFEST"
    )

profiles_yml = PROFILES_DIR / "profiles.yml"
PROFILE = ProfileConfig(
    profile_name="engagement",
    target_name="duckdb",
    profiles_yml_filepath=profiles_yml if profiles_yml.exists() else REPO / "profiles.yml.example",
)


def engagement_dag(dag_id: str, selector: str, schedule: str, description: str) -> DbtDag:
    dag = DbtDag(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
        catchup=False,
        max_active_runs=1,
        tags=["engagement", "dbt", selector],
        doc_md=__doc__,
        project_config=ProjectConfig(dbt_project_path=REPO, manifest_path=MANIFEST),
        profile_config=PROFILE,
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=DBT_EXECUTABLE,
            # The producer is the only task that runs dbt: it alone takes the writer pool's slot.
            setup_operator_args={"pool": WRITER_POOL},
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            selector=selector,
            test_behavior=TestBehavior.AFTER_EACH,
            enable_mock_profile=False,
        ),
        operator_args={
            "env": RUN_ENV,
            "append_env": True,
            "install_deps": False,
            "emit_datasets": False,
            "poke_interval": 5,
        },
    )
    # A DbtDag (not a DbtTaskGroup), so Cosmos puts the producer upstream of the root nodes' sensors. Cosmos
    # starts those sensors with the producer (trigger rule `always`) to show progress live; here they start
    # when the producer has finished (`all_done`) and report every node's outcome at once: no sensor holds a
    # worker slot during the build, and `airflow dags test` (one task at a time) cannot run a sensor first
    # and wait forever for a producer that never starts.
    # (Cosmos links the producer only to nodes without dbt parents; a model whose parents are all sources or
    # outside the selection would start with no upstream at all, so every parentless sensor is linked here.)
    producer = dag.get_task(PRODUCER_TASK_ID)
    for task in dag.tasks:
        if task is producer:
            continue
        if not task.upstream_task_ids:
            producer >> task
        if PRODUCER_TASK_ID in task.upstream_task_ids:
            task.trigger_rule = TriggerRule.ALL_DONE
    with dag:
        dbt_tasks = list(dag.tasks)
        publish = BashOperator(
            task_id="publish_bi_marts",
            # Downstream of every dbt task (Airflow's all_success rule): only a passing build is published.
            bash_command=f"'{CORE_PYTHON}' -m engagement.publish --skip-run-results-check",
            cwd=str(REPO),
            env=RUN_ENV,
            append_env=True,
            pool=WRITER_POOL,
        )
        dbt_tasks >> publish
    return dag


engagement_daily = engagement_dag(
    "engagement_daily",
    selector="daily",
    schedule="0 6 * * 0,2-6",
    description="Daily: new data, activity, segments, actions, current-week scores (no ML refit); publish.",
)
engagement_weekly = engagement_dag(
    "engagement_weekly",
    selector="weekly",
    schedule="0 5 * * 1",
    description="Weekly: every model and test, the ML refits included; publish.",
)
