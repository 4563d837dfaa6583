"""The self-contained HTML page: inline CSS, charts as data-URI PNGs, no script, no network."""

from __future__ import annotations

from html import escape

from engagement.report.charts import Chart
from engagement.report.sections import Section, Table

CSS = """
:root { --ink: #222; --muted: #666; --line: #e3e3e3; --on: #1b7837; --off: #b2182b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); background: #fafafa; }
header, main, footer { max-width: 1380px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 24px; margin: 0 0 2px; }
h2 { font-size: 18px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
.sub, .intro, footer { color: var(--muted); }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; padding: 0; }
.kpis div { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; }
.kpis dt { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.kpis dd { margin: 0; font-size: 18px; font-weight: 600; }
nav { font-size: 13px; margin-bottom: 8px; }
nav a { margin-right: 12px; color: #2166ac; text-decoration: none; }
nav .not-built-link { color: var(--muted); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 14px 0;
          padding: 14px 16px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
figure { margin: 0; }
.cell { overflow-x: auto; }
.cell h3 { margin-top: 0; }
figure.wide { grid-column: 1 / -1; }
figure img { width: 100%; height: auto; display: block; }
figcaption { margin-top: 4px; padding: 6px 8px; background: #f3f6fa; border-left: 3px solid #2166ac;
             font-size: 13px; }
figcaption b { font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin-top: 4px; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status { font-weight: 600; white-space: nowrap; }
.status.on_target { color: var(--on); }
.status.off_target { color: var(--off); }
.status.no_target, .status.no_data { color: var(--muted); }
.not-built, .error { padding: 10px 12px; border-radius: 6px; background: #f4f4f4; color: #555; }
.error { background: #fdecea; color: #8a1c1c; }
.note { color: var(--muted); font-style: italic; }
footer { font-size: 12px; padding-bottom: 24px; }
"""


def _chart(chart: Chart, key: str) -> str:
    css = "chart wide" if chart.wide else "chart"
    return (
        f'<figure class="{css}" data-chart="{escape(key)}">'
        f'<img src="data:image/png;base64,{chart.png_base64}" alt="{escape(chart.title)}" '
        f'width="{chart.width_px}" height="{chart.height_px}">'
        f"<figcaption><b>Reading:</b> {escape(chart.reading)}</figcaption></figure>"
    )


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(col)}</th>" for col in table.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{escape(cell.css_class)}">{escape(cell.text)}</td>'
            if cell.css_class
            else f"<td>{escape(cell.text)}</td>"
            for cell in row
        )
        + "</tr>"
        for row in table.rows
    )
    return f"<h3>{escape(table.title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(section: Section) -> str:
    parts = [
        f'<section id="{escape(section.key)}" data-status="{escape(section.status)}">',
        f"<h2>{escape(section.title)}</h2>",
        f'<p class="intro">{escape(section.intro)}</p>',
    ]
    if section.missing:
        names = ", ".join(section.missing)
        parts.append(
            f'<p class="not-built"><b>Not built.</b> This warehouse has no {escape(names)} yet; '
            "run <code>dbt build</code> (the marts are built by the project) and render the report again.</p>"
        )
    elif section.error:
        parts.append(f'<p class="error"><b>Could not be read.</b> {escape(section.error)}</p>')
    else:
        tables = list(section.tables)
        if section.charts:
            parts.append('<div class="charts">')
            parts += [_chart(chart, f"{section.key}-{index}") for index, chart in enumerate(section.charts)]
            # a lone half-width chart leaves a free cell: the first table goes there
            if sum(not chart.wide for chart in section.charts) % 2 == 1 and tables and tables[0].compact:
                parts.append(f'<div class="cell">{_table(tables.pop(0))}</div>')
            parts.append("</div>")
        parts += [f'<p class="note">{escape(note)}</p>' for note in section.notes]
        parts += [_table(table) for table in tables]
    parts.append("</section>")
    return "\n".join(parts)


def render_html(
    sections: list[Section], headline: list[tuple[str, str]], sources: list[str], warehouse_name: str
) -> str:
    """The whole page as one string."""
    as_of = dict(headline).get("as-of date", "unknown")
    kpis = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in headline)
    toc = "".join(
        f'<a href="#{escape(s.key)}"'
        + (' class="not-built-link"' if s.status != "ok" else "")
        + f">{escape(s.title)}{'' if s.status == 'ok' else ' (' + escape(s.status) + ')'}</a>"
        for s in sections
    )
    body = "\n".join(_section(section) for section in sections)
    source_list = ", ".join(escape(name) for name in sorted(sources)) or "none"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Engagement report, as of {escape(as_of)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>Engagement report</h1>
<p class="sub">Lifecycle segments, scorecard, activation, retention, churn risk, clusters and experiments,
read from the dbt marts of <code>{escape(warehouse_name)}</code>.</p>
<dl class="kpis">{kpis}</dl>
<nav>{toc}</nav>
</header>
<main>
{body}
</main>
<footer>Sources: {source_list}. Rendered by <code>python -m engagement.report</code>; every number comes
from the marts above (see <code>dbt docs</code> for their definitions).</footer>
</body>
</html>
"""
