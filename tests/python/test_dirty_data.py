"""Feed one row of every dirty-data class of the contract and assert where each row ended up."""

from __future__ import annotations

import contract_fixture
import pytest
from conftest import make_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("dirty")
    contract_fixture.write(work / "raw")
    project = make_project(work, work / "raw")
    # The fixture is mostly dirty rows on purpose, so the broken-feed threshold is lifted.
    project.dbt("build", vars={"max_quarantine_rate": 1})
    return project


def quarantined(project) -> dict[tuple[str, str | None], str]:
    rows = project.query("select source_table, row_key, quarantine_reason from staging.stg_quarantine__rows")
    return {(table, key): reason for table, key, reason in rows}


def test_unusable_rows_are_quarantined_with_their_reason(fixture_build):
    found = quarantined(fixture_build)
    assert found[("app.events", None)] == "missing_event_id"  # null event_id
    assert found[("app.events", "   ")] == "missing_event_id"  # blank event_id
    assert found[("app.events", "e_noident")] == "missing_identity"  # neither user nor anonymous id
    assert found[("app.users", "  ")] == "missing_user_id"
    assert found[("billing.subscription_changes", "c3")] == "unknown_change_type"
    assert found[("support.nps_responses", "n_bad")] == "score_out_of_range"
    assert len(found) == 6


def test_every_raw_row_is_accounted_for(fixture_build):
    for table, model, dup_column in [
        ("app.events", "stg_app__events", "duplicate_rows_dropped"),
        ("app.experiment_assignments", "stg_app__experiment_assignments", "duplicate_rows_dropped"),
        ("app.users", "stg_app__users", None),
        ("billing.subscription_changes", "stg_billing__subscription_changes", None),
        ("support.nps_responses", "stg_support__nps_responses", None),
    ]:
        source, name = table.split(".")
        raw = fixture_build.scalar(f"select count(*) from raw_{source}.{name}")
        staged = fixture_build.scalar(f"select count(*) from staging.{model}")
        dropped = fixture_build.scalar(f"select sum({dup_column}) from staging.{model}") if dup_column else 0
        held = fixture_build.scalar(
            f"select count(*) from staging.stg_quarantine__rows where source_table = '{table}'"
        )
        assert raw == staged + dropped + held, table


def test_duplicates_keep_the_earliest_copy(fixture_build):
    ((received, dropped),) = fixture_build.query(
        "select received_at, duplicate_rows_dropped from staging.stg_app__events where event_id = 'e_dup'"
    )
    assert dropped == 1
    assert received.hour == 12  # the first copy (received 3h after 09:00), not the retry 5h later
    assert (
        fixture_build.scalar(
            "select duplicate_rows_dropped from staging.stg_app__experiment_assignments where user_id = 'u2'"
        )
        == 1
    )


def test_dirty_values_are_cleaned_by_documented_rules(fixture_build):
    events = {
        row[0]: row[1:]
        for row in fixture_build.query(
            "select event_id, user_id, platform, is_clock_skewed, event_at = received_at, "
            "has_malformed_properties, properties is null from staging.stg_app__events"
        )
    }
    assert events["e_future"][2] is True and events["e_future"][3] is True  # future clock -> received_at
    assert events["e_badjson"][4] is True and events["e_badjson"][5] is True  # malformed JSON -> null
    assert (
        events["e_emptyjson"][4] is False and events["e_emptyjson"][5] is True
    )  # empty -> null, not malformed
    assert events["e_desktop"][1] == "desktop"  # new platform value kept
    assert events["e_blankuser"][0] is None  # blank user id -> null, anonymous id kept
    emails = dict(fixture_build.query("select user_id, email from staging.stg_app__users"))
    assert emails["u1"] == "ada@acme.com"  # mixed case with spaces
    assert fixture_build.scalar("select role from staging.stg_app__users where user_id = 'u2'") == "owner"


def test_identities_are_stitched_and_resolved(fixture_build):
    # the pre-signup anonymous event belongs to the user who later identified on that device
    assert (
        fixture_build.scalar(
            "select user_id from intermediate.int_anonymous_ids_stitched where anonymous_id = 'anon1'"
        )
        == "u1"
    )
    # user without account -> billing customer with the same domain? no: u3's domain globex.io -> account a2
    assert fixture_build.query(
        "select account_id, account_resolution from intermediate.int_users_stitched where user_id = 'u3'"
    ) == [("a2", "email_domain")]
    # billing customer without account_id -> resolved through its e-mail domain
    assert fixture_build.query(
        "select account_id, account_resolution from intermediate.int_billing_customers_resolved "
        "where customer_id = 'cus_2'"
    ) == [("a2", "email_domain")]
    tickets = {
        row[0]: row[1:]
        for row in fixture_build.query(
            "select ticket_id, user_id, account_id, contact_resolution from intermediate.int_tickets_resolved"
        )
    }
    assert tickets["t_user"] == ("u1", "a1", "user")  # mixed-case e-mail still matches
    assert tickets["t_domain"] == (None, "a2", "email_domain")  # unknown e-mail, known domain
    assert tickets["t_unknown"] == (None, None, "unresolved")  # kept and counted, not dropped


def test_events_outside_the_catalogue_are_kept_and_reported(fixture_build):
    assert (
        fixture_build.scalar(
            "select sum(unmapped_events) from intermediate.int_user_days_active where user_id = 'u1'"
        )
        == 1
    )


def test_late_and_pre_signup_events_are_counted(fixture_build):
    # e_late was received 5 days after it occurred: it counts on the day it occurred
    assert (
        fixture_build.scalar(
            "select sum(event_count) from intermediate.int_user_event_days_counted "
            "where user_id = 'u2' and event_name = 'report_delivered' and activity_date = '2025-03-07'"
        )
        == 1
    )
    # e_before_signup occurred 20 days before u2 signed up: dated at the signup
    assert (
        fixture_build.scalar(
            "select min(first_event_at) from intermediate.int_user_event_days_counted where user_id = 'u2'"
        ).isoformat()
        == "2025-03-04T09:00:00"
    )


def test_money_in_other_currencies_and_minor_units(fixture_build):
    # cus_2 pays 3 seats x 36,000 JPY a year (JPY has no minor unit) -> 9,000 JPY a month
    mrr = fixture_build.scalar(
        "select mrr_usd from intermediate.int_subscription_changes_priced where change_id = 'c2'"
    )
    rate = fixture_build.scalar("select usd_per_unit from seeds.fx_rates where currency = 'JPY'")
    assert abs(float(mrr) - 9000 * rate) < 0.01


def test_retention_var_drops_old_event_detail(fixture_build):
    """Last in this module: it rebuilds the activity source of truth of the fixture with a retention."""
    fixture_build.dbt(
        "run",
        "--select",
        "int_user_event_days_counted",
        "--full-refresh",
        vars={"max_quarantine_rate": 1, "event_retention_days": 3},
    )
    as_of = fixture_build.scalar("select as_of_date from intermediate.int_build_context")
    oldest = fixture_build.scalar("select min(activity_date) from intermediate.int_user_event_days_counted")
    assert (as_of - oldest).days <= 3
    # an incremental run with the var keeps the table trimmed too (post-hook), and never re-adds old days
    fixture_build.dbt(
        "run",
        "--select",
        "int_user_event_days_counted",
        vars={"max_quarantine_rate": 1, "event_retention_days": 3},
    )
    assert (
        fixture_build.scalar("select min(activity_date) from intermediate.int_user_event_days_counted")
        == oldest
    )
