"""Generator settings and the simulated calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from engagement.generate.catalog import MILESTONES, PRODUCTS, Product

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
EPOCH = dt.datetime(1970, 1, 1)

LAYOUTS = ("files", "hive")

# Independent random streams (the second word of every ``default_rng([seed, stream, ...])`` key).
STREAM_POPULATION = 1
STREAM_HEALTH = 2
STREAM_DAY = 3
STREAM_WEEK = 4
STREAM_BILLING = 5
STREAM_SUPPORT = 6
STREAM_DIRTY = 7
STREAM_DIRTY_DAY = 8
STREAM_OUTAGE = 9
SUB_BOOTSTRAP = 1_000_001
SUB_OUTPUT = 1_000_002
"""Sub-streams beyond any week or day index."""


@dataclass(frozen=True)
class GeneratorConfig:
    """Arguments of one generator run (the CLI maps one to one onto these fields)."""

    scale: float = 1.0
    seed: int = 42
    out: Path = Path("data/raw")
    truth: Path = Path("data/truth")
    dirty_rate: float = 0.03
    start: dt.date = dt.date(2025, 1, 6)
    weeks: int = 60
    layout: str = "files"
    progress: bool = True
    product: str = "demo"
    """Which company's catalogue (``catalog.PRODUCTS``): tracking plan, features, currencies, prices."""
    silent_milestone: str | None = None
    """Feed defect: the events the tracking plan maps to this milestone never reach ``app/events``."""
    outage_days: int = 0
    """Feed defect: no event that occurred in the last N days is delivered (late arrivals still are)."""
    stop_event: str | None = None
    """Feed defect: this tracked event stops firing after ``stop_after``."""
    stop_after: dt.date | None = None
    campaign_touches: bool = True
    """False: no ``crm/campaign_touches`` table (the contract's optional table absent)."""

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError("--seed must be a non-negative integer")
        if self.scale <= 0:
            raise ValueError("--scale must be positive")
        if self.weeks < 4:
            raise ValueError("--weeks must be at least 4")
        if not 0.0 <= self.dirty_rate <= 0.5:
            raise ValueError("--dirty-rate must be within [0, 0.5]")
        if self.start.weekday() != 0:
            raise ValueError(f"--start must be a Monday (weeks start on Mondays), got {self.start:%A}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"--layout must be one of {LAYOUTS}")
        if self.product not in PRODUCTS:
            raise ValueError(f"--product must be one of {tuple(PRODUCTS)}")
        if self.silent_milestone is not None and self.silent_milestone not in MILESTONES:
            raise ValueError(f"--silent-milestone must be one of {MILESTONES}, got {self.silent_milestone!r}")
        if not 0 <= self.outage_days <= self.n_days - 28:
            raise ValueError(
                f"--outage-days must be within [0, {self.n_days - 28}] (four weeks of feed remain)"
            )
        if (self.stop_event is None) != (self.stop_after is None):
            raise ValueError("--stop-event and --stop-after go together")
        if self.stop_event is not None and self.stop_after is not None:
            if self.stop_event not in self.catalog.event_names:
                raise ValueError(
                    f"--stop-event {self.stop_event!r} is not in the {self.product} tracking plan "
                    f"({', '.join(self.catalog.event_names)})"
                )
            if not self.start <= self.stop_after < self.as_of:
                raise ValueError(
                    f"--stop-after must be within [{self.start}, {self.as_of - dt.timedelta(days=1)}]"
                )

    @property
    def catalog(self) -> Product:
        """The product's catalogue."""
        return PRODUCTS[self.product]

    @property
    def outage_start(self) -> dt.date | None:
        """First day of the feed outage (nothing that occurred on or after it is delivered), if any."""
        return self.day(self.n_days - self.outage_days) if self.outage_days else None

    @property
    def n_days(self) -> int:
        """Number of simulated days."""
        return 7 * self.weeks

    @property
    def as_of(self) -> dt.date:
        """Last simulated day: nothing in the data set is received or created after it."""
        return self.start + dt.timedelta(days=self.n_days - 1)

    @property
    def start_us(self) -> int:
        """Start of the first day (UTC) in microseconds since the epoch."""
        return date_to_us(self.start)

    @property
    def end_us(self) -> int:
        """End of the last simulated day (exclusive), in microseconds since the epoch."""
        return self.start_us + self.n_days * US_PER_DAY

    def day(self, index: int) -> dt.date:
        """Calendar date of simulated day ``index``."""
        return self.start + dt.timedelta(days=index)

    def rng(self, *stream: int) -> np.random.Generator:
        """A deterministic generator for one random stream of this seed."""
        return np.random.default_rng([self.seed, *stream])

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly view of the arguments (for the manifest)."""
        data = asdict(self)
        data["out"] = str(self.out)
        data["truth"] = str(self.truth)
        data["start"] = self.start.isoformat()
        data["stop_after"] = self.stop_after.isoformat() if self.stop_after else None
        return data


def date_to_us(day: dt.date) -> int:
    """Midnight UTC of ``day`` in microseconds since the epoch."""
    return (dt.datetime(day.year, day.month, day.day) - EPOCH) // dt.timedelta(microseconds=1)


def days_to_us(days: np.ndarray | float) -> np.ndarray:
    """Convert (fractional) days to integer microseconds."""
    return np.round(np.asarray(days, dtype=np.float64) * US_PER_DAY).astype(np.int64)


def add_months(us: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Add calendar months to timestamps (microseconds), clamping the day to the month's end."""
    us = np.asarray(us, dtype=np.int64)
    ts = us.astype("datetime64[us]")
    day = ts.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    day_of_month = (day - month.astype("datetime64[D]")).astype(np.int64)
    time_of_day = (ts - day.astype("datetime64[us]")).astype(np.int64)
    new_month = month + np.asarray(months, dtype=np.int64)
    month_len = ((new_month + 1).astype("datetime64[D]") - new_month.astype("datetime64[D]")).astype(np.int64)
    new_day = new_month.astype("datetime64[D]") + np.minimum(day_of_month, month_len - 1)
    return new_day.astype("datetime64[us]").astype(np.int64) + time_of_day
