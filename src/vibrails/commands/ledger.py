"""``vibrails ledger …``: record, verify, show and import provenance events."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from vibrails.config import ConfigError, load_config
from vibrails.core.git import GitError, find_repo_root
from vibrails.provenance.attribution import AGENT_TRACE, Attribution, read_agent_trace, read_git_ai
from vibrails.provenance.events import KINDS, file_sha256, now_utc, parse_time
from vibrails.provenance.store import (
    LedgerError,
    append,
    committed_events_missing,
    ensure_gitattributes,
    read_events,
    repair,
    scan,
)

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> NoReturn:
    click.echo(f"vibrails: error: {message}", err=True)
    sys.exit(2)


def _guarded(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ConfigError, LedgerError) as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))

    return wrapper  # type: ignore[return-value]


class _Where:
    """The ledger of the configuration in effect, and the repository it describes."""

    def __init__(self, config_path: Path | None) -> None:
        config = load_config(config_path)
        self.config_root = config.root
        self.repo_root = find_repo_root(config.root) or config.root
        self.ledger = (config.root / str(config.values["ledger"])).resolve()

    @property
    def shown(self) -> str:
        return _rel(self.ledger, Path.cwd())

    def repo_path(self, path: Path) -> str:
        """``path`` (relative to the current folder) made repository-relative."""
        absolute = Path(os.path.abspath(path))
        for candidate in (absolute, absolute.resolve()):
            try:
                return candidate.relative_to(self.repo_root).as_posix()
            except ValueError:
                continue
        raise LedgerError(f"{path}: is outside the repository ({self.repo_root})")


def _rel(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(path, start)).as_posix()
    except ValueError:  # pragma: no cover
        return path.as_posix()


_config_option = click.option(
    "--config", "config_path", type=click.Path(path_type=Path),
    help="Configuration file (default: nearest vibrails.toml or pyproject.toml).",
)


@click.group("ledger")
def ledger() -> None:
    """The provenance ledger: which model and prompt produced which file."""


def _lines(value: str | None) -> list[int] | None:
    if value is None:
        return None
    start, sep, end = value.partition("-")
    try:
        first, last = int(start), int(end if sep else start)
    except ValueError:
        raise click.BadParameter("expected A-B, e.g. 10-42", param_hint="--lines") from None
    if not 1 <= first <= last:
        raise click.BadParameter("expected 1 <= A <= B", param_hint="--lines")
    return [first, last]


@ledger.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--event", "kind", type=click.Choice(KINDS), default="generated", show_default=True,
              help="What happened to the files.")
@click.option("--model", help="Model that wrote the code (required for generated/regenerated).")
@click.option("--prompt", help="Path of the versioned prompt file, or a URL (required for "
              "generated/regenerated).")
@click.option("--params", help='Generation parameters, e.g. "temperature=0.2".')
@click.option("--tool", help="Assistant or tool, e.g. claude-code.")
@click.option("--by", help="Who generated, edited or reviewed.")
@click.option("--lines", "line_range", help="Only lines A-B of the file.")
@click.option("--note", help="Free text.")
@_config_option
@_guarded
def record(
    paths: tuple[Path, ...], kind: str, model: str | None, prompt: str | None,
    params: str | None, tool: str | None, by: str | None, line_range: str | None,
    note: str | None, config_path: Path | None,
) -> None:
    """Append one event per PATH (the file is hashed here)."""
    lines = _lines(line_range)
    if kind in ("generated", "regenerated") and not (model and prompt):
        _fail(f"a {kind} event needs --model and --prompt")
    where = _Where(config_path)
    events = []
    at = now_utc()
    for path in paths:
        repo_path = where.repo_path(path)
        if path.is_dir():
            _fail(f"{path}: is a directory; name the files")
        if not path.is_file() and kind != "removed":
            _fail(f"{path}: no such file")
        event: dict[str, Any] = {
            "event": kind,
            "path": repo_path,
            "sha256": file_sha256(path) if path.is_file() else None,
            "at": at,
        }
        for name, value in (("model", model), ("prompt", prompt), ("params", params),
                            ("tool", tool), ("by", by), ("note", note)):
            if value:
                event[name] = value
        if lines is not None:
            event["lines"] = lines
        events.append(event)
    if prompt and "://" not in prompt and " " not in prompt:
        if not any((base / prompt).is_file() for base in (where.repo_root, where.config_root)):
            click.echo(f"vibrails: warning: prompt {prompt!r} is not a file in the repository "
                       "(VBR402 will report it)", err=True)
    _append(where.ledger, events)
    for event in events:
        sha = (event["sha256"] or "-")[:12]
        click.echo(f"recorded {kind} {event['path']} (sha256 {sha}) in {where.shown}")


@ledger.command(name="verify")
@click.option("--repair", "repair_torn", is_flag=True,
              help="First cut off a torn last line left by a crash.")
@_config_option
@_guarded
def verify_command(repair_torn: bool, config_path: Path | None) -> None:
    """Check every event's hash and the hash chain, and that no event committed
    at HEAD has gone (exit 1 on any problem)."""
    where = _Where(config_path)
    if not where.ledger.is_file():
        click.echo(f"no ledger at {where.shown}: nothing to verify")
        return
    if repair_torn:
        done = repair(where.ledger)
        if done:
            click.echo(f"{where.shown}: {done}", err=True)
    count = 0

    def counted(line: int, event: dict[str, Any], text: str) -> None:
        nonlocal count
        count += 1

    problems = scan(where.ledger, counted)
    problems = sorted([*problems, *committed_events_missing(where.ledger, where.repo_root)],
                      key=lambda p: p.line)
    if not problems:
        click.echo(f"{where.shown}: ok, {count} events, chain and hashes verified")
        return
    first = problems[0]
    for problem in problems:
        click.echo(f"{where.shown}:{problem.line}: {problem.message}")
    click.echo(
        f"{where.shown}: {len(problems)} problem(s); the first bad event is on line {first.line}",
        err=True,
    )
    sys.exit(1)


def _echo_prompt(where: _Where, prompt: object) -> None:
    """The text of a prompt the hooks stored (``<ledger folder>/prompts/<sha256>.md``),
    indented under its event; other prompt files are the project's own."""
    if not isinstance(prompt, str):
        return
    stored = (where.repo_root / prompt).resolve()
    if stored.parent != (where.ledger.parent / "prompts").resolve():
        return
    try:
        text = stored.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return
    for line in text.strip().splitlines()[:40]:
        click.echo(f"      | {line}")


@ledger.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--prompts/--no-prompts", default=True, show_default=True,
              help="Print the text of stored prompts (.vibrails/prompts/) under their events.")
@_config_option
@_guarded
def show(path: Path, fmt: str, prompts: bool, config_path: Path | None) -> None:
    """Print the history of PATH, newest event last."""
    where = _Where(config_path)
    repo_path = where.repo_path(path)
    events = []
    if where.ledger.is_file():
        events = [dict(event, line=line) for line, event in read_events(where.ledger)
                  if event["path"] == repo_path]
    if fmt == "json":
        click.echo(json.dumps(events, indent=2, sort_keys=True))
        return
    if not events:
        click.echo(f"{repo_path}: no events in {where.shown}")
        return
    click.echo(f"{repo_path}: {len(events)} event(s) in {where.shown}")
    for event in events:
        details = " ".join(
            f"{name}={json.dumps(event[name]) if ' ' in str(event[name]) else event[name]}"
            for name in ("model", "prompt", "params", "tool", "session", "by", "note")
            if event.get(name)
        )
        if event.get("lines"):
            details += f" lines={event['lines'][0]}-{event['lines'][1]}"
        sha = (event.get("sha256") or "-")[:12]
        click.echo(f"  line {event['line']:<5} {event['at']}  {event['event']:<11} "
                   f"sha256 {sha}  {details}".rstrip())
        if prompts:
            _echo_prompt(where, event.get("prompt"))
    latest = events[-1]
    if path.is_file():
        now = file_sha256(path)
        state = ("matches the latest event" if now == latest.get("sha256")
                 else "changed since the latest event")
        click.echo(f"  now: sha256 {now[:12]} ({state})")
    else:
        click.echo("  now: the file does not exist")


@ledger.command(name="import")
@_config_option
@_guarded
def import_command(config_path: Path | None) -> None:
    """Turn Agent Trace records and git-ai notes into ledger events (idempotent)."""
    where = _Where(config_path)
    notes: list[str] = []
    found: dict[tuple[str, str, str], list[Attribution]] = {}
    for path, items in read_agent_trace(where.repo_root, notes).items():
        for item in items:
            found.setdefault((item.source, item.record, path), []).append(item)
    try:
        for path, items in read_git_ai(where.repo_root).items():
            for item in items:
                found.setdefault((item.source, item.record, path), []).append(item)
    except GitError as exc:
        notes.append(f"git-ai notes: {exc}")
    seen: set[str] = set()
    if where.ledger.is_file():
        seen = {event["import"] for _, event in read_events(where.ledger)
                if isinstance(event.get("import"), str)}
    events = []
    skipped = 0
    for (source, rec, path), items in sorted(found.items()):
        key = f"{source}:{rec}:{path}"
        if key in seen:
            skipped += 1
            continue
        file = where.repo_root / path
        if not file.is_file():
            notes.append(f"{path}: named by {source} record {rec or '?'} but missing; not imported")
            continue
        first = items[0]
        event: dict[str, Any] = {
            "event": "generated",
            "path": path,
            "sha256": file_sha256(file),
            "at": first.at if parse_time(first.at) else now_utc(),
            "lines": [min(i.start for i in items), max(i.end for i in items)],
            "note": f"imported from {'Agent Trace record' if source == 'agent-trace' else 'git-ai note of commit'} {rec}",
            "import": key,
        }
        model = next((i.model for i in items if i.model), "")
        tool = next((i.tool for i in items if i.tool), "")
        if model:
            event["model"] = model
        if tool:
            event["tool"] = tool
        events.append(event)
    for note in notes:
        click.echo(f"vibrails: warning: {note}", err=True)
    if not events:
        click.echo(f"nothing to import ({skipped} record(s) already in {where.shown}; "
                   f"looked at {AGENT_TRACE} and refs/notes/ai)")
        return
    _append(where.ledger, events)
    click.echo(f"imported {len(events)} event(s) into {where.shown} "
               f"({skipped} already there)")


def _append(ledger: Path, events: list[dict[str, Any]]) -> None:
    """Append ``events`` (warnings on stderr); a new ledger gets its git
    attributes (``merge=union``), said on stderr."""
    created = not ledger.exists()
    for message in append(ledger, events):
        click.echo(f"vibrails: warning: {message}", err=True)
    if created:
        added = ensure_gitattributes(ledger)
        if added:
            click.echo(f"vibrails: {added}", err=True)
