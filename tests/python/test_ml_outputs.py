"""Tests of the one-fit output tables (engagement.ml.outputs), applying a fitted clustering
(assign_clusters, moved_features) and the settings parsers, on small synthetic frames."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engagement.ml import ChurnConfig, ClusterConfig, fit_churn_model, fit_clusters
from engagement.ml.backtest import BacktestConfig
from engagement.ml.clustering import ASSIGNMENT_COLUMNS, assign_clusters, moved_features, standardise
from engagement.ml.config import churn_config_from_settings, cluster_config_from_settings
from engagement.ml.outputs import (
    CHURN_OUTPUT_SCHEMA,
    churn_outputs,
    churn_outputs_table,
    cluster_output_schema,
    cluster_outputs,
    to_arrow,
)

FEATURES = ["key_actions_log", "breadth", "days_since_last_active"]
CENTRES = {"power": (3.0, 3.0, 1.0), "steady": (1.5, 1.0, 7.0), "dormant": (0.2, 0.5, 60.0)}
FAST_CLUSTERS = ClusterConfig(k_min=2, k_max=4, n_init=3, n_bootstrap=2)


def make_users(n_per_blob: int = 40, seed: int = 0, shift: float = 0.0, prefix: str = "") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for name, (freq, breadth, dormancy) in CENTRES.items():
        for i in range(n_per_blob):
            rows.append(
                {
                    "user_id": f"{prefix}{name}_{i:03d}",
                    "key_actions_log": freq + shift + rng.normal(0, 0.2),
                    "breadth": breadth + rng.normal(0, 0.2),
                    "days_since_last_active": dormancy + rng.normal(0, 2.0),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, object]:
    users = make_users()
    return users, fit_clusters(users, FEATURES, FAST_CLUSTERS)


# --------------------------------------------------------------------------- applying a fitted model


def test_assign_reproduces_the_fit_and_places_new_rows(fitted: tuple[pd.DataFrame, object]) -> None:
    users, result = fitted
    again = assign_clusters(result.model, users.sample(frac=1.0, random_state=1))
    assert list(again.columns) == list(ASSIGNMENT_COLUMNS)
    assert again["user_id"].tolist() == result.assignments["user_id"].tolist()  # sorted by user_id
    assert (again["cluster_id"].to_numpy() == result.assignments["cluster_id"].to_numpy()).all()
    np.testing.assert_allclose(again["distance_to_centroid"], result.assignments["distance_to_centroid"])
    power_id = result.assignments.set_index("user_id").loc["power_000", "cluster_id"]
    new = pd.DataFrame(
        {"user_id": ["x"], "key_actions_log": [3.1], "breadth": [2.9], "days_since_last_active": [np.nan]}
    )
    assert assign_clusters(result.model, new)["cluster_id"].tolist() == [power_id]  # NaN imputed


def test_assign_degenerate_inputs(fitted: tuple[pd.DataFrame, object]) -> None:
    users, result = fitted
    empty = assign_clusters(result.model, users.iloc[0:0])
    assert empty.empty and list(empty.columns) == list(ASSIGNMENT_COLUMNS)
    with pytest.raises(ValueError, match="missing columns"):
        assign_clusters(result.model, users.drop(columns="breadth"))
    constant = users.assign(key_actions_log=1.0, breadth=1.0, days_since_last_active=1.0)
    single = fit_clusters(constant, FEATURES)
    assigned = assign_clusters(single.model, users)
    assert set(assigned["cluster_id"]) == {0} and set(assigned["cluster_archetype"]) == {"all_users"}
    assert standardise(single.model, users).shape == (len(users), 0)


def test_moved_features_rank_standardised_changes(fitted: tuple[pd.DataFrame, object]) -> None:
    users, result = fitted
    previous = users.copy()
    current = users.copy()
    current.loc[current["user_id"] == "power_000", "days_since_last_active"] += 40.0  # big, on a wide scale
    current.loc[current["user_id"] == "power_000", "breadth"] -= 0.5
    current = pd.concat([current, make_users(n_per_blob=1, prefix="new_")])  # not in previous
    moved = moved_features(result.model, current, previous, n_features=3)
    assert list(moved.columns)[:3] == ["user_id", "moved_feature_1", "moved_feature_1_change"]
    assert not moved["user_id"].str.startswith("new_").any()
    row = moved.set_index("user_id").loc["power_000"]
    assert row["moved_feature_1"] in {"days_since_last_active", "breadth"}
    assert {row["moved_feature_1"], row["moved_feature_2"]} == {"days_since_last_active", "breadth"}
    assert (row["moved_feature_1_change"] > 0) == (row["moved_feature_1"] == "days_since_last_active")
    assert pd.isna(row["moved_feature_3"]) and math.isnan(row["moved_feature_3_change"])  # no change
    still = moved.set_index("user_id").loc["steady_000"]
    assert pd.isna(still["moved_feature_1"])
    wide = moved_features(result.model, current, previous, n_features=5)  # more than features kept
    assert wide["moved_feature_5"].isna().all()
    with pytest.raises(ValueError):
        moved_features(result.model, current, previous, n_features=0)


# --------------------------------------------------------------------------- clustering outputs


def _weeks(current: pd.DataFrame, previous: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(
        [
            current.assign(week_role="current", week_start=dt.date(2026, 2, 23)),
            previous.assign(week_role="previous", week_start=dt.date(2026, 2, 16)),
            baseline.assign(week_role="baseline", week_start=dt.date(2025, 11, 24)),
        ],
        ignore_index=True,
    )


def test_cluster_outputs_one_fit_three_weeks() -> None:
    current = make_users(seed=1)
    previous = make_users(seed=2)
    previous.loc[previous["user_id"] == "power_001", ["key_actions_log", "breadth"]] = [0.2, 0.5]
    previous.loc[previous["user_id"] == "power_001", "days_since_last_active"] = 60.0
    previous = previous[previous["user_id"] != "steady_002"]  # new in the current week
    table = cluster_outputs(_weeks(current, previous, make_users(seed=3)), FEATURES, FAST_CLUSTERS)
    assert isinstance(table, pa.Table)
    assert table.schema == cluster_output_schema(FEATURES)
    frame = table.to_pandas()
    assert set(frame["output_name"]) == {"assignments", "profiles", "metrics"}
    assert frame["model_version"].nunique() == 1
    assignments = frame[frame["output_name"] == "assignments"]
    sizes = assignments.groupby("week_role").size().to_dict()
    assert sizes == {"baseline": 120, "current": 120, "previous": 119}
    cur = assignments[assignments["week_role"] == "current"].set_index("user_id")
    assert bool(cur.loc["power_001", "has_cluster_changed"])
    assert cur.loc["power_001", "moved_feature_1"] in FEATURES
    assert pd.isna(cur.loc["steady_002", "previous_cluster_id"])
    assert pd.isna(cur.loc["steady_002", "has_cluster_changed"])
    unchanged = cur[cur["has_cluster_changed"].eq(False)]
    assert unchanged["moved_feature_1"].isna().all()
    metrics = frame[frame["output_name"] == "metrics"]
    chosen = metrics[metrics["is_chosen"].astype(bool)].iloc[0]
    assert 0.0 < chosen["period_ari"] <= 1.0
    assert chosen["n_users_both_periods"] == 119
    assert 0.0 < chosen["changed_cluster_rate"] < 0.1
    profiles = frame[frame["output_name"] == "profiles"]
    assert profiles["n_users"].sum() == 120 and profiles[FEATURES].notna().all().all()


def test_cluster_outputs_degenerate_inputs() -> None:
    only_current = make_users(n_per_blob=5).assign(week_role="current", week_start=dt.date(2026, 2, 23))
    frame = cluster_outputs(only_current, FEATURES, FAST_CLUSTERS).to_pandas()
    assert (frame.loc[frame["output_name"] == "assignments", "week_role"] == "current").all()
    chosen = frame[(frame["output_name"] == "metrics") & frame["is_chosen"].astype(bool)].iloc[0]
    assert math.isnan(chosen["period_ari"]) and chosen["n_users_both_periods"] == 0
    empty = cluster_outputs(only_current.iloc[0:0], FEATURES, FAST_CLUSTERS).to_pandas()
    assert set(empty["output_name"]) == {"metrics"} and empty["k"].tolist() == [0]
    with pytest.raises(ValueError, match="week roles"):
        cluster_outputs(only_current.assign(week_role="later"), FEATURES)
    with pytest.raises(ValueError, match="single week_start"):
        two_weeks = only_current.assign(week_start=[dt.date(2026, 2, 23), dt.date(2026, 2, 16)] * 7 + [None])
        cluster_outputs(two_weeks, FEATURES)
    with pytest.raises(ValueError, match="clash"):
        cluster_outputs(only_current.assign(share=1.0), [*FEATURES, "share"])


def test_cluster_outputs_keep_ids_with_previous_profiles() -> None:
    weeks = _weeks(make_users(seed=1), make_users(seed=2), make_users(seed=3))
    first = cluster_outputs(weeks, FEATURES, FAST_CLUSTERS).to_pandas()
    profiles = first[first["output_name"] == "profiles"]
    swapped = profiles.assign(cluster_id=profiles["cluster_id"] + 10)  # ids a previous run had given
    second = cluster_outputs(weeks, FEATURES, FAST_CLUSTERS, previous_profiles=swapped).to_pandas()
    ids = second.loc[second["output_name"] == "profiles", "cluster_id"]
    assert sorted(ids) == sorted(swapped["cluster_id"])


# --------------------------------------------------------------------------- churn outputs


def make_snapshots(n_accounts: int = 80, n_dates: int = 5, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_dates):
        trend = rng.normal(size=n_accounts)
        known = i < n_dates - 1
        churn = rng.random(n_accounts) < 1 / (1 + np.exp(1.5 + 2.5 * trend))
        frames.append(
            pd.DataFrame(
                {
                    "account_id": [f"acc_{a:03d}" for a in range(n_accounts)],
                    "as_of_date": pd.Timestamp(2025, 1, 6) + pd.Timedelta(weeks=4 * i),
                    "key_actions_trend": trend,
                    "seats": rng.integers(1, 20, n_accounts).astype(float),
                    "is_churned_in_horizon": pd.array(
                        churn if known else [None] * n_accounts, dtype="boolean"
                    ),
                    "is_downgraded_in_horizon": pd.array(
                        rng.random(n_accounts) < 0.2 if known else [None] * n_accounts, dtype="boolean"
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_churn_outputs_stack_every_output_of_one_fit() -> None:
    snapshots = make_snapshots()
    config = ChurnConfig(hgb_max_iter=20)
    result = fit_churn_model(snapshots, ["key_actions_trend", "seats"], config)
    table = churn_outputs_table(snapshots, result)
    assert table.schema == CHURN_OUTPUT_SCHEMA
    frame = table.to_pandas()
    counts = frame["output_name"].value_counts().to_dict()
    assert counts["scores"] == len(snapshots) and counts["metrics"] == 6 and counts["drift"] == 2
    assert counts["calibration"] == len(result.calibration)
    assert (frame["model_version"] == result.model_version).all()
    scores = frame[frame["output_name"] == "scores"]
    merged = scores.merge(
        snapshots.assign(as_of_date=snapshots["as_of_date"].dt.date),
        on=["account_id", "as_of_date"],
        suffixes=("", "_in"),
    )
    assert len(merged) == len(snapshots)
    assert (merged["is_churned_in_horizon"].isna() == merged["is_churned_in_horizon_in"].isna()).all()
    known = merged["is_churned_in_horizon"].notna()
    assert (merged.loc[known, "is_churned_in_horizon"] == merged.loc[known, "is_churned_in_horizon_in"]).all()
    assert (merged["split"] == "score").eq(merged["is_churned_in_horizon"].isna()).all()
    again = churn_outputs(snapshots, ["key_actions_trend", "seats"], config)
    assert again.equals(table)  # deterministic


def test_churn_outputs_backtest_walk_forward_and_the_champion_scores() -> None:
    """The build's churn fit: every candidate back-tested walk-forward, only out-of-sample rows with the
    version of the fit that made them, and the champion (the simplest probability model when the
    champion is the naive rank) publishes the current scores."""
    snapshots = make_snapshots(n_accounts=120, n_dates=8)
    features = ["key_actions_trend", "seats"]
    config = ChurnConfig(hgb_max_iter=20)
    backtest = BacktestConfig(n_dates=3, horizon_days=28, n_bootstrap=20, permutation_repeats=1)
    frame = churn_outputs(snapshots, features, config, backtest=backtest).to_pandas()
    metrics = frame[frame["output_name"] == "backtest_metrics"]
    assert sorted(metrics["scope"].unique()) == ["2025-04-28", "2025-05-26", "2025-06-23", "pooled"]
    assert len(metrics) == 4 * 3
    champion = metrics.loc[metrics["is_champion"].astype(bool), "model_name"].unique()
    scoring = metrics.loc[metrics["is_scoring_model"].astype(bool), "model_name"].unique()
    assert len(champion) == 1 and len(scoring) == 1
    assert scoring[0] == (champion[0] if champion[0] != "naive_rule" else "logistic_regression")
    pooled = metrics[metrics["scope"] == "pooled"]
    assert pooled["champion_reason"].str.endswith(f"scores published by {scoring[0]}").all()
    per_date = metrics[metrics["scope"] != "pooled"]
    # every fit saw only snapshots whose label window (28 days) had closed by its back-test date
    closed = pd.to_datetime(per_date["train_end_date"]) + pd.Timedelta(days=28)
    assert (closed <= pd.to_datetime(per_date["scope"])).all()
    assert (per_date["roc_auc_lower"] <= per_date["roc_auc"]).all()

    published = frame[frame["output_name"] == "backtest_scores"]
    assert len(published) == 3 * 120 and published["is_churned_in_horizon"].notna().all()
    assert (published["split"] == "backtest").all()
    versions = per_date[per_date["model_name"] == scoring[0]].set_index("scope")["model_version"]
    assert (published["model_version"] == published["as_of_date"].astype(str).map(versions)).all()
    importance = frame[frame["output_name"] == "importance"]
    assert len(importance) == 2 * 3 * len(features)  # the fits of the latest two dates

    refit = fit_churn_model(snapshots, features, replace(config, scoring_model=scoring[0]))
    scores = frame[(frame["output_name"] == "scores") & (frame["split"] == "score")]
    expected = refit.scores[refit.scores["split"] == "score"]
    np.testing.assert_array_equal(
        scores["churn_probability"].to_numpy(), expected["churn_probability"].to_numpy()
    )
    again = churn_outputs(snapshots, features, config, backtest=backtest).to_pandas()
    pd.testing.assert_frame_equal(frame, again)  # deterministic


def test_churn_outputs_empty_snapshots() -> None:
    empty = make_snapshots().iloc[0:0]
    frame = churn_outputs(empty, ["key_actions_trend", "seats"], ChurnConfig(hgb_max_iter=5)).to_pandas()
    assert "scores" not in set(frame["output_name"])
    assert frame.loc[frame["output_name"] == "metrics", "roc_auc"].isna().all()


def test_to_arrow_conforms_missing_values_and_dates() -> None:
    schema = pa.schema([("d", pa.date32()), ("b", pa.bool_()), ("i", pa.int64()), ("s", pa.string())])
    frame = pd.DataFrame(
        {"d": [pd.Timestamp("2025-01-06"), pd.NaT], "b": [True, None], "i": [1.0, np.nan], "s": ["x", np.nan]}
    )
    table = to_arrow(frame, schema)
    assert table.schema == schema
    assert table.to_pylist() == [
        {"d": dt.date(2025, 1, 6), "b": True, "i": 1, "s": "x"},
        {"d": None, "b": None, "i": None, "s": None},
    ]
    assert to_arrow(pd.DataFrame({"i": [1]}), schema).column("s").null_count == 1


# --------------------------------------------------------------------------- settings


def test_settings_parse_rendered_vars() -> None:
    config = churn_config_from_settings(
        {
            "test_fraction": "0.25",
            "risk_band_medium_min": "0.1",
            "risk_band_high_min": 0.3,
            "psi_alert_threshold": " 0.2 ",
            "random_state": "42",
        }
    )
    assert config.test_fraction == 0.25 and config.risk_band_cutoffs == (0.1, 0.3)
    assert config.psi_alert_threshold == 0.2 and config.random_state == 42
    assert churn_config_from_settings({"test_fraction": None, "random_state": "None"}) == ChurnConfig()
    clusters = cluster_config_from_settings(
        {"k_min": "3", "k_max": 6.0, "n_bootstrap": "2", "feature_roles": {"breadth": "breadth"}}
    )
    assert (clusters.k_min, clusters.k_max, clusters.n_bootstrap) == (3, 6, 2)
    assert clusters.feature_roles == {"breadth": "breadth"}
    with pytest.raises(ValueError, match="whole number"):
        cluster_config_from_settings({"k_min": "2.5"})
    with pytest.raises(ValueError, match="number"):
        churn_config_from_settings({"test_fraction": "a quarter"})
    with pytest.raises(ValueError, match="both"):
        churn_config_from_settings({"risk_band_medium_min": 0.1})
    with pytest.raises(ValueError):
        churn_config_from_settings({"risk_band_medium_min": 0.5, "risk_band_high_min": 0.3})
    with pytest.raises(ValueError, match="mapping"):
        cluster_config_from_settings({"feature_roles": ["breadth"]})
    with pytest.raises(ValueError):
        cluster_config_from_settings({"feature_roles": {"breadth": "popularity"}})
