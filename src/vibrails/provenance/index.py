"""What a check run needs from the ledger: one summary per path, and its problems.

Built by one streaming pass (two when the ledger holds merge points), in the
parent process, once per run; the summaries are small and picklable, so they
travel to the workers with the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vibrails.provenance.events import GENERATIONS
from vibrails.provenance.store import Problem, scan

#: Region events kept per path (older ones beyond this are dropped from tagging).
_MAX_REGIONS = 200


@dataclass(frozen=True)
class PathSummary:
    """The ledger's history of one path, reduced to what the rules ask."""

    #: Latest event: kind, ledger line, content hash, time.
    kind: str
    line: int
    sha256: str | None
    at: str
    #: Latest ``generated``/``regenerated`` event (line 0: none) and its fields.
    generation_line: int = 0
    generation_kind: str = ""
    generation_at: str = ""
    model: str = ""
    prompt: str = ""
    tool: str = ""
    params: str = ""
    #: A ``reviewed`` event after the latest generation (or after the first
    #: event when there is no generation), and who reviewed.
    reviewed: bool = False
    reviewed_by: str = ""
    #: Since the latest ``removed``: an event about the whole file (one
    #: without ``lines``), and the ``lines`` of the events about a region.
    #: A file with only region events is tagged in those lines only.
    whole: bool = False
    regions: tuple[tuple[int, int], ...] = ()

    def key(self) -> str:
        """A stable text of the summary (part of the cache key)."""
        return repr(self)


def _params(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value or "")


def fold(summary: PathSummary | None, line: int, event: dict[str, Any]) -> PathSummary:
    """The summary after ``event`` (on ledger line ``line``)."""
    kind = event["event"]
    base = summary or PathSummary(kind, line, None, "")
    sha = event.get("sha256")
    base = replace(base, kind=kind, line=line, sha256=sha.lower() if sha else None, at=event["at"])
    lines = event.get("lines")
    if kind == "removed":
        base = replace(base, whole=False, regions=())
    elif isinstance(lines, list) and len(lines) == 2:
        span = (int(lines[0]), int(lines[1]))
        if span not in base.regions and len(base.regions) < _MAX_REGIONS:
            base = replace(base, regions=(*base.regions, span))
    else:
        base = replace(base, whole=True)
    if kind == "edited" and event.get("model"):
        # An agent's edit (``vibrails hook``) names its model and prompt: the
        # file's provenance, though not a generation of the whole file.
        base = replace(
            base,
            model=event["model"],
            prompt=event.get("prompt", "") or base.prompt,
            tool=event.get("tool", "") or base.tool,
        )
    if kind in GENERATIONS:
        return replace(
            base,
            generation_line=line,
            generation_kind=kind,
            generation_at=event["at"],
            model=event.get("model", "") or "",
            prompt=event.get("prompt", "") or "",
            tool=event.get("tool", "") or "",
            params=_params(event.get("params")),
            reviewed=False,
            reviewed_by="",
        )
    if kind == "reviewed":
        return replace(base, reviewed=True, reviewed_by=event.get("by", "") or base.reviewed_by)
    return base


@dataclass
class LedgerIndex:
    paths: dict[str, PathSummary]
    problems: list[Problem]
    events: int = 0


def load_index(ledger: Path) -> LedgerIndex:
    """Summaries of every path and the ledger's problems (streamed)."""
    paths: dict[str, PathSummary] = {}
    count = 0

    def on_event(line: int, event: dict[str, Any], text: str) -> None:
        nonlocal count
        count += 1
        paths[event["path"]] = fold(paths.get(event["path"]), line, event)

    problems = scan(ledger, on_event)
    return LedgerIndex(paths, problems, count)
