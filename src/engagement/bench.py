"""Benchmark: generate data at several scales and time the real `dbt build` against DuckDB's own floor.

    python -m engagement.bench --scales 0.02 2 19 55 [--work data/bench] [--json reports/bench/latest.json]
    python -m engagement.bench --show reports/benchmarks/<saved run>.json

Per scale it prints and saves: events, full `dbt build` wall time and peak memory (whole process tree),
the ten slowest nodes (dbt run_results), the Python models' times, the incremental build time for one
newly arrived day, the floor (one hand-written DuckDB query computing per-user-week activity straight
from the raw Parquet), the ratio full build / floor, the same for the models doing the floor's work, and
seconds per million events.
The full build covers all days but the last; the last day then arrives and is built incrementally.
A tiny scale (0.02: about 10k events) shows the DAG's fixed cost: dbt's start-up and parse, every model,
the Python fits and ~500 data tests, on almost no data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The models that compute what the floor computes (clean, de-duplicate and stitch the events, count them
# per user and day, roll them up per week), for a like-for-like ratio beside the whole build's.
FLOOR_PATH = (
    "stg_app__events", "int_user_event_days_counted", "int_user_days_active", "int_user_weeks_active"
)

FLOOR_SQL = """
with events as (
    select coalesce(nullif(trim(user_id), ''), anonymous_id) as user_id, event_name, occurred_at
    from read_parquet('{events}', union_by_name = true)
    where nullif(trim(event_id), '') is not null
),
plan as (select event_name, is_key_action from read_parquet('{plan}'))
select
    events.user_id,
    date_trunc('week', events.occurred_at) as week_start,
    count(*) as events,
    count(distinct cast(events.occurred_at as date)) as active_days,
    count(case when plan.is_key_action then 1 end) as key_actions
from events
left join plan on events.event_name = plan.event_name
group by all
"""


def run_timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (GiB) of a command and its children."""
    full = ["/usr/bin/time", "-f", "__rss_kib=%M", *cmd] if Path("/usr/bin/time").exists() else cmd
    start = time.perf_counter()
    proc = subprocess.run(full, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    rss = 0.0
    for line in proc.stderr.splitlines():
        if line.startswith("__rss_kib="):
            rss = int(line.split("=", 1)[1]) / 1024 / 1024
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return wall, rss, proc


def floor_seconds(raw: Path) -> float:
    events = raw / "app" / "events" / "**" / "*.parquet"
    plan = raw / "app" / "tracking_plan.parquet"
    with duckdb.connect() as con:
        con.sql("set threads = 2")
        start = time.perf_counter()
        con.sql(f"create table floor as {FLOOR_SQL.format(events=events, plan=plan)}")
        return time.perf_counter() - start


def bench_scale(scale: float, work: Path, seed: int) -> dict:
    folder = work / f"scale_{scale:g}"
    full_raw, raw, truth = folder / "full_raw", folder / "raw", folder / "truth"
    if not (full_raw / "manifest_ok").exists():
        subprocess.run(
            [str(BIN / "python"), "-m", "engagement.generate", "--scale", str(scale), "--seed", str(seed),
             "--out", str(full_raw), "--truth", str(truth), "--no-progress"],
            cwd=REPO, check=True,
        )
        (full_raw / "manifest_ok").touch()
    day_files = sorted((full_raw / "app" / "events").rglob("*.parquet"))
    n_events = duckdb.sql(
        f"select count(*) from read_parquet('{full_raw}/app/events/**/*.parquet')"
    ).fetchall()[0][0]

    # the feed without its last day
    if raw.exists():
        shutil.rmtree(raw)
    shutil.copytree(full_raw, raw, ignore=shutil.ignore_patterns("events", "manifest_ok"))
    events_dir = raw / "app" / "events"
    for path in day_files[:-1]:
        target = events_dir / path.relative_to(full_raw / "app" / "events")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)

    db = folder / "warehouse.duckdb"
    db.unlink(missing_ok=True)
    profiles = folder / "profiles"
    profiles.mkdir(exist_ok=True)
    shutil.copy(REPO / "profiles.yml.example", profiles / "profiles.yml")
    env = dict(os.environ, DBT_PROFILES_DIR=str(profiles), DBT_TARGET_PATH=str(folder / "target"),
               DBT_LOG_PATH=str(folder / "logs"), ENGAGEMENT_RAW_ROOT=str(raw),
               ENGAGEMENT_DUCKDB_PATH=str(db))

    full_wall, full_rss, _ = run_timed([str(BIN / "dbt"), "build"], env)
    shutil.copy(folder / "target" / "run_results.json", folder / "run_results_full.json")
    results = json.loads((folder / "run_results_full.json").read_text())
    nodes = sorted(
        ({"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)}
         for r in results["results"]),
        key=lambda r: -r["seconds"],
    )
    path_seconds = sum(
        r["execution_time"] for r in results["results"] if r["unique_id"].split(".")[-1] in FLOOR_PATH
    )
    python_names = python_model_names()
    python_models = [
        {"node": r["unique_id"].split(".")[-1], "seconds": round(r["execution_time"], 2)}
        for r in results["results"]
        if r["unique_id"].startswith("model.") and r["unique_id"].split(".")[-1] in python_names
    ]

    last = day_files[-1]
    target = events_dir / last.relative_to(full_raw / "app" / "events")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(last, target)
    incr_wall, incr_rss, _ = run_timed([str(BIN / "dbt"), "build"], env)
    shutil.copy(folder / "target" / "run_results.json", folder / "run_results_incremental.json")

    floor = floor_seconds(full_raw)
    return {
        "scale": scale,
        "events": n_events,
        "full_build_seconds": round(full_wall, 1),
        "full_build_peak_gib": round(full_rss, 2),
        "incremental_day_seconds": round(incr_wall, 1),
        "incremental_day_peak_gib": round(incr_rss, 2),
        "floor_seconds": round(floor, 2),
        "full_over_floor": round(full_wall / floor, 1),
        "floor_path_seconds": round(path_seconds, 1),
        "floor_path_over_floor": round(path_seconds / floor, 1),
        "seconds_per_million_events": round(full_wall / (n_events / 1e6), 2),
        "slowest_nodes": nodes[:10],
        "python_models": python_models,
    }


def python_model_names() -> set[str]:
    return {path.stem for path in (REPO / "python_models").rglob("*.py")}


def print_table(rows: list[dict]) -> None:
    """The per-scale table. Linearity is read from "marginal s/M": the extra seconds per extra million
    events from the previous scale (s/M events also carries the DAG's fixed cost, so it falls with scale)."""
    header = (f"{'scale':>6} {'events':>11} {'full s':>7} {'peak GiB':>8} {'incr s':>7} {'floor s':>7} "
              f"{'full/floor':>10} {'path/floor':>10} {'s/M events':>10} {'marginal s/M':>12}")
    print(header)
    print("-" * len(header))
    previous = None
    for row in sorted(rows, key=lambda r: r["events"]):
        marginal = "-"
        if previous and row["events"] > previous["events"]:
            extra_seconds = row["full_build_seconds"] - previous["full_build_seconds"]
            marginal = f"{extra_seconds / ((row['events'] - previous['events']) / 1e6):.2f}"
        path = row.get("floor_path_over_floor", "-")
        print(f"{row['scale']:>6g} {row['events']:>11,} {row['full_build_seconds']:>7} "
              f"{row['full_build_peak_gib']:>8} {row['incremental_day_seconds']:>7} "
              f"{row['floor_seconds']:>7} {row['full_over_floor']:>10} {path:>10} "
              f"{row['seconds_per_million_events']:>10} {marginal:>12}")
        previous = row
    print(f"path/floor: the models doing the floor's work ({', '.join(FLOOR_PATH)}) over the floor")
    for row in rows:
        print(f"\nscale {row['scale']:g}: slowest nodes")
        for node in row["slowest_nodes"]:
            print(f"  {node['seconds']:>7.2f}s  {node['node']}")
        if row["python_models"]:
            timings = ", ".join(f"{m['node']} {m['seconds']}s" for m in row["python_models"])
            print(f"  python models: {timings}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.02, 2, 19, 55])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--json", type=Path, default=REPO / "reports" / "bench" / "latest.json")
    parser.add_argument("--show", type=Path, help="print the table of a saved run (e.g. a baseline) and stop")
    args = parser.parse_args(argv)
    if args.show:
        print_table(json.loads(args.show.read_text())["results"])
        return 0
    rows = []
    for scale in args.scales:
        print(f"== scale {scale:g}", file=sys.stderr, flush=True)
        rows.append(bench_scale(scale, args.work, args.seed))
    print_table(rows)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__,
                    "dbt_threads": os.environ.get("ENGAGEMENT_DBT_THREADS", "profile"),
                    "duckdb_memory_limit": os.environ.get("ENGAGEMENT_DUCKDB_MEMORY_LIMIT", "profile")},
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": rows,
    }, indent=2))
    print(f"\nsaved {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
