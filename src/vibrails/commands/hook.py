"""``vibrails hook AGENT``: provenance captured from the coding agents' own hooks.

Each agent runs the command with one JSON object on standard input (its
documented hook payload, see docs/agents.md). What vibrails does with it:

* a prompt (Claude Code ``UserPromptSubmit``, Cursor ``beforeSubmitPrompt``)
  is redacted and stored content-addressed under ``.vibrails/prompts/``
  (:mod:`vibrails.provenance.prompts`), and remembered for the session;
* an edit (Claude Code ``PostToolUse`` of ``Write``, ``Edit``, ``MultiEdit``
  or ``NotebookEdit``; Cursor ``afterFileEdit``) appends one ledger event for
  the file: ``generated`` for a file written whole, ``edited`` otherwise,
  with the model (Claude Code: the transcript's latest assistant message;
  Cursor: the payload), the session, the tool, the changed lines (from
  Claude Code's ``structuredPatch`` when the response has one, else where
  the new text is found in the file) and the session's prompt;
* the end of a turn (Claude Code ``Stop``, Cursor ``stop``) checks the files
  changed in the turn and, with ``feedback = "block"`` (the default), hands
  the findings back in the agent's own format (Claude Code: a ``block``
  decision whose reason the agent reads as its next instruction; Cursor: a
  ``followup_message``), at most ``max-rounds`` times a turn and never twice
  for the same findings.

Gemini CLI's ``BeforeAgent``, ``AfterTool`` (``write_file``, ``replace``) and
``AfterAgent`` (``decision: "deny"``) are read the same way.

A hook never breaks the agent: a payload that is not JSON, lacks fields or
names a file outside the repository, and any error, is logged to
``.vibrails/hooks.log`` (or standard error when no project is found),
nothing is written, and the exit status is 0.

Session state (the prompt, the files changed this turn, the feedback rounds)
lives in ``.vibrails/sessions/<session>.json``, updated under a file lock, so
hooks firing in parallel (parallel tool calls) do not lose each other's
files.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vibrails.config import load_config
from vibrails.core.git import find_repo_root
from vibrails.provenance.events import file_sha256, now_utc
from vibrails.provenance.prompts import store_prompt
from vibrails.provenance.store import append

AGENTS = ("claude-code", "cursor", "gemini-cli", "codex")
#: Claude Code's tools that write files.
_WRITE_TOOLS = {"Write": "generated", "Edit": "edited", "MultiEdit": "edited",
                "NotebookEdit": "edited"}
#: How much of the end of a transcript is read to find the model.
_TRANSCRIPT_TAIL = 512 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class HookError(Exception):
    """A payload vibrails cannot use (logged; the agent goes on)."""


@dataclass
class Outcome:
    """What the hook prints and its exit status."""

    stdout: str = ""
    exit_code: int = 0


@dataclass
class Project:
    root: Path  # the configuration's folder
    repo: Path
    ledger: Path
    state: Path  # .vibrails/ (next to the ledger)
    feedback: str
    max_rounds: int

    @classmethod
    def find(cls, cwd: Path) -> Project:
        config = load_config(None, cwd, start=cwd)
        root = config.root
        ledger = (root / str(config.values["ledger"])).resolve()
        agents = config.values["agents"]
        return cls(root, find_repo_root(root) or root, ledger, ledger.parent,
                   agents["feedback"], agents["max-rounds"])

    def repo_path(self, path: Path) -> str:
        absolute = path if path.is_absolute() else self.root / path
        try:
            return absolute.resolve().relative_to(self.repo.resolve()).as_posix()
        except ValueError:
            raise HookError(f"{path} is outside the repository {self.repo}") from None

    def log(self, message: str) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        with (self.state / "hooks.log").open("a", encoding="utf-8") as stream:
            stream.write(f"{now_utc()} {message}\n")


# -- session state ---------------------------------------------------------------


@contextlib.contextmanager
def _session(project: Project, session: str) -> Iterator[dict[str, Any]]:
    """The session's state, read and written back under an exclusive lock."""
    folder = project.state / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    name = _SAFE.sub("_", session)[:100] or "session"
    path = folder / f"{name}.json"
    with (folder / f"{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.exists() else {}
        except (OSError, ValueError):
            state = {}
        yield state
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, sort_keys=True), "utf-8")
        os.replace(temporary, path)


# -- helpers ---------------------------------------------------------------------


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise HookError(f"the payload has no '{key}'")
    return value


def model_from_transcript(path: str | None) -> str:
    """The model of the latest assistant message of a Claude Code transcript."""
    if not path:
        return ""
    try:
        with open(path, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - _TRANSCRIPT_TAIL))
            tail = stream.read().decode("utf-8", "replace")
    except OSError:
        return ""
    for line in reversed(tail.splitlines()):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        message = entry.get("message") if isinstance(entry, dict) else None
        model = message.get("model") if isinstance(message, dict) else None
        if isinstance(model, str) and model and not model.startswith("<"):
            return model
    return ""


def changed_lines(text: str, new_texts: list[str]) -> list[int] | None:
    """``[first, last]`` lines of ``text`` that hold the new strings, or None."""
    spans = []
    for new in new_texts:
        if not new:
            continue
        offset = text.find(new)
        if offset < 0:
            continue
        first = text.count("\n", 0, offset) + 1
        spans.append((first, first + new.rstrip("\n").count("\n")))
    if not spans:
        return None
    return [min(s for s, _ in spans), max(e for _, e in spans)]


def patch_lines(tool_response: object) -> list[int] | None:
    """``[first, last]`` added lines of the unified-diff hunks Claude Code's
    ``Edit``/``MultiEdit`` response carries (``structuredPatch``: ``newStart``
    and ``lines`` prefixed by ``" "``, ``"-"`` or ``"+"``), or None when the
    response has none. Unlike the search for the new text, this is exact
    when the same snippet appears twice in the file."""
    hunks = tool_response.get("structuredPatch") if isinstance(tool_response, dict) else None
    if not isinstance(hunks, list):
        return None
    added: list[int] = []
    for hunk in hunks:
        if not isinstance(hunk, dict):
            return None
        number, lines = hunk.get("newStart"), hunk.get("lines")
        if type(number) is not int or not isinstance(lines, list):
            return None
        for line in lines:
            if not isinstance(line, str):
                return None
            if line.startswith("+"):
                added.append(number)
                number += 1
            elif line.startswith(" "):
                number += 1
            # "-" lines and "\\ No newline at end of file" take no new line
    return [min(added), max(added)] if added else None


def _record_edit(project: Project, session: str, path: Path, kind: str, model: str,
                 tool: str, new_texts: list[str] | None,
                 locate: Callable[[str], list[int] | None] | None = None) -> dict[str, Any]:
    """Append the event of one edit. The changed lines: the whole file when
    ``new_texts`` is None (written whole), else ``locate(text)`` of the file
    after the edit when it finds them, else where the new texts are found."""
    repo_path = project.repo_path(path)
    absolute = path if path.is_absolute() else project.root / path
    if not absolute.is_file():
        raise HookError(f"{path}: no such file after the edit")
    text = absolute.read_text("utf-8", errors="replace")
    with _session(project, session) as state:
        event: dict[str, Any] = {"event": kind, "path": repo_path,
                                 "sha256": file_sha256(absolute), "at": now_utc()}
        if model:
            event["model"] = model
        if state.get("prompt"):
            event["prompt"] = state["prompt"]
        event["tool"] = tool
        event["session"] = session
        lines = None if locate is None or new_texts is None else locate(text)
        if lines is None and new_texts is not None:
            lines = changed_lines(text, new_texts)
        line_count = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if new_texts is None and line_count:
            lines = [1, line_count]
        if lines is not None:
            event["lines"] = lines
        append(project.ledger, [event])
        changed = state.setdefault("changed", [])
        if repo_path not in changed:
            changed.append(repo_path)
    return event


def _record_prompt(project: Project, session: str, prompt: str) -> str:
    stored = store_prompt(project.state / "prompts", prompt)
    relative = project.repo_path(stored)
    with _session(project, session) as state:
        state["prompt"] = relative
        state["changed"] = []
        state["rounds"] = 0
        state["last_block"] = ""
    return relative


def _findings_for(project: Project, paths: list[str]) -> list[str]:
    """``path:line:col: CODE message`` of the unsuppressed findings in ``paths``."""
    from vibrails.core.selection import Selection
    from vibrails.discover import Discoverer
    from vibrails.engine.run import run
    from vibrails.provenance.context import prepare

    config = load_config(None, project.root, start=project.root)
    values = config.values
    existing = [project.repo / p for p in paths if (project.repo / p).is_file()]
    if not existing:
        return []
    discoverer = Discoverer(config.root, config.exclude_globs, True, project.repo)
    items = discoverer.discover(existing)
    selection = Selection.from_config(values)
    settings = prepare(config.settings(), config.root, project.repo)
    results = run(items, settings, selection, 1)
    lines = []
    for finding in sorted((f for r in results for f in r.findings), key=lambda f: f.sort_key):
        if finding.suppressed is None:
            message = " ".join(finding.message.split())
            lines.append(f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {message}")
    return lines


def _feedback(project: Project, session: str, active: bool) -> str | None:
    """The findings to hand back at the end of a turn, or None (let it stop)."""
    if project.feedback == "off":
        return None
    with _session(project, session) as state:
        changed = list(state.get("changed", []))
    findings = _findings_for(project, changed)
    if not findings:
        return None
    digest = hashlib.sha256("\n".join(findings).encode()).hexdigest()
    with _session(project, session) as state:
        rounds = int(state.get("rounds", 0))
        if active and (rounds >= project.max_rounds or state.get("last_block") == digest):
            project.log(f"{session}: not blocking again ({rounds} rounds, same findings: "
                        f"{state.get('last_block') == digest})")
            return None
        state["rounds"] = rounds + 1
        state["last_block"] = digest
    shown = findings[:20]
    more = f"\n… and {len(findings) - len(shown)} more" if len(findings) > len(shown) else ""
    return (
        f"vibrails found {len(findings)} issue(s) in the code you changed this turn. Fix them "
        "(add the missing contracts, guards or invariants), or, where a finding is wrong, "
        "suppress it with '# noqa: CODE -- reason':\n" + "\n".join(shown) + more
    )


# -- the agents ------------------------------------------------------------------


def claude_code(payload: Mapping[str, Any], project: Project) -> Outcome:
    event = _text(payload, "hook_event_name")
    session = _text(payload, "session_id")
    if event == "UserPromptSubmit":
        _record_prompt(project, session, _text(payload, "prompt"))
        return Outcome()
    if event == "PostToolUse":
        tool = payload.get("tool_name")
        if tool not in _WRITE_TOOLS:
            return Outcome()
        tool_input = payload.get("tool_input")
        if not isinstance(tool_input, dict):
            raise HookError("PostToolUse without 'tool_input'")
        target = tool_input.get("file_path") or tool_input.get("notebook_path")
        if not isinstance(target, str) or not target:
            raise HookError(f"{tool} without 'file_path'")
        news: list[str] | None
        if tool == "Write":
            news = None
        elif tool == "MultiEdit":
            edits = tool_input.get("edits")
            news = [e.get("new_string", "") for e in edits if isinstance(e, dict)] if isinstance(
                edits, list) else []
        else:
            news = [str(tool_input.get("new_string") or tool_input.get("new_source") or "")]
        model = model_from_transcript(payload.get("transcript_path"))
        response = payload.get("tool_response")
        _record_edit(project, session, Path(target), _WRITE_TOOLS[str(tool)], model,
                     "claude-code", news, lambda _text: patch_lines(response))
        return Outcome()
    if event == "Stop":
        reason = _feedback(project, session, bool(payload.get("stop_hook_active")))
        if reason is None:
            return Outcome()
        if project.feedback == "warn":
            return Outcome(json.dumps({"systemMessage": reason}))
        return Outcome(json.dumps({"decision": "block", "reason": reason}))
    return Outcome()


def cursor(payload: Mapping[str, Any], project: Project) -> Outcome:
    event = _text(payload, "hook_event_name")
    session = str(payload.get("conversation_id") or payload.get("generation_id") or "")
    if not session:
        raise HookError("the payload has no 'conversation_id'")
    if event == "beforeSubmitPrompt":
        _record_prompt(project, session, _text(payload, "prompt"))
        return Outcome(json.dumps({"continue": True}))
    if event == "afterFileEdit":
        edits = payload.get("edits")
        news = [str(e.get("new_string", "")) for e in edits if isinstance(e, dict)] if isinstance(
            edits, list) else None
        model = payload.get("model")
        _record_edit(project, session, Path(_text(payload, "file_path")), "edited",
                     model if isinstance(model, str) else "", "cursor", news)
        return Outcome()
    if event == "stop":
        loops = payload.get("loop_count")
        active = isinstance(loops, int) and loops > 0
        reason = _feedback(project, session, active)
        if reason is None or project.feedback == "warn":
            return Outcome()
        return Outcome(json.dumps({"followup_message": reason}))
    return Outcome()


#: Gemini CLI's tools that write files, and the event each gives.
_GEMINI_WRITE_TOOLS = {"write_file": "generated", "replace": "edited", "edit": "edited"}


def gemini(payload: Mapping[str, Any], project: Project) -> Outcome:
    """Gemini CLI: ``BeforeAgent`` (prompt), ``AfterTool`` (``write_file``,
    ``replace``), ``AfterAgent`` (``decision: "deny"`` with the findings as
    the reason makes the agent go on)."""
    event = _text(payload, "hook_event_name")
    session = _text(payload, "session_id")
    if event == "BeforeAgent":
        _record_prompt(project, session, _text(payload, "prompt"))
        return Outcome()
    if event == "AfterTool":
        tool = payload.get("tool_name")
        if tool not in _GEMINI_WRITE_TOOLS:
            return Outcome()
        tool_input = payload.get("tool_input")
        if not isinstance(tool_input, dict):
            raise HookError("AfterTool without 'tool_input'")
        target = tool_input.get("file_path") or tool_input.get("absolute_path")
        if not isinstance(target, str) or not target:
            raise HookError(f"{tool} without 'file_path'")
        news = None if tool == "write_file" else [str(tool_input.get("new_string") or "")]
        model = payload.get("model")
        _record_edit(project, session, Path(target), _GEMINI_WRITE_TOOLS[str(tool)],
                     model if isinstance(model, str) else "", "gemini-cli", news)
        return Outcome()
    if event == "AfterAgent":
        reason = _feedback(project, session, bool(payload.get("stop_hook_active")))
        if reason is None or project.feedback == "warn":
            return Outcome()
        return Outcome(json.dumps({"decision": "deny", "reason": reason}))
    return Outcome()


def _record_removal(project: Project, session: str, path: Path, model: str,
                    tool: str) -> None:
    """A ``removed`` event for a file the agent deleted (or moved away)."""
    if path.exists():
        return  # not removed after all (the patch failed, or it was written again)
    event: dict[str, Any] = {"event": "removed", "path": project.repo_path(path),
                             "at": now_utc(), "tool": tool, "session": session}
    if model:
        event["model"] = model
    append(project.ledger, [event])


def codex(payload: Mapping[str, Any], project: Project) -> Outcome:
    """Codex CLI: ``UserPromptSubmit`` (prompt), ``PostToolUse`` whose input
    holds an ``apply_patch`` patch (each file it adds, updates, moves or
    deletes), ``Stop`` (``decision: "block"`` with the findings as the
    reason; Codex rejects unknown output fields, so nothing else is printed)."""
    from vibrails.provenance.patches import PatchError, added_lines, find_patch, parse_patch

    event = _text(payload, "hook_event_name")
    session = _text(payload, "session_id")
    if event == "UserPromptSubmit":
        _record_prompt(project, session, _text(payload, "prompt"))
        return Outcome()
    if event == "PostToolUse":
        tool_input = payload.get("tool_input")
        values = list(tool_input.values()) if isinstance(tool_input, dict) else [tool_input]
        patch = find_patch(values)
        if patch is None:
            return Outcome()  # a tool that writes no file (a shell command, a search)
        try:
            files = parse_patch(patch)
        except PatchError as exc:
            raise HookError(f"PostToolUse: {exc}") from None
        model = payload.get("model")
        model = model if isinstance(model, str) else ""
        where = payload.get("cwd")
        base = Path(where) if isinstance(where, str) and where else project.root
        for patched in files:
            target = Path(patched.path)
            target = target if target.is_absolute() else base / target
            if patched.action == "delete":
                _record_removal(project, session, target, model, "codex")
                continue
            if patched.action == "add":
                _record_edit(project, session, target, "generated", model, "codex", None)
                continue
            if patched.moved_from is not None:
                source = Path(patched.moved_from)
                _record_removal(project, session, source if source.is_absolute() else base / source,
                                model, "codex")
            hunks = patched.hunks
            added = ["\n".join(line for is_added, line in hunk.lines if is_added)
                     for hunk in hunks]
            _record_edit(project, session, target, "edited", model, "codex", added,
                         functools.partial(added_lines, hunks=hunks))
        return Outcome()
    if event == "Stop":
        reason = _feedback(project, session, bool(payload.get("stop_hook_active")))
        if reason is None or project.feedback == "warn":
            return Outcome()
        return Outcome(json.dumps({"decision": "block", "reason": reason}))
    return Outcome()


HANDLERS = {"claude-code": claude_code, "cursor": cursor, "gemini-cli": gemini, "codex": codex}


def run_hook(agent: str, raw: bytes, cwd: Path) -> Outcome:
    """Handle one hook call; never raises (errors are logged, exit 0)."""
    started = time.perf_counter()
    project: Project | None = None
    try:
        payload = json.loads(raw.decode("utf-8"))
        if not isinstance(payload, dict):
            raise HookError("the payload is not a JSON object")
        where = payload.get("cwd")
        roots = payload.get("workspace_roots")
        if not isinstance(where, str) and isinstance(roots, list) and roots:
            where = roots[0]
        project = Project.find(Path(where) if isinstance(where, str) else cwd)
        outcome = HANDLERS[agent](payload, project)
        if os.environ.get("VIBRAILS_HOOK_TIMING"):
            project.log(f"{agent}: {payload.get('hook_event_name')} in "
                        f"{time.perf_counter() - started:.3f}s")
        return outcome
    except Exception as exc:  # a hook never breaks the agent
        message = f"{agent} hook: {type(exc).__name__}: {exc}"
        try:
            if project is not None:
                project.log(message)
            else:
                os.write(2, (f"vibrails: {message}\n").encode())
        except OSError:
            pass
        return Outcome()
