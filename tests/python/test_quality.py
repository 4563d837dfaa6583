"""Great Expectations suites (engagement.quality): demo build, an injected e-mail, broken raw feeds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import contract_fixture
import duckdb
import pytest
from conftest import REPO

from engagement.quality import suites
from engagement.quality.__main__ import main
from engagement.quality.run import run_quality

INJECTED = "Jane.Doe@example.com"


@pytest.fixture(scope="module")
def demo_quality(demo_build, tmp_path_factory):
    """The command run in-process on the session demo build: (exit code, output folder)."""
    out = tmp_path_factory.mktemp("quality") / "reports"
    code = main([
        "--duckdb", str(demo_build.db_path), "--raw-root", str(demo_build.raw_root), "--out", str(out),
        "--project-dir", str(REPO),
    ])
    return code, out


@pytest.mark.slow
def test_demo_build_passes_every_critical_expectation(demo_quality):
    code, out = demo_quality
    summary = json.loads((out / "summary.json").read_text())
    assert code == 0, summary["failures"]
    assert summary["critical_failed"] == 0 and summary["success"]
    assert summary["evaluated"] > 100 and summary["passed"] > 100
    assert summary["evaluated"] == summary["passed"] + summary["failed"]
    assert summary["as_of_date"] is not None
    assert summary["notes"] == []  # churn, scorecard, health and segment tables are all present


@pytest.mark.slow
def test_every_suite_is_written_with_severities(demo_quality):
    _, out = demo_quality
    summary = json.loads((out / "summary.json").read_text())
    expected = {"raw.app.events", "raw.app.events.schema", "raw.crm.accounts", "marts.segment_membership",
                "marts.balanced_scorecard", "marts.account_health", "marts.churn_risk_scores",
                "marts.next_best_actions.marketing_consent"}
    assert expected <= set(summary["by_suite"])
    types: set[str] = set()
    for name in summary["by_suite"]:
        document = json.loads((out / f"{name}.json").read_text())
        results = document["validation_result"]["results"]
        assert results, name
        for result in results:
            config = result["expectation_config"]
            assert config["meta"]["severity"] in {"critical", "warning"}, (name, config)
            types.add(config["type"])
    assert {
        "expect_table_columns_to_match_set", "expect_table_row_count_to_be_between",
        "expect_column_values_to_not_be_null", "expect_column_max_to_be_between",
        "expect_compound_columns_to_be_unique", "expect_column_values_to_not_match_regex",
        "expect_column_values_to_be_between", "expect_column_values_to_be_in_set",
    } <= types


@pytest.mark.slow
def test_html_summary_is_self_contained(demo_quality):
    _, out = demo_quality
    html = (out / "index.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert html.count("<table>") == summary["suites"] + 1  # one per suite plus the overview
    assert "marts.segment_membership" in html


@pytest.mark.slow
def test_injected_email_fails_naming_table_expectation_and_value(demo_build, tmp_path):
    copy = tmp_path / "injected.duckdb"
    shutil.copy(demo_build.db_path, copy)  # the session build is finished; its file is closed
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update marts.dim_accounts set account_name = ? "
            "where account_id = (select min(account_id) from marts.dim_accounts)",
            [INJECTED],
        )
    proc = subprocess.run(
        [sys.executable, "-m", "engagement.quality", "--duckdb", str(copy), "--layer", "marts",
         "--out", str(tmp_path / "out")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "marts.dim_accounts" in proc.stderr
    assert "expect_column_values_to_not_match_regex" in proc.stderr
    assert "account_name" in proc.stderr and INJECTED in proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["critical_failed"] == 1 and not summary["success"]


def test_broken_raw_feed_fails_critically_with_clear_messages(tmp_path):
    root = contract_fixture.write(tmp_path / "raw")
    (root / "crm" / "accounts.parquet").unlink()
    plans = root / "billing" / "plans.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * rename (plan_name as name) from '{plans}') to '{tmp_path / 'plans.parquet'}'"
        )
    shutil.move(tmp_path / "plans.parquet", plans)
    run = run_quality(duckdb_path=None, raw_root=root, layers=["raw"], project_dir=REPO)
    messages = [check.describe() for check in run.critical_failures]
    assert any("crm/accounts: no Parquet found" in m and "Fix:" in m for m in messages), messages
    assert any(
        m.startswith(f"{plans}: expect_table_columns_to_match_set") and "missing columns: ['plan_name']" in m
        for m in messages
    ), messages


def test_empty_events_feed_fails_the_volume_expectation(tmp_path):
    root = contract_fixture.write(tmp_path / "raw", events_as_folder=False)
    events = root / "app" / "events.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select * from '{events}' limit 0) to '{tmp_path / 'empty.parquet'}'")
    shutil.move(tmp_path / "empty.parquet", events)
    run = run_quality(duckdb_path=None, raw_root=root, layers=["raw"], project_dir=REPO)
    failed = {(c.suite, c.expectation) for c in run.critical_failures}
    assert ("raw.app.events", "expect_table_row_count_to_be_between") in failed


def test_absent_mart_tables_are_skipped_with_a_note():
    catalog = {"marts.dim_users": {"user_id": "VARCHAR", "email_hash": "VARCHAR"}}
    specs, notes = suites.mart_suites(catalog)
    assert [spec.name for spec in specs] == ["marts.dim_users"]
    assert any("churn_probability" in note for note in notes)
    assert any("marts.segment_membership is absent" in note for note in notes)
    severities = {expectation.meta["severity"] for expectation in specs[0].expectations}
    assert severities == {"critical"}


def test_thresholds_follow_the_dbt_vars():
    thresholds = suites.Thresholds.from_dbt_vars({"max_quarantine_rate": 0.2, "event_lookback_days": 5})
    assert thresholds.critical_null_share == 0.2 and thresholds.late_after_hours == 120
    assert suites.Thresholds.from_dbt_vars({"max_quarantine_rate": "{{ jinja }}"}) == suites.Thresholds()


@pytest.mark.parametrize(
    ("value", "has_email"),
    [
        ("Jane.Doe@example.com", True),
        ("write to jo@x.io!", True),
        ("a@b@c.de", True),
        ("foo@bar", False),
        ("@@x.com", False),
        ("no address here", False),
        ("QUJD" * 50_000 + " ends with me@mail.org", True),
        ("QUJD" * 50_000, False),
    ],
)
def test_email_regex_finds_addresses_anywhere_and_scans_long_values(value, has_email):
    """The suites' e-mail pattern; the long values are what a model artifact in ml.ml_model_registry
    looks like (the pattern without its look-behind took minutes on such a value)."""
    import re

    assert bool(re.search(suites.EMAIL_REGEX, value)) is has_email
