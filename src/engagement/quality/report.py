"""A self-contained HTML summary of a quality run: one table per suite, passed green, failed red/amber."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engagement.quality.run import Check, QualityRun, SuiteResult

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
.pass { background: #dafbe1; } .fail { background: #ffebe9; } .warn { background: #fff8c5; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 4px; font-weight: 600; }
code { font-size: 0.8rem; word-break: break-all; }
"""


def _text(value: Any) -> str:
    if value is None:
        return ""
    return escape(value if isinstance(value, str) else json.dumps(value, default=str))


def _row_class(check: Check) -> str:
    if check.success:
        return "pass"
    return "fail" if check.severity == "critical" else "warn"


def _outcome(check: Check) -> str:
    if check.error:
        return f"error: {_text(check.error)}"
    if check.missing_columns:
        return f"missing columns: <code>{_text(check.missing_columns)}</code>"
    if check.unexpected_count is not None:
        return (
            f"{check.unexpected_count} of {check.element_count} unexpected "
            f"({check.unexpected_percent or 0:.2f}%)"
            + (f"<br>sample: <code>{_text(check.sample)}</code>" if check.sample else "")
        )
    return f"observed: <code>{_text(check.observed)}</code>"


def _suite_status(suite: SuiteResult) -> str:
    if suite.success:
        return "pass"
    return "fail" if any(c.severity == "critical" and not c.success for c in suite.checks) else "warn"


def _suite_table(suite: SuiteResult) -> str:
    status = _suite_status(suite)
    label = {"pass": "PASS", "fail": "FAIL", "warn": "WARN"}[status]
    rows = "".join(
        f'<tr class="{_row_class(check)}"><td>{"pass" if check.success else "FAIL"}</td>'
        f"<td>{escape(check.severity)}</td><td><code>{escape(check.expectation)}</code></td>"
        f"<td><code>{_text({k: v for k, v in check.kwargs.items()})}</code></td>"
        f"<td>{_outcome(check)}</td><td>{escape(check.why)}</td></tr>"
        for check in suite.checks
    )
    rows_note = "" if suite.rows is None else f" &middot; {suite.rows:,} rows validated"
    return (
        f'<h2><span class="badge {status}">{label}</span> {escape(suite.name)}</h2>'
        f"<p><code>{escape(suite.table)}</code>{rows_note}</p>"
        "<table><tr><th>result</th><th>severity</th><th>expectation</th><th>arguments</th>"
        f"<th>outcome</th><th>why</th></tr>{rows}</table>"
    )


def _overview(suites: list[SuiteResult]) -> str:
    rows = "".join(
        f'<tr class="{_suite_status(suite)}"><td>{escape(suite.name)}</td>'
        f"<td>{len(suite.checks)}</td><td>{sum(c.success for c in suite.checks)}</td>"
        f"<td>{sum(not c.success and c.severity == 'critical' for c in suite.checks)}</td>"
        f"<td>{sum(not c.success and c.severity != 'critical' for c in suite.checks)}</td></tr>"
        for suite in suites
    )
    return (
        "<h2>Suites</h2><table><tr><th>suite</th><th>evaluated</th><th>passed</th>"
        f"<th>critical failed</th><th>warning failed</th></tr>{rows}</table>"
    )


def render_html(run: QualityRun) -> str:
    """The whole report as one HTML string (inline CSS, no external assets)."""
    summary = run.summary()
    status = "pass" if summary["success"] else "fail"
    notes = "".join(f"<li>{escape(note)}</li>" for note in run.notes)
    headline = (
        f'<p><span class="badge {status}">{"PASS" if summary["success"] else "FAIL"}</span> '
        f"{summary['suites']} suites, {summary['evaluated']} expectations evaluated: "
        f"{summary['passed']} passed, {summary['failed']} failed "
        f"({summary['critical_failed']} critical, {summary['warning_failed']} warning). "
        f"As-of date: {escape(str(summary['as_of_date'] or 'n/a (raw inputs not validated)'))}.</p>"
    )
    ordered = sorted(run.suites, key=lambda suite: (suite.success, suite.name))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Data quality: Great Expectations summary</title><style>{_STYLE}</style></head><body>"
        "<h1>Data quality: Great Expectations suites over raw inputs and marts</h1>"
        f"{headline}"
        + (f"<h2>Skipped checks</h2><ul>{notes}</ul>" if notes else "")
        + _overview(ordered)
        + "".join(_suite_table(suite) for suite in ordered)
        + "</body></html>"
    )
