"""The project's own marker patterns (``markers``, ``extend-markers``).

Patterns are regular expressions, matched case-insensitively (and with
``^``/``$`` at line boundaries) against the header's comments — the text
after ``#`` — and the module docstring's source text, whole; never against
string literals in code.

No pattern is set by default: the assistants' own signatures ("Generated
with Claude Code", "Author: Claude Code", ``__author__ = "GitHub
Copilot"``, …) are recognised by :mod:`vibrails.tagging.signatures`, which
knows where assistants sign and which names are tools or people. Patterns
are for a team's own house marker (``# Source: internal codegen bot``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vibrails.tagging.markers import Header
from vibrails.tagging.signatures import Signature, clean_text


def compile_markers(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Compile marker patterns; raises ``re.error`` for a bad one."""
    return tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns)


def find_marker_at(header: Header, patterns: Iterable[re.Pattern[str]]) -> Signature | None:
    """The first text matched by ``patterns`` in the header, with its line.

    Patterns are tried in order; the first that matches any comment or the
    docstring wins. The text is the match on one line, without leading
    punctuation (a docstring's quotes) or an unmatched ``[``, cut to 80
    characters.
    """
    texts = [(line, text) for line, text in header.comments]
    if header.docstring:
        texts.append((header.docstring_line, header.docstring))
    for pattern in patterns:
        for line, text in texts:
            found = pattern.search(text)
            if found is not None:
                line += text.count("\n", 0, found.start())
                return Signature(line, clean_text(found.group(0)))
    return None


