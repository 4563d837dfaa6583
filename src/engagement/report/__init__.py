"""The engagement report: one self-contained static HTML page rendered from the DuckDB marts.

``python -m engagement.report --duckdb data/engagement.duckdb --out reports/output/engagement_report.html``

- :mod:`.marts` reads the warehouse read-only and notes which marts exist (absent ones: "not built").
- :mod:`.sections` queries each section's marts; :mod:`.readings` turns the data into one-line readings;
  :mod:`.charts` draws them (matplotlib, embedded PNG); :mod:`.render` writes the page (no script, no CDN).
- :mod:`.browser` opens the page in headless Chromium: console errors, every chart rendered, screenshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engagement.report.marts import Marts, MissingMartError
from engagement.report.render import render_html
from engagement.report.sections import Section, build_context, build_sections, headline


@dataclass(frozen=True)
class Report:
    html: str
    sections: list[Section]
    sources: list[str]


def build_report(duckdb_path: Path) -> Report:
    """Read the marts of ``duckdb_path`` and render the page (does not write it)."""
    with Marts(Path(duckdb_path)) as marts:
        try:
            context = build_context(marts)
        except MissingMartError:
            context = None
        sections = build_sections(marts, context)
        top = headline(marts, context)
        sources = sorted(marts.read)
    html = render_html(sections, top, sources, Path(duckdb_path).name)
    return Report(html, sections, sources)


def write_report(duckdb_path: Path, out: Path) -> Report:
    """Render and write the page to ``out`` (parent folders created)."""
    report = build_report(duckdb_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.html, encoding="utf-8")
    return report


__all__ = ["Report", "build_report", "write_report"]
