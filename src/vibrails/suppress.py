"""Suppressions: ``# noqa: VBR101 -- reason`` comments, applied after checking.

The syntax is flake8's (``# noqa`` alone silences every code on the line,
``# noqa: A1,B2`` the codes named), with the reason after `` -- ``. Only
comments count: ``noqa`` inside a string is not a suppression. A suppressed
finding is kept, with its reason, for SARIF's ``suppressions``; the other
formats leave it out.

VBR003 reports a suppression with no reason that names a VBR code, or a bare
one that silenced a vibrails finding (a bare ``# noqa`` that silenced nothing
of ours belongs to other tools). Text after the codes that does not follow
`` -- `` (``# noqa: VBR101 because the caller validates``) is read as flake8
reads it: the suppression holds, and VBR003 says where the reason goes. VBR004 (opt-in) reports VBR codes that a
suppression names but that silenced nothing on its line.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Collection
from dataclasses import dataclass

from vibrails.core.catalogue import rule_info
from vibrails.core.finding import Finding, fingerprint

_NOQA = re.compile(
    r"#\s*noqa"
    r"(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?"
    r"(?P<rest>.*?)\s*$",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    line: int
    column: int  # 0-based, of the '#'
    end_column: int
    #: Codes named, upper-case; empty for a bare noqa comment.
    codes: tuple[str, ...]
    reason: str
    #: Text after the codes that is not after `` -- `` (a reason put in the
    #: wrong place), or ``""``.
    misplaced: str = ""

    def covers(self, code: str) -> bool:
        return not self.codes or code in self.codes


def _comments(source: str) -> list[tuple[int, int, str]]:
    """``(line, column, text)`` of every comment that mentions noqa."""
    out = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and "noqa" in token.string.lower():
                out.append((token.start[0], token.start[1], token.string))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Fall back to a line scan: better a rare false match than none.
        for number, line in enumerate(source.splitlines(), 1):
            index = line.find("#")
            if index >= 0 and "noqa" in line[index:].lower():
                out.append((number, index, line[index:]))
    return out


def parse_suppressions(source: str) -> list[Suppression]:
    """Every ``noqa`` comment of ``source``."""
    if "noqa" not in source.lower():
        return []
    found = []
    for line, column, text in _comments(source):
        match = _NOQA.search(text)
        if match is None:
            continue
        codes = tuple(c.upper() for c in _CODE.findall(match.group("codes") or ""))
        rest = match.group("rest").strip()
        reason = misplaced = ""
        if rest.startswith("--"):
            reason = rest[2:].strip()
        elif rest and not rest.startswith("#") and rest[0] not in ":,":
            misplaced = rest  # flake8 ignores it; so do we, and VBR003 says so
        start = column + match.start()
        found.append(
            Suppression(line, start, column + len(text.rstrip()), codes, reason, misplaced)
        )
    return found


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
    lines = source.splitlines()
    occurrences: dict[str, int] = {}
    for suppression in suppressions:
        if not is_tagged(suppression.line):
            continue
        ours = [c for c in suppression.codes if c.startswith("VBR")]
        if "VBR003" in enabled and not suppression.reason and (ours or used[suppression]):
            named = ",".join(suppression.codes) or ",".join(sorted(used[suppression]))
            example = f"# noqa: {named} -- {suppression.misplaced or '<why>'}"
            info = rule_info("VBR003")
            key = "misplaced" if suppression.misplaced else None
            message = info.format_named(key, {"example": example})
            out.append(_meta_finding(path, tag, suppression, lines, "VBR003", message, occurrences))
        if "VBR004" in enabled:
            unused = [c for c in ours if c not in used[suppression]]
            if unused:
                message = rule_info("VBR004").format_message(codes=", ".join(unused))
                out.append(_meta_finding(path, tag, suppression, lines, "VBR004", message, occurrences))
    return out


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
