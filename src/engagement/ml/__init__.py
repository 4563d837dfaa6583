"""Machine learning for engagement segmentation: churn risk (account grain), behavioural clustering
(user grain) and the shared metric helpers. Every public function is pure: DataFrames in, DataFrames out
(``outputs`` stacks one fit's outputs into one Arrow table for a dbt Python model; ``leakage`` holds the
point-in-time check of the churn snapshots and is imported on its own).
"""

from engagement.ml.churn import ChurnResult, fit_churn_model
from engagement.ml.clustering import (
    ClusterModel,
    ClusterResult,
    adjusted_rand,
    assign_clusters,
    fit_clusters,
    moved_features,
    period_stability,
)
from engagement.ml.config import (
    ChurnConfig,
    ClusterConfig,
    churn_config_from_settings,
    cluster_config_from_settings,
)
from engagement.ml.metrics import ece, lift_at_top_decile, psi, reliability_bins
from engagement.ml.outputs import churn_outputs, cluster_outputs

__all__ = [
    "ChurnConfig",
    "ChurnResult",
    "ClusterConfig",
    "ClusterModel",
    "ClusterResult",
    "adjusted_rand",
    "assign_clusters",
    "churn_config_from_settings",
    "churn_outputs",
    "cluster_config_from_settings",
    "cluster_outputs",
    "ece",
    "fit_churn_model",
    "fit_clusters",
    "lift_at_top_decile",
    "moved_features",
    "period_stability",
    "psi",
    "reliability_bins",
]
