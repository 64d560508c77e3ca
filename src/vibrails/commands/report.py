"""``vibrails report``: how much of the AI-written code is guarded, and the trend.

The work tree is measured as a check would see it (the configuration found
from the paths, discovery, tagging, the ledger): per package (a file's
folder) and in total, the numbers of :mod:`vibrails.engine.coverage` and
the findings per rule of the configuration's selection. The trend measures
the main line's recent commits the same way (``git rev-list
--first-parent``): each commit's files are read from ``git archive`` into a
temporary folder, never checked out, never run, and its numbers are kept in
the cache folder under the commit's hash (a commit does not change), so
only new commits cost a run.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vibrails import __version__
from vibrails.commands.common import UsageError, write_output
from vibrails.config import Config, ConfigError, load_config, search_start
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding
from vibrails.core.git import GitError, find_repo_root, run_git
from vibrails.core.selection import Selection
from vibrails.discover import Discoverer
from vibrails.engine.cache import code_fingerprint, open_cache
from vibrails.engine.coverage import Counts, measure_files
from vibrails.engine.run import default_jobs, run
from vibrails.provenance.context import KEY as PROVENANCE_KEY
from vibrails.provenance.context import ProvenanceError
from vibrails.provenance.context import prepare as prepare_provenance
from vibrails.report.coverage import CoverageReport, Snapshot, render

#: Bumped when the kept numbers of a commit change (shape or meaning).
_KEPT_FORMAT = 2


@dataclass(frozen=True)
class ReportOptions:
    paths: tuple[Path, ...]
    fmt: str
    output: Path | None
    since: str | None
    commits: int
    config_path: Path | None
    jobs: int | None
    no_cache: bool


def run_report(options: ReportOptions) -> None:
    """Measure the work tree and the trend, write the report in its format."""
    if options.commits < 0:
        raise UsageError("--commits must be 0 or more")
    try:
        config = load_config(options.config_path, start=search_start(list(options.paths)))
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    root = config.root.resolve()
    wanted = [_relative(root, path) for path in options.paths] or ["."]
    jobs = options.jobs or default_jobs()
    cache = None if options.no_cache else root / config.values["cache-dir"]
    now = measure_tree(config, root, wanted, jobs, "work tree", cache_folder=cache)
    report = CoverageReport(
        now=now, project=root.name, version=__version__,
        pillars={code: info.pillar for code, info in load_catalogue().items()},
    )
    report.trend, notes = trend(config, root, wanted, jobs, options)
    report.notes += notes
    write_output(render(options.fmt, report), options.output)


def _relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix() or "."
    except ValueError:
        raise UsageError(f"{path} is outside the project at {root}") from None


def measure_tree(config: Config, root: Path, wanted: list[str], jobs: int, label: str,
                 repo_root: Path | None = None, cache_folder: Path | None = None) -> Snapshot:
    """The numbers of the project at ``root`` (its ``wanted`` paths); ``repo_root``
    is the folder a commit's files were extracted to (no git there);
    ``cache_folder`` holds the check's result cache (``None``: no cache)."""
    values = config.values
    discoverer = Discoverer(root, config.exclude_globs, cwd=root)
    try:
        items = discoverer.discover([root / path for path in wanted])
    except FileNotFoundError as exc:
        raise UsageError(f"path not found: {exc}") from exc
    raw = config.settings()
    if repo_root is not None:
        raw["_repo_root"] = str(repo_root)
        raw["git-trailers"] = False  # a commit's trailers need the history, not its files
    try:
        settings = prepare_provenance(raw, root, cwd=root)
    except ProvenanceError as exc:
        raise UsageError(str(exc)) from exc
    selection = Selection.from_config(values)
    cache = None
    if cache_folder is not None:  # a file unchanged from one commit to the next: checked once
        cache, _problem = open_cache(cache_folder, config.fingerprint())
    results = run(items, settings, selection, jobs, cache)
    snapshot = Snapshot(label=label)
    tagged = [index for index, result in enumerate(results[:len(items)]) if result.tagged]
    measured = measure_files([(items[i].display, items[i].project_path, items[i].path)
                              for i in tagged], settings, jobs)
    packages: dict[str, Counts] = {}
    for index, counts in zip(tagged, measured, strict=True):
        _count(counts, results[index].findings)
        packages.setdefault(_package(items[index].project_path), Counts()).add(counts)
    for result in results[len(items):]:  # the ledger's own findings
        if result.findings:
            name = _package(settings[PROVENANCE_KEY].ledger_project_path)
            _count(packages.setdefault(name, Counts()), result.findings)
    for counts in packages.values():
        snapshot.total.add(counts)
    snapshot.packages = packages
    return snapshot


def _count(counts: Counts, findings: list[Finding]) -> None:
    """Add the findings a report lists (not the suppressed ones), by rule."""
    for finding in findings:
        if finding.suppressed is None:
            counts.findings[finding.code] = counts.findings.get(finding.code, 0) + 1


def _package(project_path: str) -> str:
    """A file's package: its folder, relative to the project (``.`` at the top)."""
    return str(PurePosixPath(project_path).parent)


# -- the trend ------------------------------------------------------------------------


def trend(config: Config, root: Path, wanted: list[str], jobs: int,
          options: ReportOptions) -> tuple[list[Snapshot], list[str]]:
    """The snapshots of the main line's commits, oldest first, and notes."""
    if options.commits == 0:
        return [], []
    repo = find_repo_root(root)
    if repo is None:
        return [], ["not in a git repository: the report has no trend"]
    commits = _commits(repo, options.since, options.commits)
    prefix = root.relative_to(repo.resolve()).as_posix() if root != repo.resolve() else ""
    folder = None if options.no_cache else root / config.values["cache-dir"] / "report"
    points = []
    for commit, date, subject in commits:
        key = hashlib.sha256(
            json.dumps([_KEPT_FORMAT, __version__, code_fingerprint(), commit, prefix,
                        wanted]).encode()).hexdigest()[:32]
        kept = _read_kept(folder, key)
        if kept is None:
            kept = _measure_commit(repo, commit, prefix, wanted, jobs,
                                   None if folder is None else folder.parent)
            _write_kept(folder, key, kept)
        kept.label, kept.commit, kept.date, kept.subject = commit[:8], commit, date, subject
        points.append(kept)
    return points, []


def _commits(repo: Path, since: str | None, limit: int) -> list[tuple[str, str, str]]:
    """``(hash, date, subject)`` of the main line's commits, oldest first:
    the last ``limit``, or from ``since`` to ``HEAD`` thinned to ``limit``."""
    if since is not None and (not since or since.startswith("-")):
        raise UsageError(f"--since: {since!r} is not a revision")
    try:
        if since is not None:
            run_git(repo, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}")
            listing = run_git(repo, "log", "--first-parent", "--format=%H%x00%cI%x00%s",
                              f"{since}..HEAD")
            first = run_git(repo, "log", "-1", "--format=%H%x00%cI%x00%s", since)
            lines = [*listing.decode("utf-8", "replace").splitlines(),
                     first.decode("utf-8", "replace").strip()]
        else:
            listing = run_git(repo, "log", "--first-parent", "--format=%H%x00%cI%x00%s",
                              f"--max-count={limit}", "HEAD")
            lines = listing.decode("utf-8", "replace").splitlines()
    except GitError as exc:
        if since is not None:
            raise UsageError(f"--since: unknown revision {since!r}") from exc
        return []  # a repository without commits yet
    found = [tuple(line.split("\0", 2)) for line in lines if line.count("\0") == 2]
    ordered = list(reversed(found))
    if len(ordered) > limit:  # keep the first and last, evenly between
        step = (len(ordered) - 1) / (limit - 1) if limit > 1 else 0
        ordered = [ordered[round(i * step)] for i in range(limit)] if limit > 1 else ordered[-1:]
    return [(h, d, s) for h, d, s in ordered]


def _measure_commit(repo: Path, commit: str, prefix: str, wanted: list[str], jobs: int,
                    cache_folder: Path | None) -> Snapshot:
    """A commit's numbers: its files from ``git archive`` in a temporary folder."""
    archive = run_git(repo, "archive", "--format=tar", commit, *([prefix] if prefix else []))
    with tempfile.TemporaryDirectory(prefix="vibrails-report-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        root = Path(folder, prefix).resolve()
        config = _commit_config(root)
        present = [path for path in wanted if (root / path).exists()]
        if not present:
            return Snapshot(label=commit[:8])
        return measure_tree(config, root, present, jobs, commit[:8], Path(folder).resolve(),
                            cache_folder)


def _commit_config(root: Path) -> Config:
    """The configuration a commit had at the project's root (its defaults when
    it had none there, or a broken one: the trend goes on)."""
    from vibrails.config import validate

    try:
        config = load_config(None, start=root)
        if config.root.resolve() == root:
            return config
    except ConfigError:
        pass
    values, _ = validate({}, "defaults")
    return Config(root=root, source=None, values=values)


def _read_kept(folder: Path | None, key: str) -> Snapshot | None:
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text("utf-8"))
        return Snapshot.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_kept(folder: Path | None, key: str, snapshot: Snapshot) -> None:
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by vibrails.\n*\n", encoding="utf-8")
        temporary = folder / f".{key}.tmp"
        temporary.write_text(json.dumps(snapshot.as_dict()), encoding="utf-8")
        temporary.replace(folder / f"{key}.json")
    except OSError:
        pass  # the next report measures the commit again
