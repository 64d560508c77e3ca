"""The ledger file: append under a lock, read as a stream, verify the chain.

Design (``docs/ledger.md`` has the reasons):

* **One line per event, appended whole.** A writer opens the ledger with
  ``O_APPEND``, takes an exclusive ``flock`` on it, reads the last complete
  event to learn its hash, and writes all its events with one ``write`` (a
  loop only if the kernel writes less), then ``fsync``. Concurrent writers on
  one machine queue on the lock: none is lost, none interleaves.
* **A chain that tolerates merges.** ``prev`` is the hash of the last event
  in the file when the event was appended. On one branch that is the line
  before it. When two branches that each appended are merged with git's
  ``union`` driver (``.gitattributes``: ``ledger.jsonl merge=union``), the
  first event of the second branch points back past the other branch's
  events to the common one. So :func:`verify` asks only that ``prev`` names
  an event *earlier in the file* (or is ``null``): edits (the event's own
  ``hash`` no longer matches), deletions and reorderings (a ``prev`` that
  names no earlier event) are still detected, and the union of two valid
  ledgers is valid.
* **Crashes.** A writer that dies mid-``write`` leaves at worst a last line
  without its newline. Readers report it as a torn last line; the next
  writer, holding the lock, cuts it off before appending (it never was an
  event), so earlier events are never touched.
* **Streaming.** Reading goes line by line. Most events point at the line
  just before them and are checked on the fly; the few that do not (merge
  points) are remembered and resolved by a second pass, so memory grows with
  the number of merges, not with the number of events.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vibrails.provenance.events import chain_problems, content_problems, seal

try:
    import fcntl

    _FLOCK: Any = fcntl.flock
except ImportError:  # pragma: no cover - not on POSIX
    _FLOCK = None

_HASH_IN_LINE = re.compile(rb'"hash":"([0-9a-f]{64})"')
_TAIL_BLOCK = 65_536
#: Longest text of a ledger line kept for messages and fingerprints.
_TEXT_LIMIT = 200

TORN_FIX = (
    "the next `vibrails ledger record` removes the torn line, or run "
    "`vibrails ledger verify --repair`"
)
EDIT_FIX = "the ledger is append-only: restore the line from version control (git log -p on the ledger)"


@dataclass(frozen=True)
class Problem:
    """Something wrong with one line of the ledger (VBR404)."""

    line: int
    message: str
    fix: str = EDIT_FIX
    level: str = "error"
    #: The line's text (shortened), for fingerprints.
    text: str = ""

    def describe(self) -> str:
        return f"line {self.line}: {self.message}"


class LedgerError(Exception):
    """The ledger cannot be written (a usage error for the command line)."""


@contextlib.contextmanager
def _locked(fd: int, exclusive: bool) -> Iterator[None]:
    if _FLOCK is None:  # pragma: no cover
        yield
        return
    _FLOCK(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        _FLOCK(fd, fcntl.LOCK_UN)


def _last_hash(fd: int, size: int) -> tuple[str | None, int | None, bool]:
    """``(hash of the last complete event, offset to cut a torn tail at, needs newline)``."""
    if size == 0:
        return None, None, False
    block = _TAIL_BLOCK
    while True:
        start = max(0, size - block)
        data = os.pread(fd, size - start, start)
        lines = data.split(b"\n")
        tail = lines.pop()  # bytes after the last newline ("" if it ends with one)
        cut: int | None = None
        newline = False
        if tail:
            event = _parse(tail)
            if event is not None and isinstance(event.get("hash"), str):
                return event["hash"], None, True
            if start == 0 and not lines:
                return None, 0, False
            cut = size - len(tail)
        # A partial first line (start > 0) is skipped unless it is all we have.
        complete = lines if start == 0 else lines[1:]
        for raw in reversed(complete):
            event = _parse(raw)
            if event is not None and isinstance(event.get("hash"), str):
                return event["hash"], cut, newline
        if start == 0:
            return None, cut, newline
        block *= 4


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def append(ledger: Path, events: list[dict[str, Any]]) -> list[str]:
    """Append ``events`` (sealed here: ``prev`` and ``hash`` set) under the lock.

    Returns notes (a torn last line cut off). Raises :class:`LedgerError`.
    """
    notes: list[str] = []
    try:
        ledger.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(ledger, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LedgerError(f"cannot open the ledger {ledger}: {exc.strerror or exc}") from exc
    try:
        with _locked(fd, exclusive=True):
            size = os.fstat(fd).st_size
            prev, cut, newline = _last_hash(fd, size)
            if cut is not None:
                torn = os.pread(fd, size - cut, cut)
                os.ftruncate(fd, cut)
                notes.append(
                    f"{ledger}: removed a torn last line left by an interrupted append "
                    f"({len(torn)} bytes: {torn[:60]!r})"
                )
            out = bytearray(b"\n" if newline else b"")
            for event in events:
                out += seal(event, prev)
                prev = event["hash"]
            view = memoryview(bytes(out))
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
    except OSError as exc:
        raise LedgerError(f"cannot write the ledger {ledger}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    return notes


def repair(ledger: Path) -> str | None:
    """Cut a torn last line off the ledger (under the lock); say what was cut."""
    fd = os.open(ledger, os.O_RDWR | os.O_APPEND)
    try:
        with _locked(fd, exclusive=True):
            size = os.fstat(fd).st_size
            _, cut, newline = _last_hash(fd, size)
            if cut is not None:
                torn = os.pread(fd, size - cut, cut)
                os.ftruncate(fd, cut)
                return f"removed a torn last line ({len(torn)} bytes)"
            if newline:
                os.write(fd, b"\n")
                return "added the missing newline after the last event"
    finally:
        os.close(fd)
    return None


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text if len(text) <= _TEXT_LIMIT else text[:_TEXT_LIMIT] + "…"


def _iter_lines(ledger: Path) -> Iterator[tuple[int, bytes, bool]]:
    """``(line number, bytes without the newline, ends with a newline)``, streamed."""
    with ledger.open("rb") as fh:
        with _locked(fh.fileno(), exclusive=False):
            for number, raw in enumerate(fh, 1):
                complete = raw.endswith(b"\n")
                yield number, raw[:-1] if complete else raw, complete


def scan(
    ledger: Path, on_event: Callable[[int, dict[str, Any], str], None] | None = None
) -> list[Problem]:
    """Read ``ledger`` as a stream; return its problems, first line first.

    ``on_event(line, event, text)`` is called for every well-formed event, in
    file order (an event whose only fault is a dangling ``prev`` included:
    that is known only at the end).
    """
    found: list[Problem] = []
    last: str | None = None
    #: prev hash -> first line that names it without being right after it
    pending: dict[str, int] = {}
    for number, raw, complete in _iter_lines(ledger):
        text = _text(raw)
        problem = _line_problem(raw, complete)
        if problem is not None:
            message, fix = problem
            found.append(Problem(number, message, fix, text=text))
            match = _HASH_IN_LINE.search(raw)
            last = match.group(1).decode() if match else last
            continue
        event = json.loads(raw)
        issues = content_problems(event)
        if issues:
            found.append(Problem(number, "malformed event: " + "; ".join(issues), text=text))
        else:
            chain = chain_problems(event)
            if chain:
                # Reported, but what the event says is still used (tagging, VBR403…).
                found.append(Problem(number, "; ".join(chain), text=text))
            else:
                prev = event["prev"]
                if prev is not None and prev != last:
                    pending.setdefault(prev, number)
            if on_event is not None:
                on_event(number, event, text)
        stored = event.get("hash") if isinstance(event, dict) else None
        last = stored if isinstance(stored, str) else last
    if pending:
        found += _resolve(ledger, pending)
        found.sort(key=lambda p: p.line)
    return found


def _line_problem(raw: bytes, complete: bool) -> tuple[str, str] | None:
    """Why a line is not even JSON, or ``None``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not complete:
            return "torn last line (an append was interrupted)", TORN_FIX
        return (
            f"malformed event: not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
            EDIT_FIX,
        )
    if not text.strip():
        return "malformed event: blank line", EDIT_FIX
    try:
        json.loads(text)
    except ValueError as exc:
        if not complete:
            return "torn last line (an append was interrupted)", TORN_FIX
        return f"malformed event: invalid JSON ({exc})", EDIT_FIX
    except RecursionError:
        return "malformed event: JSON nested too deeply", EDIT_FIX
    return None


def _resolve(ledger: Path, pending: dict[str, int]) -> list[Problem]:
    """Second pass: does each remembered ``prev`` name an earlier event?"""
    first_seen: dict[str, int] = {}
    texts: dict[int, str] = {}
    wanted_lines = set(pending.values())
    for number, raw, _ in _iter_lines(ledger):
        match = _HASH_IN_LINE.search(raw)
        if match:
            value = match.group(1).decode()
            if value in pending and value not in first_seen:
                first_seen[value] = number
        if number in wanted_lines:
            texts[number] = _text(raw)
    found = []
    for prev, number in pending.items():
        seen = first_seen.get(prev)
        if seen is None:
            message = (
                "broken hash chain: 'prev' names no event of the ledger "
                "(an earlier event was deleted or edited)"
            )
        elif seen >= number:
            message = (
                f"broken hash chain: 'prev' names the event on line {seen}, which comes "
                "after it (events were reordered)"
            )
        else:
            continue
        found.append(Problem(number, message, text=texts.get(number, "")))
    return found


def verify(ledger: Path) -> list[Problem]:
    """Every problem of the ledger (empty: it verifies)."""
    return scan(ledger)


def read_events(ledger: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every well-formed event with its line number, streamed (no chain check)."""
    for number, raw, complete in _iter_lines(ledger):
        if _line_problem(raw, complete) is not None:
            continue
        event = json.loads(raw)
        if isinstance(event, dict) and not content_problems(event):
            yield number, event


def ensure_gitattributes(ledger: Path) -> str | None:
    """Make git merge the ledger with the ``union`` driver (a ``.gitattributes``
    line next to it); say so when a line was added."""
    attributes = ledger.parent / ".gitattributes"
    line = f"{ledger.name} merge=union"
    try:
        existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    except (OSError, UnicodeDecodeError):
        return None
    if any(part.split() == line.split() for part in existing.splitlines()):
        return None
    prefix = "" if not existing or existing.endswith("\n") else "\n"
    header = "" if existing else "# Created by vibrails: merge the ledgers of two branches line by line.\n"
    try:
        with attributes.open("a", encoding="utf-8") as fh:
            fh.write(f"{prefix}{header}{line}\n")
    except OSError:
        return None
    return f"added '{line}' to {attributes}"


def committed_events_missing(ledger: Path, repo_root: Path) -> list[Problem]:
    """The anchor outside the file: every line of the ledger as committed at
    ``HEAD`` must still be in the working ledger, in the same order.

    A hash chain cannot see its newest events cut off at a line boundary;
    git can. One ``git show HEAD:<ledger>`` streamed against the file (a
    two-pointer walk, bounded memory). Nothing to say when the ledger is not
    in a git repository or not committed yet.
    """
    import subprocess

    try:
        rel = ledger.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return []
    try:
        process = subprocess.Popen(
            ["git", "-C", str(repo_root), "show", f"HEAD:{rel}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C"),
        )
    except OSError:
        return []
    assert process.stdout is not None
    committed = process.stdout
    wanted = committed.readline()
    wanted_line = 1
    last = 0
    try:
        for number, raw, _ in _iter_lines(ledger):
            last = number
            if wanted and raw == wanted.rstrip(b"\n"):
                wanted = committed.readline()
                wanted_line += 1
        rest = wanted
    finally:
        committed.read()
        committed.close()
        status = process.wait()
    if status != 0 or not rest.strip():
        return []
    return [
        Problem(
            max(min(wanted_line, last), 1),
            f"the event committed at HEAD as line {wanted_line} is missing: events were "
            "deleted, edited or the ledger was truncated since the last commit",
            "restore the ledger with `git checkout HEAD -- "
            f"{rel}` and record again what was recorded since",
            text=_text(rest.rstrip(b"\n")),
        )
    ]
