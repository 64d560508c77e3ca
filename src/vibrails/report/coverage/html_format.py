"""``vibrails report --format html``: one self-contained page with inline SVG charts.

No script, no stylesheet or font from elsewhere, no image files: the page is
read offline, in a CI artifact, with JavaScript off. Each chart is an
``<svg role="img">`` with a title and a description, its numbers printed on
it and repeated in the table that follows it, and drawn in the Okabe-Ito
colours, which stay apart for the common kinds of colour blindness; the
text is dark on white (contrast above 7:1).
"""

from __future__ import annotations

from html import escape

from vibrails.engine.coverage import Counts
from vibrails.report.coverage import SHARES, CoverageReport, Snapshot, percent

#: Okabe-Ito: one colour per share (and per pillar), colour-blind safe.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
PILLARS = ("engine", "contracts", "invariants", "state", "provenance")
#: A line style per share, so that lines on top of each other stay apart.
_DASHES = ("none", "8 4", "2 3", "10 3 2 3")
_TEXT = "#1b1b1b"
_GRID = "#d0d0d0"

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b;
       background: #fff; margin: 2rem auto; max-width: 980px; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d0d0; }
.meta { color: #444; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.2rem 0; padding: 0; }
.cards li { list-style: none; border: 1px solid #d0d0d0; border-radius: 6px;
            padding: .6rem .9rem; min-width: 9.5rem; }
.cards strong { display: block; font-size: 1.5rem; }
table { border-collapse: collapse; margin: .8rem 0 1.4rem; }
th, td { border: 1px solid #d0d0d0; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
svg { max-width: 100%; height: auto; }
.swatch { display: inline-block; width: .9em; height: .9em; margin-right: .3em;
          vertical-align: -.1em; border-radius: 2px; }
"""


def render(report: CoverageReport) -> str:
    now = report.now
    title = f"vibrails coverage: {report.project}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(now.label)} · vibrails {escape(report.version)}</p>',
        _cards(now.total),
        "<h2 id=\"packages\">Coverage per package</h2>",
        _coverage_chart(now),
        _package_table(now),
        "<h2 id=\"trend\">Trend on the main line</h2>",
        _trend_chart(report.trend) if report.trend else
        "<p>No history: the trend needs a git repository with commits.</p>",
        _trend_table(report.trend) if report.trend else "",
        "<h2 id=\"findings\">Findings per pillar</h2>",
        _pillar_chart(report),
        _rule_table(report),
        *(f"<p>{escape(note)}</p>" for note in report.notes),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _cards(total: Counts) -> str:
    items = [("tagged files", str(total.files)), ("AI-written lines", str(total.lines))]
    items += [(label, percent(total.share(part, whole))) for _, label, part, whole in SHARES]
    items.append(("findings", str(sum(total.findings.values()))))
    cards = "".join(f"<li><strong>{escape(value)}</strong>{escape(label)}</li>"
                    for label, value in items)
    return f'<ul class="cards">{cards}</ul>'


def _legend() -> str:
    return "<p>" + " ".join(
        f'<span class="swatch" style="background:{COLOURS[i]}"></span>{escape(label)}'
        for i, (_, label, _, _) in enumerate(SHARES)) + "</p>"


def _svg(width: int, height: int, ident: str, title: str, description: str, body: list[str]) -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'font-family="system-ui, sans-serif" font-size="12" fill="{_TEXT}">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
        *body,
        "</svg>",
    ])


def _coverage_chart(snapshot: Snapshot) -> str:
    # (A folder with findings but no tagged file, as the ledger's, has no bars.)
    rows = [*((name, c) for name, c in sorted(snapshot.packages.items()) if c.files),
            ("total", snapshot.total)]
    bar, gap, left, width = 14, 12, 190, 360
    height = len(rows) * (len(SHARES) * bar + gap) + 30
    body = [f'<line x1="{left}" y1="4" x2="{left}" y2="{height - 22}" stroke="{_GRID}"/>']
    for tick in (0, 25, 50, 75, 100):
        x = left + width * tick // 100
        body.append(f'<line x1="{x}" y1="4" x2="{x}" y2="{height - 22}" stroke="{_GRID}" '
                    'stroke-dasharray="2 3"/>')
        body.append(f'<text x="{x}" y="{height - 8}" text-anchor="middle">{tick}%</text>')
    y = 6
    description = []
    for name, counts in rows:
        body.append(f'<text x="{left - 8}" y="{y + bar * 2 + 4}" text-anchor="end" '
                    f'font-weight="{"700" if name == "total" else "400"}">{escape(name)}</text>')
        for index, (_, label, part, whole) in enumerate(SHARES):
            share = counts.share(part, whole)
            length = 0 if share is None else round(width * share)
            body.append(f'<rect x="{left}" y="{y}" width="{length}" height="{bar - 3}" '
                        f'fill="{COLOURS[index]}"><title>{escape(name)}: {escape(label)} '
                        f'{percent(share)}</title></rect>')
            shown = percent(share)
            body.append(f'<text x="{left + length + 4}" y="{y + bar - 4}">{shown} '
                        f'({getattr(counts, part)}/{getattr(counts, whole)})</text>')
            description.append(f"{name} {label} {percent(share)}")
            y += bar
        y += gap
    chart = _svg(left + width + 110, height, "coverage", "Coverage per package",
                 "; ".join(description), body)
    return _legend() + chart


def _package_table(snapshot: Snapshot) -> str:
    head = "".join(f"<th scope=\"col\">{escape(label)}</th>" for _, label, _, _ in SHARES)
    rows = [*sorted(snapshot.packages.items()), ("total", snapshot.total)]
    body = []
    for name, counts in rows:
        cells = "".join(f"<td>{percent(counts.share(p, w))} ({getattr(counts, p)}/"
                        f"{getattr(counts, w)})</td>" for _, _, p, w in SHARES)
        body.append(f"<tr><th scope=\"row\">{escape(name)}</th><td>{counts.files}</td>"
                    f"<td>{counts.lines}</td>{cells}<td>{sum(counts.findings.values())}</td></tr>")
    return ("<table><caption>Per package</caption><thead><tr><th scope=\"col\">package</th>"
            "<th scope=\"col\">tagged files</th><th scope=\"col\">AI-written lines</th>"
            f"{head}<th scope=\"col\">findings</th></tr></thead><tbody>{''.join(body)}"
            "</tbody></table>")


def _trend_chart(trend: list[Snapshot]) -> str:
    left, top, width, height = 50, 12, 620, 220
    step = width / max(len(trend) - 1, 1)
    body = []
    for tick in (0, 25, 50, 75, 100):
        y = top + height - height * tick / 100
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + width}" y2="{y:.1f}" '
                    f'stroke="{_GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
    every = max(1, len(trend) // 10)
    for index, point in enumerate(trend):
        x = left + step * index if len(trend) > 1 else left + width / 2
        if index % every == 0 or index == len(trend) - 1:
            body.append(f'<text x="{x:.1f}" y="{top + height + 16}" text-anchor="middle" '
                        f'font-family="ui-monospace, monospace">{escape(point.label)}</text>')
    description = []
    for series, (_, label, part, whole) in enumerate(SHARES):
        points = []
        for index, point in enumerate(trend):
            share = point.total.share(part, whole)
            if share is None:
                continue
            x = left + step * index if len(trend) > 1 else left + width / 2
            y = top + height - height * share
            points.append((x, y, point.label, share))
        if not points:
            continue
        colour = COLOURS[series]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5" stroke-dasharray="{_DASHES[series]}"/>')
        for x, y, commit, share in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                        f'<title>{escape(commit)}: {escape(label)} {percent(share)}</title>'
                        "</circle>")
        description.append(f"{label}: from {percent(points[0][3])} to {percent(points[-1][3])}")
    chart = _svg(left + width + 20, top + height + 30, "trend",
                 f"Coverage over the last {len(trend)} commits", "; ".join(description), body)
    return _legend() + chart


def _trend_table(trend: list[Snapshot]) -> str:
    head = "".join(f"<th scope=\"col\">{escape(label)}</th>" for _, label, _, _ in SHARES)
    body = []
    for point in trend:
        cells = "".join(f"<td>{percent(point.total.share(p, w))}</td>" for _, _, p, w in SHARES)
        body.append(f"<tr><th scope=\"row\"><code>{escape(point.label)}</code> "
                    f"{escape(point.subject[:60])}</th><td>{escape(point.date[:10])}</td>"
                    f"<td>{point.total.lines}</td>{cells}"
                    f"<td>{sum(point.total.findings.values())}</td></tr>")
    return ("<table><caption>The trend in numbers</caption><thead><tr>"
            "<th scope=\"col\">commit</th><th scope=\"col\">date</th>"
            f"<th scope=\"col\">AI-written lines</th>{head}<th scope=\"col\">findings</th>"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _pillar_chart(report: CoverageReport) -> str:
    counts = report.by_pillar(report.now.total)
    bar, left, width = 22, 110, 420
    peak = max(counts.values(), default=0) or 1
    body = []
    y = 6
    for index, pillar in enumerate(PILLARS):
        number = counts.get(pillar, 0)
        length = round(width * number / peak)
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{pillar}</text>')
        body.append(f'<rect x="{left}" y="{y}" width="{length}" height="{bar - 6}" '
                    f'fill="{COLOURS[index % len(COLOURS)]}"><title>{pillar}: {number}'
                    "</title></rect>")
        body.append(f'<text x="{left + length + 4}" y="{y + 15}">{number}</text>')
        y += bar
    description = "; ".join(f"{p} {counts.get(p, 0)}" for p in PILLARS)
    return _svg(left + width + 60, y + 6, "pillars", "Findings per pillar", description, body)


def _rule_table(report: CoverageReport) -> str:
    rows = "".join(f"<tr><th scope=\"row\">{escape(code)}</th>"
                   f"<td>{escape(report.pillars.get(code, 'engine'))}</td><td>{number}</td></tr>"
                   for code, number in sorted(report.now.total.findings.items()))
    if not rows:
        return "<p>No findings.</p>"
    return ("<table><caption>Findings per rule</caption><thead><tr><th scope=\"col\">rule</th>"
            "<th scope=\"col\">pillar</th><th scope=\"col\">findings</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")
