"""Glob patterns of the configuration, with gitignore-like anchoring.

Paths are relative to the project root and ``/``-separated. A pattern with
no ``/`` (other than a trailing one) matches a file or folder name at any
depth (``venv``, ``*_pb2.py``); a pattern with a ``/`` is anchored at the
root (``src/gen/**``). ``*`` and ``?`` stop at ``/``; ``**`` spans folders;
``[abc]`` is a character class. A pattern that matches a folder matches
everything below it.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def translate(pattern: str) -> re.Pattern[str]:
    """Compile one glob to a regular expression over relative paths."""
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    anchored = "/" in pat.rstrip("/")
    pat = pat.strip("/")
    out: list[str] = []
    i = 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        elif pat[i] == "[":
            close = pat.find("]", i + 2 if pat[i + 1 : i + 2] in ("!", "^") else i + 1)
            if close < 0:
                out.append(re.escape("["))
                i += 1
                continue
            body = pat[i + 1 : close]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + "".join(out) + "(?:/.*)?", re.DOTALL)


class GlobSet:
    """An ordered list of globs; calling it returns the first that matches."""

    def __init__(self, patterns: list[str] | tuple[str, ...]) -> None:
        self.patterns = tuple(patterns)
        self._compiled = tuple((p, translate(p)) for p in self.patterns)

    def __call__(self, path: str) -> str | None:
        for pattern, regex in self._compiled:
            if regex.fullmatch(path):
                return pattern
        return None

    def __reduce__(self) -> tuple[type[GlobSet], tuple[tuple[str, ...]]]:
        return (GlobSet, (self.patterns,))

    def __bool__(self) -> bool:
        return bool(self.patterns)
