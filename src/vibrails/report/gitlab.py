"""GitLab Code Quality report (a JSON array of issues)."""

from __future__ import annotations

import json
from typing import Any

from vibrails.finding import Finding
from vibrails.report import ReportContext

_SEVERITY = {"error": "critical", "warning": "major", "note": "minor"}


def issue(finding: Finding) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": finding.code,
        "description": f"{finding.code} {finding.message}",
        "categories": ["Bug Risk"],
        "severity": _SEVERITY.get(finding.level, "major"),
        "fingerprint": finding.fingerprint,
        "location": {
            "path": finding.path,
            "positions": {
                "begin": {"line": finding.line, "column": finding.column},
                "end": {"line": finding.end_line, "column": finding.end_column},
            },
        },
    }


def render(findings: list[Finding], context: ReportContext) -> str:
    data = [issue(f) for f in findings if f.suppressed is None]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
