"""flake8 lines, coloured on a terminal, then a summary."""

from __future__ import annotations

from vibrails.finding import Finding
from vibrails.report import ReportContext
from vibrails.report.flake8 import line

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _coloured(finding: Finding) -> str:
    message = " ".join(finding.message.split())
    colour = _COLOURS.get(finding.level, "")
    return (
        f"{_BOLD}{finding.path}{_RESET}{_DIM}:{finding.line}:{finding.column}:{_RESET} "
        f"{colour}{_BOLD}{finding.code}{_RESET} {message}"
    )


def summary(findings: list[Finding], context: ReportContext) -> str:
    shown = [f for f in findings if f.suppressed is None]
    counts = {level: sum(1 for f in shown if f.level == level) for level in ("error", "warning", "note")}
    parts = [f"{n} {level}{'s' if n != 1 else ''}" for level, n in counts.items() if n]
    files = f"{context.files_tagged} tagged of {context.files_checked} files checked"
    suppressed = len(findings) - len(shown)
    extra = f", {suppressed} suppressed" if suppressed else ""
    if not shown:
        return f"All checks passed ({files}{extra})."
    total = len(shown)
    return f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}{extra}) in {files}."


def render(findings: list[Finding], context: ReportContext) -> str:
    shown = [f for f in findings if f.suppressed is None]
    fmt = _coloured if context.color else line
    body = "".join(fmt(f) + "\n" for f in shown)
    if body:
        body += "\n"
    return body + summary(findings, context) + "\n"
