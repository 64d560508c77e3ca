"""``vibrails init --agent AGENT``: write the agent's hook configuration.

The hooks that run ``vibrails hook AGENT`` (see docs/agents.md) go into the
agent's own file in the project: ``.claude/settings.json`` (Claude Code),
``.cursor/hooks.json`` (Cursor), ``.gemini/settings.json`` (Gemini CLI),
``.codex/hooks.json`` (Codex CLI, which also needs ``[features] hooks = true``
in its own configuration).

Merging keeps the user's file: only the top-level ``hooks`` value is
rewritten (the user's own hooks kept, ours added next to them); every byte
outside it stays as it was. A file without ``hooks`` gets the key inserted
after its opening brace. An event that already runs ``vibrails hook AGENT``
is left alone, so running the command twice changes nothing. A file that
is not a JSON object is refused, untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_CLAUDE_TIMEOUTS = {"UserPromptSubmit": 10, "PostToolUse": 10, "Stop": 60}


def _claude_like(agent: str, events: dict[str, str | None]) -> dict[str, list[dict[str, Any]]]:
    hooks: dict[str, list[dict[str, Any]]] = {}
    for event, matcher in events.items():
        entry: dict[str, Any] = {}
        if matcher:
            entry["matcher"] = matcher
        command: dict[str, Any] = {"type": "command", "command": f"vibrails hook {agent}"}
        if agent == "claude-code":
            command["timeout"] = _CLAUDE_TIMEOUTS[event]
        entry["hooks"] = [command]
        hooks[event] = [entry]
    return hooks


#: agent: (file, the hooks vibrails needs, keys of a new file besides "hooks").
AGENT_FILES: dict[str, tuple[str, dict[str, list[dict[str, Any]]], dict[str, Any]]] = {
    "claude-code": (".claude/settings.json", _claude_like("claude-code", {
        "UserPromptSubmit": None,
        "PostToolUse": "Write|Edit|MultiEdit|NotebookEdit",
        "Stop": None,
    }), {}),
    "cursor": (".cursor/hooks.json", {
        event: [{"command": "vibrails hook cursor"}]
        for event in ("beforeSubmitPrompt", "afterFileEdit", "stop")
    }, {"version": 1}),
    "gemini-cli": (".gemini/settings.json", _claude_like("gemini-cli", {
        "BeforeAgent": None,
        "AfterTool": "write_file|replace",
        "AfterAgent": None,
    }), {}),
    # Codex's edits are patches run by more than one tool: every PostToolUse
    # runs the hook, which returns at once when the input holds no patch.
    "codex": (".codex/hooks.json", _claude_like("codex", {
        "UserPromptSubmit": None,
        "PostToolUse": None,
        "Stop": None,
    }), {}),
}


class SetupError(Exception):
    """The agent's file cannot be merged (it is left as it was)."""


def _runs_us(entries: Any, command: str) -> bool:
    """Whether a hook event's entries already run ``command``."""
    text = json.dumps(entries)
    return json.dumps(command) in text


def _top_level_values(text: str) -> dict[str, tuple[int, int]]:
    """``key: (start, end)`` of each value of the top-level object of ``text``
    (valid JSON), by scanning: strings, escapes and nesting only."""
    spans: dict[str, tuple[int, int]] = {}
    pos = text.index("{") + 1
    depth = 0
    key: str | None = None
    start = 0
    in_string = False
    key_start = 0
    expecting_key = True
    index = pos
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 2
                continue
            if char == '"':
                in_string = False
                if depth == 0 and expecting_key:
                    key = json.loads(text[key_start : index + 1])
            index += 1
            continue
        if char == '"':
            in_string = True
            if depth == 0 and expecting_key:
                key_start = index
        elif char == ":" and depth == 0 and expecting_key:
            expecting_key = False
            start = index + 1
            while text[start] in " \t\r\n":
                start += 1
        elif char in "{[":
            depth += 1
        elif char in "}]":
            if depth == 0:  # the end of the top-level object
                if key is not None and not expecting_key:
                    spans[key] = (start, len(text[:index].rstrip()))
                break
            depth -= 1
        elif char == "," and depth == 0:
            if key is not None:
                spans[key] = (start, len(text[:index].rstrip()))
            expecting_key = True
            key = None
        index += 1
    return spans


def _indent_of(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return line[: len(line) - len(line.lstrip())]


def merged(agent: str, existing: str | None) -> tuple[str, list[str]]:
    """The file's new text and the hook events added (none: unchanged)."""
    _, ours, extra = AGENT_FILES[agent]
    command = f"vibrails hook {agent}"
    if existing is None or not existing.strip():
        data = {**extra, "hooks": ours}
        return json.dumps(data, indent=2) + "\n", sorted(ours)
    try:
        data = json.loads(existing)
    except ValueError as exc:
        raise SetupError(f"not valid JSON ({exc}); fix it or move it away") from None
    if not isinstance(data, dict):
        raise SetupError("not a JSON object")
    hooks = data.get("hooks", {})
    if not isinstance(hooks, dict):
        raise SetupError("its 'hooks' is not an object")
    added = []
    new_hooks = dict(hooks)
    for event, entries in ours.items():
        current = new_hooks.get(event)
        if current is not None and _runs_us(current, command):
            continue
        new_hooks[event] = [*(current if isinstance(current, list) else []), *entries]
        added.append(event)
    if not added:
        return existing, []
    spans = _top_level_values(existing)
    if "hooks" in spans:
        start, end = spans["hooks"]
        indent = _indent_of(existing, start)
        value = json.dumps(new_hooks, indent=2).replace("\n", "\n" + indent)
        return existing[:start] + value + existing[end:], added
    brace = existing.index("{") + 1
    indent = "  "
    value = json.dumps(new_hooks, indent=2).replace("\n", "\n" + indent)
    separator = "," if data else ""
    return existing[:brace] + f'\n{indent}"hooks": {value}{separator}' + existing[brace:], added


def set_up(agent: str, folder: Path) -> str:
    """Write the hooks of ``agent`` under ``folder``; what was done, in words."""
    relative, _, _ = AGENT_FILES[agent]
    path = folder / relative
    existing = path.read_text("utf-8") if path.exists() else None
    try:
        text, added = merged(agent, existing)
    except SetupError as exc:
        raise SetupError(f"{relative}: {exc}") from None
    if not added:
        return f"{relative}: already runs vibrails hook {agent} (unchanged)"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    verb = "added to" if existing else "created"
    return f"{relative}: {verb}, hooks {', '.join(added)} run vibrails hook {agent}"


#: What the hooks keep beside the ledger that is not provenance: the session
#: state (and its locks) and the hook log. The ledger and the prompts are
#: committed; these are not.
STATE_IGNORES = ("sessions/", "hooks.log")


def ignore_state(folder: Path) -> str:
    """Make the hooks' session state and log ignored by git: a ``.gitignore``
    in the ledger's folder (``.vibrails/`` by default), created or completed,
    every line already there kept; what was done, in words."""
    from vibrails.config import ConfigError, load_config

    try:
        config = load_config(None, folder, start=folder)
        ledger = config.root / str(config.values["ledger"])
    except ConfigError:
        ledger = folder / ".vibrails" / "ledger.jsonl"
    state = ledger.parent
    path = state / ".gitignore"
    try:
        shown = path.relative_to(folder).as_posix()
    except ValueError:
        shown = str(path)
    existing = path.read_text("utf-8") if path.exists() else ""
    present = {line.strip() for line in existing.splitlines()}
    missing = [entry for entry in STATE_IGNORES if entry not in present]
    if not missing:
        return f"{shown}: already ignores the hooks' session state and log (unchanged)"
    state.mkdir(parents=True, exist_ok=True)
    separator = "" if not existing or existing.endswith("\n") else "\n"
    path.write_text(existing + separator + "\n".join(missing) + "\n", "utf-8")
    verb = "added to" if existing else "created"
    return f"{shown}: {verb}, git ignores {', '.join(missing)} (the hooks' session state and log)"
