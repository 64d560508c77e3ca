"""The per-file pipeline and the parallel run over many files.

For one file: read → tag → (only if tagged) parse and check → suppress →
line hashes. Files are spread over worker processes in chunks; results come
back in the order of the input, so the output does not depend on ``--jobs``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vibrails.checks.shared.provenance import provenance_findings
from vibrails.checks.vbr002_unreadable_file import unreadable_finding
from vibrails.checks.vbr404_ledger_integrity import ledger_findings
from vibrails.core.finding import Finding
from vibrails.core.linehash import line_hashes
from vibrails.core.selection import Selection
from vibrails.core.source import Source, read_source
from vibrails.discover import Discovered
from vibrails.provenance import sources as provenance_sources
from vibrails.provenance.context import KEY as PROVENANCE_KEY
from vibrails.provenance.context import prepare as prepare_provenance
from vibrails.suppress.noqa import apply_suppressions
from vibrails.tagging import Tag, tag_file

if TYPE_CHECKING:
    from vibrails.engine.cache import Cache  # imported only by runs that use the cache


@dataclass
class FileResult:
    findings: list[Finding] = field(default_factory=list)
    #: Messages for stderr (a file skipped, a cache problem).
    messages: list[str] = field(default_factory=list)
    tagged: bool = False


def _everywhere(line: int) -> bool:
    return True


@dataclass
class _Front:
    """A readable, tagged file, ready for the cache or the engine."""

    text: str
    data: bytes
    tag: Tag
    enabled: frozenset[str]
    #: Findings of the file rules (provenance): cheap, no tree.
    extra: list[Finding]
    key: str | None


class _Deferred:
    """A file the parent leaves whole to a worker: tagging it runs ``git blame``."""


_DEFERRED = _Deferred()


def _front(
    item: Discovered,
    settings: Mapping[str, Any],
    selection: Selection,
    cache: Cache | None,
    defer_blame: bool = False,
) -> FileResult | _Front | _Deferred:
    """Read and tag the file: the final result, or what the engine needs.

    With ``defer_blame`` (the parent of a parallel run), a file whose tagging
    needs a ``git blame`` not cached yet is left to a worker: blames run side
    by side, one per file, and the parent stays a reader of dictionaries.
    """
    source = read_source(item.path, settings["max-file-bytes"])
    if (
        defer_blame
        and source.text is not None
        and provenance_sources.blame_pending(item.project_path, source.text, settings)
    ):
        return _DEFERRED
    tag = _tag_source(item, source, settings)
    if source.text is None:
        problem = source.problem or "cannot read file"
        if tag is None:
            if problem == "is a directory" or "max-file-bytes" in problem:
                return FileResult()
            return FileResult(messages=[f"{item.display}: skipped: {problem}"])
        if "VBR002" not in selection.for_file(item.project_path):
            return FileResult(tagged=True)
        return FileResult([unreadable_finding(item.display, problem, tag.first_reason)],
                          tagged=True)
    text = source.text
    if tag is None:
        return FileResult()
    enabled = selection.for_file(item.project_path)
    extra = provenance_findings(
        item.display, item.project_path, source.data, text, tag, enabled, settings
    )
    key = None
    if cache is not None:
        key = cache.key(
            item.display, item.project_path, enabled, source.data + _provenance_key(tag, extra)
        )
    return _Front(text, source.data, tag, enabled, extra, key)


def cached_result(
    item: Discovered, settings: Mapping[str, Any], selection: Selection, cache: Cache | None
) -> FileResult | _Front | _Deferred:
    """The result of a file without parsing it, if that is possible (an
    untagged or unreadable file, or a cache hit), else what the engine needs
    (or :data:`_DEFERRED`: the worker reads and tags the file itself)."""
    front = _front(item, settings, selection, cache, defer_blame=True)
    if not isinstance(front, _Front):
        return front
    found = cache.get(front.key) if cache is not None and front.key is not None else None
    return front if found is None else FileResult(found, tagged=True)


def check_file(
    item: Discovered,
    settings: Mapping[str, Any],
    selection: Selection,
    cache: Cache | None = None,
    front: _Front | None = None,
) -> FileResult:
    """Check one file; never raises for anything in the file.

    ``front``, the file already read and tagged by :func:`cached_result`,
    saves reading it again; without it (a deferred file) the file is read
    and tagged here.
    """
    if front is None:
        first = _front(item, settings, selection, cache)
        if not isinstance(first, _Front):
            assert isinstance(first, FileResult)  # nothing is deferred without defer_blame
            return first
        front = first
    text, tag, enabled, key = front.text, front.tag, front.enabled, front.key
    if cache is not None and key is not None:
        cached = cache.get(key)
        if cached is not None:
            return FileResult(cached, tagged=True)
    is_tagged: Callable[[int], bool] = _everywhere
    try:
        from vibrails.engine.tree import check_tree  # libcst loads only when a file is parsed

        result = check_tree(item.display, text, tag, enabled, settings, item.project_path)
        findings, is_tagged = result.findings, result.is_tagged
    except RecursionError:
        if "VBR002" not in enabled:
            return FileResult(tagged=True)
        findings = [unreadable_finding(item.display, "nested too deeply to analyse",
                                       tag.first_reason)]
    findings = findings + front.extra
    findings = apply_suppressions(
        findings, text, item.display, tag.first_reason, enabled, is_tagged
    )
    if findings:
        hashes = line_hashes(front.data, {f.line for f in findings})
        findings = [f.with_changes(line_hash=hashes.get(f.line, "")) for f in findings]
    findings.sort(key=lambda f: f.sort_key)
    if cache is not None and key is not None:
        cache.put(key, findings)
    return FileResult(findings, tagged=True)


def tag_of(item: Discovered, settings: Mapping[str, Any]) -> tuple[Tag | None, str | None]:
    """``(tag, problem)`` of one file, as a check would tag it (for
    ``--show-files``); ``problem`` says why the file cannot be read, if so."""
    source, tag = _read_and_tag(item, settings)
    return tag, source.problem if source.text is None else None


def _read_and_tag(item: Discovered, settings: Mapping[str, Any]) -> tuple[Source, Tag | None]:
    source = read_source(item.path, settings["max-file-bytes"])
    return source, _tag_source(item, source, settings)


def _tag_source(item: Discovered, source: Source, settings: Mapping[str, Any]) -> Tag | None:
    """The file's tag, from its text, or from a best-effort decoding of its
    head when the text cannot be read."""
    text = source.text if source.text is not None else source.head
    return _tag(item.project_path, text, settings)


def tag_text(project_path: str, text: str, settings: Mapping[str, Any]) -> Tag | None:
    """The tag of ``text`` as the file at ``project_path`` (as a check tags it)."""
    return _tag(project_path, text, settings)


def _tag(project_path: str, text: str, settings: Mapping[str, Any]) -> Tag | None:
    """Tag a file by its text and, when the run read them, by the ledger, git
    trailers and attribution logs (dictionary lookups, see :mod:`vibrails.provenance.sources`)."""
    if settings.get(PROVENANCE_KEY) is None:
        return tag_file(project_path, text, settings)
    return tag_file(project_path, text, settings, provenance_sources.WHOLE_FILE,
                    provenance_sources.REGIONS)


def _provenance_key(tag: Tag, extra: list[Finding]) -> bytes:
    """What the cache key adds for the ledger, trailers and attribution logs: the
    tag they gave (reason, regions) and the provenance findings they led to."""
    regions = [(r.start, r.end, r.reason) for r in tag.regions]
    found = [(f.code, f.line, f.level, f.message) for f in extra]
    return repr(("provenance", tag.reason, regions, found)).encode("utf-8", "surrogatepass")


# -- the parallel run ---------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _init_worker(settings: Mapping[str, Any], selection: Selection, cache: Cache | None) -> None:
    from vibrails.engine.tree import raise_recursion_limit

    raise_recursion_limit()
    _worker_state.update(settings=settings, selection=selection, cache=cache)


def _check(job: tuple[Discovered, _Front | None]) -> FileResult:
    item, front = job
    state = _worker_state
    try:
        return check_file(item, state["settings"], state["selection"], state["cache"], front)
    except Exception as exc:  # a bug outside the rules: VBR000 for this file only
        from vibrails.checks.vbr000_internal_error import internal_error

        return FileResult([internal_error(item.display, exc, state["settings"])], tagged=True)


def failure_result(
    item: Discovered, settings: Mapping[str, Any], selection: Selection, problem: str
) -> FileResult:
    """VBR002 for a file whose check ran out of time or crashed its worker."""
    _, tag = _read_and_tag(item, settings)
    if tag is None or "VBR002" not in selection.for_file(item.project_path):
        return FileResult(messages=[f"{item.display}: skipped: {problem}"])
    return FileResult([unreadable_finding(item.display, problem, tag.first_reason)], tagged=True)


def run(
    items: list[Discovered],
    settings: Mapping[str, Any],
    selection: Selection,
    jobs: int,
    cache: Cache | None = None,
    progress: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Check ``items`` on ``jobs`` supervised worker processes.

    Results are in the order of ``items``, whatever the number of workers.
    """
    results: list[FileResult | None] = [None] * len(items)
    if PROVENANCE_KEY not in settings:
        root = project_root(items)
        if root is not None:
            settings = prepare_provenance(settings, root)
    if not items:
        return _ledger_result(settings, selection)

    def on_failure(job: tuple[Discovered, _Front | None], problem: str) -> FileResult:
        return failure_result(job[0], settings, selection, problem)

    # The parent reads and tags every file and answers what it can without a
    # worker: untagged and unreadable files, and cache hits. A run over code
    # that is not AI-generated, or a re-run where nothing changed, starts no
    # process and never loads libcst; the workers get the text already read,
    # except for files whose tagging runs git blame (trailer-scope = "lines",
    # blame not cached): a worker reads, blames and tags those itself.
    todo: list[int] = []
    pending: list[tuple[Discovered, _Front | None]] = []
    for index, item in enumerate(items):
        known = cached_result(item, settings, selection, cache)
        if isinstance(known, FileResult):
            results[index] = known
            if progress is not None:
                progress(known)
        else:
            todo.append(index)
            pending.append((item, known if isinstance(known, _Front) else None))
    if pending:  # only then is the pool (and multiprocessing) imported
        from vibrails.core.pool import supervised_map

        for position, result in supervised_map(
            _check,
            pending,
            jobs,
            _init_worker,
            (settings, selection, cache),
            float(settings["timeout-per-file"]),
            on_failure,
        ):
            results[todo[position]] = result
            if progress is not None:
                progress(result)
    return [r if r is not None else FileResult() for r in results] + _ledger_result(
        settings, selection
    )


def _ledger_result(settings: Mapping[str, Any], selection: Selection) -> list[FileResult]:
    """The ledger's own findings (VBR404) and the provenance notes, once per run."""
    prov = settings.get(PROVENANCE_KEY)
    if prov is None:
        return []
    enabled = selection.for_file(prov.ledger_project_path)
    return [FileResult(ledger_findings(settings, enabled), list(prov.notes))]


def project_root(items: list[Discovered]) -> Path | None:
    """The project root the items' ``project_path`` is relative to."""
    for item in items:
        project = item.project_path
        if ".." in project.split("/"):
            continue
        path = item.path.as_posix()
        if path.endswith("/" + project):
            return Path(path[: -len(project) - 1] or "/")
    return None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
