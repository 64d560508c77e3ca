"""Ledger events: their fields, canonical form, hash and validation.

An event is one JSON object on one line. Its ``hash`` is the SHA-256 of the
event's *canonical* JSON without the ``hash`` key (keys sorted, no spaces,
ASCII only), so a changed byte of content changes the hash, while the way a
line is spaced does not. ``prev`` is the ``hash`` of the event that was the
last complete one in the ledger when this one was appended (``null`` for the
first): see :mod:`vibrails.provenance.store` and ``docs/ledger.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

KINDS = ("generated", "edited", "reviewed", "regenerated", "removed")
GENERATIONS = frozenset({"generated", "regenerated"})
#: Optional text fields an event may carry (besides any unknown, kept, key).
TEXT_FIELDS = ("model", "prompt", "tool", "by", "note", "import", "session")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_ANY_HEX64 = re.compile(r"[0-9a-fA-F]{64}\Z")


def canonical(event: Mapping[str, Any]) -> str:
    """The canonical JSON text of ``event`` without its ``hash``."""
    body = {key: value for key, value in event.items() if key != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def event_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(event).encode("ascii")).hexdigest()


def seal(event: dict[str, Any], prev: str | None) -> bytes:
    """Set ``prev`` and ``hash`` on ``event``; return its line (with ``\\n``)."""
    event["prev"] = prev
    event.pop("hash", None)
    event["hash"] = event_hash(event)
    text = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii") + b"\n"


def normalised_sha256(data: bytes) -> str:
    """SHA-256 of ``data`` with ``\\r\\n`` and ``\\r`` newlines written as ``\\n``."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")).hexdigest()


def file_sha256(path: Path) -> str:
    return normalised_sha256(path.read_bytes())


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 date or date-time (``Z`` allowed), or ``None``."""
    if not isinstance(value, str) or not value or not value[:1].isdigit():
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def is_repo_path(path: str) -> bool:
    """Repository-relative and ``/``-separated: no leading ``/``, no ``..``, no ``\\``."""
    if not path or path.startswith("/") or "\\" in path or "\0" in path:
        return False
    if len(path) > 1 and path[1] == ":":
        return False
    parts = path.split("/")
    return all(part not in ("", ".", "..") for part in parts)


def problems(event: Any) -> list[str]:
    """Everything wrong with a parsed line as an event (empty: nothing)."""
    found = content_problems(event)
    if isinstance(event, dict):
        found += chain_problems(event)
    return found


def content_problems(event: Any) -> list[str]:
    """What makes a parsed line unusable as an event (its chain fields aside)."""
    if not isinstance(event, dict):
        name = type(event).__name__
        names = {"list": "an array", "str": "a string", "int": "a number", "float": "a number",
                 "bool": "a boolean", "NoneType": "null"}
        return [f"not a JSON object but {names.get(name, name)}"]
    found: list[str] = []
    kind: Any = event.get("event")
    if "event" not in event:
        found.append("missing field 'event'")
    elif kind not in KINDS:
        found.append(f"unknown event kind {json.dumps(kind)} (known: {', '.join(KINDS)})")
    path = event.get("path")
    if "path" not in event:
        found.append("missing field 'path'")
    elif not isinstance(path, str) or not is_repo_path(path):
        found.append(f"'path' must be repository-relative and '/'-separated, not {json.dumps(path)}")
    sha = event.get("sha256")
    if kind == "removed" and sha is None:
        pass
    elif "sha256" not in event:
        found.append("missing field 'sha256'")
    elif not isinstance(sha, str) or not _ANY_HEX64.match(sha):
        found.append("'sha256' must be 64 hex digits")
    at = event.get("at")
    if "at" not in event:
        found.append("missing field 'at'")
    elif parse_time(at) is None:
        found.append(f"'at' is not an ISO 8601 time: {json.dumps(at)}")
    for name in TEXT_FIELDS:
        if name in event and not isinstance(event[name], str):
            found.append(f"'{name}' must be a string")
    if "params" in event and not isinstance(event["params"], (str, dict)):
        found.append("'params' must be a string or an object")
    if "lines" in event:
        lines = event["lines"]
        if not (
            isinstance(lines, list)
            and len(lines) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in lines)
            and 1 <= lines[0] <= lines[1]
        ):
            found.append("'lines' must be [start, end] with 1 <= start <= end")
    return found


def chain_problems(event: dict[str, Any]) -> list[str]:
    """What is wrong with an event's ``prev`` and ``hash`` (its content may be fine)."""
    found: list[str] = []
    prev = event.get("prev")
    if "prev" not in event:
        found.append("missing field 'prev'")
    elif prev is not None and (not isinstance(prev, str) or not _HEX64.match(prev)):
        found.append("'prev' must be null or a 64-hex-digit hash")
    stored = event.get("hash")
    if "hash" not in event:
        found.append("missing field 'hash'")
    elif not isinstance(stored, str) or stored != event_hash(event):
        found.append("'hash' does not match the event's content (the event was edited)")
    return found
