"""A JSON array of findings, sorted by path, line, column and code."""

from __future__ import annotations

import json

from vibrails.finding import Finding
from vibrails.report import ReportContext


def render(findings: list[Finding], context: ReportContext) -> str:
    data = [f.to_json() for f in findings if f.suppressed is None]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
