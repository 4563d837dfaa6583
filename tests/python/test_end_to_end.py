"""End to end: generated demo data -> real `dbt build` on DuckDB -> assertions on the marts."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def test_build_passes_every_model_and_test(demo_build):
    summary = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", demo_build.build_output)
    assert summary, demo_build.build_output[-2000:]
    passed, _warned, errors, skipped = map(int, summary.groups())
    assert errors == 0 and skipped == 0
    assert passed > 300


def test_nothing_is_lost_between_raw_and_staging(demo_build):
    raw = demo_build.scalar("select count(*) from raw_app.events")
    staged, dropped = demo_build.query(
        "select count(*), sum(duplicate_rows_dropped) from staging.stg_app__events"
    )[0]
    quarantined = demo_build.scalar(
        "select count(*) from staging.stg_quarantine__rows where source_table = 'app.events'"
    )
    assert dropped > 0 and quarantined > 0, "the generator plants duplicates and unusable rows"
    assert raw == staged + dropped + quarantined


def test_exactly_one_segment_per_user_week_and_every_user_present(demo_build):
    users, user_weeks, segments = demo_build.query(
        "select count(distinct user_id), count(*), count(lifecycle_segment) "
        "from marts.segment_membership where grain = 'user'"
    )[0]
    assert users == demo_build.scalar("select count(*) from staging.stg_app__users")
    assert user_weeks == segments
    assert (
        demo_build.scalar(
            "select count(*) from (select user_id, week_start from marts.segment_membership "
            "where grain = 'user' group by all having count(*) > 1)"
        )
        == 0
    )


def test_segments_are_varied_and_move(demo_build):
    current = dict(
        demo_build.query(
            "select lifecycle_segment, count(*) from marts.segment_membership "
            "where grain = 'user' and is_current_week group by all"
        )
    )
    assert {"not_activated", "dormant"} <= set(current), current
    assert len(current) >= 5, current
    moved = demo_build.scalar(
        "select sum(members) from marts.segment_transitions where direction in ('progressed', 'regressed')"
    )
    assert moved > 0


def test_no_raw_email_reaches_a_mart(demo_build):
    columns = demo_build.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and data_type = 'VARCHAR'"
    )
    for table, column in columns:
        hits = demo_build.scalar(
            f"select count(*) from marts.{table} where regexp_matches({column}, '[^@\\s]+@[^@\\s]+\\.[a-z]+')"
        )
        assert hits == 0, f"e-mail-like values in marts.{table}.{column}"


def test_marketing_actions_only_reach_consenting_users(demo_build):
    offenders = demo_build.scalar(
        "select count(*) from marts.next_best_actions as actions "
        "inner join marts.dim_users as users on actions.user_id = users.user_id "
        "where actions.channel = 'email' and not users.is_marketing_opt_in"
    )
    assert offenders == 0
    assert demo_build.scalar("select count(*) from marts.next_best_actions where channel = 'email'") > 0


def test_mrr_bridge_reconciles(demo_build):
    rows = demo_build.query(
        "select month_start, opening_mrr_usd, closing_mrr_usd, new_mrr_usd + expansion_mrr_usd "
        "+ reactivation_mrr_usd - contraction_mrr_usd - churned_mrr_usd from marts.mrr_movements order by 1"
    )
    assert len(rows) > 3
    for (_m, opening, closing, net), (_n, next_opening, _c, _x) in zip(rows, rows[1:], strict=False):
        assert abs(opening + net - closing) < 0.01
        assert abs(closing - next_opening) < 0.01
