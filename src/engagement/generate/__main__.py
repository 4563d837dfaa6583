"""Command line: ``python -m engagement.generate --scale 1.0 --seed 42 --out data/raw --truth data/truth``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from engagement.generate.catalog import MILESTONES, PRODUCTS
from engagement.generate.config import LAYOUTS, GeneratorConfig
from engagement.generate.simulation import generate


def parse_args(argv: list[str] | None = None) -> GeneratorConfig:
    """Parse the command line into a :class:`GeneratorConfig`."""
    parser = argparse.ArgumentParser(
        prog="python -m engagement.generate",
        description="Generate the demo raw data set (Parquet, raw data contract) and its planted truth.",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="size multiplier: 1.0 = ~2,000 users in ~250 accounts, ~0.5M events (default 1.0)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--out", type=Path, default=Path("data/raw"), help="raw root to write (default data/raw)"
    )
    parser.add_argument(
        "--truth",
        type=Path,
        default=Path("data/truth"),
        help="folder for the planted truth (default data/truth)",
    )
    parser.add_argument(
        "--dirty-rate",
        type=float,
        default=0.03,
        help="share of rows per table given a dirty class (default 0.03; each class "
        "appears at least once regardless)",
    )
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2025, 1, 6),
        help="first simulated day, a Monday (default 2025-01-06)",
    )
    parser.add_argument("--weeks", type=int, default=60, help="number of simulated weeks (default 60)")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="files",
        help="events as app/events/events_YYYY-MM-DD.parquet (files) or "
        "app/events/date=YYYY-MM-DD/part-0.parquet (hive)",
    )
    parser.add_argument(
        "--product",
        choices=tuple(PRODUCTS),
        default="demo",
        help="whose catalogue: demo (project management, mostly USD) or alt (shift scheduling: other "
        "event and feature names, EUR/GBP/JPY/CHF, no USD); same contract, same simulation",
    )
    defects = parser.add_argument_group(
        "feed defects", "reproduce broken feeds; the truth manifest records them"
    )
    defects.add_argument(
        "--silent-milestone",
        choices=MILESTONES,
        default=None,
        help="tracking gap: the events the tracking plan maps to this milestone never reach app/events "
        "(users still reach it and go on using the product)",
    )
    defects.add_argument(
        "--outage-days",
        type=int,
        default=0,
        metavar="N",
        help="feed outage: nothing that occurred in the last N days is delivered, while earlier events "
        "keep arriving late on each of those days (default 0)",
    )
    defects.add_argument(
        "--stop-event",
        default=None,
        metavar="NAME",
        help="a tracked event that stops firing after --stop-after (an event of the product's tracking plan)",
    )
    defects.add_argument(
        "--stop-after",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="last day --stop-event fires",
    )
    parser.add_argument(
        "--no-campaign-touches",
        action="store_true",
        help="omit the optional table crm/campaign_touches (a feed without campaign data)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    args = parser.parse_args(argv)
    try:
        return GeneratorConfig(
            scale=args.scale,
            seed=args.seed,
            out=args.out,
            truth=args.truth,
            dirty_rate=args.dirty_rate,
            start=args.start,
            weeks=args.weeks,
            layout=args.layout,
            progress=not args.no_progress,
            product=args.product,
            silent_milestone=args.silent_milestone,
            outage_days=args.outage_days,
            stop_event=args.stop_event,
            stop_after=args.stop_after,
            campaign_touches=not args.no_campaign_touches,
        )
    except ValueError as exc:
        parser.error(str(exc))
        raise  # unreachable: parser.error exits


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    summary = generate(parse_args(argv))
    print(summary.line(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
