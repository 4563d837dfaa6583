"""Product and lifecycle experiments: who gets which variant, and the true effects planted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engagement.generate.archetypes import PROFILES
from engagement.generate.config import US_PER_DAY, US_PER_SECOND, GeneratorConfig


@dataclass(frozen=True)
class Experiment:
    """One two-arm experiment (``control`` and ``treatment``)."""

    experiment_id: str
    treatment: str
    window: tuple[float, float]
    """Assignment window as fractions of the simulated period."""
    cohort: bool
    """False: new signups in the window are assigned at signup. True: every account user who signed
    up before the window start is assigned once during the window (a lifecycle campaign)."""
    activation_delta: float
    """Absolute increase of P(reaching each milestone after setup), so of P(first value outcome)."""
    retention_lift: float
    """Relative increase of the daily activity probability after assignment."""


EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment("exp_onboarding_checklist", "checklist", (0.07, 0.55), False, 0.10, 0.0),
    Experiment("exp_weekly_digest", "weekly_digest", (0.33, 0.345), True, 0.0, 0.25),
    Experiment("exp_pricing_page_v2", "new_pricing_page", (0.42, 0.92), False, 0.0, 0.0),
)
ACTIVATION_EXPERIMENT = 0
RETENTION_EXPERIMENT = 1
TREATMENT_SPEEDUP = 0.75
"""Milestone gaps of activation-experiment treatment users are multiplied by this."""

EFFECT_DEFINITIONS = {
    "true_activation_lift": "absolute lift (treatment minus control, in probability) of ever reaching the "
    "first_value_outcome milestone, averaged over the experiment's treated users",
    "true_retention_lift": "relative lift of the daily probability of being active after assignment "
    "(0.25 = +25%)",
}


@dataclass
class Assignments:
    """Experiment assignments (one row per experiment and user, before dirty duplicates)."""

    experiment: np.ndarray
    user: np.ndarray
    treated: np.ndarray
    assigned_us: np.ndarray

    def treated_users(self, experiment: int, n_users: int) -> np.ndarray:
        """Boolean mask over users: treated in ``experiment``."""
        mask = np.zeros(n_users, dtype=bool)
        sel = (self.experiment == experiment) & self.treated
        mask[self.user[sel]] = True
        return mask

    def assigned_at(self, experiment: int, n_users: int) -> np.ndarray:
        """Assignment time per user in ``experiment`` (int64 max when not assigned)."""
        out = np.full(n_users, np.iinfo(np.int64).max, dtype=np.int64)
        sel = self.experiment == experiment
        out[self.user[sel]] = self.assigned_us[sel]
        return out


def assign(
    cfg: GeneratorConfig, created_us: np.ndarray, has_account: np.ndarray, rng: np.random.Generator
) -> Assignments:
    """Assign users to every experiment (50/50) from their signup times."""
    parts: list[tuple[np.ndarray, ...]] = []
    span = cfg.end_us - cfg.start_us
    for e, exp in enumerate(EXPERIMENTS):
        lo = cfg.start_us + int(exp.window[0] * span)
        hi = cfg.start_us + int(exp.window[1] * span)
        if exp.cohort:
            users = np.flatnonzero(has_account & (created_us < lo))
            at = lo + (rng.random(users.size) * (hi - lo)).astype(np.int64)
        else:
            users = np.flatnonzero((created_us >= lo) & (created_us < hi))
            at = created_us[users] + rng.integers(1, 30, size=users.size) * US_PER_SECOND
        treated = rng.random(users.size) < 0.5
        parts.append((np.full(users.size, e, dtype=np.int8), users, treated, at))
    cols = [np.concatenate([p[i] for p in parts]) for i in range(4)]
    return Assignments(cols[0], cols[1].astype(np.int64), cols[2], cols[3].astype(np.int64))


def true_effects(assignments: Assignments, archetype: np.ndarray) -> list[dict[str, object]]:
    """The planted effect of every experiment arm (control arms have zero lift)."""
    q5 = np.array([p.milestone_reach[-1] for p in PROFILES])
    rows: list[dict[str, object]] = []
    for e, exp in enumerate(EXPERIMENTS):
        sel = (assignments.experiment == e) & assignments.treated
        base = q5[archetype[assignments.user[sel]]]
        lift = float(np.mean(np.minimum(1.0, base + exp.activation_delta) - base)) if sel.any() else 0.0
        rows.append(
            {
                "experiment_id": exp.experiment_id,
                "variant": "control",
                "true_activation_lift": 0.0,
                "true_retention_lift": 0.0,
            }
        )
        rows.append(
            {
                "experiment_id": exp.experiment_id,
                "variant": exp.treatment,
                "true_activation_lift": round(lift, 6),
                "true_retention_lift": exp.retention_lift,
            }
        )
    return rows


def retention_multiplier(assigned_at_us: np.ndarray, treated: np.ndarray, day_start_us: int) -> np.ndarray:
    """Daily activity multiplier of the retention experiment for one day."""
    lift = EXPERIMENTS[RETENTION_EXPERIMENT].retention_lift
    on = treated & (assigned_at_us < day_start_us + US_PER_DAY)
    return np.where(on, 1.0 + lift, 1.0)
