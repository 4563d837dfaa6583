"""Feed defects on demand: a tracking gap, a feed outage and an event that stops firing.

The simulation itself never changes: users behave, reach milestones, bill and file tickets exactly as
without a defect. Only delivery to ``app/events`` is cut, so every non-event table is unchanged.

- ``--silent-milestone M``: the events the tracking plan maps to milestone ``M`` are never delivered
  (the tracking plan still maps them).
- ``--outage-days N``: no event that occurred on or after the outage start (the last ``N`` simulated
  days) is delivered. Events that occurred before it keep arriving late during the outage: each of the
  ``N`` days before the outage sends a handful of its events exactly ``N`` days late (logged as
  ``late_arrival``), so every outage day receives some and the latest ``received_at`` is the last day.
- ``--stop-event E --stop-after D``: event ``E`` is not delivered when it occurred after day ``D``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engagement.generate.activity import EventBatch
from engagement.generate.config import US_PER_DAY, GeneratorConfig, date_to_us
from engagement.generate.dirty import LATE

OUTAGE_LATE_MIN_PER_DAY = 5
"""Late arrivals delivered on each outage day, at least."""
OUTAGE_LATE_SHARE = 0.01
"""... or this share of the identified clean events of the day they occurred on, when larger."""


@dataclass
class FeedDefects:
    """Applies the configured defects to each day's events and counts what was withheld."""

    cfg: GeneratorConfig
    silent_codes: np.ndarray = field(init=False)
    stop_code: int = field(init=False, default=-1)
    stop_from_us: int = field(init=False, default=0)
    outage_start_us: int | None = field(init=False, default=None)
    withheld: dict[str, int] = field(init=False, default_factory=dict)
    late_arrivals: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        product = self.cfg.catalog
        names = product.milestone_events(self.cfg.silent_milestone) if self.cfg.silent_milestone else ()
        self.silent_codes = np.array([product.event_code[n] for n in names], dtype=np.int16)
        if self.cfg.stop_event is not None and self.cfg.stop_after is not None:
            self.stop_code = product.event_code[self.cfg.stop_event]
            self.stop_from_us = date_to_us(self.cfg.stop_after) + US_PER_DAY
        if self.cfg.outage_start is not None:
            self.outage_start_us = date_to_us(self.cfg.outage_start)

    @property
    def active(self) -> bool:
        """Does any defect apply?"""
        return self.silent_codes.size > 0 or self.stop_code >= 0 or self.outage_start_us is not None

    def _count(self, key: str, n: int) -> None:
        self.withheld[key] = self.withheld.get(key, 0) + n

    def before_dirt(self, batch: EventBatch) -> EventBatch:
        """Withhold the events that never fire (tracking gap, stopped event) before any dirt is added."""
        drop = np.zeros(batch.size, dtype=bool)
        if self.silent_codes.size:
            silent = np.isin(batch.code, self.silent_codes)
            self._count("silent_milestone", int(silent.sum()))
            drop |= silent
        if self.stop_code >= 0:
            stopped = (batch.code == self.stop_code) & (batch.occurred >= self.stop_from_us)
            self._count("stop_event", int(stopped.sum()))
            drop |= stopped
        return batch.take(np.flatnonzero(~drop)) if drop.any() else batch

    def after_dirt(self, batch: EventBatch, day: int, rng: np.random.Generator) -> EventBatch:
        """The outage: withhold what occurred from its start on; delay some earlier events into it."""
        if self.outage_start_us is None:
            return batch
        start = self.outage_start_us
        n_out = self.cfg.outage_days
        occurred_day = np.floor_divide(batch.occurred - self.cfg.start_us, US_PER_DAY)
        outage_day = self.cfg.n_days - n_out
        if outage_day - n_out <= day < outage_day:
            cand = np.flatnonzero((batch.dirty < 0) & (batch.user >= 0) & (occurred_day == day))
            k = min(cand.size, max(OUTAGE_LATE_MIN_PER_DAY, math.ceil(OUTAGE_LATE_SHARE * cand.size)))
            late = np.sort(rng.choice(cand, size=k, replace=False)) if k else cand[:0]
            batch.received[late] = batch.occurred[late] + n_out * US_PER_DAY
            batch.dirty[late] = LATE
            received_on = self.cfg.day(day + n_out).isoformat()
            self.late_arrivals[received_on] = self.late_arrivals.get(received_on, 0) + int(k)
        keep = batch.occurred < start
        self._count("outage", int((~keep).sum()))
        return batch.take(np.flatnonzero(keep)) if not keep.all() else batch

    def manifest(self) -> dict[str, object]:
        """What the defects did, for the truth manifest."""
        cfg = self.cfg
        product = cfg.catalog
        out: dict[str, object] = {"silent_milestone": None, "outage": None, "stop_event": None}
        if cfg.silent_milestone:
            out["silent_milestone"] = {
                "milestone": cfg.silent_milestone,
                "event_names": list(product.milestone_events(cfg.silent_milestone)),
                "events_withheld": self.withheld.get("silent_milestone", 0),
            }
        if cfg.outage_start is not None:
            out["outage"] = {
                "days": cfg.outage_days,
                "start_date": cfg.outage_start.isoformat(),
                "last_delivered_occurred_date": (cfg.day(cfg.n_days - cfg.outage_days - 1)).isoformat(),
                "events_withheld": self.withheld.get("outage", 0),
                "late_arrivals_by_received_date": dict(sorted(self.late_arrivals.items())),
            }
        if cfg.stop_event is not None and cfg.stop_after is not None:
            out["stop_event"] = {
                "event_name": cfg.stop_event,
                "stop_after": cfg.stop_after.isoformat(),
                "events_withheld": self.withheld.get("stop_event", 0),
            }
        return out
