"""The engagement report: readings on small frames, the page rendered from the demo build, the page in a
real headless Chromium (skipped when Chromium is not installed), and sections whose marts are absent."""

from __future__ import annotations

import base64
import io
import re

import duckdb
import pandas as pd
import pytest
from PIL import Image

from engagement.report import build_report, readings, write_report
from engagement.report.browser import check_page, find_chromium

ML_MARTS = ("churn_risk_scores", "churn_calibration", "churn_model_metrics", "churn_feature_drift",
            "user_clusters", "cluster_profiles", "cluster_model_metrics")


# --- readings: computed from the data, on small frames ---------------------------------------------


def test_segment_sizes_reading_names_the_largest_move():
    weeks = pd.to_datetime(["2025-01-06", "2025-01-13"])
    sizes = pd.DataFrame({"dormant": [100, 112], "power": [50, 48]}, index=weeks)
    assert readings.segment_sizes_reading(sizes) == (
        "Dormant users grew 12% week over week (100 → 112), the largest move of any segment; "
        "160 users in all."
    )


def test_scorecard_reading_ignores_small_samples_when_naming_the_worst_metric():
    scorecard = pd.DataFrame({
        "metric": ["activation_rate", "stickiness_rate", "open_urgent_tickets", "days_active_1_rate"],
        "value": [0.0, 0.15, 3.0, 0.3],
        "target": [0.4, 0.2, 10.0, None],
        "target_direction": ["at_least", "at_least", "at_most", None],
        "status": ["off_target", "off_target", "on_target", "no_target"],
        "sample_size": [2, 500, 250, 500],
    })
    assert readings.scorecard_reading(scorecard, min_sample=30) == (
        "1 of 3 targeted metrics on target (1 on fewer than 30 units); furthest off: stickiness rate at "
        "15.0% against a target of ≥ 20.0%."
    )


def test_attainment_is_one_on_target_in_both_directions():
    assert readings.attainment(0.3, 0.3, "at_least") == 1.0
    assert readings.attainment(7.0, 7.0, "at_most") == 1.0
    assert readings.attainment(14.0, 7.0, "at_most") == 0.5


def test_experiments_reading_without_and_with_a_significant_lift():
    readout = pd.DataFrame({
        "experiment_id": ["exp_a"], "variant": ["b"],
        "activation_lift": [0.02], "activation_lift_ci_lower": [-0.01], "activation_lift_ci_upper": [0.05],
        "is_activation_lift_significant": [False],
        "retention_4w_lift": [0.1],
        "retention_4w_lift_ci_lower": [0.04],
        "retention_4w_lift_ci_upper": [0.16],
        "is_retention_4w_lift_significant": [None],
    })
    assert "None of the 1 treatment variants" in readings.experiments_reading(readout)
    readout["is_retention_4w_lift_significant"] = [True]
    assert readings.experiments_reading(readout) == (
        "exp_a / b moves 4-week retention by +10.0 pts [+4.0 pts, +16.0 pts] (95% intervals; significant "
        "after false-discovery control)."
    )
    # the interval excludes 0 but the adjusted p-value does not pass: no win, and the reading says why
    readout["is_retention_4w_lift_significant"] = [False]
    readout["is_retention_4w_lift_significant_unadjusted"] = [True]
    readout["is_activation_lift_significant_unadjusted"] = [False]
    assert readings.experiments_reading(readout) == (
        "None of the 1 treatment variants moves activation or 4-week retention significantly after "
        "false-discovery control. 1 lift(s) whose 95% interval excludes 0 are not significant once the "
        "experiment's many comparisons are adjusted for."
    )


def test_lift_reading_says_whether_the_ranking_concentrates_churners():
    deciles = pd.DataFrame({"decile": [1, 2], "accounts": [10, 10], "churned": [4, 0]})
    deciles["churn_rate"] = deciles["churned"] / deciles["accounts"]
    deciles["lift"] = deciles["churn_rate"] / 0.2
    assert readings.lift_reading(deciles) == (
        "The riskiest 10% of held-out accounts churned at 40%, 2.0× the average of 20%: "
        "the ranking concentrates churners."
    )


# --- the page, from the demo build ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(demo_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "engagement_report.html"
    return write_report(demo_build.db_path, out), out


def _charts(html: str) -> list[tuple[str, str, str]]:
    """(base64 PNG, alt title, reading) of every chart figure."""
    return re.findall(
        r'<figure class="chart[^"]*" data-chart="[^"]+">'
        r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"[^>]*>'
        r"<figcaption><b>Reading:</b> ([^<]+)</figcaption>",
        html,
    )


@pytest.mark.slow
def test_every_section_renders_from_the_demo_build(demo_report):
    report, out = demo_report
    assert {s.key: s.status for s in report.sections} == {s.key: "ok" for s in report.sections}
    charts = _charts(out.read_text(encoding="utf-8"))
    assert len(charts) == sum(len(s.charts) for s in report.sections) >= 8
    for png, title, reading in charts:
        assert title.strip() and len(reading.strip()) > 20
        width, height = Image.open(io.BytesIO(base64.b64decode(png))).size
        assert width > 200 and height > 150, title
    for section in report.sections:
        assert section.charts or section.notes, f"{section.key} shows neither a chart nor why not"
    # the churn section shows the walk-forward back-test (per date and pooled) and the champion's reason
    churn = next(s for s in report.sections if any("walk-forward back-test" in t.title for t in s.tables))
    backtest = next(t for t in churn.tables if "walk-forward back-test" in t.title)
    scopes = {row[0].text for row in backtest.rows}
    assert "pooled" in scopes and len(scopes) >= 3
    assert sum(row[-1].text == "yes" for row in backtest.rows) == len(scopes)  # one champion per scope
    assert any(note.startswith("Champion: best pooled roc_auc") for note in churn.notes)


@pytest.mark.slow
def test_the_page_is_self_contained_and_deterministic(demo_build, demo_report):
    report, out = demo_report
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "no network resource"
    assert "marts.segment_membership" in report.sources
    assert build_report(demo_build.db_path).html == html, "same marts, same page"


@pytest.mark.slow
def test_sections_whose_marts_are_absent_say_not_built(demo_build, tmp_path):
    partial = tmp_path / "without_ml.duckdb"
    with duckdb.connect(str(partial)) as con:
        con.execute(f"attach '{demo_build.db_path}' as built (read_only)")
        con.execute("create schema marts")
        tables = con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'built' and table_schema = 'marts'"
        ).fetchall()
        for (table,) in tables:
            if table not in ML_MARTS:
                con.execute(f"create table marts.{table} as select * from built.marts.{table}")
    report = build_report(partial)
    status = {section.key: section.status for section in report.sections}
    assert status["churn"] == "not built" and status["clusters"] == "not built"
    assert {key for key, value in status.items() if value != "ok"} == {"churn", "clusters"}
    assert report.html.count('data-status="not built"') == 2
    assert "Not built." in report.html


def test_an_empty_warehouse_gives_a_page_of_not_built_sections(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    report = build_report(empty)
    assert {section.status for section in report.sections} == {"not built"}
    assert "<img" not in report.html


# --- the page in a real browser -----------------------------------------------------------------------


@pytest.mark.slow
def test_the_page_loads_in_headless_chromium_with_every_chart_rendered(request, tmp_path):
    if find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium): headless render not checked")
    report, out = request.getfixturevalue("demo_report")
    result = check_page(out, screenshot=tmp_path / "engagement_report.png", window=(1400, 4000))
    assert result.returncode == 0, result.stderr_tail
    assert result.console == [], f"console messages: {result.console}"
    charts = sum(len(section.charts) for section in report.sections)
    assert result.probe is not None, f"the probe did not run:\n{result.stderr_tail}"
    assert result.probe["charts"] == charts > 0
    assert result.probe["images"] == result.probe["images_rendered"] == charts
    assert result.charts_rendered and result.ok
    assert Image.open(tmp_path / "engagement_report.png").size == (1400, 4000)
