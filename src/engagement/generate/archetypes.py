"""Latent behavioural archetypes: the parameters that make each archetype look different in the data.

The four archetypes differ in how often they come back (daily activity probability, weekly regularity),
how much they do per visit (sessions per day, events per session), which features they use (feature
weights, breadth, premium share) and how fast they reach value (milestone reach probabilities and gaps).
Per-user noise (see ``population``) blurs the borders so that clusters overlap realistically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engagement.generate.catalog import NON_FEATURE, Product

ARCHETYPES: tuple[str, ...] = ("power_user", "early_adopter", "explorer", "renewer")
POWER_USER, EARLY_ADOPTER, EXPLORER, RENEWER = range(4)


@dataclass(frozen=True)
class Profile:
    """Behavioural parameters of one archetype (rates are per user-day unless stated)."""

    p_active: float
    """Probability of being active on a weekday, before health, noise and bursts."""
    weekend_factor: float
    """Multiplier on ``p_active`` on Saturdays and Sundays."""
    extra_sessions: float
    """Mean of the Poisson number of sessions beyond the first on an active day."""
    extra_events: float
    """Mean of the Poisson number of events beyond ``session_started`` in a session."""
    burst_shape: float
    """Gamma shape of the weekly activity multiplier (mean 1): small = irregular, large = steady."""
    feature_weights: dict[str, float]
    """Relative use of each feature (and of non-feature events under ``NON_FEATURE``)."""
    milestone_reach: tuple[float, float, float, float, float]
    """P(reach at least milestone k) for the five milestones, non-increasing."""
    milestone_gap_days: tuple[float, float, float, float]
    """Mean days between consecutive milestones (after setup, which happens at signup)."""
    early_advanced_boost: float = 0.0
    """Extra weight on advanced/premium features early in tenure (decays with ``boost_tau_days``)."""
    boost_tau_days: float = 45.0
    interest_tau_days: float = 0.0
    """If > 0, activity decays with tenure as ``floor + (1 - floor) * exp(-tenure / tau)``."""
    interest_floor: float = 1.0
    nps_tilt: float = 0.0
    """Shift of this archetype's NPS scores."""


PROFILES: tuple[Profile, ...] = (
    Profile(  # power_user: high frequency, broad use incl. premium, fast time-to-value
        p_active=0.80,
        weekend_factor=0.35,
        extra_sessions=1.0,
        extra_events=5.5,
        burst_shape=8.0,
        feature_weights={
            NON_FEATURE: 0.9,
            "workspace": 0.15,
            "projects": 3.0,
            "collaboration": 2.0,
            "dashboards": 2.0,
            "reports": 2.0,
            "integrations": 1.3,
            "exports": 0.8,
            "automations": 1.8,
            "forecasting": 1.3,
            "admin_security": 0.6,
        },
        milestone_reach=(1.0, 0.99, 0.93, 0.88, 0.86),
        milestone_gap_days=(0.3, 1.5, 2.0, 1.5),
        nps_tilt=0.6,
    ),
    Profile(  # early_adopter: fast time-to-value, moderate frequency, advanced features early
        p_active=0.50,
        weekend_factor=0.30,
        extra_sessions=0.5,
        extra_events=4.0,
        burst_shape=4.0,
        feature_weights={
            NON_FEATURE: 1.2,
            "workspace": 0.15,
            "projects": 1.4,
            "collaboration": 0.8,
            "dashboards": 1.0,
            "reports": 2.2,
            "integrations": 1.8,
            "exports": 1.2,
            "automations": 0.8,
            "forecasting": 0.7,
            "admin_security": 0.2,
        },
        milestone_reach=(1.0, 0.97, 0.86, 0.80, 0.78),
        milestone_gap_days=(0.5, 1.5, 1.5, 1.5),
        early_advanced_boost=2.0,
        boost_tau_days=45.0,
        nps_tilt=0.3,
    ),
    Profile(  # explorer: low, irregular frequency; many features shallowly; slow or no value
        p_active=0.17,
        weekend_factor=0.55,
        extra_sessions=0.2,
        extra_events=2.5,
        burst_shape=0.6,
        feature_weights={
            NON_FEATURE: 3.0,
            "workspace": 0.3,
            "projects": 1.0,
            "collaboration": 1.0,
            "dashboards": 1.0,
            "reports": 1.0,
            "integrations": 1.0,
            "exports": 1.0,
            "automations": 1.0,
            "forecasting": 1.0,
            "admin_security": 1.0,
        },
        milestone_reach=(0.97, 0.75, 0.40, 0.28, 0.18),
        milestone_gap_days=(5.0, 12.0, 15.0, 20.0),
        interest_tau_days=120.0,
        interest_floor=0.35,
        nps_tilt=-0.6,
    ),
    Profile(  # renewer: steady moderate use of a few core features, long tenure
        p_active=0.50,
        weekend_factor=0.10,
        extra_sessions=0.3,
        extra_events=3.0,
        burst_shape=25.0,
        feature_weights={
            NON_FEATURE: 1.0,
            "workspace": 0.1,
            "projects": 3.5,
            "collaboration": 1.2,
            "dashboards": 2.5,
            "reports": 0.12,
            "integrations": 0.05,
            "exports": 0.06,
            "automations": 0.01,
            "forecasting": 0.005,
            "admin_security": 0.005,
        },
        milestone_reach=(1.0, 0.95, 0.70, 0.62, 0.60),
        milestone_gap_days=(2.0, 5.0, 6.0, 6.0),
        nps_tilt=0.2,
    ),
)

ARCHETYPE_SHARES: np.ndarray = np.array([0.15, 0.20, 0.35, 0.30])
"""Base share of each archetype among account users (modulated by account size and age)."""
NO_ACCOUNT_SHARES: np.ndarray = np.array([0.05, 0.25, 0.60, 0.10])
"""Archetype shares among users not (yet) in a workspace."""


def event_weight_matrix(product: Product) -> np.ndarray:
    """Array ``[archetype, event]`` of base sampling weights (feature weight x event weight).

    A product's feature uses the archetype weight of the feature it is ``like``.
    """
    weights = np.zeros((len(PROFILES), len(product.tracking_plan)))
    for a, profile in enumerate(PROFILES):
        for k, event in enumerate(product.tracking_plan):
            key = product.feature_like[event.feature] if event.feature is not None else NON_FEATURE
            weights[a, k] = profile.feature_weights[key] * event.weight
    return weights


def advanced_event_mask(product: Product) -> np.ndarray:
    """Events of advanced or premium features (boosted early in tenure for early adopters)."""
    return np.array([product.feature_tier(e) in ("advanced", "premium") for e in product.tracking_plan])


def feature_of_event(product: Product) -> np.ndarray:
    """Feature index of each catalogue event (-1 for non-feature events)."""
    features = list(product.features)
    return np.array(
        [features.index(e.feature) if e.feature is not None else -1 for e in product.tracking_plan],
        dtype=np.int16,
    )


def profile_array(name: str) -> np.ndarray:
    """One scalar attribute of every profile as an array indexed by archetype."""
    return np.array([getattr(p, name) for p in PROFILES], dtype=np.float64)
