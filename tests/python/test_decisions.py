"""Decision marts (issue 13): segment-size drift alerts, onboarding funnels by segment, the segment scoring
rubric, the campaign readout - on the shared demo build, on an alt-product build with campaign data (other
event names, currencies and seed: the planted funnel drop-off and campaign lifts must be found there too),
and on a small alt-product build whose required milestone setup_complete never fires (a tracking gap:
segments must collapse and the alert must say so).
"""

from __future__ import annotations

import json

import pytest
from conftest import DbtProject, generate, make_project


def _manifest(project: DbtProject) -> dict:
    return json.loads((project.work / "truth" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def campaign_alt(tmp_path_factory) -> DbtProject:
    """The alt product with campaign data (user and account-level touches), another seed, built once."""
    work = tmp_path_factory.mktemp("decisions_campaign_alt")
    generate(work / "raw", work / "truth", scale=0.25, seed=29, extra=("--product", "alt"))
    project = make_project(work, work / "raw")
    project.build_output = project.dbt("build").stdout
    return project


PLANTED_BUILDS = ["demo_build", "campaign_alt"]


# --- onboarding funnel ------------------------------------------------------------------------------


@pytest.mark.parametrize("build", PLANTED_BUILDS)
def test_funnel_finds_the_planted_dropoff_step(build, request):
    project = request.getfixturevalue(build)
    planted = _manifest(project)["funnel_dropoff"]
    rows = project.query(
        "select step, conversion_gap, step_conversion_rate, rest_step_conversion_rate "
        "from marts.onboarding_funnel_dropoff "
        f"where group_type = '{planted['group_type']}' and group_value = '{planted['group_value']}' "
        "and is_largest_gap"
    )
    assert len(rows) == 1, rows
    step, gap, rate, rest = rows[0]
    assert step == planted["milestone"]
    assert gap < 0
    # planted: the group converts at conversion_factor of its archetypes' rate; the rest is unaffected
    assert rate < rest * (planted["conversion_factor"] + 1) / 2


def test_funnel_steps_follow_the_governed_order_and_reconcile(demo_build):
    users = demo_build.scalar("select count(*) from marts.dim_users")
    for group_type in ("all", "lifecycle_segment", "engagement_tier", "cluster_archetype", "plan_tier"):
        signups = demo_build.scalar(
            f"select sum(cohort_users) from marts.onboarding_funnel where group_type = '{group_type}' "
            "and step_order = 0"
        )
        assert signups == users, group_type
    order = demo_build.query(
        "select step from marts.onboarding_funnel where group_type = 'all' group by step, step_order "
        "order by step_order"
    )
    milestones = demo_build.query(
        "select milestone from seeds.activation_milestones order by milestone_order"
    )
    assert [r[0] for r in order] == ["signup"] + [r[0] for r in milestones]
    growing = demo_build.scalar(
        "select count(*) from marts.onboarding_funnel "
        "where reached_users > coalesce(previous_step_users, 1e18)"
    )
    assert growing == 0


# --- segment-size drift -----------------------------------------------------------------------------


def test_drift_alerts_quote_their_reason_and_warn_in_the_build(demo_build):
    missing = demo_build.scalar(
        "select count(*) from marts.segment_size_alerts where alert_reason is null or alert_reason = ''"
    )
    assert missing == 0
    # a segment's members always sum to its grain's members
    unbalanced = demo_build.scalar(
        "select count(*) from (select grain, week_start, segment_type, sum(members) as m, "
        "max(grain_members) as g from marts.segment_size_drift group by all) where m != g"
    )
    assert unbalanced == 0
    current = demo_build.scalar("select count(*) from marts.segment_size_alerts where is_current_week")
    printed = [line for line in demo_build.build_output.splitlines() if "Segment-size alert (" in line]
    assert len(printed) == current


def test_drift_judges_only_weeks_the_feed_observed_after_a_warm_up(demo_build):
    # the demo's users signed up long before its event feed starts: those weeks read as all-inactive
    # members, which raised hundreds of collapse alerts of the feed's own making
    signed_up_before_feed = demo_build.scalar(
        "select count(*) from marts.segment_membership where week_start < "
        "(select min(feed_date) from intermediate.int_feed_days_completed)"
    )
    assert signed_up_before_feed > 0
    first_week, first_feed_date = demo_build.query(
        "select (select min(week_start) from marts.segment_size_drift), "
        "(select min(feed_date) from intermediate.int_feed_days_completed)"
    )[0]
    assert first_week >= first_feed_date
    warm_up_alerts = demo_build.scalar(
        "select count(*) from marts.segment_size_alerts as alerts "
        "cross join seeds.decision_settings as settings "
        "where alerts.baseline_weeks < settings.drift_min_baseline_weeks"
    )
    assert warm_up_alerts == 0


# --- scoring rubric -----------------------------------------------------------------------------------


def test_rubric_ranks_every_scored_segment_with_intervals(demo_build):
    for segment_type in ("lifecycle_x_tier", "cluster"):
        ranks = [
            r[0]
            for r in demo_build.query(
                "select score_rank from marts.segment_scoring_rubric "
                f"where segment_type = '{segment_type}' and score_rank is not null order by score_rank"
            )
        ]
        assert ranks == list(range(1, len(ranks) + 1)), segment_type
        assert ranks, segment_type
    outside = demo_build.scalar(
        "select count(*) from marts.segment_scoring_rubric where retention_rate is not null and not "
        "(retention_rate_lower <= retention_rate and retention_rate <= retention_rate_upper)"
    )
    assert outside == 0
    # clusters are measured too: the daily scorer assigns the cohort week, so their past members have outcomes
    clusters_with_cohort, measured = demo_build.query(
        "select count(*), count(retention_rate) from marts.segment_scoring_rubric "
        "where segment_type = 'cluster' and cohort_members > 0"
    )[0]
    assert clusters_with_cohort >= 2 and measured == clusters_with_cohort
    # lifecycle x tier partitions the members: their retention pooled is the all-member baseline
    pooled, baseline = demo_build.query(
        "select sum(retention_rate * cohort_members) / sum(cohort_members), max(baseline_retention_rate) "
        "from marts.segment_scoring_rubric where segment_type = 'lifecycle_x_tier' and cohort_members > 0"
    )[0]
    assert pooled == pytest.approx(baseline, rel=1e-9)
    members, users = demo_build.query(
        "select (select sum(members) from marts.segment_scoring_rubric "
        "where segment_type = 'lifecycle_x_tier'), "
        "(select count(*) from marts.segment_membership where grain = 'user' and is_current_week)"
    )[0]
    assert members == users


# --- a tracking gap on another product ---------------------------------------------------------------


@pytest.fixture(scope="module")
def silent_alt(tmp_path_factory) -> DbtProject:
    """The alt product (other event names) with setup_complete never tracked and without the optional
    crm/campaign_touches table, built once."""
    work = tmp_path_factory.mktemp("decisions_alt")
    generate(
        work / "raw",
        work / "truth",
        scale=0.15,
        seed=13,
        extra=("--product", "alt", "--silent-milestone", "setup_complete", "--no-campaign-touches"),
    )
    assert not (work / "raw" / "crm" / "campaign_touches.parquet").exists()
    project = make_project(work, work / "raw")
    project.build_output = project.dbt("build", check=False).stdout
    return project


def test_a_silent_required_milestone_raises_a_collapse_alert_naming_tracking(silent_alt):
    rows = silent_alt.query(
        "select grain, segment, alert_type, alert_reason from marts.segment_size_alerts "
        "where is_current_week and segment_type = 'lifecycle_segment' and alert_type = 'collapse_swallowed'"
    )
    assert {r[1] for r in rows} == {"not_activated"}, rows
    assert all("tracking or definition problem" in r[3] for r in rows)
    printed = [line for line in silent_alt.build_output.splitlines() if "Segment-size alert (" in line]
    assert any("not_activated holds" in line for line in printed), silent_alt.build_output[-3000:]
    # the funnel shows where the journey breaks: nobody is past signup
    past_signup = silent_alt.scalar(
        "select sum(reached_users) from marts.onboarding_funnel where group_type = 'all' and step_order > 0"
    )
    assert past_signup == 0


def test_campaign_marts_say_there_is_no_campaign_data(silent_alt):
    assert "Raw data contract: crm/campaign_touches: optional table absent" in silent_alt.build_output
    assert silent_alt.query("select campaign_data_status, raw_rows from marts.campaign_feed_status") == [
        ("no_campaign_data", 0)
    ]
    assert silent_alt.query(
        "select campaign_data_status, action, outcome, lift, is_recommended from marts.campaign_readout"
    ) == [("no_campaign_data", "none", "none", None, False)]
    assert silent_alt.scalar("select count(*) from marts.campaign_touch_outcomes") == 0


def test_self_serve_help_column_comes_from_the_alt_tracking_plan(silent_alt):
    help_events = silent_alt.query(
        "select event_name from staging.stg_app__tracking_plan where is_self_serve_help"
    )
    assert help_events == [("help_article_read",)]


# --- campaign readout against the planted lifts ------------------------------------------------


def _readout_row(project, grain: str, action: str, channel: str, segment: str, outcome: str = "reengagement"):
    rows = project.query(
        "select lift, lift_ci_lower, lift_ci_upper, p_value, p_value_adjusted, is_lift_significant_adjusted, "
        "is_recommended, contacted_observed, holdout_observed from marts.campaign_readout "
        f"where grain = '{grain}' and action = '{action}' and channel = '{channel}' "
        f"and segment = '{segment}' and outcome = '{outcome}'"
    )
    assert len(rows) == 1, (grain, action, channel, segment, outcome)
    return rows[0]


@pytest.mark.parametrize("build", PLANTED_BUILDS)
def test_campaign_readout_recovers_the_planted_lifts(build, request):
    """Per grain (user touches; account-level calls), action and channel (segment 'all', which does not
    depend on how the generator's strata map onto lifecycle segments) the true re-engagement lift - the
    members-weighted planted lift of its sends, from truth/campaign_lifts.parquet - lies in the readout's 95%
    interval; a planted zero is not significant after adjustment (so not recommended) and each grain's
    largest planted lift is recommended."""
    import pyarrow.parquet as pq

    project = request.getfixturevalue(build)
    sends = pq.read_table(project.work / "truth" / "campaign_lifts.parquet").to_pylist()
    true_lift: dict[tuple[str, str, str], list[float]] = {}
    for send in sends:
        cell = true_lift.setdefault((send["grain"], send["action"], send["channel"]), [0.0, 0.0])
        cell[0] += send["members"] * send["true_reengagement_lift"]
        cell[1] += send["members"]
    assert len(true_lift) >= 7 and {grain for grain, _, _ in true_lift} == {"user", "account"}
    for (grain, action, channel), (weighted, members) in true_lift.items():
        truth = weighted / members
        lift, lower, upper, _p, p_adj, significant, recommended, n_contacted, n_holdout = _readout_row(
            project, grain, action, channel, "all"
        )
        assert n_contacted >= 30 and n_holdout >= 30, (grain, action, channel)
        assert lower <= truth <= upper, (grain, action, channel, truth, lift, lower, upper)
        if truth == 0:
            assert not significant and not recommended and p_adj > 0.05, (grain, action, channel, lift, p_adj)
    for grain in ("user", "account"):
        cells = [key for key in true_lift if key[0] == grain]
        best = max(cells, key=lambda key: true_lift[key][0] / true_lift[key][1])
        assert _readout_row(project, *best, "all")[6] is True, best
