"""Tagging sources fed by the run's provenance data (:mod:`vibrails.provenance.context`):
the ledger and git trailers (whole files) and attribution logs (line ranges).

Each is a dictionary lookup of the file's repository path: an untagged file
still costs only its header read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vibrails.provenance.context import KEY, Provenance
from vibrails.tagging import FileFacts, Region


def _provenance(settings: Mapping[str, Any]) -> Provenance | None:
    value = settings.get(KEY)
    return value if isinstance(value, Provenance) and not value.empty else None


def ledger_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    prov = _provenance(settings)
    if prov is None or not prov.paths:
        return None
    summary = prov.paths.get(prov.repo_path(facts.path))
    if summary is None or summary.kind == "removed":
        return None
    if summary.regions and not summary.whole:
        return None  # only some lines: see ledger_regions
    return f"ledger:{summary.line}"


def ledger_regions(facts: FileFacts, settings: Mapping[str, Any]) -> Iterable[Region]:
    """The lines the ledger's region events name (``lines``: an agent's edits,
    ``vibrails ledger record --lines``), for a file no event claims whole."""
    prov = _provenance(settings)
    if prov is None or not prov.paths:
        return
    summary = prov.paths.get(prov.repo_path(facts.path))
    if summary is None or summary.kind == "removed" or summary.whole:
        return
    fields = {name: value for name, value in (("model", summary.model), ("tool", summary.tool))
              if value}
    for start, end in summary.regions:
        yield Region(start, end, f"ledger:{summary.line}", fields)


def trailer_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    prov = _provenance(settings)
    if prov is None or not prov.trailers or prov.trailer_scope == "lines":
        return None
    hit = prov.trailers.get(prov.repo_path(facts.path))
    return None if hit is None else hit.reason


def trailer_lines(facts: FileFacts, settings: Mapping[str, Any]) -> Iterable[Region]:
    """With ``trailer-scope = "lines"``: the lines of a file that an AI-trailer
    commit touched, whose ``git blame`` commit is an AI commit (one blame per
    such file; other files are not blamed)."""
    prov = _provenance(settings)
    if prov is None or prov.trailer_scope != "lines" or not prov.trailers:
        return
    repo_path = prov.repo_path(facts.path)
    if repo_path not in prov.trailers:
        return
    from vibrails.provenance.trailers import GitError, blame, blame_regions

    cached = _blame_cache(prov, repo_path, facts.text)
    lines = _read_blame(cached) if cached is not None else None
    if lines is None:
        try:
            lines = blame(Path(prov.repo_root), repo_path)
        except GitError:
            return  # not committed yet, or git failed: the file is not tagged by trailers
        if cached is not None:
            _write_blame(cached, lines)
    for start, end, commit in blame_regions(lines, prov.ai_commits):
        yield Region(start, end, f"trailer:blame ({commit[:10]})")


def blame_pending(project_path: str, text: str, settings: Mapping[str, Any]) -> bool:
    """Tagging the file would run ``git blame`` (``trailer-scope = "lines"``, a
    file an AI-trailer commit touched, whose blame at this HEAD and content is
    not cached): the run leaves that to a worker, files side by side."""
    prov = _provenance(settings)
    if prov is None or prov.trailer_scope != "lines" or not prov.trailers:
        return False
    repo_path = prov.repo_path(project_path)
    if repo_path not in prov.trailers:
        return False
    cached = _blame_cache(prov, repo_path, text)
    return cached is None or _read_blame(cached) is None


def _blame_cache(prov: Provenance, repo_path: str, text: str) -> Path | None:
    """Where the blame of ``repo_path`` at this HEAD with this content is cached."""
    if prov.blame_cache is None or not prov.head:
        return None
    key = hashlib.sha256(
        f"{prov.head}\0{repo_path}\0".encode() + text.encode("utf-8", "surrogatepass")
    ).hexdigest()
    return Path(prov.blame_cache) / f"{key}.json"


def _read_blame(path: Path) -> dict[int, str] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        return {int(line): str(commit) for line, commit in data.items()}
    except (OSError, ValueError, AttributeError):
        return None  # absent or damaged: blame again


def _write_blame(path: Path, lines: dict[int, str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(lines), "utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written is no cache


def attribution_source(facts: FileFacts, settings: Mapping[str, Any]) -> Iterable[Region]:
    prov = _provenance(settings)
    if prov is None or not prov.attributions:
        return
    for item in prov.attributions.get(prov.repo_path(facts.path), ()):
        fields = {"model": item.model} if item.model else {}
        if item.tool:
            fields["tool"] = item.tool
        yield Region(item.start, item.end, item.reason, fields)


WHOLE_FILE = (ledger_source, trailer_source)
REGIONS = (ledger_regions, trailer_lines, attribution_source)
