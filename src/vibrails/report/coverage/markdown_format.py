"""``vibrails report --format markdown``: tables, for a terminal or a GitHub job summary."""

from __future__ import annotations

from vibrails.engine.coverage import Counts
from vibrails.report import markdown_cell
from vibrails.report.coverage import SHARES, CoverageReport, percent


def _row(name: str, counts: Counts) -> str:
    shares = [f"{percent(counts.share(part, whole))} ({getattr(counts, part)}/"
              f"{getattr(counts, whole)})" for _, _, part, whole in SHARES]
    return (f"| {markdown_cell(name)} | {counts.files} | {counts.lines} | " + " | ".join(shares)
            + f" | {sum(counts.findings.values())} |")


def render(report: CoverageReport) -> str:
    now = report.now
    head = ("| package | tagged files | AI-written lines | contracts | invariants | provenance "
            "| reviewed | findings |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    lines = [f"## vibrails coverage: {markdown_cell(report.project)}", ""]
    lines.append(f"{now.label}: {now.total.lines} AI-written lines in {now.total.files} "
                 f"tagged files.")
    lines += ["", "Shares: " + "; ".join(f"{label} {percent(now.total.share(p, w))}"
                                          for _, label, p, w in SHARES) + ".", "", head]
    for name, counts in sorted(now.packages.items()):
        lines.append(_row(name, counts))
    lines.append(_row("**total**", now.total))
    pillars = report.by_pillar(now.total)
    lines += ["", "### Findings", "", "| rule | pillar | findings |", "| --- | --- | ---: |"]
    for code, number in sorted(now.total.findings.items()):
        lines.append(f"| {code} | {report.pillars.get(code, 'engine')} | {number} |")
    lines.append("| **total** | " + ", ".join(f"{p} {n}" for p, n in sorted(pillars.items()))
                 + f" | {sum(now.total.findings.values())} |")
    if report.trend:
        lines += ["", "### Trend on the main line", "",
                  "| commit | date | AI-written lines | contracts | invariants | provenance "
                  "| reviewed | findings |",
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for point in report.trend:
            shares = " | ".join(percent(point.total.share(p, w)) for _, _, p, w in SHARES)
            lines.append(f"| `{point.label}` {markdown_cell(point.subject)[:60]} | {point.date[:10]} | "
                         f"{point.total.lines} | {shares} | "
                         f"{sum(point.total.findings.values())} |")
    for note in report.notes:
        lines += ["", f"> {note}"]
    return "\n".join(lines) + "\n"
