"""Tests of engagement.ml.churn and engagement.ml.metrics on small synthetic frames."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from engagement.ml import ChurnConfig, ece, fit_churn_model, lift_at_top_decile, psi, reliability_bins
from engagement.ml.churn import CALIBRATION_COLUMNS, DRIFT_COLUMNS, METRICS_COLUMNS, SCORES_COLUMNS

FEATURES = ["key_actions_trend", "seats_used", "noise"]
FAST = ChurnConfig(hgb_max_iter=30)


def make_snapshots(
    n_accounts: int = 150,
    n_dates: int = 6,
    seed: int = 0,
    unlabelled_last: bool = True,
    churn_rate_shift: float = -1.5,
) -> pd.DataFrame:
    """Planted signal: churn rises as key_actions_trend falls; downgrade rises with seats_used."""
    rng = np.random.default_rng(seed)
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=30 * i) for i in range(n_dates)]
    frames = []
    for i, day in enumerate(dates):
        trend = rng.normal(size=n_accounts)
        seats = rng.normal(size=n_accounts)
        p_churn = 1 / (1 + np.exp(-(churn_rate_shift - 2.5 * trend)))
        p_down = 1 / (1 + np.exp(-(-2.0 + 1.5 * seats)))
        known = not (unlabelled_last and i == n_dates - 1)
        frames.append(
            pd.DataFrame(
                {
                    "account_id": [f"acc_{a:04d}" for a in range(n_accounts)],
                    "as_of_date": day,
                    "key_actions_trend": trend,
                    "seats_used": seats,
                    "noise": rng.normal(size=n_accounts),
                    "is_churned_in_horizon": pd.array(
                        rng.random(n_accounts) < p_churn if known else [None] * n_accounts, dtype="boolean"
                    ),
                    "is_downgraded_in_horizon": pd.array(
                        rng.random(n_accounts) < p_down if known else [None] * n_accounts, dtype="boolean"
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, object]:
    snapshots = make_snapshots()
    return snapshots, fit_churn_model(snapshots, FEATURES, FAST)


# --------------------------------------------------------------------------- metric helpers


def test_reliability_bins_and_ece_hand_computed() -> None:
    y = [0, 1, 1, 0]
    p = [0.05, 0.15, 0.95, 1.0]
    table = reliability_bins(y, p, n_bins=10)
    assert list(table.columns) == ["bin", "bin_lower", "bin_upper", "mean_predicted", "observed_rate", "n"]
    assert table["n"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table.loc[9, "mean_predicted"] == pytest.approx(0.975)
    assert table.loc[9, "observed_rate"] == pytest.approx(0.5)
    assert math.isnan(table.loc[5, "mean_predicted"])
    # 1/4*|0.05-0| + 1/4*|0.15-1| + 2/4*|0.975-0.5|
    assert ece(y, p) == pytest.approx(0.4625)
    assert math.isnan(ece([], []))
    with pytest.raises(ValueError):
        reliability_bins([0, 1], [0.2, 1.5])


def test_lift_at_top_decile_hand_computed() -> None:
    y = [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    assert lift_at_top_decile(y, scores) == pytest.approx(1.0 / 0.2)  # top 1 row, all positive
    y20 = [1, 0] + [0] * 16 + [1, 1]
    s20 = list(np.linspace(1.0, 0.0, 20))
    assert lift_at_top_decile(y20, s20) == pytest.approx(0.5 / 0.15)  # top 2 rows: 1 of 2 positive
    assert math.isnan(lift_at_top_decile([0, 0, 0], [0.1, 0.2, 0.3]))  # no positive
    assert lift_at_top_decile([1, 0, None], [0.9, 0.1, 0.5]) == pytest.approx(2.0)  # NaN pair dropped


def test_psi_hand_computed() -> None:
    expected = np.arange(10.0)  # median edge 4.5 with 2 bins: shares 0.5 / 0.5
    actual = [0, 0, 0, 0, 0, 0, 0, 0, 9, 9]  # shares 0.8 / 0.2
    hand = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert psi(expected, actual, n_bins=2) == pytest.approx(hand)
    assert psi(expected, expected) == pytest.approx(0.0)
    # Missing values form their own bin; an empty share is floored at eps.
    eps = 1e-4
    hand_nan = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - eps) * math.log(0.5 / eps)
    assert psi([1, 2, 3, 4], [1, 2, np.nan, np.nan], n_bins=1) == pytest.approx(hand_nan)
    assert math.isnan(psi([], [1.0]))


# --------------------------------------------------------------------------- churn: planted signal


def test_output_columns_and_row_coverage(planted: tuple[pd.DataFrame, object]) -> None:
    snapshots, result = planted
    assert list(result.scores.columns) == list(SCORES_COLUMNS)
    assert list(result.metrics.columns) == list(METRICS_COLUMNS)
    assert list(result.calibration.columns) == list(CALIBRATION_COLUMNS)
    assert list(result.drift.columns) == list(DRIFT_COLUMNS)
    assert len(result.scores) == len(snapshots)
    assert set(result.scores["split"]) == {"train", "test", "score"}
    assert len(result.metrics) == 6
    assert result.scores["churn_probability"].between(0, 1).all()
    assert result.scores["downgrade_probability"].between(0, 1).all()
    assert result.scores["model_version"].nunique() == 1


def test_main_model_beats_chance_on_planted_signal(planted: tuple[pd.DataFrame, object]) -> None:
    _, result = planted
    metrics = result.metrics.set_index(["label", "model_name"])
    assert metrics.loc[("churn", "gradient_boosting_calibrated"), "roc_auc"] > 0.75
    assert metrics.loc[("downgrade", "gradient_boosting_calibrated"), "roc_auc"] > 0.65
    assert metrics.loc[("churn", "naive_rule"), "roc_auc"] > 0.75  # the rule ranks on the planted feature
    assert metrics["note"].isna()[[("churn", "logistic_regression")]].all()


def test_time_split_never_trains_on_later_dates(planted: tuple[pd.DataFrame, object]) -> None:
    snapshots, result = planted
    scores = result.scores
    train_dates = pd.to_datetime(scores.loc[scores["split"] == "train", "as_of_date"])
    test_dates = pd.to_datetime(scores.loc[scores["split"] == "test", "as_of_date"])
    score_dates = pd.to_datetime(scores.loc[scores["split"] == "score", "as_of_date"])
    assert train_dates.max() < test_dates.min()
    assert score_dates.min() == pd.Timestamp(max(snapshots["as_of_date"]))
    assert test_dates.nunique() == 1  # round(0.25 * 5 labelled dates) = 1
    row = result.metrics.iloc[0]
    assert row["train_end_date"] < row["test_start_date"]


def test_test_rows_scored_by_a_model_that_never_saw_them(planted: tuple[pd.DataFrame, object]) -> None:
    snapshots, result = planted
    test_date = result.scores.loc[result.scores["split"] == "test", "as_of_date"].iloc[0]
    flipped = snapshots.copy()
    mask = flipped["as_of_date"] == test_date
    flipped.loc[mask, "is_churned_in_horizon"] = ~flipped.loc[mask, "is_churned_in_horizon"]
    again = fit_churn_model(flipped, FEATURES, FAST)
    is_test = result.scores["split"] == "test"
    np.testing.assert_allclose(
        again.scores.loc[is_test, "churn_probability"], result.scores.loc[is_test, "churn_probability"]
    )
    # Score rows use the model refit on train + test, so they do see the flipped labels.
    is_score = result.scores["split"] == "score"
    assert not np.allclose(
        again.scores.loc[is_score, "churn_probability"], result.scores.loc[is_score, "churn_probability"]
    )


def test_calibration_bins_sum_to_n_test(planted: tuple[pd.DataFrame, object]) -> None:
    _, result = planted
    sums = result.calibration.groupby(["label", "model_name"])["n"].sum()
    n_test = result.metrics.set_index(["label", "model_name"])["n_test"]
    assert len(sums) == 6
    for key, total in sums.items():
        assert total == n_test[key]


def test_drivers_name_the_planted_feature(planted: tuple[pd.DataFrame, object]) -> None:
    _, result = planted
    scores = result.scores
    assert scores["driver_1"].value_counts().idxmax() == "key_actions_trend"
    assert set(scores["driver_1_direction"].dropna()) <= {"raises_risk", "lowers_risk"}
    # Low trend (decline) raises risk for the rows where the planted feature is the top driver.
    merged = scores.join(
        planted[0].sort_values(["as_of_date", "account_id"]).reset_index(drop=True)[FEATURES]
    )
    top = merged[merged["driver_1"] == "key_actions_trend"]
    very_low = top[top["key_actions_trend"] < -1.0]
    assert (very_low["driver_1_direction"] == "raises_risk").mean() > 0.9


def test_risk_band_follows_governed_cutoffs(planted: tuple[pd.DataFrame, object]) -> None:
    _, result = planted
    p = result.scores["churn_probability"]
    expected = np.where(p < 0.1, "low", np.where(p < 0.3, "medium", "high"))
    assert (result.scores["risk_band"].to_numpy() == expected).all()
    custom = fit_churn_model(
        planted[0],
        FEATURES,
        ChurnConfig(hgb_max_iter=30, risk_band_cutoffs=(0.5,), risk_band_labels=("ok", "at_risk")),
    )
    q = custom.scores["churn_probability"]
    assert (custom.scores["risk_band"].to_numpy() == np.where(q < 0.5, "ok", "at_risk")).all()


def test_deterministic_and_row_order_independent(planted: tuple[pd.DataFrame, object]) -> None:
    snapshots, result = planted
    shuffled = snapshots.sample(frac=1.0, random_state=7)
    again = fit_churn_model(shuffled, FEATURES, FAST)
    for name in ("scores", "metrics", "calibration", "drift"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(again, name))
    assert result.model_version == again.model_version
    other = fit_churn_model(snapshots, FEATURES, ChurnConfig(hgb_max_iter=31))
    assert other.model_version != result.model_version


def test_drift_alerts_on_shifted_feature() -> None:
    snapshots = make_snapshots(n_accounts=100, n_dates=4)
    last = snapshots["as_of_date"] == snapshots["as_of_date"].max()
    snapshots.loc[last, "seats_used"] += 3.0
    drift = fit_churn_model(snapshots, FEATURES, FAST).drift.set_index("feature")
    assert bool(drift.loc["seats_used", "is_alert"])
    assert not bool(drift.loc["noise", "is_alert"])
    assert (drift["n_score"] == 100).all()
    assert (drift["n_train"] == 300).all()  # refit on train + test is the reference


# --------------------------------------------------------------------------- churn: degenerate inputs


def test_single_class_in_training_gives_constant_prior() -> None:
    snapshots = make_snapshots(n_accounts=40, n_dates=4)
    known = snapshots["is_churned_in_horizon"].notna()
    snapshots.loc[known, "is_churned_in_horizon"] = False
    result = fit_churn_model(snapshots, FEATURES, FAST)
    metrics = result.metrics.set_index(["label", "model_name"])
    assert "constant prior" in metrics.loc[("churn", "gradient_boosting_calibrated"), "note"]
    assert "constant prior" in metrics.loc[("churn", "logistic_regression"), "note"]
    assert metrics.loc[("churn", "gradient_boosting_calibrated"), "calibration_method"] == "constant"
    assert (result.scores["churn_probability"] == 0.0).all()
    assert result.scores["driver_1"].isna().all()
    assert "single class" in metrics.loc[("churn", "gradient_boosting_calibrated"), "note"]


def test_constant_and_all_nan_features_do_not_crash() -> None:
    snapshots = make_snapshots(n_accounts=60, n_dates=4)
    snapshots["constant"] = 1.0
    snapshots["all_missing"] = np.nan
    snapshots.loc[::3, "seats_used"] = np.nan
    features = [*FEATURES, "constant", "all_missing"]
    result = fit_churn_model(snapshots, features, FAST)
    assert result.scores["churn_probability"].between(0, 1).all()
    drivers = set(result.scores[["driver_1", "driver_2", "driver_3"]].stack().dropna())
    assert not drivers & {"constant", "all_missing"}
    drift = result.drift.set_index("feature")
    assert drift.loc["constant", "psi"] == pytest.approx(0.0)
    assert drift.loc["all_missing", "psi"] == pytest.approx(0.0)


def test_single_prediction_date_has_no_test_set() -> None:
    snapshots = make_snapshots(n_accounts=50, n_dates=1, unlabelled_last=False)
    result = fit_churn_model(snapshots, FEATURES, FAST)
    assert (result.scores["split"] == "train").all()
    assert result.metrics["roc_auc"].isna().all() and result.metrics["brier"].isna().all()
    assert result.metrics["note"].str.contains("no test set").all()
    assert (result.metrics["n_test"] == 0).all()
    assert result.calibration.empty
    assert result.scores["churn_probability"].notna().all()


def test_only_unlabelled_dates_give_nan_probabilities_with_note() -> None:
    snapshots = make_snapshots(n_accounts=20, n_dates=1, unlabelled_last=True)
    result = fit_churn_model(snapshots, FEATURES, FAST)
    assert (result.scores["split"] == "score").all()
    assert result.scores["churn_probability"].isna().all()
    assert result.scores["risk_band"].isna().all()
    assert result.metrics["note"].str.contains("no labelled training rows").all()
    assert result.drift["psi"].isna().all()


def test_empty_input_returns_empty_frames_with_columns() -> None:
    empty = make_snapshots(n_accounts=5, n_dates=2).iloc[0:0]
    result = fit_churn_model(empty, FEATURES, FAST)
    assert result.scores.empty and list(result.scores.columns) == list(SCORES_COLUMNS)
    assert result.calibration.empty and list(result.calibration.columns) == list(CALIBRATION_COLUMNS)
    assert len(result.metrics) == 6 and result.metrics["roc_auc"].isna().all()
    assert len(result.drift) == len(FEATURES) and result.drift["psi"].isna().all()


def test_fewer_rows_than_cv_folds() -> None:
    snapshots = make_snapshots(n_accounts=3, n_dates=3, unlabelled_last=False)
    snapshots["is_churned_in_horizon"] = pd.array([True, False, False] * 3, dtype="boolean")
    result = fit_churn_model(snapshots, FEATURES, FAST)
    main = result.metrics.set_index(["label", "model_name"]).loc[("churn", "gradient_boosting_calibrated")]
    assert "calibration folds reduced to 2" in main["note"]
    assert "hgb_min_samples_leaf reduced to 2" in main["note"]
    assert result.scores["churn_probability"].between(0, 1).all()
    one_positive = snapshots.copy()
    one_positive["is_churned_in_horizon"] = pd.array([True] + [False] * 8, dtype="boolean")
    result = fit_churn_model(one_positive, FEATURES, FAST)
    main = result.metrics.set_index(["label", "model_name"]).loc[("churn", "gradient_boosting_calibrated")]
    assert main["calibration_method"] == "none" and "uncalibrated" in main["note"]


def test_missing_decline_feature_falls_back_to_first_feature() -> None:
    snapshots = make_snapshots(n_accounts=40, n_dates=3)
    result = fit_churn_model(snapshots, ["seats_used", "noise"], FAST)
    naive = result.metrics[result.metrics["model_name"] == "naive_rule"]
    assert naive["note"].str.contains("naive rule uses 'seats_used'").all()


def test_contract_violations_raise_value_error() -> None:
    snapshots = make_snapshots(n_accounts=10, n_dates=2)
    with pytest.raises(ValueError, match="missing columns"):
        fit_churn_model(snapshots.drop(columns="noise"), FEATURES)
    with pytest.raises(ValueError, match="cannot be features"):
        fit_churn_model(snapshots, [*FEATURES, "is_churned_in_horizon"])
    with pytest.raises(ValueError, match="duplicate"):
        fit_churn_model(pd.concat([snapshots, snapshots.iloc[:1]]), FEATURES)
    with pytest.raises(ValueError, match=r"not numeric|non-numeric"):
        fit_churn_model(snapshots.assign(noise="x"), FEATURES)
    with pytest.raises(ValueError):
        ChurnConfig(risk_band_cutoffs=(0.3, 0.1))
