"""Attribution logs: line-level AI attribution records that tag just their lines.

Two formats, both read once per run in the parent process:

* **Agent Trace** (``.agent-trace/traces.jsonl`` at the repository root, JSON
  lines): a record has ``id``, ``timestamp`` and ``files[]``, each with a
  ``path`` and ``conversations[]`` whose ``contributor.type`` is ``ai`` or
  ``mixed`` (``human``/``unknown`` tag nothing) and whose ``ranges[]`` give
  ``start_line``/``end_line`` (a range may carry its own ``contributor``).
  The model is ``contributor.model_id``. Every record of a file counts.
* **git-ai** authorship notes under ``refs/notes/ai``, one per commit: per
  file, a path line and then indented ``<session> <ranges>`` lines (ranges
  such as ``1-10,15-20``; a session ``h_…`` is a human's), then ``---`` and
  JSON metadata whose ``sessions`` (or older ``prompts``) give
  ``agent_id.tool``/``agent_id.model``. Read with one ``git log --notes=ai``
  call (only when the ref exists, which is checked without running git).
  Line numbers are those of the note's commit: for each file the newest note
  that names it is taken.

Bad records (invalid JSON, missing fields) are skipped with a note, never an
error: these logs belong to other tools.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vibrails.core.git import has_ref, run_git

AGENT_TRACE = ".agent-trace/traces.jsonl"
NOTES_REF = "refs/notes/ai"
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class Attribution:
    """Lines ``start``…``end`` of a file, written by an AI according to a record."""

    start: int
    end: int
    #: The tag of findings on these lines, e.g. ``agent-trace:<id>``.
    reason: str
    model: str = ""
    tool: str = ""
    #: ``agent-trace`` or ``git-ai``.
    source: str = ""
    #: Record identity (for import): the trace id or the commit.
    record: str = ""
    at: str = ""


def _ranges(text: str) -> Iterator[tuple[int, int]]:
    for part in text.split(","):
        found = _RANGE.match(part.strip())
        if found:
            start = int(found.group(1))
            end = int(found.group(2) or start)
            if 1 <= start <= end:
                yield start, end


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_agent_trace(lines: Iterator[bytes], notes: list[str], name: str) -> dict[str, list[Attribution]]:
    found: dict[str, list[Attribution]] = {}
    bad = 0
    for raw in lines:
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):
            bad += 1
            continue
        if not isinstance(record, dict) or not isinstance(record.get("files"), list):
            bad += 1
            continue
        rid = str(record.get("id") or "")
        stamp = record.get("timestamp")
        at = stamp if isinstance(stamp, str) else ""
        tool_info = record.get("tool")
        tool = str(tool_info.get("name") or "") if isinstance(tool_info, dict) else ""
        for entry in record["files"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            path = entry["path"][2:] if entry["path"].startswith("./") else entry["path"]
            for conv in entry.get("conversations") or ():
                if not isinstance(conv, dict):
                    continue
                who: dict[str, Any] = _dict(conv.get("contributor"))
                for rng in conv.get("ranges") or ():
                    if not isinstance(rng, dict):
                        continue
                    own = _dict(rng.get("contributor")) or who
                    if own.get("type") not in ("ai", "mixed"):
                        continue
                    start, end = _int(rng.get("start_line")), _int(rng.get("end_line"))
                    if start is None or end is None or not 1 <= start <= end:
                        continue
                    model = own.get("model_id") or who.get("model_id") or ""
                    found.setdefault(path, []).append(
                        Attribution(start, end, f"agent-trace:{rid or '?'}",
                                    str(model), tool, "agent-trace", rid, at)
                    )
    if bad:
        notes.append(f"{name}: skipped {bad} record(s) that are not Agent Trace JSON")
    return found


def parse_git_ai_note(text: str, commit: str, at: str = "") -> dict[str, list[Attribution]]:
    """One git-ai note: each file's AI-written lines."""
    head, _, meta_text = text.partition("\n---")
    sessions: dict[str, Any] = {}
    try:
        meta = json.loads(meta_text.strip() or "{}")
        if isinstance(meta, dict):
            for key in ("sessions", "prompts"):
                if isinstance(meta.get(key), dict):
                    sessions.update(meta[key])
    except (ValueError, RecursionError):
        pass
    found: dict[str, list[Attribution]] = {}
    path: str | None = None
    for line in head.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            path = line.strip()
            if len(path) >= 2 and path[0] == path[-1] == '"':
                path = path[1:-1]
            continue
        if path is None:
            continue
        key, _, ranges = line.strip().rpartition(" ")
        key = key.strip()
        if not key or key.startswith("h_"):
            continue
        info: Any = sessions.get(key) or sessions.get(key.split("::")[0]) or {}
        agent = info.get("agent_id") if isinstance(info, dict) else None
        agent = agent if isinstance(agent, dict) else {}
        model = str(agent.get("model") or "")
        tool = str(agent.get("tool") or "")
        for start, end in _ranges(ranges):
            found.setdefault(path, []).append(
                Attribution(start, end, f"git-ai:{commit[:10]}", model, tool, "git-ai", commit, at)
            )
    return found


def read_git_ai(repo_root: Path) -> dict[str, list[Attribution]]:
    """The newest git-ai note of every file (one git call; none without the ref)."""
    if not has_ref(repo_root, NOTES_REF):
        return {}
    output = run_git(repo_root, "log", "--notes=ai", "--format=%x1e%H%x1f%cI%x1f%N", "HEAD")
    found: dict[str, list[Attribution]] = {}
    for chunk in output.decode("utf-8", "surrogateescape").split("\x1e"):
        parts = chunk.split("\x1f", 2)
        if len(parts) != 3 or not parts[2].strip():
            continue
        commit, at, note = parts
        for path, ranges in parse_git_ai_note(note, commit, at.strip()).items():
            found.setdefault(path, ranges)  # newest commit first: keep the first seen
    return found


def read_agent_trace(repo_root: Path, notes: list[str]) -> dict[str, list[Attribution]]:
    path = repo_root / AGENT_TRACE
    try:
        with path.open("rb") as fh:
            return parse_agent_trace(iter(fh), notes, AGENT_TRACE)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        notes.append(f"{AGENT_TRACE}: cannot read: {exc.strerror or exc}")
        return {}
