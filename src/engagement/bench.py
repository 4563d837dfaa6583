"""Benchmark: generate data at several scales and time the real `dbt build` runs of each cadence.

    python -m engagement.bench --scales 2 19 55 [--work data/bench] [--json reports/bench/latest.json]
    python -m engagement.bench --show reports/benchmarks/<saved run>.json

Per scale (default ~1 M, ~10 M and ~31 M events of history) it prints and saves:
- full: `dbt build` of every model, seed and test on the feed without its last day (a first deployment);
- daily: the last day then arrives and `dbt build --selector daily` runs (the production daily run: new data
  in, activity, segments, actions, current-week scores; the ML fits are not refitted);
- weekly: `dbt build --selector weekly` right after (every model and test, the ML refits);
- the daily run's ratio to the smallest scale's daily run (flat in history means close to 1), peak memory
  of each run (whole process tree), the ten slowest nodes of the full and the daily run, the Python models'
  times, the floor (one hand-written DuckDB query computing per-user-week activity straight from the raw
  Parquet), full build / floor, and seconds per million events.
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
    nodes = slowest(results)
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
    daily_wall, daily_rss, _ = run_timed([str(BIN / "dbt"), "build", "--selector", "daily"], env)
    shutil.copy(folder / "target" / "run_results.json", folder / "run_results_daily.json")
    daily_nodes = slowest(json.loads((folder / "run_results_daily.json").read_text()))
    weekly_wall, weekly_rss, _ = run_timed([str(BIN / "dbt"), "build", "--selector", "weekly"], env)
    shutil.copy(folder / "target" / "run_results.json", folder / "run_results_weekly.json")

    floor = floor_seconds(full_raw)
    return {
        "scale": scale,
        "events": n_events,
        "full_build_seconds": round(full_wall, 1),
        "full_build_peak_gib": round(full_rss, 2),
        "daily_seconds": round(daily_wall, 1),
        "daily_peak_gib": round(daily_rss, 2),
        "weekly_seconds": round(weekly_wall, 1),
        "weekly_peak_gib": round(weekly_rss, 2),
        "floor_seconds": round(floor, 2),
        "full_over_floor": round(full_wall / floor, 1),
        "seconds_per_million_events": round(full_wall / (n_events / 1e6), 2),
        "slowest_nodes": nodes[:10],
        "slowest_daily_nodes": daily_nodes[:10],
        "python_models": python_models,
    }


def slowest(results: dict) -> list[dict]:
    """The nodes of a run_results.json, slowest first."""
    return sorted(
        ({"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)}
         for r in results["results"]),
        key=lambda r: -r["seconds"],
    )


def python_model_names() -> set[str]:
    return {path.stem for path in (REPO / "python_models").rglob("*.py")}


def print_table(rows: list[dict]) -> None:
    """The per-scale table. "daily x" is the daily run over the smallest scale's daily run (flat in history
    means close to 1). Linearity of the full build is read from "marginal s/M": the extra seconds per extra
    million events from the previous scale (s/M events also carries the DAG's fixed cost, so it falls with
    scale). Saved runs from before the cadences (one-day `dbt build`) show it under "daily s" with a note."""
    header = (f"{'scale':>6} {'events':>11} {'full s':>7} {'daily s':>7} {'daily x':>7} {'weekly s':>8} "
              f"{'peak GiB':>8} {'floor s':>7} {'full/floor':>10} {'s/M events':>10} {'marginal s/M':>12}")
    print(header)
    print("-" * len(header))
    rows = sorted(rows, key=lambda r: r["events"])
    legacy = any("daily_seconds" not in row for row in rows)
    smallest_daily = rows[0].get("daily_seconds", rows[0].get("incremental_day_seconds"))
    previous = None
    for row in rows:
        daily = row.get("daily_seconds", row.get("incremental_day_seconds"))
        marginal = "-"
        if previous and row["events"] > previous["events"]:
            extra_seconds = row["full_build_seconds"] - previous["full_build_seconds"]
            marginal = f"{extra_seconds / ((row['events'] - previous['events']) / 1e6):.2f}"
        peak = max(row[key] for key in ("full_build_peak_gib", "daily_peak_gib", "weekly_peak_gib",
                                        "incremental_day_peak_gib") if key in row)
        print(f"{row['scale']:>6g} {row['events']:>11,} {row['full_build_seconds']:>7} {daily:>7} "
              f"{daily / smallest_daily:>7.2f} {row.get('weekly_seconds', '-'):>8} {peak:>8} "
              f"{row['floor_seconds']:>7} {row['full_over_floor']:>10} "
              f"{row['seconds_per_million_events']:>10} {marginal:>12}")
        previous = row
    if legacy:
        print("(a saved run from before the cadences: its 'daily s' is a one-day `dbt build` of everything)")
    for row in rows:
        for key, title in (("slowest_nodes", "full build"), ("slowest_daily_nodes", "daily run")):
            if key in row:
                print(f"\nscale {row['scale']:g}: slowest nodes of the {title}")
                for node in row[key]:
                    print(f"  {node['seconds']:>7.2f}s  {node['node']}")
        if row["python_models"]:
            timings = ", ".join(f"{m['node']} {m['seconds']}s" for m in row["python_models"])
            print(f"  python models (full build): {timings}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[2, 19, 55])
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
