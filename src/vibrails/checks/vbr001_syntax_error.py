"""VBR001 syntax-error: a tagged file is not valid Python, so nothing else is checked.

Reported by the engine (:func:`vibrails.engine.tree.check_tree`) from the
first error of ``compile()`` (never run), or of libcst's parser when
``compile()`` accepts what libcst refuses.
"""

from __future__ import annotations

from vibrails.core.catalogue import rule_info
from vibrails.core.finding import Finding, make_finding
from vibrails.core.source import LINE_BREAK
from vibrails.tagging import Tag


def syntax_finding(
    path: str, source: str, tag: Tag, error: tuple[int, int, str]
) -> list[Finding]:
    """VBR001 on the line (and column) where the file stops being Python."""
    line, col, message = error
    lines = LINE_BREAK.split(source)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    span = (line, min(col, len(text)), line, len(text) if col < len(text) else col + 1)
    reason = tag.reason_at(line) or tag.first_reason
    msg = rule_info("VBR001").format_message(error=message)
    return [make_finding(path, "VBR001", msg, reason, span, text)]
