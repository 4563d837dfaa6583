"""Latent account health (a mean-reverting random walk) and the true weekly churn probability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KAPPA = 0.12
"""Weekly pull of the latent health back to the account's own level."""
SIGMA = 0.30
"""Weekly volatility of the latent health (logit scale)."""
SHOCK_PROB = 0.012
SHOCK_SIZE = -1.6
"""Occasional negative shocks (a champion leaves, a reorganisation) that start a usage decline."""


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


class HealthModel:
    """Latent health per account: ``z`` on the logit scale, ``health = sigmoid(z)`` in [0, 1]."""

    def __init__(self, mu: np.ndarray, rng: np.random.Generator) -> None:
        self.mu = np.asarray(mu, dtype=np.float64)
        self.z = self.mu + rng.normal(0.0, 0.5, size=self.mu.size)

    @property
    def health(self) -> np.ndarray:
        """Current health in [0, 1]."""
        return sigmoid(self.z)

    def step(self, rng: np.random.Generator) -> np.ndarray:
        """Advance one week; return the new health."""
        n = self.z.size
        shock = np.where(rng.random(n) < SHOCK_PROB, SHOCK_SIZE, 0.0)
        self.z += KAPPA * (self.mu - self.z) + SIGMA * rng.normal(size=n) + shock
        return self.health

    def reset(self, accounts: np.ndarray) -> None:
        """Set the latent health of (reactivated) accounts back to their own level."""
        self.z[accounts] = self.mu[accounts]


@dataclass(frozen=True)
class ChurnCoefficients:
    """Coefficients of the true weekly churn model (logit scale)."""

    intercept: float = -6.3
    usage_decline: float = 2.6
    low_utilisation: float = 1.5
    unresolved_urgent: float = 0.55
    low_nps: float = 2.0
    tenure_years: float = -0.35
    noise_sd: float = 0.30
    tier: tuple[float, float, float, float] = (0.7, 0.35, 0.0, -0.5)
    """Effect of the plan tier: free, starter, growth, enterprise."""


CHURN = ChurnCoefficients()


def usage_decline(weekly_key_actions: np.ndarray, week: int) -> np.ndarray:
    """Relative fall of key actions: last two weeks versus the four weeks before, clipped to [0, 1]."""
    recent = weekly_key_actions[:, max(0, week - 1) : week + 1].mean(axis=1)
    lo = max(0, week - 5)
    hi = max(0, week - 1)
    if hi <= lo:
        return np.zeros(weekly_key_actions.shape[0])
    prior = weekly_key_actions[:, lo:hi].mean(axis=1)
    return np.clip((prior - recent) / (prior + 5.0), 0.0, 1.0)


def churn_probability(
    decline: np.ndarray,
    utilisation: np.ndarray,
    urgent_open: np.ndarray,
    nps: np.ndarray,
    tier: np.ndarray,
    tenure_weeks: np.ndarray,
    rng: np.random.Generator,
    coef: ChurnCoefficients = CHURN,
) -> np.ndarray:
    """True weekly churn probability: sigmoid of a linear function of the drivers plus noise.

    ``nps`` is the account's smoothed NPS (0-10); scores below 7 raise the risk.
    """
    low_util = 1.0 - np.clip(utilisation, 0.0, 1.0)
    low_nps = np.clip((7.0 - nps) / 7.0, 0.0, 1.0)
    logit = (
        coef.intercept
        + coef.usage_decline * decline
        + coef.low_utilisation * low_util
        + coef.unresolved_urgent * np.minimum(urgent_open, 4)
        + coef.low_nps * low_nps
        + np.asarray(coef.tier)[tier]
        + coef.tenure_years * np.minimum(tenure_weeks / 52.0, 3.0)
        + rng.normal(0.0, coef.noise_sd, size=decline.size)
    )
    return sigmoid(logit)
