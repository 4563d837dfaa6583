"""Persisted ML fits (issue 12 items 2-3), on real dbt builds of the demo data.

The shared ``demo_build`` (a full `dbt build`, i.e. the weekly cadence) fits and registers both models.
Then, on a copy of that warehouse: a following ``--selector daily`` run scores with the registered fits
(no refit) and its scores equal the weekly fit's own scores of the same rows; a run of the fits with the
test hook var ``ml_force_fit_failure`` records the failures, warns, keeps the previous fit and still
builds the rule-based marts. Last, a daily run on a fresh warehouse (no fit registered yet) warns, names
the missing fit and publishes segment_membership with null ML columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DbtProject, copy_of_build, make_project

pytestmark = pytest.mark.slow

RULE_BASED_MARTS = (
    "segment_membership",
    "segment_transitions",
    "next_best_actions",
    "balanced_scorecard",
    "account_health",
)


def _results(project: DbtProject) -> dict[str, dict]:
    """run_results.json of the project's last dbt command, by node name (models) or test name."""
    data = json.loads((project.work / "target" / "run_results.json").read_text())
    return {result["unique_id"].split(".")[2]: result for result in data["results"]}


@pytest.fixture(scope="module")
def weekly_then_daily(demo_build: DbtProject, tmp_path_factory) -> DbtProject:
    """A copy of the demo warehouse (after its full build), then one `dbt build --selector daily`."""
    work = tmp_path_factory.mktemp("ml_registry")
    project = copy_of_build(demo_build, work)
    registry_sql = "select * from ml.ml_model_registry order by model_name, fitted_at, status"
    project.before = {"registry": project.query(registry_sql)}
    project.daily_output = project.dbt("build", "--selector", "daily").stdout
    project.daily_results = _results(project)
    return project


def test_weekly_build_registers_each_fit(demo_build: DbtProject) -> None:
    rows = demo_build.query(
        "select model_name, status, model_version, fitted_at, training_window_start, training_window_end,"
        " feature_list, config_hash, artifact_format, length(artifact)"
        " from ml.ml_model_registry order by model_name"
    )
    assert [(r[0], r[1]) for r in rows] == [("churn", "succeeded"), ("clustering", "succeeded")]
    as_of = demo_build.scalar("select as_of_date from intermediate.int_build_context")
    for name, _, version, fitted_at, start, end, features, config_hash, artifact_format, size in rows:
        assert version.startswith("churn-" if name == "churn" else "clusters-")
        assert fitted_at == as_of  # the build's as-of date, not the wall clock
        assert start is not None and end is not None and start <= end <= as_of
        assert len(json.loads(features)) > 3 and len(config_hash) == 16
        assert artifact_format == ("churn-skops-v1" if name == "churn" else "clusters-json-v1")
        assert size > 100
    # every registered version is the version of the fit outputs of the same build (the walk-forward
    # back-test rows carry the versions of their own fits, which are never registered)
    outputs = demo_build.query(
        "select distinct model_version from ml.churn_model_outputs"
        " where output_name not in ('backtest_scores', 'importance')"
        " and (output_name <> 'backtest_metrics' or scope = 'pooled') union all"
        " select distinct model_version from ml.cluster_model_outputs"
    )
    assert sorted(v for (v,) in outputs) == sorted(r[2] for r in rows)


def test_artifacts_load_only_as_trusted_types(demo_build: DbtProject) -> None:
    from engagement.ml import registry

    churn_text, cluster_text = (
        demo_build.scalar(f"select artifact from ml.ml_model_registry where model_name = '{name}'")
        for name in ("churn", "clustering")
    )
    churn = registry.load_churn_model(churn_text)
    assert set(churn.estimators) == {"churn", "downgrade"}
    assert registry.load_cluster_model(cluster_text).centers.shape[0] >= 2
    # the stored bytes are canonical: dumping the loaded model again gives the same text
    assert registry.dump_churn_model(churn) == churn_text
    assert "pickle" not in churn_text


def test_daily_scores_with_the_registered_fit_equal_to_the_weekly_fit(weekly_then_daily: DbtProject) -> None:
    project = weekly_then_daily
    results = project.daily_results
    # the daily run refits nothing and scores with the registry
    assert "churn_model_outputs" not in results and "cluster_model_outputs" not in results
    assert "ml_model_registry" not in results
    for name in ("churn_scores_latest_fit", "cluster_assignments_latest_fit", *RULE_BASED_MARTS):
        assert results[name]["status"] == "success", name
    assert results["churn_scores_have_a_registered_fit"]["status"] == "pass"
    assert results["cluster_assignments_have_a_registered_fit"]["status"] == "pass"
    registry_now = project.query("select * from ml.ml_model_registry order by model_name, fitted_at, status")
    assert registry_now == project.before["registry"]

    # churn: every daily score row equals the weekly fit's score of the same snapshot
    compared = project.query(
        """
        select
            count(*),
            count(weekly.account_id),
            count(case when daily.churn_probability = weekly.churn_probability
                and daily.downgrade_probability is not distinct from weekly.downgrade_probability
                and daily.risk_band = weekly.risk_band
                and daily.driver_1 is not distinct from weekly.driver_1
                and daily.driver_3_direction is not distinct from weekly.driver_3_direction
                and daily.model_version = weekly.model_version then 1 end)
        from ml.churn_scores_latest_fit as daily
        left join ml.churn_model_outputs as weekly
            on weekly.output_name = 'scores'
            and daily.account_id = weekly.account_id
            and daily.as_of_date = cast(weekly.as_of_date as date)
        """
    )[0]
    assert compared[0] > 0 and compared[0] == compared[1] == compared[2], compared
    # the rows scored are exactly the weekly fit's out-of-sample score rows (after its training window)
    assert project.scalar("select count(*) from ml.churn_model_outputs where split = 'score'") == compared[0]

    # clusters: every daily assignment (current, previous and the rubric's cohort week) equals the weekly
    # fit's assignment of the same user and week
    clusters = project.query(
        """
        select
            count(*),
            count(weekly.user_id),
            count(case when daily.cluster_id = weekly.cluster_id
                and daily.cluster_archetype = weekly.cluster_archetype
                and abs(daily.distance_to_centroid - weekly.distance_to_centroid) <= 1e-9 then 1 end),
            count(distinct daily.week_role)
        from ml.cluster_assignments_latest_fit as daily
        left join ml.cluster_model_outputs as weekly
            on weekly.output_name = 'assignments'
            and daily.user_id = weekly.user_id
            and daily.week_role = weekly.week_role
            and daily.week_start = cast(weekly.week_start as date)
        """
    )[0]
    assert clusters[0] > 0 and clusters[0] == clusters[1] == clusters[2] and clusters[3] == 3, clusters

    # segment_membership carries the ML columns with the fit that made them
    membership = project.query(
        """
        select ml_status, count(risk_band), count(cluster_archetype),
            count(distinct risk_fitted_at), count(distinct cluster_model_version),
            count(case when risk_band is not null and risk_model_version is null then 1 end)
        from marts.segment_membership group by ml_status
        """
    )
    assert len(membership) == 1 and membership[0][0] == "scored"
    assert membership[0][1] > 0 and membership[0][2] > 0
    assert membership[0][3] == 1 and membership[0][4] == 1 and membership[0][5] == 0


def test_failed_fit_is_recorded_warns_and_keeps_the_previous_fit(weekly_then_daily: DbtProject) -> None:
    project = weekly_then_daily
    proc = project.dbt(
        "build",
        "--select",
        "churn_model_outputs+",
        "cluster_model_outputs+",
        vars={"ml_force_fit_failure": "churn,clustering"},
    )
    results = _results(project)
    for name in ("churn_fit_succeeded", "clustering_fit_succeeded"):
        assert results[name]["status"] == "warn", name
    assert "churn_fit_succeeded" in proc.stdout and "WARN" in proc.stdout
    # every rule-based mart downstream of the fits still built, with its tests
    for name in ("segment_membership", *[m for m in RULE_BASED_MARTS if m in results]):
        assert results[name]["status"] == "success", name
    failed = project.query(
        "select model_name, error_message, model_version, artifact from ml.ml_model_registry"
        " where status = 'failed' order by model_name"
    )
    assert [row[0] for row in failed] == ["churn", "clustering"]
    assert all("ml_force_fit_failure" in row[1] and row[2] is None and row[3] is None for row in failed)
    # the previous succeeded fits are kept and still score: the daily tables are unchanged in substance
    succeeded = project.query(
        "select model_name, model_version from ml.ml_model_registry where status = 'succeeded' order by 1"
    )
    before = sorted((r[0], r[1]) for r in project.before["registry"] if r[3] == "succeeded")
    assert succeeded == before
    versions = project.query("select distinct ml_status, model_version from ml.churn_scores_latest_fit")
    assert versions == [("scored", dict(before)["churn"])]
    assert project.scalar("select count(*) from marts.segment_membership where risk_band is not null") > 0


def test_fresh_daily_run_without_a_fit_warns_and_publishes_the_rule_based_marts(
    demo_build: DbtProject, tmp_path_factory
) -> None:
    work: Path = tmp_path_factory.mktemp("ml_no_fit")
    project = make_project(work, demo_build.raw_root)
    proc = project.dbt("build", "--selector", "daily", check=False)
    results = _results(project)
    for name in ("churn_scores_latest_fit", "cluster_assignments_latest_fit", *RULE_BASED_MARTS):
        assert results[name]["status"] == "success", name
    for name in ("churn_scores_have_a_registered_fit", "cluster_assignments_have_a_registered_fit"):
        assert results[name]["status"] == "warn", name
        assert name in proc.stdout
    # no node of the ML scoring or the rule-based marts failed (their tests included)
    broken = sorted(
        key
        for key, result in results.items()
        if result["status"] in ("error", "fail")
        and any(part in key for part in ("latest_fit", *RULE_BASED_MARTS))
    )
    assert broken == []
    message = project.scalar("select distinct ml_status_message from ml.churn_scores_latest_fit")
    assert "no registered churn fit" in message and "ml_model_registry" in message
    rows = project.query(
        "select ml_status, count(*), count(lifecycle_segment), count(risk_band), count(cluster_archetype)"
        " from marts.segment_membership group by 1"
    )
    assert len(rows) == 1
    status, n_rows, n_segmented, n_risk, n_archetype = rows[0]
    assert status == "no fit: churn, clustering"
    assert n_rows > 0 and n_segmented == n_rows and n_risk == 0 and n_archetype == 0
