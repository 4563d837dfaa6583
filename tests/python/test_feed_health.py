"""Tracking gaps, feed outages and implausible time ranges are caught loudly (issue 11, items 1, 2 and 5).

Each case is generated with the generator's own options on small data (scale 0.1):
- ``--silent-milestone setup_complete``: the required milestone's event never fires -> the build fails with
  one message naming the milestone, its event and the fix;
- ``--stop-event`` / ``--stop-after``: a tracked event stops firing -> a warning naming it;
- ``--outage-days 8``: nothing that occurred in the last 8 days arrives, late arrivals keep coming -> the
  as-of date is the last complete day, a one-line warning names the skipped days, and no current-week
  figure (scorecard, account health, crossings) is built from the outage;
- rows ~975 years ahead on both clocks, and an ``as_of_date`` before or after the feed -> the run stops in
  the on-run-start hook ``check_feed_time_range`` before any model;
- ``dbt source freshness`` on a feed shifted to end now: fresh, and stale for the outage (late arrivals do
  not make a stopped feed look fresh).
The tracking cases build only the two tracking marts and their parents; the outage case builds all once.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import DbtProject, generate, make_project

pytestmark = pytest.mark.slow

SCALE = 0.1
OUTAGE_DAYS = 8
HOOK_ONLY = ("run", "--select", "stg_app__users")
TRACKING_ONLY = (
    "build",
    "--select",
    "+tracking_plan_health",
    "+tracking_event_daily_volume",
    "--exclude",
    "test_type:unit",
    "--indirect-selection",
    "cautious",
)


def _manifest(truth: Path) -> dict:
    return json.loads((truth / "manifest.json").read_text())


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feed_health")


def _project(work: Path, name: str, extra: tuple[str, ...] = ()) -> tuple[DbtProject, dict]:
    """Generated data (with generator options ``extra``) and a project building it into its own file."""
    raw, truth = work / f"raw_{name}", work / f"truth_{name}"
    generate(raw, truth, scale=SCALE, extra=extra)
    project = make_project(work / name, raw)
    return project, _manifest(truth)


@pytest.fixture(scope="module")
def silent_milestone(work):
    project, _ = _project(work, "silent", ("--silent-milestone", "setup_complete"))
    proc = project.dbt(*TRACKING_ONLY, check=False)
    return project, proc


@pytest.fixture(scope="module")
def stopped_event(work):
    stop = ("--stop-event", "report_delivered", "--stop-after", "2026-02-01")
    project, manifest = _project(work, "stopped", stop)
    proc = project.dbt(*TRACKING_ONLY, check=False)
    return project, proc, manifest


@pytest.fixture(scope="module")
def outage(work):
    project, manifest = _project(work, "outage", ("--outage-days", str(OUTAGE_DAYS)))
    proc = project.dbt("build", check=False)
    return project, proc, manifest


# --- tracking-plan health ---------------------------------------------------------------------------


def test_silent_required_milestone_fails_the_build_with_one_message(silent_milestone):
    project, proc = silent_milestone
    assert proc.returncode != 0
    out = proc.stdout
    lines = [line for line in out.splitlines() if "Tracking plan: required activation milestone" in line]
    assert len(lines) == 1, out[-4000:]
    line = lines[0]
    assert "setup_complete was reached by 0 of the" in line
    assert "its events in the tracking plan: workspace_configured" in line
    assert "Fix: correct the tracking" in line
    assert "or change activation_milestones (seeds/activation_milestones.csv" in line
    assert "FAIL 1 assert_required_milestones_tracked" in out
    row = project.query(
        "select health_status, users_reached_ever, users_active_ever from marts.tracking_plan_health "
        "where signal_type = 'milestone' and signal_name = 'setup_complete'"
    )[0]
    assert row[0] == "required_milestone_unreached"
    assert row[1] == 0 and row[2] > 0
    # the other required milestone is reached, so only setup_complete fails
    assert (
        project.scalar(
            "select count(*) from marts.tracking_plan_health "
            "where health_status = 'required_milestone_unreached'"
        )
        == 1
    )


def test_stopped_event_warns_naming_it(stopped_event):
    project, proc, manifest = stopped_event
    assert proc.returncode == 0, proc.stdout[-4000:]
    out = proc.stdout
    warned = [line for line in out.splitlines() if "Tracking plan: 1 tracked event(s) stopped firing" in line]
    assert len(warned) == 1, out[-4000:]
    assert "report_delivered (last seen 2026-02-01, 28 days before 2026-03-01; about " in warned[0]
    assert "events expected since at its earlier rate; 0 in the last 7 days)" in warned[0]
    assert "WARN 1 warn_tracked_events_stopped_firing" in out
    # nothing else is flagged on an otherwise healthy feed: no required milestone, no feed gap
    assert "Tracking plan: required activation milestone" not in out
    assert "Feed completeness:" not in out
    as_of = project.scalar("select as_of_date from intermediate.int_build_context")
    assert as_of.isoformat() == manifest["as_of_date"]
    statuses = dict(
        project.query(
            "select signal_name, health_status from marts.tracking_plan_health where signal_type = 'event'"
        )
    )
    assert statuses["report_delivered"] == "stopped_firing"
    assert [name for name, status in statuses.items() if status == "stopped_firing"] == ["report_delivered"]
    zeros = project.scalar(
        "select count(*) from marts.tracking_event_daily_volume where event_name = 'report_delivered' "
        "and activity_date > date '2026-02-01' and events = 0 and trailing_norm_events > 0"
    )
    assert zeros >= 7


# --- feed completeness (outage) ----------------------------------------------------------------------


def test_outage_as_of_is_the_last_complete_day(outage):
    project, proc, manifest = outage
    assert proc.returncode == 0, proc.stdout[-4000:]
    last_received = dt.date.fromisoformat(manifest["as_of_date"])
    expected = last_received - dt.timedelta(days=OUTAGE_DAYS)
    context = project.query(
        "select as_of_date, last_feed_date, last_complete_date, feed_days_after_as_of, "
        "is_as_of_date_from_var from intermediate.int_build_context"
    )[0]
    assert context == (expected, last_received, expected, OUTAGE_DAYS, False)
    incomplete = [
        row[0]
        for row in project.query(
            "select feed_date from intermediate.int_feed_days_completed "
            f"where not is_complete and feed_date >= date '{expected}' order by feed_date"
        )
    ]
    assert incomplete == [expected + dt.timedelta(days=i) for i in range(1, OUTAGE_DAYS + 1)]


def test_outage_warns_in_one_line_naming_the_skipped_days(outage):
    project, proc, manifest = outage
    last_received = dt.date.fromisoformat(manifest["as_of_date"])
    first_skipped = last_received - dt.timedelta(days=OUTAGE_DAYS - 1)
    headline = "Feed completeness: app/events is incomplete"
    lines = [line for line in proc.stdout.splitlines() if headline in line]
    assert len(lines) == 1, proc.stdout[-4000:]
    assert f"on its latest {OUTAGE_DAYS} days, {first_skipped} to {last_received}" in lines[0]
    assert f"the as-of date is {first_skipped - dt.timedelta(days=1)}, the last complete day" in lines[0]
    assert "WARN 1 warn_feed_latest_days_incomplete" in proc.stdout


def test_outage_current_week_figures_are_not_built_from_incomplete_days(outage):
    project, _, _ = outage
    as_of = project.scalar("select as_of_date from intermediate.int_build_context")
    # the scorecard's latest week ends on or before the as-of date (a complete week of a complete feed)
    latest_week = project.scalar("select max(week_start) from marts.balanced_scorecard")
    assert latest_week + dt.timedelta(days=6) <= as_of
    assert project.scalar("select max(week_start) from marts.account_health") == latest_week
    # no model counted an event received after the as-of date
    assert project.scalar("select max(max_received_at) from intermediate.int_user_event_days_counted") < (
        dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    )
    # the current week is the as-of date's week, and the crossings belong to it
    as_of_week = as_of - dt.timedelta(days=as_of.weekday())
    assert project.scalar("select max(week_start) from marts.segment_membership") == as_of_week
    assert {row[0] for row in project.query("select distinct week_start from marts.threshold_crossings")} <= {
        as_of_week
    }
    # the outage is not read as a usage collapse: the latest scorecard week keeps its stickiness and
    # retention within reach of the weeks before it
    values = dict(
        project.query(
            "select metric, value from marts.balanced_scorecard where segment_type = 'all' "
            f"and week_start = date '{latest_week}' and metric in ('stickiness_rate', 'user_retention_rate')"
        )
    )
    for metric, value in values.items():
        previous = project.scalar(
            "select avg(value) from marts.balanced_scorecard where segment_type = 'all' "
            f"and metric = '{metric}' "
            f"and week_start between date '{latest_week}' - 28 and date '{latest_week}' - 7"
        )
        assert value is not None and previous is not None
        assert value > 0.5 * previous, (metric, value, previous)


# --- implausible time ranges (hook) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook_raw(work, stopped_event) -> Path:
    """The stopped-event feed (already generated) is a valid feed for the hook-only runs."""
    return stopped_event[0].raw_root


def _hook_project(work: Path, raw: Path, name: str) -> DbtProject:
    folder = work / "hook"
    if not (folder / "profiles.yml").exists():
        make_project(folder, raw)
    return DbtProject(raw_root=raw, db_path=folder / f"{name}.duckdb", work=folder)


def test_rows_far_ahead_on_both_clocks_stop_the_run_before_any_model(work, hook_raw):
    raw = work / "raw_future"
    shutil.copytree(hook_raw, raw)
    events = raw / "app" / "events"
    with duckdb.connect() as con:
        con.execute(
            "copy (select * replace ('future_' || event_id as event_id, "
            "occurred_at + interval 975 year as occurred_at, received_at + interval 975 year as received_at) "
            f"from read_parquet('{events}/*.parquet') order by event_id limit 5) "
            f"to '{events}/events_future.parquet' (format parquet)"
        )
    proc = _hook_project(work, raw, "future").dbt(*HOOK_ONLY, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Feed time range: app/events" in out and "Nothing was built." in out
    assert "more than var feed_max_span_days (3660): 5 rows were received more than 3660 days" in out
    assert "5 of them that far ahead on both clocks" in out
    assert "event_id 'future_" in out
    assert "Fix: correct the clocks of those rows in the export, or drop them" in out
    assert "START sql" not in out


@pytest.mark.parametrize(
    ("as_of_date", "expected"),
    [
        ("2019-01-01", "is before the first day of app/events"),
        ("2031-03-01", "is after the last day of app/events"),
        ("2025-3-1", 'var as_of_date is "2025-3-1", not a day written YYYY-MM-DD'),
    ],
)
def test_as_of_date_outside_the_feed_stops_the_run(work, hook_raw, as_of_date, expected):
    project = _hook_project(work, hook_raw, "as_of")
    proc = project.dbt(*HOOK_ONLY, vars={"as_of_date": as_of_date}, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert expected in out
    assert "Fix: pass" in out and "or leave it unset to build the feed's last complete day" in out
    assert "START sql" not in out


def test_as_of_date_inside_the_feed_runs(work, hook_raw, stopped_event):
    as_of = stopped_event[2]["as_of_date"]
    proc = _hook_project(work, hook_raw, "as_of_ok").dbt(*HOOK_ONLY, vars={"as_of_date": as_of}, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]


# --- source freshness ------------------------------------------------------------------------------


def _shift_events_to_now(src: Path, dst: Path) -> None:
    """A copy of the feed whose events are moved in time so that the last one is received an hour ago."""
    shutil.copytree(src, dst)
    events = dst / "app" / "events"
    with duckdb.connect() as con:
        last = con.sql(f"select max(received_at) from read_parquet('{events}/*.parquet')").fetchall()[0][0]
        shift = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1) - last
        seconds = int(shift.total_seconds())
        con.execute(
            "copy (select * replace (occurred_at + to_seconds(" + str(seconds) + ") as occurred_at, "
            "received_at + to_seconds(" + str(seconds) + ") as received_at) "
            f"from read_parquet('{events}/*.parquet')) to '{dst}/events.tmp.parquet' (format parquet)"
        )
    shutil.rmtree(events)
    events.mkdir()
    (dst / "events.tmp.parquet").replace(events / "events.parquet")


def _freshness(work: Path, raw: Path, name: str) -> dict:
    project = _hook_project(work, raw, name)
    proc = project.dbt("source", "freshness", "--select", "source:app.events", check=False)
    results = json.loads((project.work / "target" / "sources.json").read_text())["results"]
    (result,) = [r for r in results if r["unique_id"].endswith("app.events")]
    return {"status": result["status"], "max_loaded_at": result["max_loaded_at"], "code": proc.returncode}


def test_source_freshness_catches_a_feed_that_stopped(work, stopped_event, outage):
    fresh = _freshness(work, _shift_to(work, stopped_event[0].raw_root, "fresh"), "fresh")
    assert fresh["status"] == "pass"
    stale = _freshness(work, _shift_to(work, outage[0].raw_root, "stale"), "stale")
    # the outage's late arrivals were received an hour ago, but the latest event happened 8 days ago
    assert stale["status"] == "error", stale
    assert stale["code"] != 0


def _shift_to(work: Path, src: Path, name: str) -> Path:
    dst = work / f"raw_shifted_{name}"
    _shift_events_to_now(src, dst)
    return dst
