"""The report's sections: which marts each reads, the queries, the charts and tables it shows.

A section whose marts are absent says so ("not built") instead of failing the report, so the report can
be rendered while parts of the project (e.g. the ML marts) are still being built.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from engagement.report import charts, readings
from engagement.report.charts import Chart
from engagement.report.marts import Marts, MissingMartError
from engagement.report.readings import label, metric_value, pct, points

# used only when the warehouse has no seed segment_thresholds (its retention_horizon_weeks governs)
DEFAULT_RETENTION_HORIZON_WEEKS = 8
RETENTION_ANCHOR_WEEKS = 8
MAX_WEEKS_SHOWN = 104
TOP_FLOWS = 12
DEFAULT_WINDOW_DAYS = 14
FEED_START_MIN_SHARE = 0.05
# a scorecard value over fewer units is shown but not singled out in the reading
MIN_SAMPLE = 30
MAIN_CHURN_MODEL = "gradient_boosting_calibrated"


@dataclass(frozen=True)
class Cell:
    text: str
    css_class: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    # narrow enough to sit beside a half-width chart
    compact: bool = False


@dataclass
class Section:
    """A rendered section; ``missing`` lists absent marts (the section is then "not built")."""

    key: str
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def status(self) -> str:
        if self.missing:
            return "not built"
        return "error" if self.error else "ok"


@dataclass(frozen=True)
class Context:
    """Dates every section shares."""

    as_of_date: dt.date
    as_of_week: dt.date
    last_complete_week: dt.date
    feed_start_week: dt.date
    # the lifecycle segments healthiest first (marts.governed_values: the governed list and ladder)
    segment_ladder: tuple[str, ...] = ()


Builder = Callable[[Marts, Context, Section], None]


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    intro: str
    requires: tuple[str, ...]
    build: Builder


def _date(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def build_context(marts: Marts) -> Context:
    """As-of date and week, last complete week and the first week of the events feed."""
    marts.require("marts.fct_user_engagement_weekly")
    as_of_week = _date(marts.scalar("select max(week_start) from marts.fct_user_engagement_weekly"))
    as_of_date = None
    if marts.has("marts.dim_users"):
        as_of_date = marts.scalar("select max(as_of_date) from marts.dim_users")
    as_of = _date(as_of_date) if as_of_date is not None else as_of_week + dt.timedelta(days=6)
    complete = as_of_week if as_of >= as_of_week + dt.timedelta(days=6) else as_of_week - dt.timedelta(days=7)
    return Context(as_of, as_of_week, complete, _feed_start_week(marts) or as_of_week, segment_ladder(marts))


def segment_ladder(marts: Marts) -> tuple[str, ...]:
    """The governed lifecycle segments, healthiest first (empty when marts.governed_values is absent)."""
    if not marts.has("marts.governed_values"):
        return ()
    marts.read.add("marts.governed_values")
    rows = marts.df(
        "select value from marts.governed_values where list_name = 'lifecycle_segment' "
        "order by ladder_rank desc, list_order"
    )
    return tuple(str(value) for value in rows["value"])


def rule_order(marts: Marts, list_name: str) -> list[str]:
    """A governed list in its rule order (empty when marts.governed_values is absent)."""
    if not marts.has("marts.governed_values"):
        return []
    marts.read.add("marts.governed_values")
    rows = marts.df(
        "select value from marts.governed_values where list_name = ? order by list_order", [list_name]
    )
    return [str(value) for value in rows["value"]]


def _feed_start_week(marts: Marts) -> dt.date | None:
    """First week observed by the events feed: the scorecard's first week (its definition), else the first
    week with at least FEED_START_MIN_SHARE of the peak weekly active users (late and back-dated events
    put a few users in the weeks before the feed began)."""
    if marts.has("marts.balanced_scorecard"):
        first = marts.scalar("select min(week_start) from marts.balanced_scorecard")
        if first is not None:
            return _date(first)
    first = marts.scalar(
        """
        with weekly as (
            select week_start, count(case when is_active then 1 end) as active_users
            from marts.fct_user_engagement_weekly
            group by week_start
        )
        select min(week_start) from weekly
        where active_users >= ? * (select max(active_users) from weekly) and active_users > 0
        """,
        [FEED_START_MIN_SHARE],
    )
    return _date(first) if first is not None else None


def headline(marts: Marts, context: Context | None) -> list[tuple[str, str]]:
    """The few numbers at the top of the page (those whose marts exist)."""
    items: list[tuple[str, str]] = []
    if context is not None:
        items.append(("as-of date", f"{context.as_of_date:%Y-%m-%d}"))
    if marts.has("marts.dim_users"):
        marts.read.add("marts.dim_users")
        users = int(marts.scalar("select count(*) from marts.dim_users") or 0)
        activated = float(
            marts.scalar("select avg(case when is_activated then 1.0 else 0.0 end) from marts.dim_users")
            or 0.0
        )
        items += [("users", f"{users:,}"), ("activated", pct(activated))]
    if marts.has("marts.dim_accounts"):
        marts.read.add("marts.dim_accounts")
        accounts, paying, mrr = marts.con.execute(
            "select count(*), count(case when current_mrr_usd > 0 then 1 end), "
            "coalesce(sum(current_mrr_usd), 0) from marts.dim_accounts"
        ).fetchone() or (0, 0, 0)
        items += [
            ("accounts", f"{int(accounts):,}"),
            ("paying accounts", f"{int(paying):,}"),
            ("MRR (USD)", f"{float(mrr):,.0f}"),
        ]
    if marts.has("marts.next_best_actions"):
        marts.read.add("marts.next_best_actions")
        audience = int(marts.scalar("select count(*) from marts.next_best_actions") or 0)
        items.append(("next best actions", f"{audience:,}"))
    return items


# --- segments -------------------------------------------------------------------------------------


def _segment_sizes(marts: Marts, context: Context, section: Section) -> None:
    first = max(context.feed_start_week, context.as_of_week - dt.timedelta(weeks=MAX_WEEKS_SHOWN - 1))
    long = marts.df(
        "select week_start, lifecycle_segment, count(*) as members from marts.segment_membership "
        "where grain = 'user' and week_start >= ? group by all order by all",
        [first],
    )
    if long.empty:
        section.notes.append("No user rows in segment_membership.")
        return
    sizes = long.pivot(index="week_start", columns="lifecycle_segment", values="members").fillna(0)
    sizes.index = pd.to_datetime(sizes.index)
    title = "Lifecycle segment sizes, users per week"
    section.charts.append(
        charts.segment_sizes(sizes, context.segment_ladder, title, readings.segment_sizes_reading(sizes))
    )
    rules = rule_order(marts, "lifecycle_segment")
    if rules:
        section.notes.append(
            "Rule order (first that holds, marts.governed_values): "
            + ", ".join(label(rule) for rule in rules)
            + "."
        )


def _transitions(marts: Marts, context: Context, section: Section) -> None:
    matrix = marts.df("select * from marts.segment_transition_matrix where grain = 'user'")
    week = marts.scalar("select max(week_start) from marts.segment_transitions where grain = 'user'")
    moves = marts.df(
        "select from_segment, to_segment, members, transition_rate, direction "
        "from marts.segment_transitions where grain = 'user' and week_start = ?",
        [week],
    )
    if matrix.empty or moves.empty:
        section.notes.append("No transitions in the as-of week.")
        return
    to_columns = [col for col in matrix.columns if col.startswith("to_")]
    counts = matrix.set_index("from_segment")[to_columns].rename(columns=lambda col: col.removeprefix("to_"))
    counts = counts.fillna(0).astype(int)
    matrix_week = _date(matrix["week_start"].max())
    section.charts.append(
        charts.transition_heatmap(
            counts,
            context.segment_ladder,
            f"Transition matrix, week of {matrix_week:%Y-%m-%d}",
            readings.matrix_reading(counts),
        )
    )
    flows = moves[moves["direction"].isin(["progressed", "regressed"])]
    flows = flows.sort_values(["members", "from_segment", "to_segment"], ascending=[False, True, True])
    if not flows.empty:
        section.charts.append(
            charts.transition_flows(
                flows.head(TOP_FLOWS),
                f"Largest flows, week of {_date(week):%Y-%m-%d}",
                readings.flows_reading(moves),
            )
        )


# --- scorecard ------------------------------------------------------------------------------------


def _scorecard(marts: Marts, context: Context, section: Section) -> None:
    week = marts.scalar("select max(week_start) from marts.balanced_scorecard")
    if week is None:
        section.notes.append("The scorecard has no week yet.")
        return
    week = _date(week)
    earlier = week - dt.timedelta(weeks=4)
    rows = marts.df(
        "select now.pillar, now.metric, now.value, now.sample_size, now.target, now.target_direction, "
        "now.status, now.is_leading, before.value as value_4w_ago "
        "from marts.balanced_scorecard as now "
        "left join marts.balanced_scorecard as before "
        "on now.metric = before.metric and now.segment_type = before.segment_type "
        "and now.segment = before.segment and before.week_start = ? "
        "where now.segment_type = 'all' and now.week_start = ? and now.metric not like 'days_active_%' "
        "order by now.pillar, now.metric",
        [earlier, week],
    )
    scored = rows[rows["status"].isin(["on_target", "off_target"])].copy()
    scored["attainment"] = [
        readings.attainment(float(v), float(t), str(d))
        for v, t, d in zip(scored["value"], scored["target"], scored["target_direction"], strict=True)
    ]
    if not scored.empty:
        section.charts.append(
            charts.scorecard_attainment(
                scored,
                MIN_SAMPLE,
                f"Scorecard vs targets, week of {week:%Y-%m-%d}",
                readings.scorecard_reading(rows, MIN_SAMPLE),
            )
        )
    table_rows = []
    for row in rows.itertuples(index=False):
        sign = {"at_least": "≥ ", "at_most": "≤ "}.get(str(row.target_direction), "")
        target = f"{sign}{metric_value(row.metric, row.target)}" if pd.notna(row.target) else "-"
        table_rows.append(
            [
                Cell(label(row.pillar)),
                Cell(label(row.metric) + ("" if row.is_leading else " (lagging)")),
                Cell(metric_value(row.metric, row.value), "num"),
                Cell(target, "num"),
                Cell(label(row.status), f"status {row.status}"),
                Cell(metric_value(row.metric, row.value_4w_ago), "num"),
                Cell(
                    f"{int(row.sample_size):,}" + (" (small)" if row.sample_size < MIN_SAMPLE else ""), "num"
                ),
            ]
        )
    section.tables.append(
        Table(
            f"Scorecard, week of {week:%Y-%m-%d} (segment all)",
            ["pillar", "metric", "value", "target", "status", f"value {earlier:%Y-%m-%d}", "sample"],
            table_rows,
            compact=True,
        )
    )


def _window_days(marts: Marts) -> int:
    if marts.has("seeds.segment_thresholds"):
        marts.read.add("seeds.segment_thresholds")
        value = marts.scalar("select milestone_window_days from seeds.segment_thresholds limit 1")
        if value is not None:
            return int(value)
    return DEFAULT_WINDOW_DAYS


def _activation(marts: Marts, context: Context, section: Section) -> None:
    window = _window_days(marts)
    # the governed activation_rate (balanced_scorecard, one definition): the signups whose activation
    # window closed in the week, and the share of them activated within it
    marts.require("marts.balanced_scorecard")
    cohorts = marts.df(
        "select week_start as window_closed_week, sample_size as signups, value as activation_rate "
        "from marts.balanced_scorecard "
        "where metric = 'activation_rate' and segment_type = 'all' and sample_size > 0 "
        "order by week_start"
    )
    if cohorts.empty:
        section.notes.append(f"No signup cohort has completed its {window}-day activation window yet.")
        return
    section.charts.append(
        charts.cohort_activation(
            cohorts,
            window,
            "Activation rate by week the activation window closed",
            readings.activation_reading(cohorts, window),
        )
    )


def _retention_horizon_weeks(marts: Marts) -> int:
    """The governed retention horizon (seed segment_thresholds.retention_horizon_weeks)."""
    if marts.has("seeds.segment_thresholds"):
        marts.read.add("seeds.segment_thresholds")
        value = marts.scalar("select retention_horizon_weeks from seeds.segment_thresholds limit 1")
        if value is not None:
            return int(value)
    return DEFAULT_RETENTION_HORIZON_WEEKS


def _retention(marts: Marts, context: Context, section: Section) -> None:
    horizon = _retention_horizon_weeks(marts)
    last_anchor = context.last_complete_week - dt.timedelta(weeks=horizon)
    first_anchor = max(context.feed_start_week, last_anchor - dt.timedelta(weeks=RETENTION_ANCHOR_WEEKS - 1))
    curves = marts.df(
        f"""
        with anchors as (
            select user_id, week_start as anchor_week, lifecycle_segment
            from marts.segment_membership
            where grain = 'user' and week_start between ? and ?
        ),
        later as (
            select user_id, week_start, key_actions
            from marts.fct_user_engagement_weekly
        )
        select
            anchors.lifecycle_segment,
            cast(datediff('day', anchors.anchor_week, later.week_start) / 7 as integer) as weeks_after,
            count(*) as users,
            avg(case when later.key_actions > 0 then 1.0 else 0.0 end) as retention_rate,
        from anchors
        inner join later
            on anchors.user_id = later.user_id
            and later.week_start > anchors.anchor_week
            and later.week_start <= anchors.anchor_week + to_days({7 * horizon})
        group by all
        order by all
        """,
        [first_anchor, last_anchor],
    )
    if curves.empty or first_anchor > last_anchor:
        section.notes.append(
            f"Retention curves need {horizon} complete weeks (seed retention_horizon_weeks) after an "
            "anchor week; not enough history yet."
        )
        return
    title = f"Retention by segment (anchors {first_anchor:%Y-%m-%d} to {last_anchor:%Y-%m-%d})"
    section.charts.append(
        charts.retention_curves(curves, context.segment_ladder, title, readings.retention_reading(curves))
    )


def _activation_and_retention(marts: Marts, context: Context, section: Section) -> None:
    _activation(marts, context, section)
    _retention(marts, context, section)


# --- ML -------------------------------------------------------------------------------------------


def _churn(marts: Marts, context: Context, section: Section) -> None:
    calibration = marts.df(
        "select model_name, bin_index, mean_predicted, observed_rate, n_rows "
        "from marts.churn_calibration where label = 'churn' order by model_name, bin_index"
    )
    metrics = None
    main_model = MAIN_CHURN_MODEL
    if marts.has("marts.churn_model_metrics"):
        marts.read.add("marts.churn_model_metrics")
        every = marts.df("select * from marts.churn_model_metrics order by label, model_name, scope")
        backtest = every[every["evaluation"] == "walk_forward"]
        metrics = every[every["evaluation"] == "holdout"]
        scoring = backtest[backtest["is_scoring_model"].astype(bool)]
        if not scoring.empty:
            main_model = str(scoring["model_name"].iloc[0])
        _churn_backtest(backtest, section)
    if calibration["n_rows"].sum() > 0:
        section.charts.append(
            charts.calibration_curve(
                calibration,
                main_model,
                "Churn model calibration (held-out snapshots)",
                readings.calibration_reading(metrics, calibration, main_model),
            )
        )
    else:
        section.notes.append("The churn calibration has no held-out rows.")
    deciles = marts.df(
        """
        with test as (
            select account_id, as_of_date, churn_probability, is_churned_in_horizon
            from marts.churn_risk_scores
            where split = 'backtest' and churn_probability is not null and is_churned_in_horizon is not null
        ),
        ranked as (
            select *, ntile(10) over (order by churn_probability desc, account_id, as_of_date) as decile
            from test
        )
        select
            decile,
            count(*) as accounts,
            count(case when is_churned_in_horizon then 1 end) as churned,
        from ranked
        group by all
        order by decile
        """
    )
    total, churned = int(deciles["accounts"].sum()), int(deciles["churned"].sum())
    if total and churned:
        deciles["churn_rate"] = deciles["churned"] / deciles["accounts"]
        deciles["lift"] = deciles["churn_rate"] / (churned / total)
        section.charts.append(
            charts.lift_chart(
                deciles,
                "Churn model lift by risk decile (walk-forward back-test, out of sample)",
                readings.lift_reading(deciles),
            )
        )
    else:
        section.notes.append("No back-tested account churned: the lift chart needs at least one.")
    if metrics is not None and not metrics.empty:
        section.tables.append(
            Table(
                "Churn and downgrade models on the held-out snapshots",
                [
                    "label",
                    "model",
                    "ROC AUC",
                    "PR AUC",
                    "Brier",
                    "ECE",
                    "top-decile lift",
                    "test rows (positive)",
                ],
                [
                    [
                        Cell(str(row.label)),
                        Cell(label(row.model_name)),
                        *[
                            Cell(readings.number(getattr(row, name)), "num")
                            for name in ("roc_auc", "pr_auc", "brier", "ece", "lift_top_decile")
                        ],
                        Cell(f"{int(row.n_test):,} ({int(row.n_test_positive):,})", "num"),
                    ]
                    for row in metrics.itertuples(index=False)
                ],
            )
        )


def _churn_backtest(backtest: pd.DataFrame, section: Section) -> None:
    """The walk-forward back-test per date and pooled, every candidate, and the champion choice."""
    if backtest.empty:
        section.notes.append("No walk-forward back-test date had closed training labels: no champion.")
        return

    def interval(row: object, name: str) -> str:
        value, low, high = (getattr(row, name), getattr(row, f"{name}_lower"), getattr(row, f"{name}_upper"))
        if pd.isna(low):
            return readings.number(value)
        return f"{readings.number(value)} [{readings.number(low)}, {readings.number(high)}]"

    pooled = backtest["scope"] == "pooled"
    rows = pd.concat([backtest[pooled], backtest[~pooled]])  # read sorted by scope and model
    section.tables.append(
        Table(
            "Churn candidates, walk-forward back-test (out of sample; 90% bootstrap intervals)",
            ["prediction date", "model", "ROC AUC", "PR AUC", "Brier", "ECE", "top-decile lift",
             "rows (positive)", "champion"],
            [
                [
                    Cell(str(row.scope)),
                    Cell(label(row.model_name)),
                    Cell(interval(row, "roc_auc"), "num"),
                    Cell(interval(row, "pr_auc"), "num"),
                    Cell(readings.number(row.brier), "num"),
                    Cell(readings.number(row.ece), "num"),
                    Cell(readings.number(row.lift_top_decile), "num"),
                    Cell(f"{int(row.n_test):,} ({int(row.n_test_positive):,})", "num"),
                    Cell("yes" if row.is_champion else ""),
                ]
                for row in rows.itertuples(index=False)
            ],
        )
    )
    reasons = backtest["champion_reason"].dropna()
    if not reasons.empty:
        section.notes.append(f"Champion: {reasons.iloc[0]}.")


def _clusters(marts: Marts, context: Context, section: Section) -> None:
    profiles = marts.df("select * from marts.cluster_profiles order by cluster_id")
    if profiles.empty:
        section.notes.append("No cluster this week.")
        return
    centroids = pd.DataFrame([json.loads(text) for text in profiles["centroid_json"]])
    centroids.index = [
        f"{label(arch)} ({share:.0%})"
        for arch, share in zip(profiles["cluster_archetype"], profiles["share"], strict=True)
    ]
    section.charts.append(
        charts.centroid_heatmap(
            centroids, "Behavioural cluster profiles (centroids)", readings.clusters_reading(profiles)
        )
    )

    def rate(value: object) -> str:
        return pct(float(value)) if pd.notna(value) else "n/a"

    section.tables.append(
        Table(
            "Clusters and what happened next to their users",
            ["cluster", "archetype", "users", "share", "retention", "churn (paying)", "expansion (paying)"],
            [
                [
                    Cell(str(row.cluster_id), "num"),
                    Cell(label(row.cluster_archetype)),
                    Cell(f"{int(row.n_users):,}", "num"),
                    Cell(rate(row.share), "num"),
                    Cell(rate(row.retention_rate), "num"),
                    Cell(rate(row.churn_rate), "num"),
                    Cell(rate(row.expansion_rate), "num"),
                ]
                for row in profiles.itertuples(index=False)
            ],
        )
    )


# --- experiments ----------------------------------------------------------------------------------


def _experiments(marts: Marts, context: Context, section: Section) -> None:
    readout = marts.df("select * from marts.experiment_readout where segment = 'all' order by all")
    treatments = readout[~readout["is_control"].astype(bool)]
    controls = readout[readout["is_control"].astype(bool)].set_index("experiment_id")
    treatments = treatments[treatments["experiment_id"].isin(controls.index)]
    if treatments.empty:
        section.notes.append("No experiment has both a treatment and a control.")
        return
    section.charts.append(
        charts.experiment_forest(
            treatments, "Experiment lifts over control (all users)", readings.experiments_reading(treatments)
        )
    )

    def lift_cell(row: pd.Series, measure: str) -> Cell:
        lift = row[f"{measure}_lift"]
        if pd.isna(lift):
            return Cell("n/a", "num")
        text = (
            f"{points(float(lift))} [{points(float(row[f'{measure}_lift_ci_lower']))}, "
            f"{points(float(row[f'{measure}_lift_ci_upper']))}]"
        )
        significant = (
            bool(row[f"is_{measure}_lift_significant"])
            if pd.notna(row[f"is_{measure}_lift_significant"])
            else False
        )
        return Cell(
            text,
            "num status on_target"
            if significant and lift > 0
            else ("num status off_target" if significant else "num"),
        )

    rows = []
    for _, row in treatments.iterrows():
        control = controls.loc[row["experiment_id"]]
        if isinstance(control, pd.DataFrame):
            control = control.iloc[0]
        rows.append(
            [
                Cell(str(row["experiment_id"])),
                Cell(str(row["variant"])),
                Cell(f"{int(row['exposed_users']):,} / {int(control['exposed_users']):,}", "num"),
                Cell(_versus(row["activation_rate"], control["activation_rate"]), "num"),
                lift_cell(row, "activation"),
                Cell(_versus(row["retention_4w_rate"], control["retention_4w_rate"]), "num"),
                lift_cell(row, "retention_4w"),
            ]
        )
    section.tables.append(
        Table(
            "Experiment readout (segment all; treatment vs control)",
            [
                "experiment",
                "variant",
                "exposed (treatment / control)",
                "activation",
                "activation lift [95%]",
                "4-week retention",
                "retention lift [95%]",
            ],
            rows,
        )
    )


def _campaigns(marts: Marts, context: Context, section: Section) -> None:
    readout = marts.df(
        "select * from marts.campaign_readout where campaign_data_status = 'ok' "
        "order by grain desc, action, channel, segment, outcome"
    )
    section.notes.append(readings.campaigns_reading(readout))
    if readout.empty:
        return
    rows = []
    shown = readout[(readout["segment"] != "all") & readout["p_value"].notna()]
    for _, row in shown.iterrows():
        adjusted = bool(row["is_lift_significant_adjusted"])
        rows.append(
            [
                Cell(str(row["grain"])),
                Cell(str(row["action"])),
                Cell(str(row["channel"])),
                Cell(label(str(row["segment"]))),
                Cell(str(row["outcome"])),
                Cell(f"{int(row['sent_touches']):,} / {int(row['holdout_touches']):,}", "num"),
                Cell(pct(float(row["open_rate"]), 0) if pd.notna(row["open_rate"]) else "n/a", "num"),
                Cell(_versus(row["contacted_rate"], row["holdout_rate"]), "num"),
                Cell(
                    f"{points(float(row['lift']))} [{points(float(row['lift_ci_lower']))}, "
                    f"{points(float(row['lift_ci_upper']))}]",
                    "num status on_target" if adjusted and row["lift"] > 0 else "num",
                ),
                Cell(f"{float(row['p_value_adjusted']):.3f}", "num"),
                Cell(f"{int(row['eligible_members_now']):,}" if bool(row["is_recommended"]) else "-", "num"),
            ]
        )
    section.tables.append(
        Table(
            "Campaign readout (contacted vs holdout, by segment at send; grain account: account-level calls)",
            [
                "grain",
                "action",
                "channel",
                "segment",
                "outcome",
                "sent / holdout",
                "open rate",
                "contacted vs holdout",
                "lift [95%]",
                "adjusted p",
                "recommended: reachable now",
            ],
            rows,
        )
    )


def _versus(treatment: object, control: object) -> str:
    """``treatment vs control`` rates, n/a where a rate is missing."""

    def rate(value: object) -> str:
        return pct(float(value), 1) if pd.notna(value) else "n/a"

    return f"{rate(treatment)} vs {rate(control)}"


def _ltv(marts: Marts, context: Context, section: Section) -> None:
    ltv = marts.df("select * from marts.segment_ltv order by segment_type, segment")
    curves = marts.df(
        "select * from marts.revenue_retention_by_segment where segment_type = 'engagement_tier' "
        "order by segment, months_since_start"
    )
    if ltv.empty or curves.empty:
        section.notes.append("No account has a complete paying month yet: no revenue cohort to follow.")
        return
    tiers = rule_order(marts, "engagement_tier")
    tier_ltv = ltv[ltv["segment_type"] == "engagement_tier"]
    section.charts.append(
        charts.revenue_retention_curves(
            curves,
            tiers,
            "Revenue retention of account cohorts by engagement tier at start",
            readings.ltv_reading(tier_ltv, curves, MIN_SAMPLE),
        )
    )
    order = {"all": 0, "engagement_tier": 1, "lifecycle_segment": 2}
    ltv = ltv.assign(type_order=ltv["segment_type"].map(order)).sort_values(
        ["type_order", "ltv_usd", "segment"], ascending=[True, False, True], kind="stable", na_position="last"
    )

    def money(value: object) -> str:
        return f"${float(value):,.0f}" if pd.notna(value) else "n/a"

    def share(value: object) -> str:
        return pct(float(value), 1) if pd.notna(value) else "n/a"

    rows = []
    for _, row in ltv.iterrows():
        thin = int(row["paying_account_months"]) < MIN_SAMPLE
        rows.append(
            [
                Cell(label(row["segment_type"])),
                Cell(label(row["segment"])),
                Cell(f"{int(row['accounts']):,}", "num"),
                Cell(f"{int(row['paying_account_months']):,}", "num"),
                Cell(f"{int(row['churn_events']):,}", "num"),
                Cell(money(row["arpa_usd"]), "num"),
                Cell(
                    f"{share(row['churn_rate_monthly'])} [{share(row['churn_rate_ci_lower'])}, "
                    f"{share(row['churn_rate_ci_upper'])}]",
                    "num",
                ),
                Cell(
                    f"{money(row['ltv_usd'])} [{money(row['ltv_ci_lower_usd'])}, "
                    f"{money(row['ltv_ci_upper_usd'])}]"
                    + (" (capped)" if bool(row["is_lifetime_capped"]) else "")
                    + (" (few rows)" if thin else ""),
                    "num",
                ),
            ]
        )
    section.tables.append(
        Table(
            "LTV by usage segment at start (ARPA x gross margin / monthly churn rate, 95% interval)",
            [
                "segment type",
                "segment at start",
                "accounts",
                "paying account-months",
                "churned",
                "ARPA",
                "monthly churn [95%]",
                "LTV [95%]",
            ],
            rows,
        )
    )
    margin = float(ltv["gross_margin_rate"].iloc[0])
    section.notes.append(
        f"Gross margin {pct(margin)} (var ltv_gross_margin_rate); '(few rows)': under {MIN_SAMPLE} paying "
        "account-months; '(capped)' marks a lifetime held at var ltv_max_months."
    )


def _drift(marts: Marts, context: Context, section: Section) -> None:
    alerts = marts.df(
        "select * from marts.segment_size_alerts where is_current_week order by grain, segment_type, segment"
    )
    section.notes.append(readings.drift_reading(alerts, context.as_of_week))
    history = marts.df(
        "select week_start, alert_type, count(*) as alerts from marts.segment_size_alerts "
        "group by 1, 2 order by 1 desc, 2 limit 24"
    )
    def share(value: object) -> str:
        return pct(float(value), 1) if pd.notna(value) else "n/a"

    rows = [
        [
            Cell(row["grain"]),
            Cell(label(row["segment_type"])),
            Cell(label(row["segment"])),
            Cell(label(row["alert_type"]), "bad" if bool(row["is_collapse"]) else ""),
            Cell(pct(float(row["share_rate"]), 1), "num"),
            Cell(share(row["baseline_share_rate"]), "num"),
            Cell(str(row["alert_reason"])),
        ]
        for _, row in alerts.iterrows()
    ]
    section.tables.append(
        Table(
            f"Alerts of the week of {context.as_of_week}",
            ["grain", "segment type", "segment", "alert", "share", "baseline", "reason"],
            rows,
        )
    )
    section.tables.append(
        Table(
            "Alerts per week (latest weeks)",
            ["week", "alert", "alerts"],
            [
                [
                    Cell(str(row["week_start"])),
                    Cell(label(row["alert_type"])),
                    Cell(f"{int(row['alerts'])}", "num"),
                ]
                for _, row in history.iterrows()
            ],
            compact=True,
        )
    )


def _funnel(marts: Marts, context: Context, section: Section) -> None:
    dropoff = marts.df("select * from marts.onboarding_funnel_dropoff where is_largest_gap")
    section.notes.append(readings.funnel_reading(dropoff))
    funnel = marts.df(
        "select * from marts.onboarding_funnel where group_type = 'engagement_tier' and signup_week = ("
        "  select max(signup_week) from marts.onboarding_funnel"
        "  where group_type = 'all' and step_order = 0 and cohort_users >= 10"
        "  and signup_week <= ?) order by group_value, step_order",
        [context.last_complete_week],
    )
    def share(value: object) -> str:
        return pct(float(value)) if pd.notna(value) else ""

    rows = [
        [
            Cell(label(row["group_value"])),
            Cell(label(row["step"])),
            Cell(f"{int(row['reached_users']):,}", "num"),
            Cell(share(row["step_conversion_rate"]), "num"),
            Cell(
                f"{float(row['median_days_from_previous_step']):.1f}"
                if pd.notna(row["median_days_from_previous_step"])
                else "",
                "num",
            ),
        ]
        for _, row in funnel.iterrows()
    ]
    cohort = str(funnel["signup_week"].iloc[0])[:10] if not funnel.empty else "n/a"
    section.tables.append(
        Table(
            f"Onboarding funnel by engagement tier, signup cohort of {cohort}",
            ["tier", "step", "reached", "from previous step", "median days from previous"],
            rows,
        )
    )
    section.tables.append(
        Table(
            "Where each group's drop-off differs most from the rest (all cohorts)",
            ["group", "step", "conversion", "rest", "gap", "z"],
            [
                [
                    Cell(f"{label(row['group_type'])}: {label(row['group_value'])}"),
                    Cell(label(row["step"])),
                    Cell(pct(float(row["step_conversion_rate"])), "num"),
                    Cell(pct(float(row["rest_step_conversion_rate"])), "num"),
                    Cell(points(float(row["conversion_gap"])), "num"),
                    Cell(
                        f"{float(row['conversion_gap_z_score']):.1f}"
                        if pd.notna(row["conversion_gap_z_score"])
                        else "",
                        "num",
                    ),
                ]
                for _, row in dropoff.sort_values(["conversion_gap", "group_type", "group_value"]).iterrows()
            ],
        )
    )


def _rubric(marts: Marts, context: Context, section: Section) -> None:
    rubric = marts.df(
        "select * from marts.segment_scoring_rubric order by segment_type, score_rank nulls last, segment"
    )
    section.notes.append(readings.rubric_reading(rubric[rubric["segment_type"] == "lifecycle_x_tier"]))

    def share(value: object) -> str:
        return pct(float(value), 1) if pd.notna(value) else "n/a"

    def interval(row: pd.Series, name: str) -> str:
        rate, lower, upper = row[f"{name}_rate"], row[f"{name}_rate_lower"], row[f"{name}_rate_upper"]
        return f"{share(rate)} [{share(lower)}, {share(upper)}]" if pd.notna(rate) else "n/a"

    rows = [
        [
            Cell(str(int(row["score_rank"])) if pd.notna(row["score_rank"]) else "", "num"),
            Cell(label(row["segment_type"])),
            Cell(label(row["segment"])),
            Cell(f"{float(row['composite_score']):.2f}" if pd.notna(row["composite_score"]) else "", "num"),
            Cell(f"{int(row['members']):,} ({share(row['member_share_rate'])})", "num"),
            Cell(f"{int(row['accounts']):,}", "num"),
            Cell(interval(row, "retention"), "num"),
            Cell(interval(row, "expansion"), "num"),
            Cell(share(row["mrr_share_rate"]), "num"),
            Cell(f"${float(row['arpa_usd']):,.0f}" if pd.notna(row["arpa_usd"]) else "n/a", "num"),
            Cell(share(row["nrr_over_horizon"]), "num"),
        ]
        for _, row in rubric.iterrows()
    ]
    section.tables.append(
        Table(
            "Segments ranked by the composite score (seed segment_rubric_weights)",
            ["rank", "type", "segment", "score", "members", "accounts", "retention [95%]", "expansion [95%]",
             "MRR share", "ARPA", "NRR"],
            rows,
        )
    )


# --- self-serve vs live support in onboarding ----------------------------------------------------


def _help_reliance(marts: Marts, context: Context, section: Section) -> None:
    groups = marts.df(
        "select * from marts.onboarding_help_reliance where segment_type = 'all' and support_channel = 'all' "
        "order by grain desc, help_reliance"
    )
    channels = marts.df(
        "select * from marts.onboarding_help_reliance where segment_type = 'all' and grain = 'user' "
        "and help_reliance = 'all' and support_channel not in ('all', 'none') "
        "order by members desc, support_channel"
    )
    section.notes.append(readings.help_reliance_reading(groups, channels))
    if groups.empty:
        return

    def share(value: object) -> str:
        return pct(float(value), 1) if pd.notna(value) else "n/a"

    def days(value: object) -> str:
        return f"{float(value):.2f}" if pd.notna(value) else "n/a"

    rows = []
    for _, row in groups.iterrows():
        rows.append(
            [
                Cell(str(row["grain"])),
                Cell(label(str(row["help_reliance"]))),
                Cell(f"{int(row['members']):,}" + (" (small)" if bool(row["is_small_group"]) else ""), "num"),
                Cell(share(row["member_share"]), "num"),
                Cell(
                    f"{share(row['activation_rate'])} [{share(row['activation_rate_ci_lower'])}, "
                    f"{share(row['activation_rate_ci_upper'])}]",
                    "num",
                ),
                Cell(
                    points(float(row["activation_rate_vs_all"]))
                    if pd.notna(row["activation_rate_vs_all"])
                    else "n/a",
                    "num",
                ),
                Cell(days(row["median_days_to_activation"]), "num"),
                Cell(f"{float(row['self_serve_help_events_per_member']):.2f}", "num"),
                Cell(f"{float(row['tickets_per_member']):.2f}", "num"),
            ]
        )
    section.tables.append(
        Table(
            "Help used before activating (segment all; activation within the milestone window)",
            [
                "grain",
                "help used",
                "members",
                "share",
                "activation [95%]",
                "vs all",
                "median days to activation",
                "self-serve events / member",
                "tickets / member",
            ],
            rows,
        )
    )
    if not channels.empty:
        section.tables.append(
            Table(
                "Users by the channel of their first onboarding ticket",
                ["channel", "users", "activation [95%]", "vs all", "median days to activation"],
                [
                    [
                        Cell(str(row["support_channel"])),
                        Cell(f"{int(row['members']):,}", "num"),
                        Cell(
                            f"{share(row['activation_rate'])} [{share(row['activation_rate_ci_lower'])}, "
                            f"{share(row['activation_rate_ci_upper'])}]",
                            "num",
                        ),
                        Cell(
                            points(float(row["activation_rate_vs_all"]))
                            if pd.notna(row["activation_rate_vs_all"])
                            else "n/a",
                            "num",
                        ),
                        Cell(days(row["median_days_to_activation"]), "num"),
                    ]
                    for _, row in channels.iterrows()
                ],
            )
        )


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "segments",
        "Lifecycle segments over time",
        "Every user sits in exactly one lifecycle segment each week: the first of the governed rules that "
        "holds (macro governed_values; colours run along the lifecycle ladder, healthiest green).",
        ("marts.segment_membership",),
        _segment_sizes,
    ),
    SectionSpec(
        "transitions",
        "Last week's transitions",
        "Where last week's members went this week: the matrix (share of the row; numbers are users) and "
        "the largest moves between different segments.",
        ("marts.segment_transition_matrix", "marts.segment_transitions"),
        _transitions,
    ),
    SectionSpec(
        "scorecard",
        "Balanced scorecard",
        "The latest complete week against the governed targets (seed scorecard_targets), four pillars: "
        "engagement depth, value realisation, retention and support load.",
        ("marts.balanced_scorecard",),
        _scorecard,
    ),
    SectionSpec(
        "activation",
        "Activation and retention",
        "Left: the scorecard's activation_rate - of the signups whose milestone window closed in the week, "
        "the share activated (every required milestone reached) within it. Right: "
        "users grouped by their segment in an anchor week, the share taking a key action in each week "
        "after it up to the governed retention horizon (seed segment_thresholds.retention_horizon_weeks; "
        f"pooled over {RETENTION_ANCHOR_WEEKS} anchor weeks).",
        ("marts.balanced_scorecard", "marts.segment_membership", "marts.fct_user_engagement_weekly"),
        _activation_and_retention,
    ),
    SectionSpec(
        "churn",
        "Churn model: back-test, champion, calibration and lift",
        "The churn candidates back-tested walk-forward (each prediction date scored by fits that only saw "
        "labels closed by then), the champion that publishes the scores, and the scoring model judged on "
        "held-out account snapshots: are its probabilities right (calibration) and does it rank churners "
        "first (lift)?",
        ("marts.churn_calibration", "marts.churn_risk_scores"),
        _churn,
    ),
    SectionSpec(
        "clusters",
        "Behavioural clusters",
        "Recently active users clustered on their behaviour; the centroid of each cluster (colour: how far "
        "from the other clusters) and what happened to its users in the following weeks.",
        ("marts.cluster_profiles",),
        _clusters,
    ),
    SectionSpec(
        "experiments",
        "Experiment readout",
        "Treatment minus control on activation and 4-week retention, with 95% intervals.",
        ("marts.experiment_readout",),
        _experiments,
    ),
    SectionSpec(
        "help_reliance",
        "Self-serve vs live support in onboarding",
        "How new users and accounts got help before activating: self-serve help events (the tracking plan's "
        "optional is_self_serve_help flag) against support tickets, and how each group activated within the "
        "milestone window and how fast (onboarding_help_reliance; association, not cause).",
        ("marts.onboarding_help_reliance",),
        _help_reliance,
    ),
    SectionSpec(
        "campaigns",
        "Campaign loop: which actions work for which segment",
        "Lifecycle campaign touches (crm/campaign_touches) against their holdouts, per playbook action, "
        "channel and lifecycle segment at send: re-engagement, activation and 28-day retention lifts with "
        "95% intervals, p-values adjusted over the whole readout (var multiple_comparison_method), and the "
        "users a recommended action may reach now (consent and unsubscribes respected; campaign_readout).",
        ("marts.campaign_readout",),
        _campaigns,
    ),
    SectionSpec(
        "ltv",
        "LTV and revenue retention by usage segment",
        "Account cohorts (first paying month) split by the engagement tier or lifecycle segment they were in "
        "when they started paying: the MRR they keep month after month, and LTV = ARPA x gross margin / "
        "monthly churn rate with the churn rate's 95% interval (marts segment_ltv, "
        "revenue_retention_by_segment).",
        ("marts.segment_ltv", "marts.revenue_retention_by_segment"),
        _ltv,
    ),
    SectionSpec(
        "drift",
        "Segment-size drift alerts",
        "Each segment's share of members this week against its trailing baseline (seed decision_settings): "
        "growth or shrinkage past the governed share change or z-score, and collapses - a segment that "
        "empties or swallows most members, usually a tracking or definition problem (segment_size_alerts).",
        ("marts.segment_size_alerts",),
        _drift,
    ),
    SectionSpec(
        "funnel",
        "Onboarding funnel by segment",
        "Signup, then the milestones in their governed order (seed activation_milestones): how many reach "
        "each step, conversion from the step before, median days between steps, and where each segment, "
        "tier, cluster or plan drops off differently from the rest (marts onboarding_funnel, "
        "onboarding_funnel_dropoff).",
        ("marts.onboarding_funnel", "marts.onboarding_funnel_dropoff"),
        _funnel,
    ),
    SectionSpec(
        "rubric",
        "Segment scoring rubric",
        "Which segments deserve investment: reach, relevance (retention and expansion against all members, "
        "Wilson 95% intervals), monetization (MRR share, ARPA, NRR) and a composite of percentile ranks with "
        "the governed weights of seed segment_rubric_weights (segment_scoring_rubric).",
        ("marts.segment_scoring_rubric",),
        _rubric,
    ),
)


def build_sections(marts: Marts, context: Context | None) -> list[Section]:
    """Every section, each rendered or marked "not built" / "error" on its own."""
    sections = []
    for spec in SECTIONS:
        section = Section(spec.key, spec.title, spec.intro)
        try:
            marts.require(*spec.requires)
            if context is None:
                raise MissingMartError(["marts.fct_user_engagement_weekly"])
            spec.build(marts, context, section)
        except MissingMartError as exc:
            section.missing = exc.missing
            section.charts.clear()
            section.tables.clear()
        except (duckdb.Error, KeyError, ValueError) as exc:
            section.error = f"{type(exc).__name__}: {exc}"
            section.charts.clear()
            section.tables.clear()
        sections.append(section)
    return sections
