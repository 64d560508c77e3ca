"""``vibrails check --show-files``: which files are tagged, and why.

One line a file, in path order: a tagged file with the reason and, where the
reason is a text of the file (a header marker, a signature), its line and
the text; an untagged file as skipped. Nothing is parsed or checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vibrails.tagging import Tag


def describe(reason: str) -> str:
    """A reason (``marker:…``, ``glob:…``, ``trailer:…``, …) in words."""
    kind, _, detail = reason.partition(":")
    if kind == "header":
        return "header marker # @ai-generated"
    if kind == "marker":
        return f'signature "{detail}"'
    if kind == "glob":
        return f'config glob "{detail}" (ai-generated)'
    if kind == "trailer":
        return f"commit trailer {detail}"
    if kind == "ledger":
        return f"ledger event (line {detail} of the ledger)"
    if kind == "region":
        return "# @ai-generated begin … end"
    if kind == "assume-ai":
        return "assume-ai"
    return reason


def line_for(display: str, tag: Tag | None, problem: str | None) -> str:
    """The line of ``--show-files`` for one file."""
    if tag is None:
        why = f"cannot be read: {problem}" if problem else "no marker, signature or record"
        return f"{display}: not tagged, skipped ({why})"
    if tag.reason is not None:
        line = tag.marker_line if tag.reason == "header" else tag.evidence_line
        where = f"{display}:{line}" if line else display
        return f"{where}: tagged by {describe(tag.reason)}"
    parts = [f"lines {region.start}-{region.end} by {describe(region.reason)}"
             for region in tag.regions]
    if tag.def_markers:
        lines = ", ".join(str(line) for line in tag.def_markers)
        parts.append(f"the defs under the # @ai-generated comments on lines {lines}")
    return f"{display}: partly tagged: {'; '.join(parts)}"


def show_files(rows: Iterable[tuple[str, Tag | None, str | None]]) -> str:
    """The report: one line a file, then how many are tagged."""
    lines = []
    tagged = 0
    total = 0
    for display, tag, problem in rows:
        lines.append(line_for(display, tag, problem))
        total += 1
        tagged += tag is not None
    noun = "file" if total == 1 else "files"
    lines.append(f"{total} {noun}: {tagged} tagged (checked), {total - tagged} not tagged (skipped)")
    return "\n".join(lines) + "\n"
