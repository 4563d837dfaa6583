"""Tests of engagement.evaluate: the oracle on hand-computed cases and the CLI on a tiny DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from engagement.evaluate import (
    backtest_evaluation,
    churn_evaluation,
    cluster_evaluation,
    main,
    oracle_probability,
    planted_churn_in_horizon,
    tier_evaluation,
)

D = dt.date(2025, 3, 3)  # a Monday


def weekly(rows: list[tuple[str, int, float | None]]) -> pd.DataFrame:
    """(account_id, week offset from D, weekly churn probability)."""
    return pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "week_start": [D + dt.timedelta(weeks=r[1]) for r in rows],
            "churn_probability": [np.nan if r[2] is None else r[2] for r in rows],
            "health": 0.5,
        }
    )


def test_oracle_compounds_the_horizon_weeks() -> None:
    truth = weekly(
        [
            ("a", -1, 0.9),  # before the prediction date: ignored
            ("a", 0, 0.1),
            ("a", 1, 0.2),
            ("a", 2, 0.5),  # starts on day 14: outside a 14-day horizon
            ("b", 0, None),  # young account, not yet at risk: 0
            ("b", 1, 0.1),
            ("c", 0, 0.3),  # cancels; later weeks carry its last probability
            ("c", 1, None),
        ]
    )
    snaps = pd.DataFrame({"account_id": ["a", "b", "c", "z"], "as_of_date": [D] * 4})
    oracle = oracle_probability(snaps, truth, horizon_days=14)
    assert oracle.tolist() == pytest.approx([1 - 0.9 * 0.8, 0.1, 1 - 0.7 * 0.7, 0.0])
    now = oracle_probability(snaps, truth, horizon_days=14, at_prediction_date=True)
    assert now.tolist() == pytest.approx([1 - 0.9**2, 0.0, 1 - 0.7**2, 0.0])
    with pytest.raises(ValueError):
        oracle_probability(snaps, truth, horizon_days=0)


def test_planted_churn_in_horizon() -> None:
    events = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "churned_at": pd.to_datetime(["2025-03-10 12:00", "2025-06-30 00:00", "2025-03-01 00:00"]),
            "reactivated_at": pd.NaT,
        }
    )
    snaps = pd.DataFrame({"account_id": ["a", "b", "c", "d"], "as_of_date": [D] * 4})
    assert planted_churn_in_horizon(snaps, events, 90).tolist() == [True, False, False, False]


def test_churn_evaluation_perfect_model_and_oracle() -> None:
    truth = weekly([("a", 0, 0.5), ("b", 0, 0.01), ("c", 0, 0.4), ("d", 0, 0.02)])
    scores = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d", "e"],
            "as_of_date": [D] * 4 + [D + dt.timedelta(weeks=4)],
            "split": ["backtest"] * 4 + ["score"],
            "churn_probability": [0.9, 0.1, 0.8, 0.2, 0.5],
            "is_churned_in_horizon": pd.array([True, False, True, False, None], dtype="boolean"),
        }
    )
    events = pd.DataFrame(
        {"account_id": ["a", "c"], "churned_at": pd.to_datetime(["2025-03-05", "2025-04-01"])}
    )
    report = churn_evaluation(scores, truth, events, horizon_days=90)
    assert report["n_test"] == 4 and report["n_test_positive"] == 2
    assert report["model_auc"] == 1.0 and report["oracle_auc"] == 1.0 and report["auc_gap"] == 0.0
    assert report["label_precision_vs_planted"] == 1.0 and report["label_recall_vs_planted"] == 1.0
    single = churn_evaluation(scores.assign(is_churned_in_horizon=False), truth, events, 90)
    assert math.isnan(single["model_auc"])


def test_backtest_evaluation_puts_candidates_next_to_the_oracles() -> None:
    from engagement.ml.backtest import BacktestConfig

    # two back-test dates, 4 accounts; the oracle ranks perfectly, "good" ranks like it, "naive_rule" inverts
    truth = weekly(
        [(a, w, p) for w in range(0, 10) for a, p in (("a", 0.3), ("b", 0.2), ("c", 0.01), ("d", 0.0))]
    )
    rows = []
    for offset in (0, 4):
        day = D + dt.timedelta(weeks=offset)
        for account, label, good in (("a", 1, 0.9), ("b", 1, 0.7), ("c", 0, 0.2), ("d", 0, 0.1)):
            rows.append((account, day, "gradient_boosting_calibrated", good, label))
            rows.append((account, day, "naive_rule", 1 - good, label))
    scores = pd.DataFrame(rows, columns=["account_id", "as_of_date", "model_name", "probability", "label"])
    scores["model_version"] = "v"
    report = backtest_evaluation(scores, truth, 28, BacktestConfig(horizon_days=28, n_bootstrap=20))
    table = pd.DataFrame(report["rows"]).set_index(["scope", "model_name"])
    assert set(table.index.get_level_values(0)) == {str(D), str(D + dt.timedelta(weeks=4)), "pooled"}
    assert table.loc[("pooled", "oracle"), "roc_auc"] == pytest.approx(1.0)
    assert table.loc[("pooled", "gradient_boosting_calibrated"), "roc_auc"] == pytest.approx(1.0)
    assert table.loc[("pooled", "naive_rule"), "roc_auc"] == pytest.approx(0.0)
    assert table.loc[("pooled", "oracle"), "n_rows"] == 8
    assert report["champion"]["champion"] == "gradient_boosting_calibrated"
    assert report["auc_gap"]["pooled"] == pytest.approx(0.0)


def test_cluster_and_tier_evaluation() -> None:
    archetypes = pd.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u4"],
            "archetype": ["power_user", "power_user", "explorer", "explorer"],
        }
    )
    clusters = pd.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u4"],
            "cluster_id": [1, 1, 2, 2],
            "cluster_archetype": ["a", "a", "b", "b"],
        }
    )
    report = cluster_evaluation(clusters, archetypes)
    assert report["ari_vs_planted"] == 1.0
    assert report["confusion"] == {
        "1:a": {"explorer": 0, "power_user": 2},
        "2:b": {"explorer": 2, "power_user": 0},
    }
    tiers = pd.DataFrame(
        {"user_id": ["u1", "u2", "u3", "u9"], "engagement_tier": ["power_user", "renewer"] * 2}
    )
    tier = tier_evaluation(tiers, archetypes)
    assert tier["n_users"] == 3 and tier["match_rate"] == pytest.approx(1 / 3)
    assert tier["match_rate_by_archetype"] == {"explorer": 0.0, "power_user": 0.5}
    assert cluster_evaluation(clusters.iloc[0:0], archetypes)["n_users"] == 0


def test_cli_on_a_tiny_duckdb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = tmp_path / "truth"
    truth.mkdir()
    weekly([("a", 0, 0.5), ("b", 0, 0.01), ("c", 0, 0.3), ("d", 0, 0.05)]).to_parquet(
        truth / "account_weekly_churn_probability.parquet"
    )
    pd.DataFrame(
        {"account_id": ["a"], "churned_at": pd.to_datetime(["2025-03-05"]), "reactivated_at": pd.NaT}
    ).to_parquet(truth / "account_churn_events.parquet")
    pd.DataFrame(
        {"user_id": ["u1", "u2", "u3"], "archetype": ["power_user", "explorer", "explorer"]}
    ).to_parquet(truth / "user_archetypes.parquet")
    path = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema intermediate")
        con.execute(
            "create table marts.churn_risk_scores as select * from (values "
            "('a', date '2025-03-03', 'backtest', 0.7, true), "
            "('b', date '2025-03-03', 'backtest', 0.1, false), "
            "('c', date '2025-03-03', 'backtest', 0.2, false), "
            "('d', date '2025-03-03', 'backtest', 0.3, false)) "
            "as t(account_id, as_of_date, split, churn_probability, is_churned_in_horizon)"
        )
        con.execute(
            "create table marts.user_clusters as select * from (values "
            "('u1', date '2025-03-03', 1, 'power_user'), ('u2', date '2025-03-03', 2, 'casual'), "
            "('u3', date '2025-03-03', 2, 'casual'), ('u1', date '2025-02-24', 2, 'casual')) "
            "as t(user_id, week_start, cluster_id, cluster_archetype)"
        )
        con.execute(
            "create table marts.cluster_model_metrics as select * from (values "
            "(2, 0.4, true, 0.9, 0.8, 0.1), (3, 0.3, false, null, null, null)) "
            "as t(k, silhouette, is_chosen, bootstrap_ari_mean, period_ari, changed_cluster_rate)"
        )
        con.execute(
            "create table intermediate.int_build_context as "
            "select date '2025-03-09' as as_of_date, date '2025-03-03' as as_of_week_start"
        )
        con.execute(
            "create table intermediate.int_user_weeks_segmented as select * from (values "
            "('u1', date '2025-03-03', 'power_user', 5), ('u2', date '2025-03-03', 'explorer', 0), "
            "('u3', date '2025-03-03', 'renewer', 2)) "
            "as t(user_id, week_start, engagement_tier, active_days_l28)"
        )
    out = tmp_path / "report.json"
    assert main(["--duckdb", str(path), "--truth", str(truth), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["churn"]["model_auc"] == 1.0 and report["churn"]["n_test"] == 4
    assert report["clustering"]["k"] == 2 and report["clustering"]["ari_vs_planted"] == 1.0
    assert report["clustering"]["n_users"] == 3  # only the latest week
    assert report["tiers_all_users"]["match_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["tiers_recently_active"]["n_users"] == 2
    assert "model AUC 1.0" in capsys.readouterr().out
