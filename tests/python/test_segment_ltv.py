"""LTV and revenue retention by usage segment (marts segment_ltv, revenue_retention_by_segment).

Recomputed here from the account-months (int_accounts_mrr_moved) and account-weeks
(int_account_weeks_segmented) of the shared demo build, independently of the SQL: the cohorts, the segment
at start, the churn counts (equal to mrr_movements'), the Wilson interval and LTV = ARPA x margin / churn.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from engagement.report.readings import ltv_reading

REPO = Path(__file__).resolve().parents[2]
#: the governed LTV settings (vars in dbt_project.yml), read the way dbt reads them
VARS = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]


def _df(project, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(project.db_path), read_only=True) as con:
        return con.sql(sql).df()


@pytest.fixture(scope="module")
def expected(demo_build) -> pd.DataFrame:
    """segment_ltv by engagement tier at start, recomputed in pandas."""
    months = _df(demo_build, "select * from intermediate.int_accounts_mrr_moved")
    weeks = _df(
        demo_build,
        "select account_id, week_start, engagement_tier from intermediate.int_account_weeks_segmented",
    )
    cutoff = pd.Timestamp(demo_build.scalar("select as_of_cutoff_at from intermediate.int_build_context"))
    months["month_start"] = pd.to_datetime(months["month_start"])
    weeks["week_start"] = pd.to_datetime(weeks["week_start"])
    cohort = months[months["mrr_usd"] > 0].groupby("account_id")["month_start"].min().rename("cohort_month")
    weeks = weeks.join(cohort, on="account_id", how="inner")
    in_month = weeks[
        (weeks["week_start"] >= weeks["cohort_month"])
        & (weeks["week_start"] < weeks["cohort_month"] + pd.offsets.MonthBegin(1))
    ]
    start = in_month.sort_values("week_start").groupby("account_id").tail(1).set_index("account_id")
    tier = start["engagement_tier"].reindex(cohort.index).fillna("unknown").rename("segment")
    complete = months[months["month_start"] + pd.offsets.MonthBegin(1) <= cutoff].join(tier, on="account_id")
    complete = complete[complete["segment"].notna()]
    paying = complete[complete["is_paying_at_start"].astype(bool)]
    grouped = pd.DataFrame(
        {
            "accounts": complete.groupby("segment")["account_id"].nunique(),
            "paying_account_months": paying.groupby("segment").size(),
            "churn_events": complete[complete["movement_type"] == "churn"].groupby("segment").size(),
            "opening_mrr_usd": paying.groupby("segment")["previous_mrr_usd"].sum(),
        }
    ).fillna(0)
    return grouped


@pytest.fixture(scope="module")
def ltv(demo_build) -> pd.DataFrame:
    return _df(demo_build, "select * from marts.segment_ltv")


def _wilson(events: int, n: int, z: float) -> tuple[float, float]:
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.slow
def test_ltv_rows_match_an_independent_recomputation(demo_build, ltv, expected):
    tiers = ltv[ltv["segment_type"] == "engagement_tier"].set_index("segment").sort_index()
    assert list(tiers.index) == sorted(expected.index)
    assert len(tiers) >= 2, "the demo should split paying accounts over at least two tiers at start"
    margin, cap = float(VARS["ltv_gross_margin_rate"]), float(VARS["ltv_max_months"])
    for segment, row in tiers.iterrows():
        exp = expected.loc[segment]
        assert int(row["accounts"]) == int(exp["accounts"]), segment
        assert int(row["paying_account_months"]) == int(exp["paying_account_months"]), segment
        assert int(row["churn_events"]) == int(exp["churn_events"]), segment
        n, events = int(exp["paying_account_months"]), int(exp["churn_events"])
        arpa = float(exp["opening_mrr_usd"]) / n
        assert float(row["arpa_usd"]) == pytest.approx(arpa, rel=1e-6)
        churn = events / n
        lower, upper = _wilson(events, n, float(VARS["ltv_ci_z"]))
        assert float(row["churn_rate_monthly"]) == pytest.approx(churn, abs=1e-12)
        assert float(row["churn_rate_ci_lower"]) == pytest.approx(lower, abs=1e-9)
        assert float(row["churn_rate_ci_upper"]) == pytest.approx(upper, abs=1e-9)
        lifetime = min(1 / churn, cap) if churn > 0 else cap
        assert float(row["ltv_usd"]) == pytest.approx(arpa * margin * lifetime, rel=1e-5)
        assert float(row["ltv_ci_lower_usd"]) <= float(row["ltv_usd"]) <= float(row["ltv_ci_upper_usd"])
        assert bool(row["is_lifetime_capped"]) == (lifetime == cap)


@pytest.mark.slow
def test_each_segment_type_splits_the_churn_counts_of_mrr_movements(demo_build, ltv):
    governed = demo_build.query(
        "select sum(opening_customers), sum(churned_customers) from marts.mrr_movements "
        "where not is_partial_month"
    )[0]
    totals = ltv.groupby("segment_type")[["paying_account_months", "churn_events"]].sum()
    assert set(totals.index) == {"all", "engagement_tier", "lifecycle_segment"}
    for segment_type, row in totals.iterrows():
        assert (int(row["paying_account_months"]), int(row["churn_events"])) == tuple(map(int, governed)), (
            segment_type
        )
    assert int(governed[1]) > 0, "the demo should have churned accounts"


@pytest.mark.slow
def test_revenue_retention_curves_start_at_one_and_pool_the_cohorts(demo_build, ltv):
    curves = _df(demo_build, "select * from marts.revenue_retention_by_segment")
    start = curves[curves["months_since_start"] == 0]
    assert (start["revenue_retention_rate"] == 1).all() and (start["logo_retention_rate"] == 1).all()
    # every cohort account with a complete first month is in month 0 of each segment type
    accounts = start.groupby("segment_type")["accounts"].sum()
    assert accounts.nunique() == 1 and int(accounts.iloc[0]) == int(
        ltv.query("segment_type == 'all'")["accounts"].iloc[0]
    )
    # later points pool only the cohorts old enough: never more accounts than month 0
    first = start.set_index(["segment_type", "segment"])["accounts"]
    later = curves.set_index(["segment_type", "segment"])["accounts"]
    assert (later <= first.reindex(later.index)).all()
    horizon = int(VARS["revenue_curve_max_months"])
    assert curves["months_since_start"].max() <= horizon


def test_ltv_reading_names_best_and_worst_solid_segments_and_says_when_intervals_overlap():
    ltv = pd.DataFrame(
        {
            "segment": ["a", "b", "thin"],
            "accounts": [10, 8, 1],
            "paying_account_months": [200, 100, 3],
            "ltv_usd": [5000.0, 1000.0, 90000.0],
            "ltv_ci_lower_usd": [3000.0, 600.0, 100.0],
            "ltv_ci_upper_usd": [8000.0, 3500.0, 90000.0],
        }
    )
    curves = pd.DataFrame(
        {
            "segment": ["a", "a", "b", "b", "a", "b"],
            "months_since_start": [0, 3, 0, 3, 6, 6],
            "accounts": [10, 9, 8, 7, 9, 2],
            "revenue_retention_rate": [1.0, 1.2, 1.0, 0.8, 1.3, 0.5],
        }
    )
    text = ltv_reading(ltv, curves, min_months=30, min_accounts=5)
    assert "started as a have the highest LTV, $5,000 [$3,000, $8,000]" in text
    assert "b the lowest, $1,000" in text and "thin" not in text
    assert "intervals overlap" in text
    # month 6 has only 2 accounts of b: the comparison is read at month 3
    assert "After 3 months they keep 120% vs 80%" in text
    separated = ltv.assign(ltv_ci_upper_usd=[8000.0, 2000.0, 90000.0])
    assert "overlap" not in ltv_reading(separated, curves)
    assert "not readable" in ltv_reading(ltv[ltv["segment"] == "thin"], curves)
