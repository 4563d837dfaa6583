"""Bad input is loud: each case of issue 11 ends in one clear message naming the table, the rows and the fix.

Every case starts from a copy of generated data (scale 0.1, another seed than the demo) edited with DuckDB.
Cases the raw-source hook catches (an empty subscription history, an event with two meanings, a user_id
with two e-mails, a production run without a salt of its own) run `dbt run --select stg_app__users`: the
hook fails before any model runs, so seconds, not a build. Cases that need the quarantine (negative seats,
the quarantine-rate warning) build the staging layer. The salt cases of the CRM export use the shared
demo build. All runs share one dbt target folder so dbt can reuse its parse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, REPO, DbtProject, generate, make_project

from engagement import export

pytestmark = pytest.mark.slow

HOOK_ONLY = ("run", "--select", "stg_app__users")
STAGING_BUILD = ("build", "--select", "staging", "--indirect-selection", "cautious")
CONTRACT_HEADLINE = "Raw data contract: the feed under {root} breaks the contract in 1 place"
ERROR_HEADER = "Compilation Error in operation engagement-on-run-start-0"


def _rewrite(path: Path, sql: str) -> None:
    """Replace a Parquet file by ``sql`` over it (``{src}`` is the file)."""
    tmp = path.with_suffix(".tmp.parquet")
    with duckdb.connect() as con:
        con.execute(f"copy ({sql.format(src=repr(str(path)))}) to '{tmp}' (format parquet)")
    tmp.replace(path)


def _run(project: DbtProject, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """dbt with the project's environment, no salt or ENGAGEMENT_ENV inherited, plus ``env``."""
    full = project.env()
    full.pop("ENGAGEMENT_EMAIL_SALT", None)
    full.pop("ENGAGEMENT_ENV", None)
    full.update(env or {})
    return subprocess.run(
        [str(BIN / "dbt"), *args], cwd=REPO, env=full, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad_input")
    make_project(folder, folder / "unused")
    return folder


@pytest.fixture(scope="module")
def generated(work) -> Path:
    generate(work / "generated", work / "truth", scale=0.1, seed=11)
    return work / "generated"


@pytest.fixture
def case(work, generated, request):
    """A fresh copy of the generated data and a project over it, named after the test."""
    name = request.node.name
    root = work / "cases" / name
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(generated, root)
    return root, DbtProject(raw_root=root, db_path=work / f"{name}.duckdb", work=work)


def _output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


def _assert_contract_stop(proc: subprocess.CompletedProcess, root: Path) -> str:
    output = _output(proc)
    assert proc.returncode != 0
    headline = CONTRACT_HEADLINE.format(root=root)
    # one clear message, logged before dbt's own error header and repeated in it; no model ran
    assert output.count(headline) == 2, output[-3000:]
    assert output.index(headline) < output.index(ERROR_HEADER)
    assert "read RAW_DATA_CONTRACT.md" in output and "Nothing was built." in output
    assert "1 of 1 START" not in output
    return output


# --- cases the raw-source hook stops before any model runs ---------------------------------------------


def test_empty_subscription_history_stops_the_build(case):
    root, project = case
    _rewrite(root / "billing" / "subscription_changes.parquet", "select * from {src} limit 0")
    output = _assert_contract_stop(_run(project, *HOOK_ONLY), root)
    assert (
        f"billing/subscription_changes: {root}/billing/subscription_changes.parquet has no rows; the build "
        "needs at least one (MRR, churn and the churned segment come from it). Fix: export a non-empty feed."
    ) in output


def test_an_event_mapped_to_two_features_stops_the_build(case):
    root, project = case
    plan = root / "app" / "tracking_plan.parquet"
    with duckdb.connect() as con:
        event = con.execute(
            f"select min(event_name) from '{plan}' where feature is not null and milestone is null"
        ).fetchone()[0]
        feature = con.execute(f"select feature from '{plan}' where event_name = '{event}'").fetchone()[0]
    # a second row for the same event (differently cased, as exports do) naming another feature
    _rewrite(
        plan,
        "select * from {src} union all select * replace (upper(event_name) as event_name, "
        f"'some_other_feature' as feature) from {{src}} where event_name = '{event}'",
    )
    output = _assert_contract_stop(_run(project, *HOOK_ONLY), root)
    line = next(line for line in output.splitlines() if line.strip().startswith("- app/tracking_plan:"))
    assert "app/tracking_plan: 1 event_name value(s) appear on 2 rows that disagree on feature" in line
    assert f"'{event}' (2 versions: feature={feature};" in line and "feature=some_other_feature;" in line
    assert "Fix: keep one row per event_name in app/tracking_plan" in line


def test_an_exact_copy_of_a_tracking_plan_row_is_only_quarantined(case):
    """Not a conflict: the copy agrees with the original, so staging de-duplicates it (counted)."""
    root, project = case
    _rewrite(
        root / "app" / "tracking_plan.parquet", "select * from {src} union all (select * from {src} limit 1)"
    )
    proc = _run(project, "build", "--select", "stg_app__tracking_plan", "stg_quarantine__rows")
    assert "breaks the contract" not in _output(proc)
    assert (
        project.scalar(
            "select count(*) from staging.stg_quarantine__rows "
            "where quarantine_reason = 'duplicate_event_name'"
        )
        == 1
    )


def test_a_user_id_with_two_emails_stops_the_build_without_printing_them(case):
    root, project = case
    users = root / "app" / "users.parquet"
    with duckdb.connect() as con:
        query = f"select user_id, email from '{users}' order by user_id limit 1"
        user_id, email = con.execute(query).fetchone()
    _rewrite(
        users,
        "select * from {src} union all select * replace ('moved.' || trim(email) as email) from {src} "
        f"where user_id = '{user_id}'",
    )
    output = _assert_contract_stop(_run(project, *HOOK_ONLY), root)
    assert (
        f"app/users: 1 user_id value(s) appear on 2 rows that disagree on email, account_id, e.g. "
        f"'{user_id}' (2 versions differing in email). Fix: export one row per user_id"
    ) in output
    assert email.strip() not in output and "moved." not in output  # personal data stays out of logs


def test_production_without_a_salt_of_its_own_stops_the_build(case):
    root, project = case
    proc = _run(project, *HOOK_ONLY, env={"ENGAGEMENT_ENV": "production"})
    output = _output(proc)
    assert proc.returncode != 0 and "1 of 1 START" not in output
    message = (
        "E-mail salt: ENGAGEMENT_ENV=production but ENGAGEMENT_EMAIL_SALT is not set (or is the public demo "
        'salt "engagement-demo-salt"): e-mail hashes would be reversible with a dictionary. Fix: set '
        "ENGAGEMENT_EMAIL_SALT to a secret of your own"
    )
    assert output.count(message) == 2 and output.index(message) < output.index(ERROR_HEADER)
    assert "breaks the contract" not in output  # the feed itself is fine
    ok = _run(project, *HOOK_ONLY, env={"ENGAGEMENT_ENV": "production", "ENGAGEMENT_EMAIL_SALT": "s3cret"})
    assert ok.returncode == 0, _output(ok)[-3000:]
    assert "E-mail salt" not in _output(ok)


def test_a_demo_run_says_it_uses_the_demo_salt(case):
    _root, project = case
    proc = _run(project, *HOOK_ONLY, env={"ENGAGEMENT_ENV": "demo"})
    assert proc.returncode == 0, _output(proc)[-3000:]
    assert (
        "E-mail salt: ENGAGEMENT_EMAIL_SALT is not set, so e-mail hashes use the public DEMO salt "
        '"engagement-demo-salt"'
    ) in proc.stdout
    assert "unless ENGAGEMENT_ENV=demo (set: demo run)." in proc.stdout


# --- cases the quarantine counts ----------------------------------------------------------------------


def test_negative_seats_are_quarantined_with_a_counted_warning(case):
    root, project = case
    changes = root / "billing" / "subscription_changes.parquet"
    _rewrite(
        changes,
        "select * replace (case when change_id in (select change_id from {src} where change_type = "
        "'seats_changed' order by change_id limit 2) then -seats else seats end as seats) from {src}",
    )
    with duckdb.connect() as con:
        negative = sorted(
            row[0] for row in con.execute(f"select change_id from '{changes}' where seats < 0").fetchall()
        )
    assert len(negative) == 2
    proc = _run(project, *STAGING_BUILD)
    output = _output(proc)
    assert proc.returncode == 0, output[-4000:]  # a warning: every other subscription stays right
    assert (
        "WARNING quarantine: billing.subscription_changes: 2 row(s) quarantined as negative_seats "
        f"(e.g. {', '.join(negative)}); those changes are left out of the subscription history"
    ) in output
    assert "Fix: export seats as the seat count in force after the change" in output
    assert "WARN 2 billing_subscription_changes_without_negative_seats" in output
    quarantined = project.query(
        "select row_key from staging.stg_quarantine__rows "
        "where quarantine_reason = 'negative_seats' order by 1"
    )
    assert [row[0] for row in quarantined] == negative
    staged = project.scalar(
        "select count(*) from staging.stg_billing__subscription_changes where change_id in "
        f"({', '.join(repr(change) for change in negative)})"
    )
    assert staged == 0


def test_the_quarantine_warns_above_half_the_limit_and_fails_above_it(case):
    root, project = case
    # 7% of users without an id (warning level 5%) and 13% of NPS responses without one (limit 10%)
    for table, key, share in (("app/users", "user_id", 0.07), ("support/nps_responses", "response_id", 0.13)):
        _rewrite(
            root / f"{table}.parquet",
            f"select * replace (case when row_number() over (order by {key}) <= "
            f"ceil(count(*) over () * {share}) then '' else {key} end as {key}) from {{src}}",
        )
    with duckdb.connect() as con:
        users = con.execute(
            f"select count(*), count(*) filter (where user_id = '') from '{root}/app/users.parquet'"
        )
        users_in, users_out = users.fetchone()
    proc = _run(project, *STAGING_BUILD)
    output = _output(proc)
    assert proc.returncode != 0
    assert (
        f"WARNING quarantine: app.users: {users_out} of {users_in} rows quarantined "
        f"({users_out / users_in * 100:.1f}%), above the warning level 5% (var quarantine_warn_fraction 0.5 "
        f"of max_quarantine_rate 0.1); reasons: missing_user_id {users_out}."
    ) in output
    assert "WARN 1 quarantine_rate_within_stg_quarantine__rows_source_app_users___app_users" in output
    assert "ERROR quarantine: support.nps_responses:" in output
    assert "above the limit 10% (var max_quarantine_rate); reasons: missing_response_id" in output
    assert "FAIL 2 quarantine_rate_within_stg_quarantine__rows_source_support_nps_responses" in output
    assert "Fix: correct the export (RAW_DATA_CONTRACT.md) or, if the share is expected" in output


# --- the CRM export and the demo salt (shared demo build: built without ENGAGEMENT_EMAIL_SALT) ---------


@pytest.fixture(scope="module")
def demo_salted(demo_build) -> Path:
    if os.environ.get("ENGAGEMENT_EMAIL_SALT"):
        pytest.skip("the demo build ran with a salt of its own")
    return demo_build.db_path


def test_the_export_recognises_demo_salt_hashes_and_refuses_them(demo_salted, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ENGAGEMENT_ENV", raising=False)
    with duckdb.connect(str(demo_salted), read_only=True) as con:
        assert export.email_salt_status(con) == "demo"  # also proves DEMO_EMAIL_SALT equals the dbt macro's
    assert export.main(["--duckdb", str(demo_salted), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "email_hash value(s) were made with the public demo salt 'engagement-demo-salt'" in err
    assert "nothing was exported. Fix: set ENGAGEMENT_EMAIL_SALT to a secret of your own" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_demo_export_writes_and_says_it_uses_the_demo_salt(demo_salted, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ENGAGEMENT_ENV", "demo")
    assert export.main(["--duckdb", str(demo_salted), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "DEMO SALT: the email_hash values use the public demo salt 'engagement-demo-salt'" in err
    (manifest,) = (tmp_path / "out").glob("*/manifest.json")
    assert json.loads(manifest.read_text())["email_salt"].startswith("DEMO: public salt")


def test_hashes_made_with_a_salt_of_its_own_export(demo_salted, tmp_path, monkeypatch):
    """The same warehouse with every hash re-made with another salt: the export accepts it."""
    copy = tmp_path / "own.duckdb"
    shutil.copy(demo_salted, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update marts.dim_users set email_hash = (select sha256('own-salt' || stitched.email) "
            "from intermediate.int_users_stitched as stitched where stitched.user_id = dim_users.user_id)"
        )
    monkeypatch.delenv("ENGAGEMENT_ENV", raising=False)
    result = export.export_audience(copy, tmp_path / "out")
    assert result.email_salt == "own" and result.rows > 0
