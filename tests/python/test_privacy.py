"""Privacy: no raw e-mail in any mart, e-mails hashed with the salt, marketing only with consent."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from conftest import BIN, REPO, make_project

pytestmark = pytest.mark.slow

EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
SAMPLE_EMAIL = "Ada@Acme.com"


def test_no_email_pattern_in_any_mart_column(demo_build):
    columns = demo_build.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('marts', 'ml') and data_type = 'VARCHAR'"
    )
    assert len(columns) > 50
    counts = " union all ".join(
        f"select '{schema}.{table}.{column}', count(*) from {schema}.\"{table}\" "
        f"where regexp_matches(\"{column}\", '{EMAIL_PATTERN}')"
        for schema, table, column in columns
    )
    hits = {name: count for name, count in demo_build.query(counts) if count}
    assert hits == {}


def test_mart_email_hash_is_salted(demo_build):
    """dim_users.email_hash is a 64-hex digest that is not the unsalted hash of the user's e-mail."""
    users = str(demo_build.raw_root / "app" / "users.parquet")
    hashes = demo_build.query(
        "select email_hash from marts.dim_users where email_hash is not null"
    )
    assert hashes and all(len(value) == 64 and int(value, 16) >= 0 for (value,) in hashes)
    unsalted = demo_build.scalar(
        f"select count(*) from marts.dim_users as users inner join read_parquet('{users}') as raw "
        "on users.email_hash = sha256(lower(trim(raw.email)))"
    )
    assert unsalted == 0


def _hash_with_salt(project, salt: str) -> str:
    """`dbt show` of the project's hash macro on a sample e-mail with ENGAGEMENT_EMAIL_SALT=salt."""
    proc = subprocess.run(
        [str(BIN / "dbt"), "show", "--inline",
         f"select {{{{ hash_email(\"'{SAMPLE_EMAIL}'\") }}}} as email_hash",
         "--output", "json", "--log-format", "json"],
        cwd=REPO, env={**project.env(), "ENGAGEMENT_EMAIL_SALT": salt},
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    for line in proc.stdout.splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event.get("info", {}).get("name") == "ShowNode":
            return json.loads(event["data"]["preview"])[0]["email_hash"]
    raise AssertionError(f"no dbt show result in:\n{proc.stdout[-3000:]}")


def test_email_hash_changes_with_the_salt(demo_build, tmp_path):
    project = make_project(tmp_path, demo_build.raw_root, db_name="show.duckdb")
    first = _hash_with_salt(project, "salt-one")
    second = _hash_with_salt(project, "salt-two")
    assert first != second
    assert first == hashlib.sha256(f"salt-one{SAMPLE_EMAIL}".encode()).hexdigest()
    assert second == hashlib.sha256(f"salt-two{SAMPLE_EMAIL}".encode()).hexdigest()


def test_marketing_audiences_only_hold_opted_in_users(demo_build):
    users = str(demo_build.raw_root / "app" / "users.parquet")
    marketing = (
        "from marts.next_best_actions as actions "
        "inner join seeds.segment_playbook as playbook "
        "on actions.grain = playbook.grain and actions.segment_type = playbook.segment_type "
        "and actions.segment = playbook.segment and actions.action = playbook.action "
        "where playbook.is_marketing"
    )
    assert demo_build.scalar(f"select count(*) {marketing}") > 0
    assert demo_build.scalar(f"select count(*) {marketing} and actions.user_id is null") == 0
    without_consent = demo_build.query(
        f"select actions.user_id {marketing} and actions.user_id in ("
        f"  select nullif(trim(user_id), '') from read_parquet('{users}')"
        "   where marketing_opt_in is distinct from true"
        ")"
    )
    assert without_consent == []
    # the demo data has users without consent, so the check above is not vacuous
    assert demo_build.scalar(
        f"select count(*) from read_parquet('{users}') where marketing_opt_in is distinct from true"
    ) > 0
