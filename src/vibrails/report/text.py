"""flake8 lines, coloured on a terminal, then a summary."""

from __future__ import annotations

from vibrails.core.finding import Finding
from vibrails.report import ReportContext
from vibrails.report.flake8 import line

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _coloured(finding: Finding, fixable: bool) -> str:
    message = " ".join(finding.message.split())
    colour = _COLOURS.get(finding.level, "")
    mark = f"{_BOLD}[*]{_RESET} " if fixable else ""
    return (
        f"{_BOLD}{finding.path}{_RESET}{_DIM}:{finding.line}:{finding.column}:{_RESET} "
        f"{colour}{_BOLD}{finding.code}{_RESET} {mark}{message}"
    )


def _plain(finding: Finding, fixable: bool) -> str:
    if not fixable:
        return line(finding)
    message = " ".join(finding.message.split())
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.code} [*] {message}"


def summary(findings: list[Finding], context: ReportContext) -> str:
    shown = [f for f in findings if f.suppressed is None]
    counts = {level: sum(1 for f in shown if f.level == level) for level in ("error", "warning", "note")}
    parts = [f"{n} {level}{'s' if n != 1 else ''}" for level, n in counts.items() if n]
    files = f"{context.files_tagged} tagged of {context.files_checked} files checked"
    suppressed = len(findings) - len(shown)
    extra = f", {suppressed} suppressed" if suppressed else ""
    if context.diff_base is not None:
        extra += (f"; {context.unchanged} more on lines unchanged since {context.diff_base}, "
                  f"not shown; {context.unchecked} unchanged files not checked")
    if not shown:
        return f"All checks passed ({files}{extra})."
    total = len(shown)
    return f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}{extra}) in {files}."


def render(findings: list[Finding], context: ReportContext) -> str:
    """One line a finding (ruff's ``[*]`` before a message that ``--fix`` can
    fix), a blank line, the summary, and how many are fixable."""
    shown = [f for f in findings if f.suppressed is None]
    fixable = {code for code, info in context.rules.items() if info.fixable}
    fmt = _coloured if context.color else _plain
    body = "".join(fmt(f, f.code in fixable) + "\n" for f in shown)
    if body:
        body += "\n"
    text = body + summary(findings, context) + "\n"
    count = sum(1 for f in shown if f.code in fixable)
    if count:
        text += f"[*] {count} fixable with `vibrails check --fix` (`--diff` to see the changes first).\n"
    return text
