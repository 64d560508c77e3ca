"""VBR406 provenance-rewritten (diff mode): a change rewrote the ledger's past, or untagged AI code.

Two checks, against the diff base:

* :func:`ledger_rewritten`: the ledger is append-only, so every line it had
  at the base must still be there, in order, unchanged. An event changed,
  removed or with a new event inserted before it is reported on the
  ledger's line where that happened.
* :func:`marker_removed`: a file that the base's text tagged as
  AI-generated (its header marker, an assistant's signature, a region
  marker) is no longer tagged at all, while most of its lines are still as
  they were (:data:`KEPT_SHARE`): vibrails would stop checking AI-written
  code. Reported on line 1.
"""

from __future__ import annotations

import difflib
import json

from vibrails.checks.base import DiffRule, Rule, Weakening
from vibrails.tagging import Tag

#: The share of the base's lines still in the file above which its content
#: counts as still AI-written.
KEPT_SHARE = 0.5


class ProvenanceRewritten(DiffRule, Rule):
    code = "VBR406"


def ledger_rewritten(old: bytes, new: bytes, ledger: str, base: str) -> list[Weakening]:
    """The ledger's events (lines at ``base``) that ``new`` changed, removed or
    put a new event before."""
    before = old.splitlines()
    after = new.splitlines()
    found: list[Weakening] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "insert" and i1 == len(before)):
            continue  # unchanged, or appended: what a ledger is for
        if op == "insert":
            line = j1 + 1
            args = {"number": i1 + 1, "event": _describe(before[i1]), "how": "preceded by a new event",
                    "base": base, "ledger": ledger}
            found.append(Weakening("VBR406", _line_span(after, line), args, f"ledger\0{i1}"))
            continue
        for offset, index in enumerate(range(i1, i2)):
            if op == "replace" and j1 + offset < j2:
                line, how = j1 + offset + 1, "changed"
            else:
                line, how = min(j1 + 1, max(len(after), 1)), "removed"
            args = {"number": index + 1, "event": _describe(before[index]), "how": how,
                    "base": base, "ledger": ledger}
            found.append(Weakening("VBR406", _line_span(after, line), args, f"ledger\0{index}",
                                   extent=(line, line)))
    return found


def _describe(raw: bytes) -> str:
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "an unreadable line"
    if not isinstance(event, dict):
        return "a line that is not an event"
    return f"'{event.get('event', '?')}' of '{event.get('path', '?')}' at {event.get('at', '?')}"


def _line_span(lines: list[bytes], line: int) -> tuple[int, int, int, int]:
    text = lines[line - 1] if 0 < line <= len(lines) else b""
    return line, 0, line, max(len(text.decode("utf-8", "replace")), 1)


def in_text(tag: Tag | None) -> str | None:
    """What in a file's own text tags it (``None``: nothing, or only the
    ledger, git, the configuration)."""
    if tag is None:
        return None
    if tag.reason is not None and (tag.reason == "header" or tag.reason.startswith("marker:")):
        return tag.reason.removeprefix("marker:")
    if any(r.reason.startswith("region:") for r in tag.regions) or tag.def_markers:
        return "# @ai-generated"
    return None


def marker_removed(
    old_text: str, new_text: str, old_tag: Tag | None, new_tag: Tag | None, base: str
) -> Weakening | None:
    """A file tagged by its text at ``base`` and not tagged now, most of it unchanged."""
    marker = in_text(old_tag)
    if marker is None or new_tag is not None:
        return None
    before = [line.strip() for line in old_text.splitlines() if line.strip()]
    kept = set(line.strip() for line in new_text.splitlines())
    if not before:
        return None
    share = sum(1 for line in before if line in kept) / len(before)
    if share < KEPT_SHARE:
        return None
    first = new_text.splitlines()[0] if new_text else ""
    args = {"marker": "@ai-generated header" if marker == "header" else marker,
            "share": round(share * 100), "base": base}
    return Weakening("VBR406", (1, 0, 1, max(len(first), 1)), args, "marker", template="marker")
