"""SARIF 2.1.0 (placeholder until the full writer lands)."""

from __future__ import annotations

from vibrails.finding import Finding
from vibrails.report import ReportContext


def render(findings: list[Finding], context: ReportContext) -> str:
    raise NotImplementedError("sarif")
