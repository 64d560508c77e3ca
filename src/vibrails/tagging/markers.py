"""``# @ai-generated`` markers: the header, regions and lone markers above a def.

These scanners read text line by line; they never parse Python. The header
is the lines before the module's first statement (comments, blank lines and
the module docstring), and no further than line 30.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

HEADER_MAX_LINES = 30

_MARKER = re.compile(r"^\s*#\s*@ai-generated(?![\w-])(?P<rest>.*)$")
_FIELD = re.compile(r'([A-Za-z][\w-]*)=("(?:[^"\\]|\\.)*"|\S+)')
_DOCSTRING_START = re.compile(r"""^(?P<prefix>[rRuU]?)(?P<quote>\"\"\"|'''|\"|')""")
_DEF_START = re.compile(r"^\s*(?:@|def\s|async\s+def\s|class\s)")


@dataclass(frozen=True)
class Marker:
    line: int
    fields: dict[str, str]
    #: ``begin``, ``end`` or ``""`` for a plain marker.
    kind: str = ""
    #: Text after the fields that is not a field (kept for error messages).
    rest: str = ""


@dataclass(frozen=True)
class Header:
    """What the header holds."""

    #: Last line of the header (0 when the file starts with a statement).
    end_line: int
    #: ``(line, text)`` of each comment, without the ``#``.
    comments: tuple[tuple[int, str], ...] = ()
    docstring: str = ""
    marker: Marker | None = None
    errors: tuple[str, ...] = field(default=())


def parse_marker(line: str, lineno: int) -> Marker | None:
    """Parse one ``# @ai-generated …`` comment line, or return ``None``."""
    match = _MARKER.match(line)
    if match is None:
        return None
    rest = match.group("rest").strip()
    kind = ""
    word = rest.split(None, 1)[0] if rest else ""
    if word in ("begin", "end"):
        kind = word
        rest = rest[len(word) :].strip()
    fields: dict[str, str] = {}
    leftover = []
    pos = 0
    for found in _FIELD.finditer(rest):
        leftover.append(rest[pos : found.start()])
        pos = found.end()
        value = found.group(2)
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        fields[found.group(1)] = value
    leftover.append(rest[pos:])
    return Marker(lineno, fields, kind, " ".join("".join(leftover).split()))


def _docstring_end(lines: list[str], index: int, quote: str, after: str) -> int | None:
    """Index of the line where a string starting on ``lines[index]`` closes."""
    text = after
    i = index
    while True:
        pos = 0
        while True:
            found = text.find(quote, pos)
            if found < 0:
                break
            if found > 0 and text[found - 1] == "\\" and not text[:found].endswith("\\\\"):
                pos = found + 1
                continue
            return i
        if len(quote) == 1:
            return None  # a one-quote string does not span lines
        i += 1
        if i >= len(lines) or i >= HEADER_MAX_LINES * 4:
            return None
        text = lines[i]


def scan_header(text: str) -> Header:
    """Scan the header: comments, the module docstring and a marker."""
    lines = text.split("\n", HEADER_MAX_LINES * 4)[: HEADER_MAX_LINES * 4]
    comments: list[tuple[int, str]] = []
    doc_parts: list[str] = []
    marker: Marker | None = None
    seen_docstring = False
    end_line = 0
    i = 0
    while i < len(lines) and i < HEADER_MAX_LINES:
        raw = lines[i].rstrip("\r")
        stripped = raw.strip()
        if i == 0:
            stripped = stripped.lstrip("\ufeff")
        if not stripped or stripped == "\\":
            i += 1
            continue
        if stripped.startswith("#"):
            comments.append((i + 1, stripped[1:].strip()))
            if marker is None:
                found = parse_marker(stripped, i + 1)
                if found is not None and found.kind == "":
                    marker = found
            end_line = i + 1
            i += 1
            continue
        start = _DOCSTRING_START.match(stripped)
        if start is not None and not seen_docstring:
            quote = start.group("quote")
            body = stripped[start.end() :]
            close = _docstring_end(lines, i, quote, body)
            if close is None:
                break
            seen_docstring = True
            doc_parts.extend(line.rstrip("\r") for line in lines[i : close + 1])
            end_line = close + 1
            i = close + 1
            continue
        break
    return Header(
        end_line=min(end_line, HEADER_MAX_LINES),
        comments=tuple(c for c in comments if c[0] <= HEADER_MAX_LINES),
        docstring="\n".join(doc_parts),
        marker=marker if marker is not None and marker.line <= HEADER_MAX_LINES else None,
    )


def scan_regions(text: str, header_end: int) -> Iterator[tuple[int, int]]:
    """``(first, last)`` tagged lines of each ``begin``/``end`` region.

    The marker lines themselves are not part of the region. A ``begin``
    without an ``end`` runs to the end of the file.
    """
    lines = text.splitlines()
    start: int | None = None
    for number, line in enumerate(lines, 1):
        if "@ai-generated" not in line:
            continue
        marker = parse_marker(line, number)
        if marker is None:
            continue
        if marker.kind == "begin" and start is None:
            start = number + 1
        elif marker.kind == "end" and start is not None:
            if number - 1 >= start:
                yield (start, number - 1)
            start = None
    if start is not None and start <= len(lines):
        yield (start, len(lines))


def scan_lone_markers(text: str, header_end: int) -> Iterator[int]:
    """Lines of lone ``# @ai-generated`` comments after the header that sit
    directly above a ``def``, ``class`` or decorator (comment lines between
    are allowed, blank lines are not)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        number = index + 1
        if number <= header_end or "@ai-generated" not in line:
            continue
        marker = parse_marker(line, number)
        if marker is None or marker.kind:
            continue
        follow = index + 1
        while follow < len(lines) and lines[follow].strip().startswith("#"):
            follow += 1
        if follow < len(lines) and _DEF_START.match(lines[follow]):
            yield number
