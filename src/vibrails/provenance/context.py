"""The provenance data of one run, read once in the parent process.

:func:`prepare` reads the ledger (one streaming pass), and when asked the git
trailers (one ``git log``) and the attribution logs (the Agent Trace file and
one ``git log --notes=ai`` when that ref exists). The result, a
:class:`Provenance`, goes into the settings under ``_provenance``; it is
picklable and reaches every worker with them. Tagging and the provenance
rules only look things up in it: no file is read and no git runs per file.
"""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibrails.core.git import GitError, find_repo_root, run_git
from vibrails.provenance.attribution import Attribution, read_agent_trace, read_git_ai
from vibrails.provenance.index import PathSummary, load_index
from vibrails.provenance.store import Problem, committed_events_missing
from vibrails.provenance.trailers import TrailerHit, read_trailer_commits

KEY = "_provenance"


@dataclass(frozen=True)
class Provenance:
    config_root: str
    repo_root: str
    #: The config root relative to the repository root, ``""`` or ending in ``/``.
    prefix: str
    #: Absolute path of the ledger, and as shown (relative to the current folder).
    ledger: str
    ledger_display: str
    #: The ledger relative to the config root (for ``per-file-ignores``).
    ledger_project_path: str
    ledger_exists: bool = False
    paths: Mapping[str, PathSummary] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    trailers: Mapping[str, TrailerHit] = field(default_factory=dict)
    #: ``lines``: trailers tag the lines git blame gives to an AI commit
    #: (``[tool.vibrails.tagging] trailer-scope``), not whole files.
    trailer_scope: str = "file"
    #: Every AI commit (for blame), when ``trailer_scope`` is ``lines``.
    ai_commits: frozenset[str] = frozenset()
    #: The commit blame is run against, and the folder that caches blame by
    #: HEAD, path and content (``None``: ``--no-cache`` or no cache folder).
    head: str = ""
    blame_cache: str | None = None
    attributions: Mapping[str, tuple[Attribution, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.paths or self.trailers or self.attributions)

    def repo_path(self, project_path: str) -> str:
        """A path relative to the config root, made repository-relative."""
        if not self.prefix:
            return project_path
        return posixpath.normpath(self.prefix + project_path)

    def prompt_exists(self, prompt: str) -> bool:
        """Whether ``prompt`` names a file in the repository (relative to the
        repository root or the configuration's folder)."""
        for base in (self.repo_root, self.config_root):
            candidate = os.path.normpath(os.path.join(base, prompt))
            inside = candidate == self.repo_root or candidate.startswith(
                self.repo_root.rstrip(os.sep) + os.sep
            )
            if inside and os.path.isfile(candidate):
                return True
        return False


def shell_word(text: str) -> str:
    return shlex.quote(text)


def _relative(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(path, start)).as_posix()
    except ValueError:  # pragma: no cover - another drive on Windows
        return path.as_posix()


class ProvenanceError(Exception):
    """A provenance option that cannot work here (the run stops with exit 2)."""


def prepare(
    settings: Mapping[str, Any], config_root: Path, cwd: Path | None = None
) -> dict[str, Any]:
    """``settings`` with the run's provenance data under ``_provenance``."""
    out = dict(settings)
    out[KEY] = load(config_root, settings, cwd)
    return out


def load(config_root: Path, settings: Mapping[str, Any], cwd: Path | None = None) -> Provenance:
    config_root = config_root.resolve()
    cwd = (cwd or Path.cwd()).resolve()
    repo = find_repo_root(config_root)
    repo_root = repo or config_root
    if settings.get("_repo_root"):
        # A commit's files outside git (vibrails report's trend): the ledger's
        # paths are relative to this folder, and no git command runs.
        repo, repo_root = None, Path(str(settings["_repo_root"])).resolve()
    rel = _relative(config_root, repo_root)
    prefix = "" if rel == "." else rel.rstrip("/") + "/"
    ledger = (config_root / str(settings.get("ledger", ".vibrails/ledger.jsonl"))).resolve()
    notes: list[str] = []
    paths: dict[str, PathSummary] = {}
    problems: list[Problem] = []
    exists = ledger.is_file()
    if exists:
        try:
            index = load_index(ledger)
        except OSError as exc:
            notes.append(f"cannot read the ledger {ledger}: {exc.strerror or exc}")
        else:
            paths = index.paths
            problems = index.problems
            if repo is not None:
                problems += committed_events_missing(ledger, repo)
            for path, summary in sorted(paths.items(), key=lambda item: item[1].line):
                if summary.kind != "removed" and not (repo_root / path).exists():
                    shown = shell_word(_relative(repo_root / path, cwd))
                    problems.append(
                        Problem(
                            summary.line,
                            f"the latest event for {path} names a file that no longer exists",
                            f"record its removal with `vibrails ledger record {shown} "
                            "--event removed`",
                            "warning",
                            path,
                        )
                    )
            problems.sort(key=lambda p: p.line)
    trailers: dict[str, TrailerHit] = {}
    commits: frozenset[str] = frozenset()
    scope = str(settings.get("tagging", {}).get("trailer-scope", "file"))
    head = ""
    blame_cache: str | None = None
    if settings.get("git-trailers"):
        if repo is None:
            raise ProvenanceError(
                f"git-trailers: {_relative(config_root, cwd)} is not in a git repository, so no "
                "commit can tag a file; check a path inside a repository, or drop "
                "--git-trailers (git-trailers = true in the configuration)"
            )
        else:
            try:
                trailers, commits = read_trailer_commits(repo)
                if scope == "lines":
                    head = run_git(repo, "rev-parse", "HEAD").decode().strip()
                    if not settings.get("_no_cache"):
                        folder = settings.get("_cache_dir") or config_root / str(
                            settings.get("cache-dir", ".vibrails_cache"))
                        blame_cache = str(Path(folder) / "blame")
            except GitError as exc:
                notes.append(f"git-trailers: cannot read the history: {exc}")
    attributions: dict[str, list[Attribution]] = read_agent_trace(repo_root, notes)
    if repo is not None:
        try:
            for path, ranges in read_git_ai(repo).items():
                attributions.setdefault(path, []).extend(ranges)
        except GitError as exc:
            notes.append(f"git-ai notes: cannot read {exc}")
    return Provenance(
        config_root=str(config_root),
        repo_root=str(repo_root),
        prefix=prefix,
        ledger=str(ledger),
        ledger_display=_relative(ledger, cwd),
        ledger_project_path=_relative(ledger, config_root),
        ledger_exists=exists,
        paths=paths,
        problems=tuple(problems),
        trailers=trailers,
        trailer_scope=scope,
        ai_commits=commits if scope == "lines" else frozenset(),
        head=head,
        blame_cache=blame_cache,
        attributions={k: tuple(v) for k, v in attributions.items()},
        notes=tuple(notes),
    )
