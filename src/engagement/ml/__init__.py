"""Machine learning for engagement segmentation: churn risk (account grain), behavioural clustering
(user grain) and the shared metric helpers. Every public function is pure: DataFrames in, DataFrames out.
"""

from engagement.ml.churn import ChurnResult, fit_churn_model
from engagement.ml.clustering import ClusterResult, adjusted_rand, fit_clusters, period_stability
from engagement.ml.config import ChurnConfig, ClusterConfig
from engagement.ml.metrics import ece, lift_at_top_decile, psi, reliability_bins

__all__ = [
    "ChurnConfig",
    "ChurnResult",
    "ClusterConfig",
    "ClusterResult",
    "adjusted_rand",
    "ece",
    "fit_churn_model",
    "fit_clusters",
    "lift_at_top_decile",
    "period_stability",
    "psi",
    "reliability_bins",
]
