"""Command line: ``python -m engagement.report --duckdb PATH --out reports/output/engagement_report.html``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engagement.report import write_report
from engagement.report.browser import check_page, find_chromium


def _shrink_png(path: Path) -> None:
    """A 256-colour palette PNG: the charts lose nothing visible and the file a README embeds gets small."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engagement.report",
        description="Render the engagement report (one self-contained HTML page) from the DuckDB marts.",
    )
    parser.add_argument("--duckdb", type=Path, required=True, help="the built warehouse (read-only)")
    parser.add_argument(
        "--out", type=Path, default=Path("reports/output/engagement_report.html"), help="HTML file to write"
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        help="also open the page in headless Chromium, fail on console errors or unrendered charts, "
        "and save a screenshot here (e.g. reports/engagement_report.png)",
    )
    parser.add_argument(
        "--window", default="1400x4000", help="screenshot window WIDTHxHEIGHT (default 1400x4000)"
    )
    args = parser.parse_args(argv)

    report = write_report(args.duckdb, args.out)
    for section in report.sections:
        detail = (
            f" ({', '.join(section.missing)})"
            if section.missing
            else (f" ({section.error})" if section.error else f" ({len(section.charts)} charts)")
        )
        print(f"  {section.key:<12} {section.status}{detail}")
    print(f"wrote {args.out} ({len(report.html) / 1024:,.0f} KiB)")

    if args.screenshot is not None:
        if find_chromium() is None:
            print("no Chromium found: screenshot skipped (install `chromium`)", file=sys.stderr)
            return 1
        width, height = (int(part) for part in args.window.lower().split("x"))
        result = check_page(args.out, args.screenshot, window=(width, height))
        print(
            f"chromium: exit {result.returncode}, probe {result.probe}, "
            f"console messages {len(result.console)}"
        )
        for message in result.console:
            print(f"  console: {message}", file=sys.stderr)
        if not result.ok:
            print(result.stderr_tail, file=sys.stderr)
            return 1
        _shrink_png(args.screenshot)
        print(f"wrote {args.screenshot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
