"""Discover the files to check: walk the paths, skip what is excluded.

Folders are walked in sorted order; ``exclude``/``extend-exclude`` globs and
``.gitignore`` files prune them. Files named on the command line are always
checked (whatever their extension) unless ``--force-exclude`` is given and
they are excluded, as pre-commit passes every staged file. Symbolic links
that lead outside the project root are not followed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vibrails.globs import GlobSet, translate

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Discovered:
    """A file to check."""

    path: Path  # absolute
    display: str  # relative to the current directory, '/'-separated
    project_path: str  # relative to the project root, '/'-separated


@dataclass(frozen=True)
class _IgnoreRule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


class GitIgnore:
    """The rules of one ``.gitignore`` file, relative to its folder."""

    def __init__(self, base: str, lines: list[str]) -> None:
        self.base = base
        self.rules: list[_IgnoreRule] = []
        for raw in lines:
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            if not line.endswith("\\ "):
                line = line.rstrip()
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            if line.startswith("\\"):
                line = line[1:]
            dir_only = line.endswith("/")
            pattern = line.rstrip("/")
            if not pattern:
                continue
            regex = translate(pattern if "/" in pattern else pattern)
            self.rules.append(_IgnoreRule(regex, negate, dir_only))

    def decide(self, project_path: str, is_dir: bool) -> bool | None:
        """True ignored, False re-included, None not mentioned."""
        if self.base:
            if not project_path.startswith(self.base + "/"):
                return None
            rel = project_path[len(self.base) + 1 :]
        else:
            rel = project_path
        verdict = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.fullmatch(rel) and _exact(rule.regex, rel):
                verdict = not rule.negate
        return verdict


def _exact(regex: re.Pattern[str], rel: str) -> bool:
    # ``translate`` lets a folder pattern match everything below it; during a
    # walk folders are pruned first, so only a match of the whole path counts.
    match = regex.fullmatch(rel)
    return match is not None


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
        self.messages: list[str] = []

    def project_path(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix().lstrip("/")

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.cwd).as_posix()
        except ValueError:
            return Path(os.path.relpath(path, self.cwd)).as_posix()

    def _excluded(self, project_path: str) -> bool:
        return bool(self.exclude) and self.exclude(project_path) is not None

    def _inside_root(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
        except (ValueError, OSError, RuntimeError):
            return False
        return True

    def discover(self, paths: list[Path]) -> list[Discovered]:
        seen: dict[Path, Discovered] = {}
        for given in paths:
            absolute = (self.cwd / given) if not given.is_absolute() else given
            absolute = Path(os.path.normpath(absolute))
            if absolute.is_dir():
                for found in self._walk(absolute):
                    seen.setdefault(found.path, found)
            elif absolute.exists():
                project = self.project_path(absolute)
                if self.force_exclude and (
                    self._excluded(project) or self._ignored_by_git(absolute)
                ):
                    continue
                seen.setdefault(absolute, Discovered(absolute, self.display(absolute), project))
            else:
                raise FileNotFoundError(str(given))
        return sorted(seen.values(), key=lambda d: d.display)

    def _ignored_by_git(self, path: Path) -> bool:
        project = self.project_path(path)
        ignores = self._ignore_chain(path.parent)
        return self._git_verdict(ignores, project, False)

    def _ignore_chain(self, folder: Path) -> list[GitIgnore]:
        chain: list[GitIgnore] = []
        folders = [folder, *folder.parents]
        for current in reversed(folders):
            if not self._inside_root(current) and current != self.root:
                continue
            ignore = self._read_gitignore(current)
            if ignore is not None:
                chain.append(ignore)
        return chain

    def _read_gitignore(self, folder: Path) -> GitIgnore | None:
        lines: list[str] = []
        for name in (".gitignore", ".git/info/exclude"):
            candidate = folder / name
            try:
                lines += candidate.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
        if not lines:
            return None
        return GitIgnore(self.project_path(folder) if folder != self.root else "", lines)

    @staticmethod
    def _git_verdict(chain: list[GitIgnore], project: str, is_dir: bool) -> bool:
        verdict = False
        for ignore in chain:
            decided = ignore.decide(project, is_dir)
            if decided is not None:
                verdict = decided
        return verdict

    def _walk(self, top: Path) -> Iterator[Discovered]:
        base_chain = self._ignore_chain(top.parent) if top != self.root else []
        stack: list[tuple[Path, list[GitIgnore]]] = [(top, base_chain)]
        while stack:
            folder, chain = stack.pop()
            own = self._read_gitignore(folder)
            if own is not None:
                chain = [*chain, own]
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                self.messages.append(f"cannot read folder {self.display(folder)}: {exc.strerror}")
                continue
            subfolders = []
            for entry in entries:
                path = Path(entry.path)
                project = self.project_path(path)
                try:
                    is_link = entry.is_symlink()
                    is_dir = entry.is_dir()
                    is_file = entry.is_file()
                except OSError:
                    continue
                if is_link and not self._inside_root(path):
                    continue
                if self._excluded(project) or self._git_verdict(chain, project, is_dir):
                    continue
                if is_dir:
                    if not is_link:
                        subfolders.append((path, chain))
                elif is_file and entry.name.endswith(PYTHON_SUFFIXES):
                    yield Discovered(path, self.display(path), project)
                elif not is_file and not is_dir and entry.name.endswith(PYTHON_SUFFIXES):
                    # A dangling link or a special file: let the reader report it.
                    yield Discovered(path, self.display(path), project)
            stack.extend(reversed(subfolders))
