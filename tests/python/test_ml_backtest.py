"""engagement.ml.backtest on small frames: walk-forward fits see only closed labels, every score is out of
sample, metrics match scikit-learn's, intervals are paired and seeded, and the champion rule prefers the
simpler candidate on overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from engagement.ml.backtest import (
    COMPLEXITY_ORDER,
    POOLED,
    BacktestConfig,
    average_precision,
    backtest_metrics,
    choose_champion,
    expected_calibration_error,
    roc_auc,
    top_decile_lift,
    walk_forward,
)
from engagement.ml.churn import MODEL_NAMES
from engagement.ml.config import ChurnConfig
from engagement.ml.metrics import ece, lift_at_top_decile

FEATURES = ["key_actions_trend", "usage", "noise"]
HORIZON_DAYS = 50  # closes 56 days later: the date 28 days before a back-test date is still open


def _snapshots(n_accounts: int = 120, n_dates: int = 10, open_dates: int = 1, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-06", periods=n_dates, freq="28D")
    rows = []
    for date in dates:
        usage = rng.normal(size=n_accounts)
        trend = rng.normal(size=n_accounts)
        risk = 1 / (1 + np.exp(-(-2.0 - 1.2 * trend - 0.8 * usage)))
        churned = rng.random(n_accounts) < risk
        rows.append(
            pd.DataFrame(
                {
                    "account_id": [f"a{i:03d}" for i in range(n_accounts)],
                    "as_of_date": date.date(),
                    "key_actions_trend": trend,
                    "usage": usage,
                    "noise": rng.normal(size=n_accounts),
                    "is_churned_in_horizon": pd.array(churned, dtype="boolean"),
                    "is_downgraded_in_horizon": pd.array(rng.random(n_accounts) < 0.1, dtype="boolean"),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    unlabelled = frame["as_of_date"] >= dates[-open_dates].date()
    frame.loc[unlabelled, ["is_churned_in_horizon", "is_downgraded_in_horizon"]] = pd.NA
    return frame


CHURN = ChurnConfig(hgb_max_iter=20, random_state=3, n_threads=1)
BACKTEST = BacktestConfig(n_dates=3, horizon_days=HORIZON_DAYS, n_bootstrap=50, permutation_repeats=1)


@pytest.fixture(scope="module")
def snapshots() -> pd.DataFrame:
    return _snapshots()


@pytest.fixture(scope="module")
def result(snapshots):
    return walk_forward(snapshots, FEATURES, CHURN, BACKTEST)


def test_fast_metrics_equal_scikit_learn():
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.2).astype(float)
    p = np.round(np.clip(0.2 + 0.3 * (y - 0.2) + rng.normal(scale=0.2, size=400), 0, 1), 2)  # with ties
    assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert average_precision(y, p) == pytest.approx(average_precision_score(y, p), abs=1e-12)
    assert expected_calibration_error(y, p) == pytest.approx(ece(y, p), abs=1e-12)
    assert top_decile_lift(y, p) == pytest.approx(lift_at_top_decile(y, p), abs=1e-12)
    assert np.isnan(roc_auc(np.zeros(5), np.arange(5.0)))


def test_last_k_labelled_dates_scored_out_of_sample_only(snapshots, result):
    labelled = sorted(snapshots.loc[snapshots["is_churned_in_horizon"].notna(), "as_of_date"].unique())
    scored = sorted(result.scores["as_of_date"].unique())
    assert scored == labelled[-BACKTEST.n_dates :]
    closed = pd.Timedelta(days=BACKTEST.label_closed_days)
    for fit in result.fits.itertuples():
        # trained only on snapshots whose whole label window had closed by the back-test date
        assert pd.Timestamp(fit.train_end_date) + closed <= pd.Timestamp(fit.as_of_date)
        assert fit.n_train > 0
    # every candidate scores every labelled back-test row once, with the version of the fit that made it
    per_model = result.scores.groupby("model_name").size()
    n_rows = int(snapshots["as_of_date"].isin(scored).sum())
    assert set(per_model.index) == set(MODEL_NAMES) and (per_model == n_rows).all()
    versions = result.scores.groupby(["as_of_date", "model_name"])["model_version"].nunique()
    assert (versions == 1).all() and result.scores["model_version"].nunique() == len(scored) * len(
        MODEL_NAMES
    )
    assert result.scores["probability"].between(0, 1).all()
    imp = result.importance
    # importance for the fits of the latest importance_dates back-test dates only
    assert len(imp) == BACKTEST.importance_dates * len(MODEL_NAMES) * len(FEATURES)
    assert sorted(imp["as_of_date"].unique()) == sorted(scored)[-BACKTEST.importance_dates :]
    naive = imp[imp["model_name"] == "naive_rule"].set_index("feature")["importance_mean"]
    assert (naive.drop("key_actions_trend") == 0.0).all()  # the naive rule reads one column
    main = (
        imp[imp["model_name"] == "gradient_boosting_calibrated"].groupby("feature")["importance_mean"].mean()
    )
    assert main["key_actions_trend"] > main["noise"]  # the planted signal carries the importance


def test_labels_not_yet_closed_never_reach_the_fit(snapshots, result):
    first = pd.Timestamp(sorted(result.scores["as_of_date"].unique())[0])
    changed = snapshots.copy()
    dates = pd.to_datetime(changed["as_of_date"])
    # the snapshots before the first back-test date whose window is still open at it: flip their labels
    open_rows = (dates < first) & (dates + pd.Timedelta(days=BACKTEST.label_closed_days) > first)
    assert open_rows.any()
    changed.loc[open_rows, "is_churned_in_horizon"] = ~changed.loc[open_rows, "is_churned_in_horizon"]
    again = walk_forward(changed, FEATURES, CHURN, BACKTEST).scores
    on_first = again["as_of_date"] == first.date()
    pd.testing.assert_frame_equal(
        again[on_first].reset_index(drop=True),
        result.scores[result.scores["as_of_date"] == first.date()].reset_index(drop=True),
    )


def test_row_order_does_not_change_the_back_test(snapshots, result):
    shuffled = snapshots.sample(frac=1.0, random_state=11).reset_index(drop=True)
    again = walk_forward(shuffled, FEATURES, CHURN, BACKTEST)
    pd.testing.assert_frame_equal(again.scores, result.scores)
    pd.testing.assert_frame_equal(again.importance, result.importance)


def test_metrics_per_date_and_pooled_with_intervals(result):
    metrics = backtest_metrics(result.scores, BACKTEST)
    dates = sorted(result.scores["as_of_date"].astype(str).unique())
    assert set(metrics["scope"]) == {*dates, POOLED}
    pooled = metrics[metrics["scope"] == POOLED].set_index("model_name")
    per_date = metrics[metrics["scope"] != POOLED]
    for name in MODEL_NAMES:
        assert pooled.loc[name, "n_rows"] == per_date.loc[per_date["model_name"] == name, "n_rows"].sum()
        assert (
            pooled.loc[name, "n_positive"] == per_date.loc[per_date["model_name"] == name, "n_positive"].sum()
        )
    for metric in ("roc_auc", "pr_auc", "brier", "ece", "lift_top_decile"):
        assert (metrics[f"{metric}_lower"] <= metrics[f"{metric}_upper"]).all()
    main = pooled.loc["gradient_boosting_calibrated"]
    assert main["roc_auc_lower"] <= main["roc_auc"] <= main["roc_auc_upper"]
    assert main["roc_auc"] > 0.6  # the planted signal is found out of sample
    pd.testing.assert_frame_equal(metrics, backtest_metrics(result.scores, BACKTEST))  # seeded


def _pooled(figures: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"scope": POOLED, "model_name": name, "roc_auc": auc, "roc_auc_lower": low, "roc_auc_upper": high}
            for name, (auc, low, high) in figures.items()
        ]
    )


def test_champion_simpler_wins_on_overlap():
    table = _pooled(
        {
            "naive_rule": (0.60, 0.55, 0.65),
            "logistic_regression": (0.70, 0.66, 0.74),
            "gradient_boosting_calibrated": (0.72, 0.69, 0.75),
        }
    )
    choice = choose_champion(table)
    assert choice["best"] == "gradient_boosting_calibrated"
    assert choice["champion"] == "logistic_regression"
    assert "overlaps simpler logistic_regression" in choice["reason"]


def test_champion_best_wins_without_overlap():
    table = _pooled(
        {
            "naive_rule": (0.60, 0.55, 0.65),
            "logistic_regression": (0.66, 0.63, 0.68),
            "gradient_boosting_calibrated": (0.74, 0.70, 0.78),
        }
    )
    choice = choose_champion(table)
    assert choice["champion"] == "gradient_boosting_calibrated"
    assert "no simpler candidate's interval overlaps" in choice["reason"]
    assert list(choice["candidates"]) == list(COMPLEXITY_ORDER)


def test_champion_of_several_overlapping_simpler_candidates_is_the_better_one():
    table = _pooled(
        {
            "naive_rule": (0.53, 0.46, 0.59),
            "logistic_regression": (0.607, 0.55, 0.667),
            "gradient_boosting_calibrated": (0.609, 0.554, 0.662),
        }
    )
    choice = choose_champion(table)
    assert choice["best"] == "gradient_boosting_calibrated"
    assert choice["champion"] == "logistic_regression"
