"""GitHub Actions workflow commands: one annotation a finding.

Escaping follows the Actions toolkit (``@actions/core``'s ``escapeData`` and
``escapeProperty``): ``%``, CR and LF in the message; also ``:`` and ``,`` in
properties.
"""

from __future__ import annotations

from vibrails.core.finding import Finding
from vibrails.report import ReportContext

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    props = {
        "file": finding.path,
        "line": str(finding.line),
        "col": str(finding.column),
        "endLine": str(finding.end_line),
        "endColumn": str(finding.end_column),
        "title": f"{finding.code} {finding.name}",
    }
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    command = _COMMANDS.get(finding.level, "warning")
    return f"::{command} {rendered}::{escape_data(finding.message)}"


def render(findings: list[Finding], context: ReportContext) -> str:
    return "".join(annotation(f) + "\n" for f in findings if f.suppressed is None)
