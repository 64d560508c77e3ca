"""Safe autofixes (``vibrails check --fix`` / ``--diff``): the driver.

One fix today, VBR304's, written beside its rule
(:func:`vibrails.checks.vbr304_mutable_default_argument.fix_source`): a
mutable default becomes ``None`` and the body starts (after its docstring)
with ``if param is None: param = <original>``, written with libcst so
comments and formatting elsewhere are untouched.

A file is fixed only where its check reported an unsuppressed VBR304 finding
(so only tagged files and tagged lines), never a lambda (no room for a
statement), and never if it changed during the run: the file is read again
and checked again, and fixed only when that check reports exactly the
findings of the run; the bytes are compared once more just before writing.
Fixing twice changes nothing: a ``None`` default is not a finding.
"""

from __future__ import annotations

import difflib
import io
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vibrails.checks.vbr304_mutable_default_argument import fix_source
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding
from vibrails.core.selection import Selection
from vibrails.core.source import decode
from vibrails.discover import Discovered
from vibrails.engine.run import check_file

#: The rules with a safe fix: ``fixable = true`` in their catalogue entry.
FIXABLE = frozenset(code for code, info in load_catalogue().items() if info.fixable)


@dataclass
class FixOutcome:
    """What fixing did: the findings left, the diff, how many were fixed."""

    findings: list[Finding]
    diff: str = ""
    fixed: int = 0
    files: int = 0
    messages: list[str] = field(default_factory=list)


def apply_fixes(
    items: Sequence[Discovered],
    findings: list[Finding],
    settings: Mapping[str, Any],
    selection: Selection,
    *,
    write: bool,
) -> FixOutcome:
    """Fix what can be fixed among ``findings``; return what is left.

    With ``write=False`` nothing is written and ``diff`` holds the unified
    diff of every file that would change.
    """
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    outcome = FixOutcome(findings=[])
    diffs: list[str] = []
    remaining: dict[str, list[Finding]] = dict(by_path)
    for item in items:
        mine = by_path.get(item.display, [])
        positions = {
            (f.line, f.column) for f in mine if f.code in FIXABLE and f.suppressed is None
        }
        if not positions:
            continue
        try:
            data = item.path.read_bytes()
            source = decode(data)
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            outcome.messages.append(f"{item.display}: not fixed: cannot read it again")
            continue
        again = check_file(item, settings, selection)
        if sorted(_key(f) for f in again.findings) != sorted(_key(f) for f in mine):
            outcome.messages.append(f"{item.display}: not fixed: the file changed during the run")
            continue
        new_source, count = fix_source(source, positions)
        if count == 0 or new_source == source:
            continue
        newline_data = new_source.encode(_encoding_of(data))
        if not write:
            diffs.append(_unified(item.display, source, new_source))
            outcome.fixed += count
            outcome.files += 1
            continue
        try:
            if item.path.read_bytes() != data:
                outcome.messages.append(
                    f"{item.display}: not fixed: the file changed during the run"
                )
                continue
            item.path.write_bytes(newline_data)
        except OSError as exc:
            outcome.messages.append(f"{item.display}: not fixed: {exc.strerror or exc}")
            continue
        outcome.fixed += count
        outcome.files += 1
        remaining[item.display] = check_file(item, settings, selection).findings
    outcome.findings = sorted(
        (f for group in remaining.values() for f in group), key=lambda f: f.sort_key
    )
    outcome.diff = "".join(diffs)
    return outcome


def _key(finding: Finding) -> tuple[Any, ...]:
    return (finding.code, finding.line, finding.column, finding.end_line, finding.end_column,
            finding.fingerprint, finding.suppressed, finding.line_hash)


def _encoding_of(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def _unified(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    return text
