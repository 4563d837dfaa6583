"""One definition per metric: the scorecard, mrr_movements and the semantic layer agree for every period.

MetricFlow is not installed, so the semantic layer is queried the way MetricFlow reads its definition: the
semantic manifest dbt writes (target/semantic_manifest.json) gives each metric's measure, aggregation,
expression, filter and non-additive dimension; :func:`semantic_sql` turns that into SQL over the measure's
model at a time grain, and the tests compare the result with the governed model's own column.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

pytestmark = pytest.mark.slow

#: The governed business metrics: metric name -> (model that computes it, its grain). The name is the
#: same in the model (a column of mrr_movements, or a metric of balanced_scorecard) and the semantic layer.
GOVERNED: dict[str, tuple[str, str]] = {
    "nrr_monthly": ("mrr_movements", "month"),
    "grr_monthly": ("mrr_movements", "month"),
    "logo_churn_rate_monthly": ("mrr_movements", "month"),
    "revenue_churn_rate_monthly": ("mrr_movements", "month"),
    "nrr_trailing_12m": ("mrr_movements", "month"),
    "grr_trailing_12m": ("mrr_movements", "month"),
    "activation_rate": ("balanced_scorecard", "week"),
    "user_retention_rate": ("balanced_scorecard", "week"),
    "stickiness_rate": ("balanced_scorecard", "week"),
}

AGGREGATIONS = {
    "sum": "sum({})",
    "max": "max({})",
    "min": "min({})",
    "average": "avg({})",
    "count": "count({})",
    "count_distinct": "count(distinct {})",
    "median": "median({})",
}


@pytest.fixture(scope="module")
def manifest(demo_build) -> dict[str, Any]:
    return json.loads((demo_build.work / "target" / "semantic_manifest.json").read_text())


def _metric(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [metric for metric in manifest["metrics"] if metric["name"] == name]
    assert len(matches) == 1, f"semantic metric {name}: {len(matches)} definitions"
    return matches[0]


def _measure(manifest: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for model in manifest["semantic_models"]:
        for measure in model["measures"]:
            if measure["name"] == name:
                return model, measure
    raise AssertionError(f"no semantic model has a measure {name}")


def _render_filter(template: str, model: dict[str, Any]) -> str:
    """``{{ Dimension('entity__dim') }}`` -> the dimension's expression in the measure's model."""
    dimensions = {dim["name"]: dim.get("expr") or dim["name"] for dim in model["dimensions"]}

    def column(match: re.Match[str]) -> str:
        dimension = match.group(1).split("__")[-1]
        return dimensions[dimension]

    return re.sub(r"\{\{\s*Dimension\('([^']+)'\)\s*\}\}", column, template)


def semantic_sql(manifest: dict[str, Any], name: str, grain: str) -> str:
    """SQL returning (metric_time, value) of simple metric ``name`` at ``grain``, as MetricFlow defines it."""
    metric = _metric(manifest, name)
    assert metric["type"] == "simple", (
        f"{name} must read its governed value, not derive it ({metric['type']})"
    )
    model, measure = _measure(manifest, metric["type_params"]["measure"]["name"])
    relation = f"{model['node_relation']['schema_name']}.{model['node_relation']['alias']}"
    time_dimension = model["defaults"]["agg_time_dimension"]
    filters = [
        _render_filter(where["where_sql_template"], model)
        for where in (metric.get("filter") or {}).get("where_filters", [])
    ]
    where = " and ".join(f"({sql})" for sql in filters) or "true"
    value = AGGREGATIONS[measure["agg"]].format(measure.get("expr") or measure["name"])
    non_additive = measure.get("non_additive_dimension")
    keep = "true"
    if non_additive:
        window = "max" if non_additive["window_choice"] == "max" else "min"
        keep = f"{non_additive['name']} = {window}({non_additive['name']}) over (partition by metric_time)"
    return f"""
        with base as (
            select *, date_trunc('{grain}', {time_dimension}) as metric_time
            from {relation}
            where {where}
        ),
        kept as (
            select *, {keep} as is_kept from base
        )
        select cast(metric_time as date) as metric_time, {value} as value
        from kept
        where is_kept
        group by 1
        order by 1
    """


def _close(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return abs(float(left) - float(right)) <= 1e-9


def test_each_governed_metric_is_read_from_its_model_never_recomputed(manifest):
    for name, (model_name, _grain) in GOVERNED.items():
        metric = _metric(manifest, name)
        assert metric["type"] == "simple", name
        model, measure = _measure(manifest, metric["type_params"]["measure"]["name"])
        assert model["node_relation"]["alias"] == model_name, name
        if model_name == "mrr_movements":
            # the measure is the column itself, no formula
            assert (measure.get("expr") or measure["name"]) == name, name
        else:
            templates = [where["where_sql_template"] for where in metric["filter"]["where_filters"]]
            assert any(f"= '{name}'" in template for template in templates), name
        assert measure["agg"] != "sum", f"{name} is a rate: summing it over periods changes its meaning"
    names = {metric["name"] for metric in manifest["metrics"]}
    # the former second definitions are gone
    assert not names & {
        "net_revenue_retention",
        "gross_revenue_retention",
        "logo_churn_rate",
        "signup_activation_rate",
    }


def test_revenue_metrics_agree_across_mrr_movements_scorecard_and_semantic_layer(demo_build, manifest):
    months = demo_build.query("select count(*) from marts.mrr_movements where not is_partial_month")[0][0]
    assert months >= 12, "the demo spans more than a year of paying months"
    compared_scorecard = 0
    for name, (model_name, grain) in GOVERNED.items():
        if model_name != "mrr_movements":
            continue
        governed = dict(demo_build.query(f"select month_start, {name} from marts.mrr_movements"))
        semantic = dict(demo_build.query(semantic_sql(manifest, name, grain)))
        assert semantic.keys() == governed.keys(), name
        differing = {
            month: (semantic[month], governed[month])
            for month in governed
            if not _close(semantic[month], governed[month])
        }
        assert not differing, (name, differing)
        assert any(value is not None for value in governed.values()), name
        shown = demo_build.query(
            "select period_start, value from marts.balanced_scorecard "
            f"where metric = '{name}' and period_grain = 'month'"
        )
        for period_start, value in shown:
            assert _close(value, semantic.get(period_start)), (
                name,
                period_start,
                value,
                semantic.get(period_start),
            )
        compared_scorecard += len(shown)
    assert compared_scorecard > 20, "the scorecard shows logo churn and NRR at month grain every week"


def test_weekly_user_metrics_agree_between_scorecard_and_semantic_layer(demo_build, manifest):
    for name, (model_name, grain) in GOVERNED.items():
        if model_name != "balanced_scorecard":
            continue
        governed = dict(
            demo_build.query(
                "select week_start, value from marts.balanced_scorecard "
                f"where metric = '{name}' and segment_type = 'all' and period_grain = 'week'"
            )
        )
        assert governed and any(value is not None for value in governed.values()), name
        semantic = dict(demo_build.query(semantic_sql(manifest, name, grain)))
        assert semantic.keys() == governed.keys(), name
        assert all(_close(semantic[week], governed[week]) for week in governed), name


def test_a_rate_at_a_coarser_grain_is_the_periods_latest_value(demo_build, manifest):
    quarterly = dict(demo_build.query(semantic_sql(manifest, "nrr_monthly", "quarter")))
    latest = dict(
        demo_build.query(
            "select cast(date_trunc('quarter', month_start) as date), arg_max(nrr_monthly, month_start) "
            "from marts.mrr_movements group by 1"
        )
    )
    assert quarterly.keys() == latest.keys()
    assert all(_close(quarterly[quarter], latest[quarter]) for quarter in latest)


def test_scorecard_shows_the_latest_complete_month_at_each_week(demo_build):
    rows = demo_build.query(
        "select week_start, period_start from marts.balanced_scorecard where metric = 'nrr_trailing_12m'"
    )
    assert rows
    for week_start, period_start in rows:
        week_end = week_start.toordinal() + 7
        month_end = period_start.replace(
            month=period_start.month % 12 + 1, year=period_start.year + (period_start.month == 12)
        )
        # the month is over by the week's end, and the next one is not
        assert month_end.toordinal() <= week_end
        next_end = month_end.replace(
            month=month_end.month % 12 + 1, year=month_end.year + (month_end.month == 12)
        )
        assert next_end.toordinal() > week_end
