"""Run one of the Dagster jobs in process and print what it did (a smoke run without the Dagster daemon).

``python -m orchestration.dagster_engagement.run engagement_daily`` (from the repository root, in
.venv-dagster) prints a JSON object (and the same on one line after ``RESULT ``): the definitions' assets,
groups and checks, then the run's success, materialised assets and asset-check outcomes. Exit 0 when the run
succeeded.
"""

import argparse
import collections
import json
import sys

from dagster import AssetCheckEvaluation, AssetCheckSeverity, DagsterEventType, DagsterInstance
from orchestration.dagster_engagement.definitions import defs


def describe() -> dict:
    graph = defs.resolve_asset_graph()
    keys = list(graph.get_all_asset_keys())
    groups = collections.Counter(graph.get(key).group_name for key in keys)
    jobs = {
        name: len(defs.resolve_job_def(name).asset_layer.selected_asset_keys)
        for name in ("engagement_daily", "engagement_weekly")
    }
    return {
        "assets": len(keys),
        "materializable_assets": sum(1 for key in keys if graph.get(key).is_materializable),
        "asset_checks": len(list(graph.asset_check_keys)),
        "groups": dict(sorted(groups.items())),
        "jobs": jobs,
        "schedules": {schedule.name: schedule.cron_schedule for schedule in defs.schedules},
    }


def _check_outcome(evaluation: AssetCheckEvaluation) -> str:
    """passed, warned (a dbt test with severity warn that found rows) or failed."""
    if evaluation.passed:
        return "passed"
    return "warned" if evaluation.severity == AssetCheckSeverity.WARN else "failed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.dagster_engagement.run")
    parser.add_argument("job", nargs="?", help="engagement_daily or engagement_weekly; none: only describe")
    args = parser.parse_args(argv)
    report = describe()
    if args.job:
        with DagsterInstance.ephemeral() as instance:
            job = defs.resolve_job_def(args.job)
            result = job.execute_in_process(instance=instance, raise_on_error=False)
            materialized = sorted(
                event.asset_key.to_user_string()
                for event in result.all_events
                if event.event_type == DagsterEventType.ASSET_MATERIALIZATION
            )
            checks = collections.Counter(
                _check_outcome(event.event_specific_data)
                for event in result.all_events
                if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
            )
            report["run"] = {
                "job": args.job,
                "success": result.success,
                "materialized": materialized,
                "asset_checks": dict(checks),
            }
    print(json.dumps(report, indent=2))
    print("RESULT " + json.dumps(report))  # one line, for scripts and tests
    return 0 if report.get("run", {}).get("success", True) else 1


if __name__ == "__main__":
    sys.exit(main())
