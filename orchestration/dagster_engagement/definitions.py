"""Dagster definitions for the engagement dbt project: dbt assets by layer, their tests as asset checks,
the daily and weekly jobs with their schedules, and the publish step that gives BI tools the new marts.

Load it with ``dagster dev -m orchestration.dagster_engagement.definitions`` from the repository root, in the
orchestration virtualenv (``make install-orchestration``; see orchestration/README.md).

- Assets: every dbt model and seed; Dagster groups are the dbt groups (models/_groups.yml, assigned by folder
  in dbt_project.yml: staging, quality, definitions, identity, engagement, billing, support, segmentation,
  scorecard, experiments, ml) and dbt tags become Dagster tags. dbt data tests are asset checks.
- ``bi_published_marts`` (group ``publish``): ``python -m engagement.publish`` after the dbt step passed; it
  swaps the marts into the file BI tools read (never the file dbt writes). The raw sources are group ``raw``.
- Jobs: ``engagement_daily`` (dbt selector ``daily``: no ML refit) and ``engagement_weekly`` (selector
  ``weekly``: everything, ML refits included), each followed by the publish.
- Schedules (UTC): the weekly job on Mondays at 05:00, the daily job at 06:00 on the other days.
- One writer: DuckDB allows one writing process per file, so every step that opens the warehouse is in the
  pool ``engagement_duckdb_writer`` and every run carries the tag ``engagement/duckdb_writer``; the instance
  config beside this file (``dagster.yaml``, use it with ``DAGSTER_HOME=orchestration/dagster_engagement``)
  limits both to one.

dbt runs with the project's own virtualenv (``ENGAGEMENT_DBT_EXECUTABLE``, default ``.venv/bin/dbt``), so the
dbt Python models find the ``engagement`` package; the warehouse, raw data and profile come from the usual
variables (``ENGAGEMENT_DUCKDB_PATH``, ``ENGAGEMENT_RAW_ROOT``, ``DBT_PROFILES_DIR``).
"""

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    Definitions,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
)
from dagster_dbt import (
    DbtCliResource,
    build_dbt_asset_selection,
    dbt_assets,
    get_asset_key_for_model,
)

REPO = Path(__file__).resolve().parents[2]
CORE_BIN = REPO / ".venv" / "bin"
DBT_EXECUTABLE = Path(os.environ.get("ENGAGEMENT_DBT_EXECUTABLE", CORE_BIN / "dbt"))
CORE_PYTHON = Path(os.environ.get("ENGAGEMENT_PYTHON", CORE_BIN / "python"))
PROFILES_DIR = Path(os.environ.get("DBT_PROFILES_DIR", REPO))
# The manifest Dagster reads to build the assets; parsed again whenever a project file is newer.
TARGET_PATH = Path(os.environ.get("ENGAGEMENT_DAGSTER_TARGET_PATH", REPO / "target" / "dagster"))

WRITER_POOL = "engagement_duckdb_writer"
WRITER_TAG = {"engagement/duckdb_writer": "true"}
PROJECT_INPUTS = ("models", "python_models", "macros", "seeds", "tests", "analyses")
PROJECT_FILES = ("dbt_project.yml", "selectors.yml")


def _newest_project_mtime() -> float:
    paths = [REPO / name for name in PROJECT_FILES]
    for folder in PROJECT_INPUTS:
        paths.extend(path for path in (REPO / folder).rglob("*") if path.is_file())
    return max(path.stat().st_mtime for path in paths if path.exists())


def prepare_manifest() -> Path:
    """``dbt parse`` into TARGET_PATH unless its manifest is newer than every project file."""
    manifest = TARGET_PATH / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < _newest_project_mtime():
        env = {**os.environ, "DBT_PROFILES_DIR": str(PROFILES_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        env.setdefault("DBT_LOG_PATH", str(TARGET_PATH / "logs"))
        subprocess.run(
            [str(DBT_EXECUTABLE), "parse", "--target-path", str(TARGET_PATH), "--quiet"],
            cwd=REPO,
            env=env,
            check=True,
        )
    return manifest


MANIFEST_PATH = prepare_manifest()
MANIFEST: dict[str, Any] = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


@dbt_assets(manifest=MANIFEST, name="engagement_dbt", pool=WRITER_POOL)
def engagement_dbt(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """``dbt build`` of the selected models, seeds and their tests (one dbt process per run)."""
    yield from dbt.cli(["build"], context=context).stream()


# The raw contract's tables (dbt sources): external assets in group `raw`, fed by the export that lands them.
raw_sources = [
    AssetSpec(
        key=AssetKey([source["source_name"], source["name"]]),
        group_name="raw",
        description=source.get("description") or None,
        kinds={"parquet"},
    )
    for source in MANIFEST["sources"].values()
]


def _published_model_names() -> list[str]:
    """The dbt models that land in the marts schema (what the publish step copies)."""
    return sorted(
        node["name"]
        for node in MANIFEST["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("schema") == "marts"
    )


@asset(
    name="bi_published_marts",
    group_name="publish",
    deps=[get_asset_key_for_model([engagement_dbt], name) for name in _published_model_names()],
    pool=WRITER_POOL,
    description=(
        "The marts BI tools read: copied from the working warehouse into a new DuckDB file and swapped "
        "atomically over the published one (python -m engagement.publish) once the dbt step has passed."
    ),
)
def bi_published_marts(context: AssetExecutionContext) -> MaterializeResult:
    proc = subprocess.run(
        # The dbt step above passed (a failed model or test fails it and Dagster skips this step), so the
        # publish does not re-check dbt's run results, which dagster-dbt writes to a per-run target folder.
        [str(CORE_PYTHON), "-m", "engagement.publish", "--skip-run-results-check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"engagement.publish failed (exit {proc.returncode}): {proc.stderr.strip()}")
    context.log.info(proc.stdout.strip())
    return MaterializeResult(metadata={"publish": MetadataValue.text(proc.stdout.strip())})


publish_selection = AssetSelection.assets(bi_published_marts)

engagement_daily = define_asset_job(
    "engagement_daily",
    selection=build_dbt_asset_selection([engagement_dbt], dbt_selector="daily") | publish_selection,
    description="Daily: dbt selector `daily` (new data, activity, segments, actions, current-week scores), "
    "then the publish. No ML refit.",
    tags=WRITER_TAG,
)

engagement_weekly = define_asset_job(
    "engagement_weekly",
    selection=build_dbt_asset_selection([engagement_dbt], dbt_selector="weekly") | publish_selection,
    description="Weekly: every model and test (dbt selector `weekly`), the ML refits included, "
    "then the publish.",
    tags=WRITER_TAG,
)

defs = Definitions(
    assets=[*raw_sources, engagement_dbt, bi_published_marts],
    jobs=[engagement_daily, engagement_weekly],
    schedules=[
        # Monday's run is the weekly one (a superset of the daily selection).
        ScheduleDefinition(
            name="engagement_weekly_schedule",
            job=engagement_weekly,
            cron_schedule="0 5 * * 1",
            execution_timezone="UTC",
        ),
        ScheduleDefinition(
            name="engagement_daily_schedule",
            job=engagement_daily,
            cron_schedule="0 6 * * 0,2-6",
            execution_timezone="UTC",
        ),
    ],
    resources={
        "dbt": DbtCliResource(
            project_dir=str(REPO),
            profiles_dir=str(PROFILES_DIR),
            dbt_executable=str(DBT_EXECUTABLE),
        )
    },
)
