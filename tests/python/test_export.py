"""The CRM audience export: one CSV + Parquet per action with a stable schema, hashed e-mails only, and
consent enforced (a marketing row for a non-consenting member fails the run and writes nothing)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from engagement.export import (
    EXPORT_SCHEMA,
    ConsentError,
    RawEmailError,
    export_audience,
    main,
)


@pytest.fixture(scope="module")
def demo_export(demo_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    # The demo warehouse is built without ENGAGEMENT_EMAIL_SALT: exporting it is a declared demo run.
    return export_audience(demo_build.db_path, out, demo=True), out


@pytest.mark.slow
def test_one_csv_and_one_parquet_per_action_with_the_stable_schema(demo_build, demo_export):
    result, out = demo_export
    as_of = demo_build.scalar("select max(as_of_date) from marts.dim_users")
    assert result.folder == out / as_of.isoformat()
    actions = {row[0] for row in demo_build.query("select distinct action from seeds.segment_playbook")}
    assert set(result.rows_per_action) == actions
    for action in actions:
        table = pq.read_table(result.folder / f"{action}.parquet")
        assert table.schema.equals(EXPORT_SCHEMA), action
        csv = pa_csv.read_csv(result.folder / f"{action}.csv")
        assert csv.column_names == EXPORT_SCHEMA.names
        assert csv.num_rows == table.num_rows == result.rows_per_action[action]
        assert set(table.column("action").to_pylist()) <= {action}
        assert set(table.column("as_of_date").to_pylist()) <= {as_of}
    assert result.rows == demo_build.scalar("select count(*) from marts.next_best_actions") > 0
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["rows"] == result.rows and [c["name"] for c in manifest["columns"]] == EXPORT_SCHEMA.names


@pytest.mark.slow
def test_members_are_matched_by_hashed_email_never_raw(demo_build, demo_export):
    result, _out = demo_export
    rows = [row for path in result.folder.glob("*.parquet") for row in pq.read_table(path).to_pylist()]
    hashes = dict(demo_build.query("select user_id, email_hash from marts.dim_users"))
    users = [row for row in rows if row["grain"] == "user"]
    assert users and all(row["email_hash"] == hashes[row["user_id"]] for row in users)
    assert all(row["email_hash"] is None for row in rows if row["grain"] == "account")
    text = "".join(path.read_text() for path in result.folder.glob("*.csv"))
    assert "@" not in text


@pytest.mark.slow
def test_marketing_rows_reach_only_consenting_users(demo_export):
    result, _out = demo_export
    rows = [row for path in result.folder.glob("*.parquet") for row in pq.read_table(path).to_pylist()]
    marketing = [row for row in rows if row["is_marketing"]]
    assert marketing, "the demo audience has marketing rows"
    assert all(row["grain"] == "user" and row["is_marketing_opt_in"] is True for row in marketing)
    assert all(row["is_marketing"] for row in rows if row["channel"] == "email")


@pytest.mark.slow
def test_a_rerun_replaces_the_day_with_identical_files(demo_build, demo_export):
    result, out = demo_export
    before = {path.name: path.read_bytes() for path in result.folder.iterdir()}
    again = export_audience(demo_build.db_path, out, demo=True)
    assert {path.name: path.read_bytes() for path in again.folder.iterdir()} == before
    assert [path.name for path in out.iterdir()] == [result.folder.name], "no staging folder left behind"


# --- failures on a tiny hand-made warehouse (fast) -----------------------------------------------------


def _tiny_warehouse(path: Path, rows: list[tuple]) -> Path:
    """next_best_actions rows: (grain, user_id, account_id, action, channel); one opted-out and one
    opted-in user, one account."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_users (user_id varchar, account_id varchar, email_hash varchar, "
            "is_marketing_opt_in boolean, as_of_date date)"
        )
        con.execute(
            "insert into marts.dim_users values "
            "('u_out', 'a1', 'hash_out', false, date '2025-03-02'), "
            "('u_in', 'a1', 'hash_in', true, date '2025-03-02')"
        )
        con.execute("create table marts.dim_accounts (account_id varchar, account_name varchar)")
        con.execute("insert into marts.dim_accounts values ('a1', 'Acme')")
        con.execute(
            "create table marts.next_best_actions (as_of_date date, grain varchar, user_id varchar, "
            "account_id varchar, action varchar, channel varchar, owner varchar, segment_type varchar, "
            "segment varchar, objective varchar, priority integer, success_metric varchar)"
        )
        for grain, user_id, account_id, action, channel in rows:
            con.execute(
                "insert into marts.next_best_actions values (date '2025-03-02', ?, ?, ?, ?, ?, 'team', "
                "'lifecycle_segment', 'casual', 'objective', 1, 'metric')",
                [grain, user_id, account_id, action, channel],
            )
    return path


def test_a_marketing_row_for_a_non_consenting_user_fails_loudly_and_writes_nothing(tmp_path):
    db = _tiny_warehouse(tmp_path / "w.duckdb", [
        ("user", "u_in", "a1", "send_use_case_tips", "email"),
        ("user", "u_out", "a1", "send_use_case_tips", "email"),
    ])
    with pytest.raises(ConsentError, match=r"1 marketing row\(s\) without marketing consent.*u_out"):
        export_audience(db, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert main(["--duckdb", str(db), "--out", str(tmp_path / "out")]) == 2


def test_a_marketing_row_at_account_grain_fails(tmp_path):
    db = _tiny_warehouse(tmp_path / "w.duckdb", [("account", None, "a1", "send_use_case_tips", "email")])
    with pytest.raises(ConsentError):
        export_audience(db, tmp_path / "out")


def test_consenting_and_non_marketing_rows_export(tmp_path):
    db = _tiny_warehouse(tmp_path / "w.duckdb", [
        ("user", "u_in", "a1", "send_use_case_tips", "email"),
        ("user", "u_out", "a1", "show_whats_new", "in_app"),
        ("account", None, "a1", "schedule_health_review", "csm_call"),
    ])
    result = export_audience(db, tmp_path / "out")
    assert result.as_of_date == dt.date(2025, 3, 2)
    assert result.rows_per_action == {
        "schedule_health_review": 1,
        "send_use_case_tips": 1,
        "show_whats_new": 1,
    }
    tips = pq.read_table(result.folder / "send_use_case_tips.parquet").to_pylist()
    assert tips[0]["email_hash"] == "hash_in" and tips[0]["account_name"] == "Acme"


def test_a_value_that_looks_like_an_email_fails(tmp_path):
    db = _tiny_warehouse(tmp_path / "w.duckdb", [("user", "u_in", "a1", "show_whats_new", "in_app")])
    with duckdb.connect(str(db)) as con:
        con.execute("update marts.dim_users set email_hash = 'jane@example.com' where user_id = 'u_in'")
    with pytest.raises(RawEmailError, match="email_hash"):
        export_audience(db, tmp_path / "out")
