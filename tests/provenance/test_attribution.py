"""Attribution logs: Agent Trace records and git-ai notes tag just their lines,
and ``vibrails ledger import`` turns them into ledger events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from util import git as _git
from util import run_vibrails, write

from vibrails.provenance.attribution import parse_git_ai_note

#: Two mutable defaults: lines 1-3 (AI-written) and 5-7 (a human's).
MIXED = (
    "def ai_add(item, basket=[]):\n"
    "    basket.append(item)\n"
    "    return basket\n"
    "\n"
    "def human_add(item, basket=[]):\n"
    "    basket.append(item)\n"
    "    return basket\n"
)


def _trace(path: str, ranges: list[tuple[int, int]], kind: str = "ai",
           model: str = "anthropic/claude-opus-4-5", rid: str = "trace-1") -> str:
    record = {
        "version": "0.1.0",
        "id": rid,
        "timestamp": "2026-11-20T09:30:00Z",
        "tool": {"name": "cursor", "version": "2.0"},
        "files": [
            {
                "path": path,
                "conversations": [
                    {
                        "url": "https://example.com/chat/1",
                        "contributor": {"type": kind, "model_id": model},
                        "ranges": [{"start_line": s, "end_line": e, "content_hash": "murmur3:0"}
                                   for s, e in ranges],
                    }
                ],
            }
        ],
    }
    return json.dumps(record) + "\n"


def _check(root: Path, *select: str) -> list[dict[str, object]]:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select",
                          ",".join(select), cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


@pytest.fixture
def traced(tmp_path: Path) -> Path:
    write(tmp_path, {
        "pyproject.toml": "[tool.vibrails]\n",
        "src/mixed.py": MIXED,
        "src/human.py": MIXED,
        ".agent-trace/traces.jsonl": (
            _trace("src/mixed.py", [(1, 3)])
            + _trace("src/human.py", [(1, 7)], kind="human", rid="trace-2")
            + "not json\n"
        ),
    })
    return tmp_path


def test_agent_trace_tags_only_its_lines(traced: Path) -> None:
    findings = _check(traced, "VBR304")
    assert [(f["path"], f["line"], f["tag"]) for f in findings] == [
        ("src/mixed.py", 1, "agent-trace:trace-1")
    ]


def test_agent_trace_model_counts_its_missing_prompt_does_not(traced: Path) -> None:
    findings = _check(traced, "VBR401", "VBR402")
    assert [(f["code"], f["line"]) for f in findings] == [("VBR402", 1)]
    message = str(findings[0]["message"])
    assert "lacks prompt" in message
    assert "--model anthropic/claude-opus-4-5 --prompt PROMPT" in message
    assert findings[0]["tag"] == "agent-trace:trace-1"


def test_a_finding_outside_the_range_is_not_reported_but_file_rules_are(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/mixed.py": MIXED,
        ".agent-trace/traces.jsonl": _trace("src/mixed.py", [(5, 7)], kind="mixed", model=""),
    })
    findings = _check(tmp_path, "VBR304", "VBR401")
    assert [(f["code"], f["line"]) for f in findings] == [("VBR401", 1), ("VBR304", 5)]


@pytest.fixture
def noted(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    write(tmp_path, {"src/mixed.py": MIXED, "src/other.py": MIXED})
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "helpers")
    note = (
        "src/mixed.py\n"
        "  s_0123456789abcd::t_0123456789abce 1-3\n"
        "  h_0123456789abcf 5-7\n"
        "---\n"
        + json.dumps({
            "schema_version": "authorship/3.0.0",
            "base_commit_sha": _git(tmp_path, "rev-parse", "HEAD").strip(),
            "prompts": {},
            "sessions": {
                "s_0123456789abcd": {
                    "agent_id": {"tool": "claude-code", "id": "abc", "model": "claude-sonnet-4-5"},
                    "human_author": "Test <test@example.com>",
                }
            },
        }, indent=2)
    )
    _git(tmp_path, "notes", "--ref=ai", "add", "-m", note, "HEAD")
    return tmp_path


def test_git_ai_notes_tag_only_their_lines(noted: Path) -> None:
    commit = _git(noted, "rev-parse", "HEAD").strip()
    findings = _check(noted, "VBR304")
    assert [(f["path"], f["line"], f["tag"]) for f in findings] == [
        ("src/mixed.py", 1, f"git-ai:{commit[:10]}")
    ]
    findings = _check(noted, "VBR401", "VBR402")
    assert [(f["path"], f["code"]) for f in findings] == [("src/mixed.py", "VBR402")]
    assert "--model claude-sonnet-4-5" in str(findings[0]["message"])


def test_parse_git_ai_note_quoted_path_and_ranges() -> None:
    text = '"src/a b.py"\n  s_1::t_2 1-2,9,12-14\n---\n{"sessions": {}}'
    found = parse_git_ai_note(text, "c" * 40)
    assert [(a.start, a.end) for a in found["src/a b.py"]] == [(1, 2), (9, 9), (12, 14)]


def test_import_turns_records_into_events_once(noted: Path) -> None:
    # One repository with both an Agent Trace file and git-ai notes.
    write(noted, {".agent-trace/traces.jsonl": _trace("src/other.py", [(5, 7)])})
    result = run_vibrails("ledger", "import", cwd=noted)
    assert result.returncode == 0, result.stderr
    assert "imported 2 event(s)" in result.stdout
    lines = (noted / ".vibrails/ledger.jsonl").read_text().splitlines()
    events = {json.loads(line)["path"]: json.loads(line) for line in lines}
    assert events["src/other.py"]["model"] == "anthropic/claude-opus-4-5"
    assert events["src/other.py"]["lines"] == [5, 7]
    assert events["src/other.py"]["tool"] == "cursor"
    assert events["src/mixed.py"]["model"] == "claude-sonnet-4-5"
    assert events["src/mixed.py"]["import"].startswith("git-ai:")
    again = run_vibrails("ledger", "import", cwd=noted)
    assert again.returncode == 0 and "nothing to import" in again.stdout
    assert (noted / ".vibrails/ledger.jsonl").read_text().splitlines() == lines
    assert run_vibrails("ledger", "verify", cwd=noted).returncode == 0
    # The imported events are records: VBR401 is satisfied, VBR402 asks the prompt.
    findings = _check(noted, "VBR401", "VBR402", "VBR403")
    assert sorted((f["path"], f["code"]) for f in findings) == [
        ("src/mixed.py", "VBR402"), ("src/other.py", "VBR402")
    ]
