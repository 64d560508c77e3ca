"""GitLab Code Quality report (a JSON array of Code Climate issues).

GitLab needs, per issue, ``description``, ``check_name``, ``fingerprint``
(unique in the report: issues with the same one are merged), ``severity``
and ``location.path`` with a line; paths are relative to the repository
root, which is the current folder of a CI job.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from vibrails.core.finding import Finding
from vibrails.report import ReportContext

_SEVERITY = {"error": "critical", "warning": "major", "note": "minor"}


def _fallback_fingerprint(finding: Finding) -> str:
    payload = "\0".join(
        (finding.code, finding.path, str(finding.line), str(finding.column), finding.message)
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def issue(finding: Finding, fingerprint: str | None = None) -> dict[str, Any]:
    return {
        "type": "issue",
        "engine_name": "vibrails",
        "check_name": finding.code,
        "description": f"{finding.code} {finding.message}",
        "categories": ["Bug Risk"],
        "severity": _SEVERITY.get(finding.level, "major"),
        "fingerprint": fingerprint or finding.fingerprint or _fallback_fingerprint(finding),
        "location": {
            "path": finding.path,
            "positions": {
                "begin": {"line": finding.line, "column": finding.column},
                "end": {"line": finding.end_line, "column": finding.end_column},
            },
        },
    }


def _unique_fingerprints(findings: list[Finding]) -> list[str]:
    """One fingerprint per finding, made unique by their order if need be."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for finding in findings:
        value = finding.fingerprint or _fallback_fingerprint(finding)
        count = seen.get(value, 0)
        seen[value] = count + 1
        if count:
            value = hashlib.sha256(f"{value}\0{count}".encode()).hexdigest()[:32]
        out.append(value)
    return out


def render(findings: list[Finding], context: ReportContext) -> str:
    shown = [f for f in findings if f.suppressed is None]
    data = [issue(f, fp) for f, fp in zip(shown, _unique_fingerprints(shown), strict=True)]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
