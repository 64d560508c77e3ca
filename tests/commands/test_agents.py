"""``vibrails hook AGENT``: a coding agent's session simulated from its hook payloads.

The payloads are fixtures in ``tests/data/agents/`` written in each agent's
documented format (field names as documented; values ours), with ``CWD``,
``TRANSCRIPT`` and the edit texts filled in per test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from util import DATA, run_vibrails, write

from vibrails.provenance.prompts import SECRET_PATTERNS, redact, store_prompt

DATA = DATA / "agents"
BASKET = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"
TALLY = "def tally(name, counts={}):\n    counts[name] = counts.get(name, 0) + 1\n    return counts\n"


def payload(name: str, root: Path, **fill: str) -> str:
    text = (DATA / name).read_text("utf-8")
    text = text.replace("TRANSCRIPT", str(root / "transcript.jsonl")).replace("CWD", str(root))
    for key, value in fill.items():
        text = text.replace(f'"{key}"', json.dumps(value))
    return text


def hook(agent: str, text: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vibrails", "hook", agent], input=text,
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def events(root: Path) -> list[dict[str, Any]]:
    ledger = root / ".vibrails" / "ledger.jsonl"
    if not ledger.exists():
        return []
    return [json.loads(line) for line in ledger.read_text("utf-8").splitlines() if line]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n"})
    (tmp_path / "transcript.jsonl").write_text(
        (DATA / "claude-code-transcript.jsonl").read_text("utf-8"), "utf-8")
    return tmp_path


def test_a_claude_code_session_leaves_a_verifying_ledger_and_blocks_with_findings(
    repo: Path,
) -> None:
    # The user's prompt: stored redacted, content-addressed.
    done = hook("claude-code", payload("claude-code-UserPromptSubmit.json", repo), repo)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    [prompt] = (repo / ".vibrails" / "prompts").iterdir()
    stored = prompt.read_text("utf-8")
    assert "sk-ant-" not in stored and "[REDACTED:anthropic-key]" in stored
    # The agent writes the file, then edits it.
    write(repo, {"app/billing.py": BASKET})
    done = hook("claude-code", payload("claude-code-PostToolUse-Write.json", repo,
                                       CONTENT=BASKET), repo)
    assert done.returncode == 0, done.stderr
    write(repo, {"app/billing.py": BASKET + "\n\n" + TALLY})
    done = hook("claude-code", payload("claude-code-PostToolUse-Edit.json", repo,
                                       OLD="", NEW=TALLY), repo)
    assert done.returncode == 0, done.stderr
    generated, edited = events(repo)
    assert generated["event"] == "generated" and edited["event"] == "edited"
    for event in (generated, edited):
        assert event["path"] == "app/billing.py"
        assert event["model"] == "claude-sonnet-4-5-20250929"
        assert event["tool"] == "claude-code" and event["session"] == "abc123-session"
        assert event["prompt"] == f".vibrails/prompts/{prompt.name}"
    assert generated["lines"] == [1, 3] and edited["lines"] == [6, 8]
    verify = run_vibrails("ledger", "verify", cwd=repo)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # The check tags the file by the ledger: recorded, prompt present, unchanged.
    check = run_vibrails("check", "--no-cache", "--format", "json", cwd=repo)
    codes = {f["code"] for f in json.loads(check.stdout)}
    assert "VBR304" in codes and not codes & {"VBR401", "VBR402", "VBR403"}, codes
    # End of the turn: the findings go back to the agent as a block decision.
    done = hook("claude-code", payload("claude-code-Stop.json", repo), repo)
    decision = json.loads(done.stdout)
    assert decision["decision"] == "block"
    assert "app/billing.py:1:22: VBR304" in decision["reason"]
    # The agent stops again without changing anything: not blocked twice.
    again = payload("claude-code-Stop.json", repo).replace('"stop_hook_active": false',
                                                           '"stop_hook_active": true')
    done = hook("claude-code", again, repo)
    assert done.returncode == 0 and done.stdout == ""


def test_feedback_is_bounded_and_can_be_turned_off(repo: Path) -> None:
    write(repo, {"pyproject.toml": "[tool.vibrails.agents]\nmax-rounds = 1\n",
                 "app/billing.py": BASKET})
    hook("claude-code", payload("claude-code-PostToolUse-Write.json", repo, CONTENT=BASKET), repo)
    first = hook("claude-code", payload("claude-code-Stop.json", repo), repo)
    assert json.loads(first.stdout)["decision"] == "block"
    write(repo, {"app/billing.py": BASKET + "\nX = 1\n"})  # findings change, rounds do not
    hook("claude-code", payload("claude-code-PostToolUse-Write.json", repo, CONTENT=BASKET), repo)
    active = payload("claude-code-Stop.json", repo).replace('"stop_hook_active": false',
                                                            '"stop_hook_active": true')
    assert hook("claude-code", active, repo).stdout == ""  # max-rounds = 1 reached
    write(repo, {"pyproject.toml": '[tool.vibrails.agents]\nfeedback = "off"\n'})
    assert hook("claude-code", payload("claude-code-Stop.json", repo), repo).stdout == ""
    write(repo, {"pyproject.toml": '[tool.vibrails.agents]\nfeedback = "warn"\n'})
    warn = hook("claude-code", payload("claude-code-UserPromptSubmit.json", repo), repo)
    hook("claude-code", payload("claude-code-PostToolUse-Write.json", repo, CONTENT=BASKET), repo)
    warn = hook("claude-code", payload("claude-code-Stop.json", repo), repo)
    assert "decision" not in json.loads(warn.stdout) and "VBR304" in warn.stdout


def test_a_cursor_session(repo: Path) -> None:
    done = hook("cursor", payload("cursor-beforeSubmitPrompt.json", repo), repo)
    assert json.loads(done.stdout) == {"continue": True}
    [prompt] = (repo / ".vibrails" / "prompts").iterdir()
    assert "hunter2" not in prompt.read_text("utf-8")
    write(repo, {"app/tally.py": TALLY})
    done = hook("cursor", payload("cursor-afterFileEdit.json", repo, NEW=TALLY), repo)
    assert done.returncode == 0, done.stderr
    [event] = events(repo)
    assert (event["event"], event["path"], event["model"], event["tool"], event["session"],
            event["lines"]) == ("edited", "app/tally.py", "gpt-5", "cursor", "conv-42", [1, 3])
    done = hook("cursor", payload("cursor-stop.json", repo), repo)
    assert "app/tally.py:1:24: VBR304" in json.loads(done.stdout)["followup_message"]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"hook_event_name": "PostToolUse"}',  # no session
        '{"hook_event_name": "PostToolUse", "session_id": "s", "tool_name": "Write"}',
        '{"hook_event_name": "PostToolUse", "session_id": "s", "tool_name": "Write", '
        '"tool_input": {"file_path": "/etc/hostname"}}',  # outside the repository
        '{"hook_event_name": "PostToolUse", "session_id": "s", "tool_name": "Edit", '
        '"tool_input": {"file_path": "missing.py", "new_string": "x"}}',
        '{"hook_event_name": "UserPromptSubmit", "session_id": "s"}',  # no prompt
    ],
)
def test_bad_payloads_are_logged_and_change_nothing(repo: Path, text: str) -> None:
    done = hook("claude-code", text, repo)
    assert done.returncode == 0 and done.stdout == ""
    assert events(repo) == []
    log = repo / ".vibrails" / "hooks.log"
    assert (log.exists() and "claude-code hook:" in log.read_text("utf-8")) or \
        "vibrails: claude-code hook:" in done.stderr


def test_hooks_firing_in_parallel_lose_nothing(repo: Path) -> None:
    names = [f"app/m{index}.py" for index in range(8)]
    write(repo, dict.fromkeys(names, BASKET))
    texts = [payload("claude-code-PostToolUse-Write.json", repo, CONTENT=BASKET).replace(
        f"{repo}/app/billing.py", f"{repo}/{name}") for name in names]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda text: hook("claude-code", text, repo), texts))
    assert all(r.returncode == 0 for r in results)
    assert sorted(e["path"] for e in events(repo)) == sorted(names)
    assert run_vibrails("ledger", "verify", cwd=repo).returncode == 0
    state = json.loads((repo / ".vibrails" / "sessions" / "abc123-session.json").read_text())
    assert sorted(state["changed"]) == sorted(names)


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        ("sk-ant-api03-" + "A" * 40, "anthropic-key"),
        ("sk-proj-" + "b" * 40, "openai-key"),
        ("ghp_" + "c" * 36, "github-token"),
        ("github_pat_" + "d" * 30, "github-token"),
        ("AKIAABCDEFGHIJKLMNOP", "aws-access-key"),
        ("AIza" + "e" * 35, "google-api-key"),
        ("sk_live_" + "f" * 24, "stripe-key"),
        ("xoxb-1234567890-abcdef", "slack-token"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop", "jwt"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "private-key"),
    ],
)
def test_each_secret_pattern_is_redacted(secret: str, kind: str) -> None:
    text, count = redact(f"use {secret} here")
    assert secret not in text and f"[REDACTED:{kind}]" in text and count == 1


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("password=hunter2hunter2", "password="),
        ('api_key: "abcd1234efgh"', "api_key"),
        ("Authorization: Bearer abcdefghijklmnopqrstuv", "Bearer"),
        ("postgres://admin:s3cret@db/prod", "postgres://"),
    ],
)
def test_assigned_secrets_keep_their_name(text: str, kept: str) -> None:
    clean, count = redact(text)
    assert count == 1 and kept in clean and "[REDACTED:" in clean


def test_ordinary_prompts_are_untouched() -> None:
    text = "Add a function total(items) that sums prices; keep the tests passing."
    assert redact(text) == (text, 0)
    assert len(SECRET_PATTERNS) >= 10


def test_prompts_are_stored_once(tmp_path: Path) -> None:
    first = store_prompt(tmp_path, "same words")
    assert store_prompt(tmp_path, "same words") == first
    assert first.name.endswith(".md") and len(list(tmp_path.iterdir())) == 1


def test_ledger_show_prints_the_stored_prompt(repo: Path) -> None:
    hook("claude-code", payload("claude-code-UserPromptSubmit.json", repo), repo)
    write(repo, {"app/billing.py": BASKET})
    hook("claude-code", payload("claude-code-PostToolUse-Write.json", repo, CONTENT=BASKET), repo)
    shown = run_vibrails("ledger", "show", "app/billing.py", cwd=repo)
    assert "session=abc123-session" in shown.stdout
    assert "      | Write app/billing.py with a function" in shown.stdout
    assert "[REDACTED:anthropic-key]" in shown.stdout and "sk-ant-" not in shown.stdout
    quiet = run_vibrails("ledger", "show", "--no-prompts", "app/billing.py", cwd=repo)
    assert "      | " not in quiet.stdout


def test_a_gemini_cli_session(repo: Path) -> None:
    hook("gemini-cli", payload("gemini-cli-BeforeAgent.json", repo), repo)
    [prompt] = (repo / ".vibrails" / "prompts").iterdir()
    assert "ghp_" not in prompt.read_text("utf-8")
    write(repo, {"app/stock.py": BASKET})
    done = hook("gemini-cli", payload("gemini-cli-AfterTool.json", repo, CONTENT=BASKET), repo)
    assert done.returncode == 0, done.stderr
    [event] = events(repo)
    assert (event["event"], event["path"], event["tool"], event["session"], event["lines"]) == (
        "generated", "app/stock.py", "gemini-cli", "gem-7", [1, 3])
    done = hook("gemini-cli", payload("gemini-cli-AfterAgent.json", repo), repo)
    decision = json.loads(done.stdout)
    assert decision["decision"] == "deny" and "app/stock.py:1:22: VBR304" in decision["reason"]


def test_an_edit_of_a_human_file_tags_the_edited_lines_only(repo: Path) -> None:
    """A file the agent only edited (no Write) is tagged where the agent wrote:
    a finding in the human lines around is not reported."""
    write(repo, {"app/billing.py": BASKET})  # written by a person
    hook("claude-code", payload("claude-code-UserPromptSubmit.json", repo), repo)
    write(repo, {"app/billing.py": BASKET + "\n\n" + TALLY})
    done = hook("claude-code", payload("claude-code-PostToolUse-Edit.json", repo,
                                       OLD="", NEW=TALLY), repo)
    assert done.returncode == 0, done.stderr
    check = run_vibrails("check", "--no-cache", "--format", "json", cwd=repo)
    found = {(f["code"], f["line"]) for f in json.loads(check.stdout)}
    assert ("VBR304", 6) in found and ("VBR304", 1) not in found, found
    assert not {code for code, _ in found} & {"VBR401", "VBR402"}, found
    shown = run_vibrails("check", "--show-files", cwd=repo)
    assert "app/billing.py: partly tagged: lines 6-8 by ledger event" in shown.stdout


# -- vibrails init --agent --------------------------------------------------------

USER_SETTINGS = """{
  // not JSON: refused
}
"""

EXISTING = """{
  "model": "opus",
  "permissions": {"allow": ["Bash(npm test)"]},
  "hooks": {
    "PostToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "./audit.sh"}]}
    ]
  },
  "env": {"FOO": "1"}
}
"""


def test_init_agent_creates_merges_and_is_idempotent(tmp_path: Path) -> None:
    from vibrails.commands.agent_setup import _top_level_values, merged

    created = run_vibrails("init", "--agent", "claude-code", "--agent", "cursor", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    settings = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    assert set(settings["hooks"]) == {"UserPromptSubmit", "PostToolUse", "Stop"}
    cursor_hooks = json.loads((tmp_path / ".cursor" / "hooks.json").read_text())
    assert cursor_hooks["version"] == 1 and set(cursor_hooks["hooks"]) == {
        "beforeSubmitPrompt", "afterFileEdit", "stop"}
    before = (tmp_path / ".claude" / "settings.json").read_bytes()
    again = run_vibrails("init", "--agent", "claude-code", cwd=tmp_path)
    assert "unchanged" in again.stdout
    assert (tmp_path / ".claude" / "settings.json").read_bytes() == before
    # Merging keeps every byte outside "hooks", and the user's own hook.
    text, added = merged("claude-code", EXISTING)
    assert set(added) == {"PostToolUse", "Stop", "UserPromptSubmit"}
    data = json.loads(text)
    assert data["hooks"]["PostToolUse"][0]["hooks"][0]["command"] == "./audit.sh"
    assert data["hooks"]["PostToolUse"][1]["hooks"][0]["command"] == "vibrails hook claude-code"
    start, end = _top_level_values(EXISTING)["hooks"]
    new_start, new_end = _top_level_values(text)["hooks"]
    assert text[:new_start] == EXISTING[:start] and text[new_end:] == EXISTING[end:]
    assert merged("claude-code", text) == (text, [])
    # A file without hooks gets the key after its opening brace, the rest untouched.
    plain = '{\n  "model": "opus"\n}\n'
    text, _ = merged("claude-code", plain)
    assert text.endswith('"model": "opus"\n}\n') and json.loads(text)["model"] == "opus"
    assert merged("cursor", "{}")[0].startswith('{\n  "hooks": {')


def test_init_agent_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    write(tmp_path, {".claude/settings.json": USER_SETTINGS})
    result = run_vibrails("init", "--agent", "claude-code", cwd=tmp_path)
    assert result.returncode == 2 and "not valid JSON" in result.stderr
    assert (tmp_path / ".claude" / "settings.json").read_text() == USER_SETTINGS


# -- exact lines from Claude Code's structuredPatch ------------------------------


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        # one hunk: context, a removed line, two added lines
        ({"structuredPatch": [{"oldStart": 4, "oldLines": 3, "newStart": 4, "newLines": 4,
                               "lines": [" a", "-b", "+c", "+d", " e"]}]}, [5, 6]),
        # two hunks: the span covers both
        ({"structuredPatch": [
            {"newStart": 2, "lines": ["+x", " y"]},
            {"newStart": 30, "lines": [" p", " q", "+r", "\\ No newline at end of file"]},
        ]}, [2, 32]),
        # only removals: no added line
        ({"structuredPatch": [{"newStart": 3, "lines": [" a", "-b"]}]}, None),
        # no patch, or one of another shape: None (the new text is searched instead)
        ({"filePath": "/x.py", "success": True}, None),
        ({"structuredPatch": [{"newStart": "3", "lines": ["+a"]}]}, None),
        ({"structuredPatch": [{"newStart": 3, "lines": [1]}]}, None),
        ({"structuredPatch": "not a list"}, None),
        ("not an object", None),
    ],
)
def test_patch_lines(response: object, expected: list[int] | None) -> None:
    from vibrails.commands.hook import patch_lines

    assert patch_lines(response) == expected


def test_an_edit_that_repeats_a_snippet_is_placed_by_its_patch(repo: Path) -> None:
    """The same function written twice: the search for the new text finds the
    first copy, the response's structuredPatch says it was the second."""
    write(repo, {"app/billing.py": TALLY + "\n\n" + TALLY})  # lines 1-3 and 6-8
    text = payload("claude-code-PostToolUse-Edit.json", repo, OLD="", NEW=TALLY)
    data = json.loads(text)
    data["tool_response"]["structuredPatch"] = [
        {"oldStart": 4, "oldLines": 0, "newStart": 4, "newLines": 5,
         "lines": ["+", "+", *(f"+{line}" for line in TALLY.splitlines())]},
    ]
    assert hook("claude-code", json.dumps(data), repo).returncode == 0
    del data["tool_response"]["structuredPatch"]
    assert hook("claude-code", json.dumps(data), repo).returncode == 0
    lines = [event.get("lines") for event in events(repo) if event.get("tool") == "claude-code"]
    assert lines == [[4, 8], [1, 3]]


def test_init_agent_makes_git_ignore_the_session_state(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    first = run_vibrails("init", "--agent", "claude-code", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / ".vibrails" / ".gitignore").read_text() == "sessions/\nhooks.log\n"
    assert ".vibrails/.gitignore: created" in first.stdout
    again = run_vibrails("init", "--agent", "cursor", cwd=tmp_path)
    assert ".vibrails/.gitignore: already ignores" in again.stdout
    # git itself ignores the state and the log, not the ledger or the prompts
    write(tmp_path, {".vibrails/sessions/s.json": "{}", ".vibrails/hooks.log": "x\n",
                     ".vibrails/ledger.jsonl": "", ".vibrails/prompts/p.txt": "p"})
    listed = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain", "-uall"],
                            capture_output=True, text=True, check=True).stdout
    assert ".vibrails/ledger.jsonl" in listed and ".vibrails/prompts/p.txt" in listed
    assert "sessions" not in listed and "hooks.log" not in listed
    # a project's own lines are kept; a ledger moved elsewhere gets its .gitignore there
    write(tmp_path, {"pyproject.toml": '[tool.vibrails]\nledger = "prov/ledger.jsonl"\n',
                     "prov/.gitignore": "*.bak"})
    moved = run_vibrails("init", "--agent", "claude-code", cwd=tmp_path)
    assert "prov/.gitignore: added to" in moved.stdout, moved.stdout
    assert (tmp_path / "prov" / ".gitignore").read_text() == "*.bak\nsessions/\nhooks.log\n"


# -- Codex CLI: edits as apply_patch patches --------------------------------------

STOCK = "def restock(name, levels={}):\n    levels[name] = levels.get(name, 0) + 1\n    return levels\n"


def _patch(*body: str) -> str:
    return "\n".join(["*** Begin Patch", *body, "*** End Patch"]) + "\n"


def test_a_codex_session(repo: Path) -> None:
    done = hook("codex", payload("codex-UserPromptSubmit.json", repo), repo)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    [prompt] = (repo / ".vibrails" / "prompts").iterdir()
    assert "ghp_" not in prompt.read_text("utf-8")
    # The agent adds a file: the patch is applied, then the hook reads it.
    write(repo, {"app/stock.py": STOCK})
    added = _patch("*** Add File: app/stock.py", *(f"+{line}" for line in STOCK.splitlines()))
    done = hook("codex", payload("codex-PostToolUse-apply_patch.json", repo, PATCH=added), repo)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    # Then updates a file a person wrote, as a shell command's argument list.
    write(repo, {"app/billing.py": BASKET + "\n\n" + TALLY})
    updated = _patch(
        "*** Update File: app/billing.py",
        "@@ def add(item, basket=[]):",
        "     return basket",
        "+",
        "+",
        *(f"+{line}" for line in TALLY.splitlines()),
    )
    data = json.loads(payload("codex-PostToolUse-apply_patch.json", repo))
    data["tool_name"] = "shell"
    data["tool_input"] = {"command": ["apply_patch", updated], "workdir": str(repo)}
    done = hook("codex", json.dumps(data), repo)
    assert done.returncode == 0, done.stderr
    generated, edited = events(repo)
    assert (generated["event"], generated["path"], generated["lines"]) == (
        "generated", "app/stock.py", [1, 3])
    assert (edited["event"], edited["path"], edited["lines"]) == ("edited", "app/billing.py", [4, 8])
    for event in (generated, edited):
        assert event["model"] == "gpt-5.1-codex" and event["tool"] == "codex"
        assert event["session"] == "019a-codex-session"
        assert event["prompt"] == f".vibrails/prompts/{prompt.name}"
    verify = run_vibrails("ledger", "verify", cwd=repo)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # Only the agent's lines of billing.py are checked: VBR304 at 6, not at 1.
    check = run_vibrails("check", "--no-cache", "--format", "json", cwd=repo)
    found = {(f["path"], f["code"], f["line"]) for f in json.loads(check.stdout)}
    assert ("app/billing.py", "VBR304", 6) in found and ("app/stock.py", "VBR304", 1) in found
    assert ("app/billing.py", "VBR304", 1) not in found, found
    # The end of the turn blocks with the findings, and only decision and reason.
    done = hook("codex", payload("codex-Stop.json", repo), repo)
    decision = json.loads(done.stdout)
    assert set(decision) == {"decision", "reason"} and decision["decision"] == "block"
    assert "app/stock.py:1:26: VBR304" in decision["reason"], decision["reason"]


def test_codex_moves_and_deletes_are_recorded_as_removals(repo: Path) -> None:
    write(repo, {"app/new_name.py": TALLY})
    moved = _patch("*** Update File: app/old_name.py", "*** Move to: app/new_name.py",
                   "@@", " def tally(name, counts={}):", "-    counts[name] = 1",
                   "+    counts[name] = counts.get(name, 0) + 1", "     return counts",
                   "*** Delete File: app/gone.py")
    done = hook("codex", payload("codex-PostToolUse-apply_patch.json", repo, PATCH=moved), repo)
    assert done.returncode == 0, done.stderr
    found = [(e["event"], e["path"], e.get("lines")) for e in events(repo)]
    assert found == [("removed", "app/old_name.py", None), ("edited", "app/new_name.py", [2, 2]),
                     ("removed", "app/gone.py", None)]
    assert run_vibrails("ledger", "verify", cwd=repo).returncode == 0


@pytest.mark.parametrize("text", [
    "*** Begin Patch\n*** Update File: app/x.py\n@@\n+x = 1\n",  # no end
    "*** Begin Patch\n+x = 1\n*** End Patch\n",  # a line before any file
    "*** Begin Patch\n*** Add File: app/x.py\nx = 1\n*** End Patch\n",  # no '+'
])
def test_a_broken_codex_patch_is_logged_and_writes_nothing(repo: Path, text: str) -> None:
    done = hook("codex", payload("codex-PostToolUse-apply_patch.json", repo, PATCH=text), repo)
    assert done.returncode == 0 and done.stdout == ""
    assert events(repo) == []
    assert "codex hook: HookError: PostToolUse:" in (repo / ".vibrails" / "hooks.log").read_text()


def test_codex_tool_calls_without_a_patch_are_ignored(repo: Path) -> None:
    data = json.loads(payload("codex-PostToolUse-apply_patch.json", repo))
    data["tool_name"], data["tool_input"] = "shell", {"command": ["rg", "TODO"]}
    done = hook("codex", json.dumps(data), repo)
    assert done.returncode == 0 and done.stdout == "" and events(repo) == []
    assert not (repo / ".vibrails" / "hooks.log").exists()


def test_every_agent_is_offered_by_hook_and_init() -> None:
    from vibrails.commands.agent_setup import AGENT_FILES
    from vibrails.commands.cli import hook as hook_command
    from vibrails.commands.hook import AGENTS, HANDLERS
    from vibrails.commands.init import init as init_command

    assert set(HANDLERS) == set(AGENT_FILES) == set(AGENTS)
    hook_choices = hook_command.params[0].type.choices  # type: ignore[attr-defined]
    init_choices = next(p for p in init_command.params if p.name == "agents").type.choices  # type: ignore[attr-defined]
    assert list(hook_choices) == list(init_choices) == list(AGENTS)
