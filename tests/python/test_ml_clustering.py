"""Tests of engagement.ml.clustering on small synthetic frames with planted structure."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from engagement.ml import ClusterConfig, adjusted_rand, fit_clusters, period_stability
from engagement.ml.clustering import ARCHETYPES, ASSIGNMENT_COLUMNS, METRICS_COLUMNS

FEATURES = ["key_actions_log", "breadth", "days_since_last_active"]
BLOBS = {  # planted centres: frequency, breadth, dormancy
    "power": (3.0, 3.0, 1.0),
    "steady": (1.5, 1.0, 7.0),
    "dormant": (0.2, 0.5, 60.0),
}
FAST = ClusterConfig(k_max=6, n_init=4)


def make_users(n_per_blob: int = 80, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for name, (freq, breadth, dormancy) in BLOBS.items():
        for i in range(n_per_blob):
            rows.append(
                {
                    "user_id": f"{name}_{i:03d}",
                    "key_actions_log": freq + rng.normal(0, 0.2),
                    "breadth": breadth + rng.normal(0, 0.2),
                    "days_since_last_active": dormancy + rng.normal(0, 2.0),
                }
            )
            truth.append(name)
    return pd.DataFrame(rows), np.array(truth)


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray, object]:
    users, truth = make_users()
    return users, truth, fit_clusters(users, FEATURES, FAST)


def _labels_in_input_order(users: pd.DataFrame, result: object) -> np.ndarray:
    return result.assignments.set_index("user_id").loc[users["user_id"], "cluster_id"].to_numpy()


def test_recovers_planted_blobs(planted: tuple[pd.DataFrame, np.ndarray, object]) -> None:
    users, truth, result = planted
    assert adjusted_rand(_labels_in_input_order(users, result), truth) > 0.9
    chosen = result.metrics[result.metrics["is_chosen"]].iloc[0]
    assert chosen["k"] == 3
    assert chosen["bootstrap_ari_mean"] > 0.9
    assert chosen["n_users"] == len(users)
    assert result.metrics["k"].tolist() == [2, 3, 4, 5, 6]
    assert result.metrics["silhouette"].notna().all()
    assert result.metrics["is_chosen"].sum() == 1


def test_output_columns_and_profiles(planted: tuple[pd.DataFrame, np.ndarray, object]) -> None:
    users, _, result = planted
    assert list(result.assignments.columns) == list(ASSIGNMENT_COLUMNS)
    assert list(result.metrics.columns) == list(METRICS_COLUMNS)
    assert list(result.profiles.columns) == [
        "cluster_id",
        "cluster_archetype",
        "n_users",
        "share",
        *FEATURES,
        "centroid_json",
    ]
    profiles = result.profiles
    assert profiles["cluster_id"].tolist() == [1, 2, 3]  # ordered by activity, most active first
    assert profiles["cluster_archetype"].tolist() == ["heavy_broad_usage", "steady_usage", "idle_usage"]
    assert profiles["n_users"].sum() == len(users) and profiles["share"].sum() == pytest.approx(1.0)
    first = json.loads(profiles.loc[0, "centroid_json"])
    assert first["key_actions_log"] == pytest.approx(profiles.loc[0, "key_actions_log"])
    assert profiles.loc[0, "key_actions_log"] == pytest.approx(3.0, abs=0.1)  # original units
    assert (result.assignments["distance_to_centroid"] >= 0).all()


def test_labels_identical_across_runs_and_row_orders(
    planted: tuple[pd.DataFrame, np.ndarray, object],
) -> None:
    users, _, result = planted
    again = fit_clusters(users, FEATURES, FAST)
    shuffled = fit_clusters(users.sample(frac=1.0, random_state=3), FEATURES, FAST)
    for other in (again, shuffled):
        pd.testing.assert_frame_equal(result.assignments, other.assignments)
        pd.testing.assert_frame_equal(result.profiles, other.profiles)
        pd.testing.assert_frame_equal(result.metrics, other.metrics)


def test_previous_profiles_keep_ids_and_names(planted: tuple[pd.DataFrame, np.ndarray, object]) -> None:
    _, _, result = planted
    previous = result.profiles.copy()
    previous["cluster_id"] = previous["cluster_id"].map({1: 7, 2: 5, 3: 9})
    previous["cluster_archetype"] = ["champions", "regulars", "sleepers"]
    new_users, _ = make_users(seed=1)  # next period: same structure, new noise
    nxt = fit_clusters(new_users, FEATURES, FAST, previous_profiles=previous)
    assert nxt.profiles["cluster_id"].tolist() == [5, 7, 9]
    assert dict(zip(nxt.profiles["cluster_id"], nxt.profiles["cluster_archetype"], strict=True)) == {
        7: "champions",
        5: "regulars",
        9: "sleepers",
    }
    # Matching through centroid_json only (feature columns absent) gives the same result.
    json_only = previous[["cluster_id", "cluster_archetype", "centroid_json"]]
    via_json = fit_clusters(new_users, FEATURES, FAST, previous_profiles=json_only)
    pd.testing.assert_frame_equal(nxt.assignments, via_json.assignments)
    # Only two previous clusters: the third new one gets a fresh id above the previous maximum.
    partial = fit_clusters(new_users, FEATURES, FAST, previous_profiles=previous.iloc[:2])
    ids = dict(zip(partial.profiles["cluster_archetype"], partial.profiles["cluster_id"], strict=True))
    assert ids["champions"] == 7 and ids["regulars"] == 5 and ids["idle_usage"] == 8
    assert "2 of 3 clusters matched" in partial.metrics.loc[partial.metrics["is_chosen"], "note"].iloc[0]


def test_period_stability_and_adjusted_rand() -> None:
    assert adjusted_rand([0, 0, 1, 1], [5, 5, 9, 9]) == pytest.approx(1.0)
    assert adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert math.isnan(adjusted_rand([], []))
    with pytest.raises(ValueError):
        adjusted_rand([0, 1], [0])
    prev = pd.DataFrame({"user_id": ["a", "b", "c", "d", "x"], "cluster_id": [1, 1, 2, 2, 3]})
    new = pd.DataFrame({"user_id": ["d", "c", "b", "a", "y"], "cluster_id": [4, 4, 3, 3, 1]})
    assert period_stability(prev, new) == pytest.approx(1.0)  # a,b together and c,d together
    assert math.isnan(period_stability(prev, new.iloc[:1]))


# --------------------------------------------------------------------------- degenerate inputs


def test_constant_nan_and_all_nan_features() -> None:
    users, truth = make_users(n_per_blob=40)
    users["constant"] = 2.0
    users["all_missing"] = np.nan
    users.loc[::10, "breadth"] = np.nan
    result = fit_clusters(users, [*FEATURES, "constant", "all_missing"], FAST)
    note = result.metrics.loc[result.metrics["is_chosen"], "note"].iloc[0]
    assert "zero-variance features dropped: ['constant']" in note
    assert "all-NaN features dropped: ['all_missing']" in note
    assert result.metrics.loc[result.metrics["is_chosen"], "n_features_used"].iloc[0] == 3
    assert adjusted_rand(_labels_in_input_order(users, result), truth) > 0.8
    assert result.profiles["constant"].eq(2.0).all() and result.profiles["all_missing"].isna().all()


def test_duplicate_rows_and_few_distinct_rows_reduce_k() -> None:
    users = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(12)],
            "key_actions_log": [0.0, 5.0, 10.0] * 4,
            "breadth": [1.0, 2.0, 3.0] * 4,
            "days_since_last_active": [30.0, 10.0, 1.0] * 4,
        }
    )
    result = fit_clusters(users, FEATURES, FAST)
    assert result.metrics["k"].tolist() == [2, 3]
    assert "k range reduced to [2, 3]" in result.metrics.loc[result.metrics["is_chosen"], "note"].iloc[0]
    assert result.assignments["cluster_id"].nunique() == 3
    names = result.profiles["cluster_archetype"]
    assert names.is_unique


def test_fewer_rows_than_k_min() -> None:
    users, _ = make_users(n_per_blob=1)  # 3 distinct rows
    result = fit_clusters(users, FEATURES, ClusterConfig(k_min=4, k_max=6, n_init=2))
    assert result.metrics["k"].tolist() == [3]
    assert result.metrics["silhouette"].isna().all()  # 3 singleton clusters: silhouette undefined
    assert "smallest k chosen" in result.metrics["note"].iloc[0]
    assert result.assignments["cluster_id"].nunique() == 3


@pytest.mark.parametrize("n_rows", [1, 4])
def test_single_distinct_row_gives_one_cluster(n_rows: int) -> None:
    users = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(n_rows)],
            "key_actions_log": 1.0,
            "breadth": 2.0,
            "days_since_last_active": 3.0,
        }
    )
    result = fit_clusters(users, FEATURES, FAST)
    assert (result.assignments["cluster_id"] == 0).all()
    assert (result.assignments["cluster_archetype"] == "all_users").all()
    assert result.profiles["n_users"].tolist() == [n_rows]
    chosen = result.metrics.iloc[0]
    assert chosen["k"] == 1 and bool(chosen["is_chosen"]) and "single cluster" in chosen["note"]


def test_two_rows_and_empty_input() -> None:
    two = pd.DataFrame(
        {
            "user_id": ["a", "b"],
            "key_actions_log": [0.0, 1.0],
            "breadth": [1.0, 1.0],
            "days_since_last_active": [np.nan, 2.0],
        }
    )
    result = fit_clusters(two, FEATURES, FAST)
    assert result.assignments["cluster_id"].nunique() == 2
    empty = fit_clusters(two.iloc[0:0], FEATURES, FAST)
    assert empty.assignments.empty and list(empty.assignments.columns) == list(ASSIGNMENT_COLUMNS)
    assert empty.profiles.empty and "empty input" in empty.metrics["note"].iloc[0]


def test_archetype_names_come_from_the_vocabulary() -> None:
    users, _ = make_users(n_per_blob=30, seed=4)
    result = fit_clusters(users, FEATURES, ClusterConfig(k_min=6, k_max=6, n_init=2))
    names = result.profiles["cluster_archetype"]
    assert names.is_unique
    assert all(name.rsplit("_", 1)[0] in ARCHETYPES or name in ARCHETYPES for name in names)


def test_contract_violations_raise_value_error() -> None:
    users, _ = make_users(n_per_blob=5)
    with pytest.raises(ValueError, match="not unique"):
        fit_clusters(pd.concat([users, users.iloc[:1]]), FEATURES)
    with pytest.raises(ValueError, match="missing columns"):
        fit_clusters(users, [*FEATURES, "nope"])
    with pytest.raises(ValueError, match=r"not numeric|non-numeric"):
        fit_clusters(users.assign(breadth="high"), FEATURES)
    with pytest.raises(ValueError):
        ClusterConfig(k_min=1)
