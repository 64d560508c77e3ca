"""Glob patterns with gitignore semantics, for the configuration and ``.gitignore``.

Paths are relative to a base folder (the project root for the
configuration, the folder of a ``.gitignore`` for its patterns) and
``/``-separated. As in ``.gitignore``:

- a pattern with no ``/`` other than a trailing one matches a file or folder
  name at any depth (``venv``, ``*_pb2.py``, ``build/``);
- a pattern with a ``/`` at the start or in the middle is anchored at the base
  (``/setup.py``, ``src/gen/**``);
- a trailing ``/`` matches folders only (and so everything below them);
- ``*`` matches anything but ``/``, ``?`` one character but ``/``, ``[a-z]``
  and ``[!a-z]`` (or ``[^a-z]``) a character class, never ``/``;
- ``**/`` at the start or between slashes matches zero or more folders and a
  trailing ``/**`` everything inside; any other ``**`` is a plain ``*``;
- a backslash makes the next character literal.

A pattern that matches a folder matches everything below it, unless a
caller walking the tree asks only about the path itself (``below=False``):
it has already pruned the folders that match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_NEVER = "(?!)"
#: Zero or more leading folders.
_ANY_FOLDERS = "(?:.*/)?"


@dataclass(frozen=True)
class Glob:
    """One parsed pattern."""

    pattern: str
    #: Regular expression for the path the pattern names (no anchoring).
    body: str
    #: The pattern is matched from the base, not at any depth.
    anchored: bool
    #: The pattern ends with ``/``: it names folders only.
    dir_only: bool

    @property
    def exact(self) -> str:
        """Expression matching a path the pattern names itself."""
        return self.body if self.anchored else _ANY_FOLDERS + self.body

    @property
    def below(self) -> str:
        """Expression matching a path strictly inside a folder the pattern names."""
        return self.exact + "/.+"


@lru_cache(maxsize=4096)
def parse(pattern: str) -> Glob | None:
    """Parse one pattern exactly as written (``None`` when it names nothing)."""
    dir_only = pattern.endswith("/") and not pattern.endswith("\\/")
    core = pattern.rstrip("/") if dir_only else pattern
    anchored = "/" in core
    core = core.lstrip("/")
    if not core:
        return None
    return Glob(pattern, _translate_body(core), anchored, dir_only)


def _translate_body(pat: str) -> str:
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        char = pat[i]
        if char == "*":
            j = i
            while j < n and pat[j] == "*":
                j += 1
            whole_segment = (i == 0 or pat[i - 1] == "/") and (j == n or pat[j] == "/")
            if j - i >= 2 and whole_segment:
                if j == n:
                    out.append(".*")
                    i = j
                else:
                    out.append(_ANY_FOLDERS)
                    i = j + 1
            else:
                out.append("[^/]*")
                i = j
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            parsed = _translate_class(pat, i)
            if parsed is None:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(parsed[0])
                i = parsed[1]
        elif char == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _translate_class(pat: str, start: int) -> tuple[str, int] | None:
    """A ``[...]`` class at ``start``: its expression and the index after it."""
    n = len(pat)
    j = start + 1
    negate = j < n and pat[j] in "!^"
    if negate:
        j += 1
    first = j
    if j < n and pat[j] == "]":
        j += 1  # a ']' first in the class is literal
    while j < n and pat[j] != "]":
        j += 2 if pat[j] == "\\" else 1
    if j >= n:
        return None
    items = pat[first:j]
    parts: list[str] = []
    k = 0
    raw = _class_atoms(items)
    while k < len(raw):
        low, is_dash = raw[k]
        if k + 2 < len(raw) and raw[k + 1][1] and not is_dash:
            high = raw[k + 2][0]
            if low <= high:
                parts.append(re.escape(low) + "-" + re.escape(high))
            k += 3
            continue
        parts.append(re.escape(low))
        k += 1
    if negate:
        return "[^/" + "".join(parts) + "]", j + 1
    if not parts:
        return _NEVER, j + 1
    return "(?!/)[" + "".join(parts) + "]", j + 1


def _class_atoms(items: str) -> list[tuple[str, bool]]:
    """The characters of a class body, each flagged when it is an unescaped '-'."""
    atoms: list[tuple[str, bool]] = []
    k = 0
    while k < len(items):
        if items[k] == "\\" and k + 1 < len(items):
            atoms.append((items[k + 1], False))
            k += 2
        else:
            atoms.append((items[k], items[k] == "-"))
            k += 1
    return atoms


def normalize(pattern: str) -> str:
    """A configuration pattern as written by a user: trimmed, without ``./``."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    return pat


@lru_cache(maxsize=1024)
def translate(pattern: str) -> re.Pattern[str]:
    """One configuration glob as an expression over relative paths.

    The expression matches the paths the pattern names and everything below
    them; it does not know which paths are folders (see :class:`GlobSet`).
    """
    glob = parse(normalize(pattern))
    if glob is None:
        return re.compile(_NEVER)
    return re.compile(f"{glob.exact}(?:/.*)?", re.DOTALL)


def union(sources: Iterable[str]) -> re.Pattern[str]:
    """One expression matching what any of ``sources`` matches (never, for none)."""
    listed = list(sources)
    if not listed:
        return re.compile(_NEVER)
    return re.compile("|".join(f"(?:{s})" for s in listed), re.DOTALL)


class GlobSet:
    """An ordered list of configuration globs.

    Calling it returns the first pattern that matches a path, or ``None``.
    One combined expression answers first, so a set of many patterns costs
    one match for a path that none of them names.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        parsed = ((p, parse(normalize(p))) for p in self.patterns)
        self._globs = tuple((p, g) for p, g in parsed if g is not None)
        # A pattern without a slash is matched against the last name of a path
        # only: the same as ``(?:.*/)?body`` on the whole path, without the
        # backtracking.
        self._compiled = tuple(
            (
                p,
                g,
                re.compile(g.body, re.DOTALL),
                re.compile(g.below, re.DOTALL),
            )
            for p, g in self._globs
        )
        self._quick = {
            (anchored, is_dir): union(
                g.body
                for _, g in self._globs
                if g.anchored == anchored and (is_dir or not g.dir_only)
            )
            for anchored in (False, True)
            for is_dir in (False, True)
        }
        self._below_any = union(g.below for _, g in self._globs)

    def matches(self, path: str, is_dir: bool = False, below: bool = True) -> bool:
        """Whether a pattern names ``path`` (or, with ``below``, a folder above it)."""
        name = path.rpartition("/")[2]
        if self._quick[(False, is_dir)].fullmatch(name) or self._quick[(True, is_dir)].fullmatch(
            path
        ):
            return True
        return below and self._below_any.fullmatch(path) is not None

    def __call__(self, path: str, is_dir: bool = False, below: bool = True) -> str | None:
        if not self.matches(path, is_dir, below):
            return None
        name = path.rpartition("/")[2]
        for pattern, glob, exact, inside in self._compiled:
            if (is_dir or not glob.dir_only) and exact.fullmatch(path if glob.anchored else name):
                return pattern
            if below and inside.fullmatch(path):
                return pattern
        return None  # pragma: no cover - the union matched, so one pattern does

    def __reduce__(self) -> tuple[type[GlobSet], tuple[tuple[str, ...]]]:
        return (GlobSet, (self.patterns,))

    def __bool__(self) -> bool:
        return bool(self._globs)

    def __repr__(self) -> str:
        return f"GlobSet({list(self.patterns)!r})"
