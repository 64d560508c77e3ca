"""``path:line:col: CODE message`` — what editors' problem matchers parse."""

from __future__ import annotations

from vibrails.core.finding import Finding
from vibrails.report import ReportContext


def line(finding: Finding) -> str:
    message = " ".join(finding.message.split())
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {message}"


def render(findings: list[Finding], context: ReportContext) -> str:
    return "".join(line(f) + "\n" for f in findings if f.suppressed is None)
