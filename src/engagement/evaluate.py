"""Judge the build's ML outputs against the generator's planted truth, outside dbt.

Usage: ``python -m engagement.evaluate --duckdb PATH --truth DIR [--json OUT] [--horizon-days 90]``

Reads the built DuckDB file (read-only) and the truth folder written by ``engagement.generate``:
``account_weekly_churn_probability`` (account_id, week_start, churn_probability, health),
``account_churn_events`` (account_id, churned_at, reactivated_at) and ``user_archetypes``
(user_id, archetype).

Churn (the walk-forward back-test rows of ``churn_risk_scores``, split ``backtest``, scored by the
champion): the model's ROC AUC, Brier, ECE and
lift at the top decile, against the *oracle*: the true probability of churning within the horizon,
``1 - prod(1 - p_week)`` over the truth weeks that start within ``horizon_days`` of the prediction date
(a week without a probability - the account not at risk - counts as 0). The oracle's AUC on the same rows
is the ceiling the model can hope for; the gap is oracle minus model. The labels themselves are checked
against the planted cancellations (precision/recall of ``is_churned_in_horizon`` against "a planted
churn event in the horizon").

Clustering (the as-of week's ``user_clusters``): ARI between clusters and planted archetypes with the
confusion table; and the rule-based ``engagement_tier`` of ``int_user_weeks_segmented`` at the as-of week
against the planted archetypes (same names): share landing in the matching tier, per archetype, and the
confusion table.

Walk-forward back-test (``--backtest K``, issue 14): :func:`engagement.ml.backtest.walk_forward` on the
warehouse's ``int_account_snapshots_featurized`` (the churn features of ``--features-yaml``), per back-test
date and pooled, every candidate with its bootstrap interval next to the path oracle and the now-cast
oracle on the same rows, and the champion the rule picks (:func:`backtest_evaluation`).

Every function below except :func:`main`, :func:`load` and :func:`load_snapshots` is pure (DataFrames in,
dicts/frames out).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from engagement.ml.backtest import (
    POOLED,
    BacktestConfig,
    backtest_metrics,
    choose_champion,
    metric_values,
    walk_forward,
)
from engagement.ml.config import ChurnConfig
from engagement.ml.metrics import ece, lift_at_top_decile

TRUTH_FILES = ("account_weekly_churn_probability", "account_churn_events", "user_archetypes")
TIERS = ("power_user", "early_adopter", "renewer", "explorer")


# --------------------------------------------------------------------------- churn


def _filled_weekly(weekly_truth: pd.DataFrame) -> pd.DataFrame:
    """Weekly truth with ``_week`` and ``_p``: the probability carried forward over an account's weeks
    without one after a week with one (an account stops being at risk once it cancels; its hazard is
    carried, else a churner's horizon would count fewer at-risk weeks than a stayer's). Weeks before the
    first probability (a young account, not yet at risk) stay missing, i.e. 0."""
    weeks = weekly_truth[["account_id", "week_start", "churn_probability"]].copy()
    weeks["_week"] = pd.to_datetime(weeks["week_start"]).dt.normalize()
    weeks = weeks.sort_values(["account_id", "_week"], kind="mergesort")
    weeks["_p"] = weeks.groupby("account_id")["churn_probability"].ffill().astype(float)
    return weeks


def oracle_probability(
    snapshots: pd.DataFrame, weekly_truth: pd.DataFrame, horizon_days: int, at_prediction_date: bool = False
) -> pd.Series:
    """True probability of churning within the horizon of each snapshot (index aligned with ``snapshots``).

    ``snapshots``: account_id, as_of_date. ``weekly_truth``: account_id, week_start, churn_probability.
    Default (the path oracle): ``1 - prod(1 - p)`` over the truth weeks starting in
    ``[as_of_date, as_of_date + horizon_days)``, probabilities carried forward as in
    :func:`_filled_weekly`, a missing one counting as 0. With ``at_prediction_date`` (the now-cast
    oracle): the hazard of the prediction week compounded over the horizon's weeks, i.e. what the true
    model knows at the prediction date. A snapshot with no truth week gets 0.
    """
    if horizon_days < 1:
        raise ValueError("horizon_days must be >= 1")
    keys = snapshots[["account_id", "as_of_date"]].copy()
    keys["_row"] = np.arange(len(keys))
    keys["_date"] = pd.to_datetime(keys["as_of_date"]).dt.normalize()
    weeks = _filled_weekly(weekly_truth)
    joined = keys.merge(weeks[["account_id", "_week", "_p"]], on="account_id", how="inner")
    end = joined["_date"] + pd.Timedelta(days=horizon_days)
    joined = joined[(joined["_week"] >= joined["_date"]) & (joined["_week"] < end)]
    p = joined["_p"].fillna(0.0).clip(0.0, 1.0 - 1e-12)
    if at_prediction_date:
        n_weeks = -(-horizon_days // 7)
        first = joined["_week"] == joined["_date"]
        log_survival = (n_weeks * np.log1p(-p[first])).groupby(joined.loc[first, "_row"]).sum()
    else:
        log_survival = np.log1p(-p).groupby(joined["_row"]).sum()
    out = np.zeros(len(keys))
    out[log_survival.index.to_numpy()] = 1.0 - np.exp(log_survival.to_numpy())
    return pd.Series(out, index=snapshots.index, name="oracle_probability")


def planted_churn_in_horizon(
    snapshots: pd.DataFrame, churn_events: pd.DataFrame, horizon_days: int
) -> pd.Series:
    """Whether a planted churn (cancellation) of the account falls in ``[as_of_date, + horizon_days)``."""
    keys = snapshots[["account_id", "as_of_date"]].copy()
    keys["_row"] = np.arange(len(keys))
    keys["_date"] = pd.to_datetime(keys["as_of_date"]).dt.normalize()
    events = churn_events[["account_id", "churned_at"]].copy()
    events["_at"] = pd.to_datetime(events["churned_at"])
    joined = keys.merge(events, on="account_id", how="inner")
    hit = (joined["_at"] >= joined["_date"]) & (
        joined["_at"] < joined["_date"] + pd.Timedelta(days=horizon_days)
    )
    rows = joined.loc[hit, "_row"].unique()
    out = np.zeros(len(keys), dtype=bool)
    out[rows] = True
    return pd.Series(out, index=snapshots.index, name="planted_churn")


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    if y.size == 0 or np.unique(y).size < 2:
        return math.nan
    return float(roc_auc_score(y, score))


def _brier(y: np.ndarray, score: np.ndarray) -> float:
    return float(np.mean((score - y) ** 2)) if y.size else math.nan


def churn_evaluation(
    scores: pd.DataFrame,
    weekly_truth: pd.DataFrame,
    churn_events: pd.DataFrame,
    horizon_days: int,
    n_bins: int = 10,
) -> dict[str, Any]:
    """Model against oracle on the test rows with a known churn label (see the module docstring).

    ``scores`` needs account_id, as_of_date, split, churn_probability, is_churned_in_horizon.
    """
    test = scores[(scores["split"] == "backtest") & scores["is_churned_in_horizon"].notna()].copy()
    test = test[test["churn_probability"].notna()]
    y = test["is_churned_in_horizon"].astype(bool).to_numpy().astype(float)
    model = test["churn_probability"].astype(float).to_numpy()
    oracle = oracle_probability(test, weekly_truth, horizon_days).to_numpy()
    now_cast = oracle_probability(test, weekly_truth, horizon_days, at_prediction_date=True).to_numpy()
    model_auc, oracle_auc = _auc(y, model), _auc(y, oracle)
    labelled = scores[scores["is_churned_in_horizon"].notna()]
    label = labelled["is_churned_in_horizon"].astype(bool).to_numpy()
    planted = planted_churn_in_horizon(labelled, churn_events, horizon_days).to_numpy()
    true_positive = int((label & planted).sum())
    return {
        "n_test": int(y.size),
        "n_test_positive": int(y.sum()),
        "test_dates": sorted({str(pd.Timestamp(d).date()) for d in test["as_of_date"]}),
        "base_rate": float(y.mean()) if y.size else math.nan,
        "model_auc": model_auc,
        "oracle_auc": oracle_auc,
        "auc_gap": oracle_auc - model_auc,
        "now_cast_oracle_auc": _auc(y, now_cast),
        "model_brier": _brier(y, model),
        "oracle_brier": _brier(y, oracle),
        "model_ece": ece(y, model, n_bins),
        "oracle_ece": ece(y, oracle, n_bins),
        "model_lift_top_decile": lift_at_top_decile(y, model),
        "oracle_lift_top_decile": lift_at_top_decile(y, oracle),
        "label_precision_vs_planted": true_positive / int(label.sum()) if label.sum() else math.nan,
        "label_recall_vs_planted": true_positive / int(planted.sum()) if planted.sum() else math.nan,
        "n_labelled": int(label.size),
    }


def backtest_evaluation(
    backtest_scores: pd.DataFrame,
    weekly_truth: pd.DataFrame,
    horizon_days: int,
    config: BacktestConfig | None = None,
) -> dict[str, Any]:
    """Walk-forward scores (account_id, as_of_date, model_name, probability, label) against the oracles.

    Returns ``rows``: per scope (each back-test date, then ``pooled``) the candidates' metrics with
    bootstrap bounds (:func:`engagement.ml.backtest.backtest_metrics`) and an ``oracle`` and
    ``now_cast_oracle`` row on the same snapshots; ``champion`` (:func:`choose_champion`); and per scope
    ``auc_gap`` = path oracle AUC minus the champion's AUC.
    """
    config = config or BacktestConfig(horizon_days=horizon_days)
    metrics = backtest_metrics(backtest_scores, config)
    if metrics.empty:
        return {"rows": [], "champion": choose_champion(pd.DataFrame({"scope": [], "model_name": []}))}
    first = backtest_scores["model_name"].iloc[0]
    rows = backtest_scores[backtest_scores["model_name"] == first].reset_index(drop=True)
    oracles = {
        "oracle": oracle_probability(rows, weekly_truth, horizon_days).to_numpy(),
        "now_cast_oracle": oracle_probability(
            rows, weekly_truth, horizon_days, at_prediction_date=True
        ).to_numpy(),
    }
    scopes = [(str(d), (rows["as_of_date"] == d).to_numpy()) for d in sorted(rows["as_of_date"].unique())]
    scopes.append((POOLED, np.ones(len(rows), dtype=bool)))
    extra = []
    for scope, mask in scopes:
        y = rows.loc[mask, "label"].to_numpy(dtype=float)
        for name, p in oracles.items():
            extra.append(
                {
                    "scope": scope,
                    "model_name": name,
                    "n_rows": int(y.size),
                    "n_positive": int(y.sum()),
                    **metric_values(y, p[mask]),
                }
            )
    table = pd.concat([metrics, pd.DataFrame(extra)], ignore_index=True)
    champion = choose_champion(metrics)
    gaps = {}
    for scope, _ in scopes:
        block = table[table["scope"] == scope].set_index("model_name")
        if champion["champion"] in block.index:
            gaps[scope] = float(block.loc["oracle", "roc_auc"] - block.loc[champion["champion"], "roc_auc"])
    return {"rows": table.to_dict(orient="records"), "champion": champion, "auc_gap": gaps}


# --------------------------------------------------------------------------- clustering and tiers


def confusion(left: pd.Series, right: pd.Series) -> pd.DataFrame:
    """Counts of ``left`` (rows) by ``right`` (columns), sorted labels."""
    return pd.crosstab(left.astype(str), right.astype(str)).sort_index().sort_index(axis=1)


def cluster_evaluation(clusters: pd.DataFrame, archetypes: pd.DataFrame) -> dict[str, Any]:
    """ARI and confusion table of ``clusters`` (user_id, cluster_id, cluster_archetype) against the
    planted archetypes."""
    joined = clusters.merge(archetypes[["user_id", "archetype"]], on="user_id", how="inner")
    if joined.empty:
        return {"n_users": 0, "ari_vs_planted": math.nan, "confusion": {}}
    label = joined["cluster_id"].astype(str) + ":" + joined["cluster_archetype"].astype(str)
    table = confusion(label, joined["archetype"])
    return {
        "n_users": int(len(joined)),
        "ari_vs_planted": float(adjusted_rand_score(joined["archetype"].astype(str), label)),
        "confusion": {row: {col: int(v) for col, v in values.items()} for row, values in table.iterrows()},
    }


def tier_evaluation(tiers: pd.DataFrame, archetypes: pd.DataFrame) -> dict[str, Any]:
    """How the rule-based tiers (user_id, engagement_tier) match the planted archetypes of the same names."""
    joined = tiers.merge(archetypes[["user_id", "archetype"]], on="user_id", how="inner")
    if joined.empty:
        return {"n_users": 0, "match_rate": math.nan, "match_rate_by_archetype": {}, "confusion": {}}
    match = joined["engagement_tier"].astype(str) == joined["archetype"].astype(str)
    by_archetype = match.groupby(joined["archetype"].astype(str)).mean()
    table = confusion(joined["archetype"], joined["engagement_tier"])
    return {
        "n_users": int(len(joined)),
        "match_rate": float(match.mean()),
        "match_rate_by_archetype": {k: float(v) for k, v in by_archetype.items()},
        "ari_vs_planted": float(
            adjusted_rand_score(joined["archetype"].astype(str), joined["engagement_tier"].astype(str))
        ),
        "confusion": {row: {col: int(v) for col, v in values.items()} for row, values in table.iterrows()},
    }


# --------------------------------------------------------------------------- I/O


def _find_table(con: duckdb.DuckDBPyConnection, name: str, schemas: Sequence[str]) -> str | None:
    rows = con.execute(
        "select table_schema from information_schema.tables where table_name = ?", [name]
    ).fetchall()
    found = {row[0] for row in rows}
    for schema in schemas:
        if schema in found:
            return f'"{schema}"."{name}"'
    return f'"{sorted(found)[0]}"."{name}"' if found else None


def load(duckdb_path: Path, truth_dir: Path) -> dict[str, pd.DataFrame | None]:
    """Read the frames the evaluation needs; a missing table or file gives ``None``."""
    frames: dict[str, pd.DataFrame | None] = {}
    for name in TRUTH_FILES:
        path = truth_dir / f"{name}.parquet"
        frames[name] = pd.read_parquet(path) if path.exists() else None
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        queries = {
            "scores": ("churn_risk_scores", ("marts", "ml"), "select * from {t}"),
            "churn_metrics": ("churn_model_metrics", ("marts", "ml"), "select * from {t}"),
            "cluster_metrics": ("cluster_model_metrics", ("marts", "ml"), "select * from {t}"),
            "clusters": (
                "user_clusters",
                ("marts", "ml"),
                "select * from {t} where week_start = (select max(week_start) from {t})",
            ),
            "context": ("int_build_context", ("intermediate",), "select * from {t}"),
        }
        for key, (table, schemas, sql) in queries.items():
            relation = _find_table(con, table, schemas)
            frames[key] = con.sql(sql.format(t=relation)).df() if relation else None
        segmented = _find_table(con, "int_user_weeks_segmented", ("intermediate",))
        context = _find_table(con, "int_build_context", ("intermediate",))
        frames["tiers"] = (
            con.sql(
                f"select user_id, engagement_tier, active_days_l28 from {segmented} "
                f"where week_start = (select as_of_week_start from {context})"
            ).df()
            if segmented and context
            else None
        )
    finally:
        con.close()
    return frames


DEFAULT_FEATURES_YAML = Path(__file__).resolve().parents[2] / "python_models" / "churn" / "_churn__models.yml"


def load_snapshots(duckdb_path: Path) -> pd.DataFrame | None:
    """The churn snapshots (``int_account_snapshots_featurized``), or ``None`` when not built."""
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        relation = _find_table(con, "int_account_snapshots_featurized", ("intermediate",))
        return con.sql(f"select * from {relation}").df() if relation else None
    finally:
        con.close()


def churn_feature_columns(features_yaml: Path) -> list[str]:
    """The churn model's ``feature_columns`` from its dbt YAML config."""
    import yaml

    spec = yaml.safe_load(features_yaml.read_text())
    model = next(m for m in spec["models"] if m["name"] == "churn_model_outputs")
    return list(model["config"]["feature_columns"])


def run_backtest(
    snapshots: pd.DataFrame, features: Sequence[str], horizon_days: int, n_dates: int, n_bootstrap: int
) -> tuple[pd.DataFrame, BacktestConfig]:
    """Walk-forward scores of every candidate (one thread per fit, deterministic)."""
    config = BacktestConfig(n_dates=n_dates, horizon_days=horizon_days, n_bootstrap=n_bootstrap)
    return walk_forward(snapshots, features, ChurnConfig(n_threads=1), config).scores, config


def evaluate(frames: dict[str, pd.DataFrame | None], horizon_days: int = 90) -> dict[str, Any]:
    """The whole report as a JSON-friendly dict (sections are skipped when their inputs are missing)."""
    report: dict[str, Any] = {}
    scores, weekly, events = (
        frames.get("scores"),
        frames.get("account_weekly_churn_probability"),
        frames.get("account_churn_events"),
    )
    if scores is not None and weekly is not None and events is not None:
        report["churn"] = churn_evaluation(scores, weekly, events, horizon_days)
    metrics = frames.get("churn_metrics")
    if metrics is not None:
        report["churn_model_metrics"] = metrics[
            [
                "evaluation",
                "scope",
                "label",
                "model_name",
                "is_champion",
                "roc_auc",
                "roc_auc_lower",
                "roc_auc_upper",
                "brier",
                "ece",
                "lift_top_decile",
                "n_test",
                "n_test_positive",
            ]
        ].to_dict(orient="records")
    archetypes = frames.get("user_archetypes")
    cluster_metrics = frames.get("cluster_metrics")
    if cluster_metrics is not None:
        chosen = cluster_metrics[cluster_metrics["is_chosen"].astype(bool)]
        report["clustering"] = {
            "silhouette_by_k": {
                int(k): float(s)
                for k, s in zip(cluster_metrics["k"], cluster_metrics["silhouette"], strict=True)
            },
            **{
                key: (None if pd.isna(chosen[key].iloc[0]) else float(chosen[key].iloc[0]))
                for key in ("k", "silhouette", "bootstrap_ari_mean", "period_ari", "changed_cluster_rate")
                if key in chosen and len(chosen)
            },
        }
    clusters = frames.get("clusters")
    if clusters is not None and archetypes is not None:
        report.setdefault("clustering", {}).update(cluster_evaluation(clusters, archetypes))
    tiers = frames.get("tiers")
    if tiers is not None and archetypes is not None:
        report["tiers_all_users"] = tier_evaluation(tiers, archetypes)
        active = tiers[tiers["active_days_l28"] > 0] if "active_days_l28" in tiers else tiers
        report["tiers_recently_active"] = tier_evaluation(active, archetypes)
    return report


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return value


def _print_table(title: str, table: dict[str, dict[str, int]]) -> None:
    print(title)
    print(pd.DataFrame(table).T.fillna(0).astype(int).to_string() if table else "  (empty)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duckdb", type=Path, required=True, help="the built DuckDB file")
    parser.add_argument("--truth", type=Path, required=True, help="the generator's truth folder")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--horizon-days", type=int, default=90, help="var churn_horizon_days of the build")
    parser.add_argument(
        "--backtest",
        type=int,
        default=0,
        metavar="K",
        help="also run the walk-forward back-test over the last K labelled prediction dates",
    )
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples of the back-test")
    parser.add_argument(
        "--features-yaml", type=Path, default=DEFAULT_FEATURES_YAML, help="dbt YAML with the churn features"
    )
    args = parser.parse_args(argv)
    frames = load(args.duckdb, args.truth)
    report = _clean(evaluate(frames, args.horizon_days))
    if args.backtest:
        snapshots, weekly = load_snapshots(args.duckdb), frames.get("account_weekly_churn_probability")
        if snapshots is not None and weekly is not None:
            features = churn_feature_columns(args.features_yaml)
            scores, config = run_backtest(
                snapshots, features, args.horizon_days, args.backtest, args.bootstrap
            )
            report["backtest"] = _clean(backtest_evaluation(scores, weekly, args.horizon_days, config))
            columns = [
                "scope",
                "model_name",
                "n_rows",
                "n_positive",
                "roc_auc",
                "roc_auc_lower",
                "roc_auc_upper",
                "pr_auc",
                "brier",
                "ece",
                "lift_top_decile",
            ]
            table = pd.DataFrame(report["backtest"]["rows"]).reindex(columns=columns)
            print("walk-forward back-test (out-of-sample only), per date and pooled, next to the oracles:")
            print(table.to_string(index=False))
            choice = report["backtest"]["champion"]
            print(f"champion: {choice['champion']} - {choice['reason']}")
    if "churn" in report:
        churn = report["churn"]
        print(
            "churn (walk-forward back-test, champion): model AUC {model_auc} | oracle AUC {oracle_auc} | "
            "gap {auc_gap} | "
            "now-cast oracle AUC {now_cast_oracle_auc} | "
            "Brier {model_brier} (oracle {oracle_brier}) | ECE {model_ece} (oracle {oracle_ece}) | "
            "lift@10% {model_lift_top_decile} (oracle {oracle_lift_top_decile}) | "
            "n {n_test}, positives {n_test_positive}".format(**churn)
        )
        print(
            "labels vs planted churn: precision {label_precision_vs_planted}, "
            "recall {label_recall_vs_planted}".format(**churn)
        )
    clustering = report.get("clustering", {})
    if clustering:
        print(
            f"clustering: k {clustering.get('k')} | silhouette {clustering.get('silhouette')} | "
            f"bootstrap ARI {clustering.get('bootstrap_ari_mean')} | "
            f"period ARI {clustering.get('period_ari')} | "
            f"ARI vs planted {clustering.get('ari_vs_planted')}"
        )
        _print_table("clusters x planted archetypes:", clustering.get("confusion", {}))
    for key in ("tiers_all_users", "tiers_recently_active"):
        if key in report:
            tiers = report[key]
            print(f"{key}: match rate {tiers['match_rate']} by archetype {tiers['match_rate_by_archetype']}")
            _print_table("planted archetype x engagement_tier:", tiers["confusion"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
