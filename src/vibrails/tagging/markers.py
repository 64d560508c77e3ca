"""``# @ai-generated`` markers: the header, regions and lone markers above a def.

These scanners read text; they never parse Python.

The header
    is the lines before the module's first statement — comments, blank
    lines, a shebang, an encoding cookie and the module docstring (any
    ``r``/``u`` prefix, single or triple quotes, escaped quotes, backslash
    continuations) — and no further than line :data:`HEADER_MAX_LINES`.
    :func:`scan_header` reads those lines and nothing else, so an untagged
    file costs one look at its first 30 lines. A docstring still open on
    line 30 is taken as the docstring (what follows it is beyond the header
    anyway). Not recognised as a docstring, for simplicity: a parenthesised
    one, or one made of several adjacent literals.

Markers in code (regions and lone markers)
    must be real comments, not text inside a string literal: a multi-line
    string that contains ``# @ai-generated begin`` is not a marker. Rather
    than parse or tokenize the file, :func:`scan_code_markers` runs one
    regular-expression lexer over the text that only knows comments and
    string literals (single/triple quoted, backslash escapes, line
    continuations): each match is one comment or one string, so the lexer
    is linear, and it stops after the last ``@ai-generated`` of the file.
    It runs only for files that contain ``@ai-generated`` at all. Known
    limit: Python 3.12 f-strings that nest the *same* quote character in a
    replacement field can desynchronise it (the marker after such a string
    may be misread).

Line numbers follow CPython and libcst: lines end at ``\\n``, ``\\r\\n`` or
``\\r`` only (not at form feeds or other characters ``str.splitlines``
splits on).

Header fields are ``key=value`` words after the marker. A value with spaces
is double-quoted; inside quotes a backslash escapes the next character
(``\\"``, ``\\\\``). An unquoted value is taken literally. Any key is kept;
the last of a repeated key wins. :func:`format_fields` writes fields that
:func:`parse_marker` reads back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from vibrails.core.source import LINE_BREAK

HEADER_MAX_LINES = 30
#: The text every marker contains; files without it skip the code scan.
MARKER_TEXT = "@ai-generated"

_MARKER = re.compile(r"^[ \t\f]*#\s*@ai-generated(?![\w-])(?P<rest>.*)$", re.DOTALL)
_KEY = r"[A-Za-z_][\w.-]*"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
#: One word of the text after the marker: a ``key=value`` field or anything else.
_WORD = re.compile(
    rf"""\s*(?:
        (?P<key>{_KEY})=(?P<value>{_QUOTED}|[^\s"]\S*|)(?=\s|\Z)
      | (?P<other>{_QUOTED}(?=\s|\Z)|\S+)
    )""",
    re.VERBOSE | re.DOTALL,
)
_UNQUOTE = re.compile(r"\\(.)", re.DOTALL)
_NEEDS_QUOTES = re.compile(r'\s|^"|^$')
_KEY_ONLY = re.compile(rf"{_KEY}\Z")
_BAD_QUOTE = re.compile(rf'{_KEY}="')

# String literals, written as "unrolled loops" (no nested quantifiers, so no
# catastrophic backtracking). Each always matches from its opening quote: an
# unterminated string runs to the end of its line (one quote) or of the text
# (three quotes), as the tokenizer would give up there.
_STRING_BODY = (
    r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:(?P<close1>""")|\\?\Z)'
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:(?P<close2>''')|\\?\Z)"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*(?:(?P<close3>")|\\?(?=\n)|\\?\Z)'
    r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*(?:(?P<close4>')|\\?(?=\n)|\\?\Z)"
)
_CLOSE_GROUPS = ("close1", "close2", "close3", "close4")
_STRING = re.compile(_STRING_BODY, re.DOTALL)
#: The lexer: each match is a comment or a string literal; code in between is skipped.
_LEX = re.compile(r"#[^\n]*|" + _STRING_BODY, re.DOTALL)
#: The string pattern, for other text scanners.
STRING = _STRING
#: Whitespace between header items: blanks, form feeds, newlines, backslash continuations.
_HEADER_SPACE = re.compile(r"(?:[ \t\f]|\n|\\\n)*")
_DOC_PREFIX = re.compile(r"[rRuU]?(?=['\"])")
#: What may follow the module docstring on its closing line.
_AFTER_DOC = re.compile(r"[ \t\f]*(?:;[ \t\f]*)?(?P<comment>#[^\n]*)?(?:\n|\Z)")
_DEF_START = re.compile(r"[ \t\f]*(?:@|def\s|async\s+def\s|class\s)")


@dataclass(frozen=True)
class Marker:
    """One ``# @ai-generated`` comment."""

    line: int
    fields: dict[str, str]
    #: ``begin``, ``end`` or ``""`` for a plain marker.
    kind: str = ""
    #: Words after the marker that are not fields (kept for messages).
    rest: str = ""
    #: Problems with the fields (an unterminated quote, …).
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Header:
    """What the header holds."""

    #: Last line of the header (0 when the file starts with a statement).
    end_line: int
    #: ``(line, text)`` of each comment, without the ``#``.
    comments: tuple[tuple[int, str], ...] = ()
    #: The module docstring's source text (quotes included), or ``""``.
    docstring: str = ""
    #: First line of the module docstring (0 when there is none).
    docstring_line: int = 0
    #: The header marker: the first plain ``# @ai-generated`` comment.
    marker: Marker | None = None
    errors: tuple[str, ...] = field(default=())


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and ``\\r`` as ``\\n``, so that lines can be counted on ``\\n``."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def head_lines(text: str, limit: int = HEADER_MAX_LINES) -> list[str]:
    """The first ``limit`` lines of ``text`` (no more is read or copied)."""
    lines: list[str] = []
    pos = 0
    for found in LINE_BREAK.finditer(text):
        lines.append(text[pos : found.start()])
        pos = found.end()
        if len(lines) == limit:
            return lines
    lines.append(text[pos:])
    return lines


# -- fields -------------------------------------------------------------------


def parse_fields(text: str) -> tuple[dict[str, str], str, tuple[str, ...]]:
    """``(fields, other words, errors)`` of the text after a marker."""
    fields: dict[str, str] = {}
    other: list[str] = []
    errors: list[str] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        found = _WORD.match(text, pos)
        if found is None:  # pragma: no cover - every non-blank text matches
            break
        pos = found.end()
        key = found.group("key")
        if key is not None:
            value = found.group("value")
            if value.startswith('"'):
                value = _UNQUOTE.sub(r"\1", value[1:-1])
            fields[key] = value
            continue
        word = found.group("other")
        if len(errors) < 5 and _BAD_QUOTE.match(word):
            errors.append(f"unterminated quoted value: {word[:60]}")
        other.append(word)
    return fields, " ".join(other), tuple(errors)


def format_value(value: str) -> str:
    """``value`` as :func:`parse_fields` reads it back (quoted if needed)."""
    if "\n" in value or "\r" in value:
        raise ValueError("a field value cannot span lines")
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def format_fields(fields: Mapping[str, str]) -> str:
    """``key=value`` words for a marker line; inverse of :func:`parse_fields`."""
    for key in fields:
        if not _KEY_ONLY.match(key):
            raise ValueError(f"not a field name: {key!r}")
    return " ".join(f"{key}={format_value(value)}" for key, value in fields.items())


def parse_marker(line: str, lineno: int) -> Marker | None:
    """Parse one ``# @ai-generated …`` comment line, or return ``None``.

    ``line`` is the whole line (leading blanks allowed) or just the comment.
    """
    match = _MARKER.match(line)
    if match is None:
        return None
    rest = match.group("rest").strip()
    kind = ""
    word = rest.split(None, 1)[0] if rest else ""
    if word in ("begin", "end"):
        kind = word
        rest = rest[len(word) :].lstrip()
    fields, other, errors = parse_fields(rest)
    return Marker(lineno, fields, kind, other, errors)


# -- the header ---------------------------------------------------------------


def scan_header(text: str, limit: int | None = HEADER_MAX_LINES) -> Header:
    """Scan the header: comments, the module docstring and the header marker.

    Reads the first ``limit`` lines of ``text`` only (``None``: the header
    however long it is, up to the first statement). The header marker is
    looked for in the first :data:`HEADER_MAX_LINES` lines whatever the limit.
    """
    head = "\n".join(head_lines(text, limit)) if limit is not None else normalise_newlines(text)
    if head.startswith("\ufeff"):
        head = " " + head[1:]  # keep columns; a BOM is not code
    comments: list[tuple[int, str]] = []
    marker: Marker | None = None
    docstring = ""
    docstring_line = 0
    end_line = 0
    line = 1  # line number at ``pos``
    pos = 0
    size = len(head)

    def add_comment(start: int, stop: int, number: int) -> None:
        nonlocal marker
        comment = head[start:stop]
        comments.append((number, comment[1:].strip()))
        if marker is None and number <= HEADER_MAX_LINES and MARKER_TEXT in comment:
            found = parse_marker(comment, number)
            if found is not None and found.kind == "":
                marker = found

    while True:
        space = _HEADER_SPACE.match(head, pos)
        assert space is not None  # the pattern matches the empty string
        line += head.count("\n", pos, space.end())
        pos = space.end()
        if pos >= size:
            break
        if head[pos] == "#":
            stop = head.find("\n", pos)
            stop = size if stop < 0 else stop
            add_comment(pos, stop, line)
            end_line = line
            pos = stop
            continue
        if docstring_line:
            break  # a second string is a statement
        prefix = _DOC_PREFIX.match(head, pos)
        if prefix is None:
            break  # the first statement
        string = _STRING.match(head, prefix.end())
        assert string is not None  # a string pattern matches at every quote
        literal = string.group()
        closed = any(string.group(name) is not None for name in _CLOSE_GROUPS)
        if not closed and string.end() < size:
            break  # a one-quote string unterminated at a newline: not a docstring
        # A string still open at the end of the header (line 30) ends there.
        after = _AFTER_DOC.match(head, string.end())
        if after is None:
            break  # ``"""…""".strip()`` and the like: an expression statement
        last_line = line + literal.count("\n")
        docstring = head[pos : string.end()]
        docstring_line = line
        end_line = last_line
        if after.group("comment"):
            add_comment(after.start("comment"), after.end("comment"), last_line)
        line = last_line
        pos = after.end()
        if head[pos - 1 : pos] == "\n":
            line += 1
    return Header(
        end_line=min(end_line, HEADER_MAX_LINES),
        comments=tuple(comments),
        docstring=docstring,
        docstring_line=docstring_line,
        marker=marker,
    )


# -- markers in code ----------------------------------------------------------


@dataclass(frozen=True)
class CodeMarkers:
    """The ``# @ai-generated`` comments of a file that are real comments."""

    #: Markers on comment-only lines, in file order.
    markers: tuple[Marker, ...]
    #: Number of lines of the file.
    line_count: int
    #: Lines of plain markers (at any line) that sit directly above a
    #: ``def``/``class`` or its decorators, comment lines between allowed.
    above_def: frozenset[int] = frozenset()


def scan_code_markers(text: str) -> CodeMarkers:
    """Find the markers in comments (never in strings) on comment-only lines."""
    text = normalise_newlines(text)
    line_count = text.count("\n") + (0 if text.endswith("\n") else 1)
    last = text.rfind(MARKER_TEXT)
    if last < 0:
        return CodeMarkers((), line_count)
    markers: list[Marker] = []
    above_def: set[int] = set()
    # A run of comment lines ends at the same code line: remember the answer
    # for the last run scanned so that many markers in one run cost one scan.
    run_end = -1
    run_is_def = False
    for line, token in own_line_comments(text, last, MARKER_TEXT):
        marker = parse_marker(token.group(), line)
        if marker is None:
            continue
        markers.append(marker)
        if marker.kind:
            continue
        if token.start() >= run_end:
            run_end, run_is_def = _after_comments(text, token.end())
        if run_is_def:
            above_def.add(line)
    return CodeMarkers(tuple(markers), line_count, frozenset(above_def))


def own_line_comments(
    text: str, last: int, needle: str = ""
) -> Iterator[tuple[int, re.Match[str]]]:
    """``(line, token)`` of each real comment (never text in a string) that is
    alone on its line and holds ``needle``, starting at offset ``last`` at the
    latest. ``text`` has ``\\n`` line ends (:func:`normalise_newlines`).

    A comment after code on the same line is skipped: it speaks of that code.
    """
    line = 1
    counted = 0  # ``line`` is the line number at offset ``counted``
    for token in _LEX.finditer(text):
        start = token.start()
        if start > last:
            return
        if text[start] != "#" or needle not in token.group():
            continue
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip(" \t\f\ufeff"):
            continue  # a comment after code on the same line
        line += text.count("\n", counted, start)
        counted = start
        yield line, token


def _after_comments(text: str, pos: int) -> tuple[int, bool]:
    """From the end of a comment line, skip comment lines; ``(offset of the
    first other line, whether it starts a def/class/decorator)``."""
    size = len(text)
    while pos < size:
        start = pos + 1  # past the newline
        stop = text.find("\n", start)
        stop = size if stop < 0 else stop
        stripped = text[start:stop].lstrip(" \t\f")
        if not stripped.startswith("#"):
            return start, _DEF_START.match(text, start) is not None
        pos = stop
    return size, False


def pair_regions(
    markers: tuple[Marker, ...], line_count: int
) -> Iterator[tuple[int, int, dict[str, str]]]:
    """``(first, last, fields)`` of each ``begin``/``end`` region.

    The marker lines themselves are not part of the region; the fields are
    the begin line's. A ``begin`` without an ``end`` runs to the end of the
    file; a ``begin`` inside an open region and an ``end`` with no open
    region are ignored; an empty region is dropped.
    """
    begin: Marker | None = None
    for marker in markers:
        if marker.kind == "begin" and begin is None:
            begin = marker
        elif marker.kind == "end" and begin is not None:
            if marker.line - 1 > begin.line:
                yield (begin.line + 1, marker.line - 1, begin.fields)
            begin = None
    if begin is not None and begin.line < line_count:
        yield (begin.line + 1, line_count, begin.fields)


def scan_regions(text: str) -> list[tuple[int, int]]:
    """``(first, last)`` tagged lines of each ``begin``/``end`` region."""
    found = scan_code_markers(text)
    return [(first, last) for first, last, _ in pair_regions(found.markers, found.line_count)]


def scan_lone_markers(text: str, header_end: int) -> list[int]:
    """Lines of plain ``# @ai-generated`` comments after the header that sit
    directly above a ``def``, ``class`` or decorator (comment lines between
    are allowed, blank lines are not)."""
    found = scan_code_markers(text)
    return sorted(line for line in found.above_def if line > header_end)
