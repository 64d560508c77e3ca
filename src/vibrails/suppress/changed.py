"""Changed-lines mode (``vibrails check --diff-base REV``): only what a change touched.

Static analysis is acted on when it speaks, at review time, about the lines
under review. With ``--diff-base REV`` the findings are those on lines added
or changed since the merge base of ``REV`` and ``HEAD`` (the work tree is
compared, so uncommitted edits count; a file git does not track yet counts
whole); the others are counted, not listed. A file the change did not touch
is not checked at all: a review of one file in a large repository costs one
file's check.

A finding is on a changed line when a line of its span changed. A finding
anchored on a definition's first line (a class's invariant, a function's
contract, a file's provenance on line 1) reports the whole definition: it
counts when any line of that class or function changed; one on line 1 of a
module, when the file is new. Definitions are read with :mod:`ast` (the
code is parsed, never run). Renames follow ``git diff -M``: a file only
moved has no changed line.

The merge base must be in the clone: a shallow clone that lacks it is an
error that says to fetch more history, never a silent full run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vibrails.core.finding import Finding
from vibrails.core.git import GitError, find_repo_root, run_git


class DiffError(Exception):
    """``--diff-base`` cannot work here (the run stops with exit 2)."""


@dataclass
class ChangedLines:
    """The lines a change added or modified, by repository path."""

    repo_root: Path
    #: ``REV`` as given, and the merge base it was compared from.
    rev: str
    base: str
    #: Repository path → changed line numbers (1-based).
    lines: dict[str, set[int]] = field(default_factory=dict)
    #: Files that are new to the change (added, or not tracked yet): every line.
    whole: set[str] = field(default_factory=set)
    #: Repository path → lines after which the change deleted lines (0: at
    #: the top), where no line was added in their place.
    gaps: dict[str, set[int]] = field(default_factory=dict)
    #: Repository path → its path at the merge base, for a file the change
    #: modified or renamed (not for a new one).
    old_paths: dict[str, str] = field(default_factory=dict)

    def repo_path(self, path: Path) -> str | None:
        """``path`` relative to the repository's root, or None outside it."""
        try:
            return path.resolve().relative_to(self.repo_root.resolve()).as_posix()
        except ValueError:
            return None

    def touches(self, path: Path) -> bool:
        """Whether the change touched a line of the file at ``path``."""
        repo_path = self.repo_path(path)
        return repo_path is not None and (
            repo_path in self.whole or bool(self.lines.get(repo_path))
            or bool(self.gaps.get(repo_path)))

    def changed(self, repo_path: str, first: int, last: int, above: bool = False) -> bool:
        """Whether a line of ``first``…``last`` changed, or lines between two
        of them were deleted (or, with ``above``, just before ``first``: a
        definition's removed decorator)."""
        if repo_path in self.whole:
            return True
        found = self.lines.get(repo_path, set())
        if any(line in found for line in range(first, last + 1)):
            return True
        low = first - 1 if above else first
        return any(low <= gap < last for gap in self.gaps.get(repo_path, ()))


def changed_lines(start: Path, rev: str) -> ChangedLines:
    """What changed since the merge base of ``rev`` and ``HEAD``, in the
    repository holding ``start``. Raises :class:`DiffError`."""
    if not rev or rev.startswith("-"):
        raise DiffError(f"--diff-base: {rev!r} is not a revision")  # never a git option
    root = find_repo_root(start)
    if root is None:
        raise DiffError(f"--diff-base: {start} is not in a git repository")
    try:
        run_git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except GitError:
        raise DiffError(f"--diff-base: unknown revision {rev!r} (fetch it first?)") from None
    try:
        base = run_git(root, "merge-base", rev, "HEAD").decode().strip()
    except GitError:
        raise DiffError(_no_merge_base(root, rev)) from None
    diff = run_git(root, "diff", "--no-color", "--no-ext-diff", "--unified=0", "-M",
                   "--diff-filter=ACMR", base, "--")
    result = ChangedLines(root, rev, base)
    _read_diff(diff.decode("utf-8", "surrogateescape"), result)
    untracked = run_git(root, "ls-files", "--others", "--exclude-standard", "-z")
    result.whole.update(p for p in untracked.decode("utf-8", "surrogateescape").split("\0") if p)
    return result


def _no_merge_base(root: Path, rev: str) -> str:
    try:
        shallow = run_git(root, "rev-parse", "--is-shallow-repository").decode().strip()
    except GitError:
        shallow = "false"
    if shallow == "true":
        try:
            depth = run_git(root, "rev-list", "--count", "HEAD").decode().strip()
        except GitError:
            depth = "?"
        return (f"--diff-base: this clone is shallow ({depth} commit(s) of history) and does "
                f"not reach the merge base with {rev!r}: fetch more history, as "
                f"'git fetch --deepen=100' (or 'git fetch --unshallow'; in GitHub Actions, "
                f"actions/checkout with 'fetch-depth: 0'), then run again")
    return f"--diff-base: {rev!r} and HEAD have no common history"


def _read_diff(text: str, into: ChangedLines) -> None:
    """The new side's changed lines of a ``--unified=0`` diff; added files whole."""
    path: str | None = None
    old: str | None = None
    header = False  # between "diff --git" and the first hunk: where ---/+++ name files
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            header = True
        elif not header and not line.startswith("@@ "):
            continue  # a hunk's line (a removed "-- x" reads as "--- x")
        if line.startswith("--- "):
            # git ends the line with a tab when the name has a space (a tab in
            # the name itself is quoted as \t)
            name = line[4:].removesuffix("\t")
            old = None if name == "/dev/null" else _unquote(name)[2:]  # "a/…"
        elif line.startswith("+++ "):
            name = line[4:].removesuffix("\t")
            path = None if name == "/dev/null" else _unquote(name)[2:]  # "b/…"
            if path is not None:
                into.lines.setdefault(path, set())
                if old is None:
                    into.whole.add(path)
                else:
                    into.old_paths[path] = old
        elif line.startswith("@@ ") and path is not None:
            header = False
            new = line.split(" ")[2]  # "+start[,count]"
            start, _, count = new[1:].partition(",")
            number = int(count) if count else 1
            if number == 0:  # lines deleted after line `start`
                into.gaps.setdefault(path, set()).add(int(start))
            into.lines[path].update(range(int(start), int(start) + number))


def _unquote(name: str) -> str:
    """A path as git prints it: ``"b/caf\\303\\251.py"`` (C-quoted) or plain."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    import codecs

    # The escapes are of bytes (``\303\251``, ``\"``); other characters are as
    # written: undo the escapes on the UTF-8 bytes, then decode them.
    raw: bytes = codecs.escape_decode(name[1:-1].encode("utf-8", "surrogateescape"))[0]
    return raw.decode("utf-8", "surrogateescape")


def keep_changed(
    findings: Iterable[Finding], changed: ChangedLines, cwd: Path | None = None
) -> tuple[list[Finding], int]:
    """The findings on changed lines, and how many others there were."""
    cwd = (cwd or Path.cwd()).resolve()
    extents: dict[str, dict[int, int]] = {}
    kept: list[Finding] = []
    hidden = 0
    for finding in findings:
        absolute = cwd / finding.path
        repo_path = changed.repo_path(absolute)
        last = max(finding.end_line, finding.line)
        if repo_path and not changed.changed(repo_path, finding.line, last):
            spans = extents.get(repo_path)
            if spans is None:
                spans = extents[repo_path] = _definitions(absolute)
            end = spans.get(finding.line)
            if end is None or not changed.changed(repo_path, finding.line, end, above=True):
                if finding.suppressed is None:
                    hidden += 1
                continue
        kept.append(finding)
    return kept, hidden


def _definitions(path: Path) -> dict[int, int]:
    """First line → last line of every class and function of the file (from
    its first decorator, and from its ``def``/``class`` line)."""
    try:
        source = path.read_bytes()
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    spans: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno or node.lineno
            for line in {first, node.lineno}:
                spans[line] = max(spans.get(line, 0), end)
    return spans
