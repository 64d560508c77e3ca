"""Discover the files to check: walk the paths, skip what is excluded.

Folders are walked in sorted order with one ``scandir`` each. A folder or file
is skipped when an ``exclude``/``extend-exclude`` glob names it (relative to
the project root) or when git would ignore it: ``.gitignore`` files (the
walked folder's, those of the folders above it up to the repository's top,
and nested ones), and ``.git/info/exclude``, with git's precedence (a deeper
file overrides a shallower one, the last matching line of a file decides,
nothing inside an ignored folder is re-included). ``.git`` folders are never
walked.

Paths named on the command line are always checked (files whatever their
extension, folders walked) unless ``--force-exclude`` is given and they, or a
folder above them, are excluded or ignored: pre-commit passes every staged
file. Symbolic links to files are checked; links to folders are not
followed (as ruff and flake8 do), and links that lead outside the project
root are skipped. A path that does not exist raises
:class:`FileNotFoundError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vibrails.core.globs import GlobSet, parse, union

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Discovered:
    """A file to check."""

    path: Path  # absolute
    display: str  # relative to the current directory, '/'-separated
    project_path: str  # relative to the project root, '/'-separated


@dataclass(frozen=True)
class _IgnoreRule:
    #: Matches the path relative to the ignore file's folder when ``anchored``,
    #: else the last name of the path (a pattern without a slash names one
    #: file or folder, at any depth).
    regex: re.Pattern[str]
    anchored: bool
    negate: bool
    dir_only: bool

    def matches(self, rel: str, name: str) -> bool:
        return self.regex.fullmatch(rel if self.anchored else name) is not None


def _strip_trailing_spaces(line: str) -> str:
    """Drop trailing spaces, but keep one escaped with a backslash (git's rule)."""
    stripped = line.rstrip(" ")
    if stripped == line:
        return line
    backslashes = len(stripped) - len(stripped.rstrip("\\"))
    return stripped + " " if backslashes % 2 else stripped


class GitIgnore:
    """The patterns of one ignore file, for paths below its folder.

    ``base`` is the folder's absolute path, ``/``-separated.
    """

    def __init__(self, base: str, lines: Iterable[str]) -> None:
        self.prefix = base.rstrip("/") + "/"
        self.rules: list[_IgnoreRule] = []
        for raw in lines:
            line = raw.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            line = _strip_trailing_spaces(line)
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            glob = parse(line)
            if glob is None:
                continue
            self.rules.append(
                _IgnoreRule(re.compile(glob.body, re.DOTALL), glob.anchored, negate, glob.dir_only)
            )
        # One combined expression per kind answers first: most paths match nothing.
        self._quick = {
            (anchored, is_dir): union(
                r.regex.pattern
                for r in self.rules
                if r.anchored == anchored and (is_dir or not r.dir_only)
            )
            for anchored in (False, True)
            for is_dir in (False, True)
        }

    def decide(self, path: str, is_dir: bool) -> bool | None:
        """For the absolute ``path``: True ignored, False re-included, None not named."""
        if not path.startswith(self.prefix):
            return None
        rel = path[len(self.prefix) :]
        name = rel.rpartition("/")[2]
        if not (
            self._quick[(False, is_dir)].fullmatch(name)
            or self._quick[(True, is_dir)].fullmatch(rel)
        ):
            return None
        for rule in reversed(self.rules):
            if (is_dir or not rule.dir_only) and rule.matches(rel, name):
                return not rule.negate
        return None  # pragma: no cover - the union matched, so one rule does

    def __bool__(self) -> bool:
        return bool(self.rules)


def _git_ignored(chain: tuple[GitIgnore, ...], path: str, is_dir: bool) -> bool:
    """The verdict of the innermost ignore file that names ``path``."""
    for ignore in reversed(chain):
        verdict = ignore.decide(path, is_dir)
        if verdict is not None:
            return verdict
    return False


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class Discoverer:
    """Walks paths with the exclusions of one configuration."""

    def __init__(
        self,
        root: Path,
        exclude: list[str],
        force_exclude: bool = False,
        cwd: Path | None = None,
    ) -> None:
        self.root = root.resolve()
        self.cwd = (cwd or Path.cwd()).resolve()
        self.exclude = GlobSet(exclude)
        self.force_exclude = force_exclude
        #: Problems met on the way (a folder that cannot be read), for stderr.
        self.messages: list[str] = []
        self._ignore_files: dict[str, tuple[GitIgnore, ...]] = {}

    # -- names ----------------------------------------------------------------

    def project_path(self, path: Path) -> str:
        """``path`` relative to the project root (absolute, without '/', outside it)."""
        rel = os.path.relpath(path, self.root)
        if rel == os.curdir:
            return ""
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return _posix(str(path)).lstrip("/")
        return _posix(rel)

    def display(self, path: Path) -> str:
        """``path`` relative to the current directory, '/'-separated."""
        return _posix(os.path.relpath(path, self.cwd))

    # -- ignore files ---------------------------------------------------------

    def _own_ignores(
        self, folder: str, has_git: bool, has_gitignore: bool
    ) -> tuple[GitIgnore, ...]:
        """The ignore files of ``folder``, lowest precedence first (cached)."""
        cached = self._ignore_files.get(folder)
        if cached is not None:
            return cached
        base = _posix(folder)
        found: list[GitIgnore] = []
        names = []
        if has_git:
            names.append(os.path.join(folder, ".git", "info", "exclude"))
        if has_gitignore:
            names.append(os.path.join(folder, ".gitignore"))
        for name in names:
            try:
                with open(name, encoding="utf-8", errors="replace") as fh:
                    ignore = GitIgnore(base, fh.read().splitlines())
            except OSError:
                continue
            if ignore:
                found.append(ignore)
        result = tuple(found)
        self._ignore_files[folder] = result
        return result

    def _ignores_of(self, folder: str) -> tuple[GitIgnore, ...]:
        return self._own_ignores(
            folder,
            os.path.isdir(os.path.join(folder, ".git")),
            os.path.isfile(os.path.join(folder, ".gitignore")),
        )

    def _top_of(self, folder: str) -> str:
        """Where ignore files start to count for ``folder``: the repository's top
        (the nearest folder holding ``.git``), else the project root when
        ``folder`` is inside it, else ``folder`` itself."""
        current = folder
        while True:
            if os.path.lexists(os.path.join(current, ".git")):
                return current
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        root = str(self.root)
        return root if _within(folder, root) else folder

    def _chain_above(self, folder: str) -> tuple[GitIgnore, ...]:
        """The ignore files of the folders above ``folder``, top first."""
        top = self._top_of(folder)
        above: list[str] = []
        current = folder
        while current != top:
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
            above.append(current)
        chain: tuple[GitIgnore, ...] = ()
        for parent in reversed(above):
            chain += self._ignores_of(parent)
        return chain

    def _path_excluded(self, path: str, is_dir: bool) -> bool:
        """Whether ``path`` or a folder above it (below the project root or the
        repository's top) is excluded or git-ignored."""
        parent = os.path.dirname(path)
        top = self._top_of(parent)
        steps = [path]
        current = parent
        while current != top and os.path.dirname(current) != current:
            steps.append(current)
            current = os.path.dirname(current)
        steps.reverse()
        root = str(self.root)
        chain = self._ignores_of(top)
        for step in steps:
            step_is_dir = is_dir if step == path else True
            if step_is_dir and os.path.basename(step) == ".git":
                return True
            if step == path or (step != root and _within(step, root)):
                name = self.project_path(Path(step))
                if name and self.exclude.matches(name, step_is_dir, below=False):
                    return True
            if _git_ignored(chain, _posix(step), step_is_dir):
                return True
            if step != path:
                chain += self._ignores_of(step)
        return False

    # -- the walk -------------------------------------------------------------

    def discover(self, paths: list[Path]) -> list[Discovered]:
        """The files to check under ``paths``, sorted by display path."""
        seen: dict[str, Discovered] = {}
        for given in paths:
            absolute = os.path.normpath(os.path.join(self.cwd, given))
            if os.path.isdir(absolute):
                if self.force_exclude and self._path_excluded(absolute, True):
                    continue
                for found in self._walk(absolute):
                    seen.setdefault(str(found.path), found)
            elif os.path.exists(absolute):
                if self.force_exclude and self._path_excluded(absolute, False):
                    continue
                path = Path(absolute)
                item = Discovered(path, self.display(path), self.project_path(path))
                seen.setdefault(absolute, item)
            else:
                raise FileNotFoundError(str(given))
        return sorted(seen.values(), key=lambda d: (d.display, d.project_path))

    def named(self, name: Path, content: Path) -> Discovered | None:
        """The item for text read elsewhere (standard input) under the path
        ``name``: shown, tagged and configured as ``name``, read from
        ``content``. ``None`` when ``--force-exclude`` excludes ``name``."""
        absolute = os.path.normpath(os.path.join(self.cwd, name))
        if self.force_exclude and self._path_excluded(absolute, False):
            return None
        return Discovered(content, self.display(Path(absolute)), self.project_path(Path(absolute)))

    def _walk(self, top: str) -> Iterator[Discovered]:
        root = str(self.root)
        boundary = root if _within(os.path.realpath(top), root) else os.path.realpath(top)
        chain = self._chain_above(top)
        top_project = self.project_path(Path(top))
        top_display = self.display(Path(top))
        stack: list[tuple[str, str, str, tuple[GitIgnore, ...]]] = [
            (
                top,
                top_project + "/" if top_project else "",
                "" if top_display == "." else top_display + "/",
                chain,
            )
        ]
        while stack:
            folder, project, display, chain = stack.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                self.messages.append(
                    f"cannot read folder {display.rstrip('/') or '.'}: {exc.strerror or exc}"
                )
                continue
            names = {e.name: e for e in entries}
            git = names.get(".git")
            gitignore = names.get(".gitignore")
            chain = chain + self._own_ignores(
                folder,
                git is not None and _entry_is_dir(git),
                gitignore is not None and not _entry_is_dir(gitignore),
            )
            base = _posix(folder).rstrip("/") + "/"
            subfolders: list[tuple[str, str, str, tuple[GitIgnore, ...]]] = []
            for entry in entries:
                name = entry.name
                try:
                    is_link = entry.is_symlink()
                    if is_link:
                        target = os.path.realpath(entry.path)
                        if not _within(target, boundary) or entry.is_dir():
                            continue  # links to folders are not followed
                        # A link to a file is checked; a dangling one too, so
                        # that the reader reports it. Links to anything else
                        # (a FIFO, a device) are never read.
                        if not entry.is_file() and os.path.lexists(target):
                            continue
                        is_dir = False
                    else:
                        is_dir = entry.is_dir(follow_symlinks=False)
                        if not is_dir and not entry.is_file(follow_symlinks=False):
                            continue  # a FIFO, socket or device: never read it
                except OSError:
                    continue
                if is_dir:
                    if name == ".git":
                        continue
                elif not name.endswith(PYTHON_SUFFIXES):
                    continue
                if self.exclude.matches(project + name, is_dir, below=False):
                    continue
                if chain and _git_ignored(chain, base + name, is_dir):
                    continue
                if is_dir:
                    subfolders.append(
                        (entry.path, project + name + "/", display + name + "/", chain)
                    )
                else:
                    yield Discovered(Path(entry.path), display + name, project + name)
            stack.extend(reversed(subfolders))


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
