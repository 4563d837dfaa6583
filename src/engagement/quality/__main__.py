"""Command line: ``python -m engagement.quality --duckdb PATH --raw-root DIR --out reports/quality``.

Exit codes: 0 all critical expectations passed (warnings may have failed), 1 a critical expectation
failed (the message names the table, the expectation and sample failing values), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from engagement.quality.contract import default_duckdb_path, default_raw_root
from engagement.quality.run import LAYERS, CriticalExpectationFailed, raise_for_critical, run_quality


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m engagement.quality",
        description="Great Expectations suites over the raw inputs (Parquet) and the marts (DuckDB).",
    )
    parser.add_argument(
        "--duckdb", type=Path, default=default_duckdb_path(),
        help="warehouse file with schemas marts/ml "
        "(default: ENGAGEMENT_DUCKDB_PATH, else data/engagement.duckdb)",
    )
    parser.add_argument(
        "--raw-root", type=Path, default=default_raw_root(),
        help="raw root holding app/, crm/, billing/, support/ (default: ENGAGEMENT_RAW_ROOT, else data/raw)",
    )
    parser.add_argument("--out", type=Path, default=Path("reports/quality"), help="results folder")
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None,
        help="as-of date YYYY-MM-DD for freshness (default: the day of the latest received_at)",
    )
    parser.add_argument(
        "--layer", choices=LAYERS, action="append", dest="layers",
        help="validate only this layer (repeatable; default: raw and marts)",
    )
    parser.add_argument("--project-dir", type=Path, default=None, help="dbt project (default: repo root)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run = run_quality(
        duckdb_path=args.duckdb,
        raw_root=args.raw_root,
        out_dir=args.out,
        as_of=args.as_of,
        layers=args.layers or LAYERS,
        project_dir=args.project_dir,
    )
    summary = run.summary()
    for suite in run.suites:
        failed = [check for check in suite.checks if not check.success]
        print(f"{'PASS' if not failed else 'FAIL'}  {suite.name:55s} {len(suite.checks) - len(failed)}"
              f"/{len(suite.checks)}")
    for check in run.checks:
        if not check.success and check.severity != "critical":
            print(f"warning: {check.describe()}")
    for note in run.notes:
        print(f"note: {note}")
    print(
        f"{summary['evaluated']} expectations in {summary['suites']} suites: {summary['passed']} passed, "
        f"{summary['failed']} failed ({summary['critical_failed']} critical); as-of {summary['as_of_date']}; "
        f"report {args.out / 'index.html'}"
    )
    try:
        raise_for_critical(run)
    except CriticalExpectationFailed as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
