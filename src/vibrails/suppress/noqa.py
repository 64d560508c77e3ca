"""Suppressions: ``# noqa: VBR101 -- reason`` comments, applied to a file's findings.

The comments are read by :mod:`vibrails.checks.shared.noqa` (flake8's
syntax, the reason after `` -- ``). A suppressed finding is kept, with its
reason, for SARIF's ``suppressions``; the other formats leave it out. The
suppressions themselves are judged by VBR003
(:mod:`vibrails.checks.vbr003_suppression_without_reason`) and VBR004
(:mod:`vibrails.checks.vbr004_unused_suppression`), on tagged lines only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from vibrails.checks.shared.noqa import Suppression, parse_suppressions
from vibrails.checks.vbr003_suppression_without_reason import suppression_without_reason
from vibrails.checks.vbr004_unused_suppression import unused_suppression
from vibrails.core.catalogue import rule_info
from vibrails.core.finding import Finding, fingerprint


def apply_suppressions(
    findings: list[Finding],
    source: str,
    path: str,
    tag: str,
    enabled: Collection[str],
    is_tagged: Callable[[int], bool] = lambda line: True,
) -> list[Finding]:
    """Mark suppressed findings, and add VBR003/VBR004 findings.

    Only suppressions on tagged lines are judged by VBR003/VBR004: a region
    of AI code does not make vibrails the judge of the code around it.
    """
    suppressions = parse_suppressions(source)
    if not suppressions:
        return findings
    out, used = mark_suppressed(findings, suppressions)
    lines = source.splitlines()
    occurrences: dict[str, int] = {}
    for suppression in suppressions:
        if not is_tagged(suppression.line):
            continue
        if "VBR003" in enabled:
            message = suppression_without_reason(suppression, used[suppression])
            if message is not None:
                out.append(_meta_finding(path, tag, suppression, lines, "VBR003", message,
                                         occurrences))
        if "VBR004" in enabled:
            message = unused_suppression(suppression, used[suppression])
            if message is not None:
                out.append(_meta_finding(path, tag, suppression, lines, "VBR004", message,
                                         occurrences))
    return out


def mark_suppressed(
    findings: list[Finding], suppressions: list[Suppression]
) -> tuple[list[Finding], dict[Suppression, set[str]]]:
    """The findings, those a ``# noqa`` on their line covers marked with its
    reason; and the codes each suppression silenced."""
    by_line: dict[int, list[Suppression]] = {}
    for suppression in suppressions:
        by_line.setdefault(suppression.line, []).append(suppression)
    used: dict[Suppression, set[str]] = {s: set() for s in suppressions}
    out: list[Finding] = []
    for finding in findings:
        for suppression in by_line.get(finding.line, ()):
            if suppression.covers(finding.code):
                used[suppression].add(finding.code)
                finding = finding.with_changes(suppressed=suppression.reason)
                break
        out.append(finding)
    return out, used


def _meta_finding(
    path: str,
    tag: str,
    suppression: Suppression,
    lines: list[str],
    code: str,
    message: str,
    occurrences: dict[str, int],
) -> Finding:
    info = rule_info(code)
    text = lines[suppression.line - 1][suppression.column : suppression.end_column]
    key = f"{code}\0{text}"
    occurrence = occurrences.get(key, 0)
    occurrences[key] = occurrence + 1
    return Finding(
        path=path,
        line=suppression.line,
        column=suppression.column + 1,
        end_line=suppression.line,
        end_column=suppression.end_column + 1,
        code=code,
        name=info.name,
        level=info.level,
        message=message,
        tag=tag,
        fingerprint=fingerprint(code, path, "", text, occurrence),
    )
