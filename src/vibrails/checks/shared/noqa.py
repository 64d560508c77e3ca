"""Reading ``# noqa`` comments: what the suppress stage applies and what
VBR003/VBR004 judge.

The syntax is flake8's (``# noqa`` alone silences every code on the line,
``# noqa: A1,B2`` the codes named), with the reason after `` -- ``. Only
comments count: ``noqa`` inside a string is not a suppression. Text after the
codes that does not follow `` -- `` (``# noqa: VBR101 because the caller
validates``) is kept as :attr:`Suppression.misplaced`: flake8 ignores it, so
the suppression holds, and VBR003 says where the reason goes.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

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
