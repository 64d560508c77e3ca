"""The provenance ledger: appends under concurrency, merges in git, tamper
detection, torn lines, streaming reads, and the ``vibrails ledger`` commands."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from util import git as _git
from util import run_vibrails, write

from vibrails.provenance.events import event_hash, normalised_sha256, seal
from vibrails.provenance.store import append, ensure_gitattributes, read_events, verify

LEDGER = ".vibrails/ledger.jsonl"
SHA = "0" * 64


def _event(path: str = "src/a.py", kind: str = "generated", **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"event": kind, "path": path, "sha256": SHA, "at": "2026-11-20T09:30:00Z"}
    if kind in ("generated", "regenerated"):
        event.update(model="gpt-5.1", prompt="prompts/a.md")
    event.update(extra)
    return event


def _lines(ledger: Path) -> list[bytes]:
    return ledger.read_bytes().splitlines(keepends=True)


# -- the event and its hash ----------------------------------------------------


def test_sha256_normalises_newlines() -> None:
    assert normalised_sha256(b"a\r\nb\rc\n") == normalised_sha256(b"a\nb\nc\n")
    assert normalised_sha256(b"a\n") != normalised_sha256(b"a\n\n")


def test_hash_covers_every_field_and_not_the_spacing() -> None:
    event = _event()
    line = seal(event, None)
    parsed = json.loads(line)
    assert parsed["hash"] == event_hash(parsed)
    assert event_hash(dict(parsed, model="gpt-4o")) != parsed["hash"]
    spaced = json.dumps(parsed, indent=1)
    assert event_hash(json.loads(spaced)) == parsed["hash"]


# -- concurrency -----------------------------------------------------------------


def _writer(ledger: str, worker: int, count: int) -> None:
    for seq in range(count):
        append(Path(ledger), [_event(f"src/w{worker}.py", "edited", note=f"{worker}:{seq}")])


def test_sixteen_processes_append_without_losing_an_event(tmp_path: Path) -> None:
    ledger = tmp_path / LEDGER
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(ledger), w, 100)) for w in range(16)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    lines = _lines(ledger)
    assert len(lines) == 1600
    assert all(line.endswith(b"\n") for line in lines)
    notes = sorted(json.loads(line)["note"] for line in lines)
    assert notes == sorted(f"{w}:{s}" for w in range(16) for s in range(100))
    # Each worker's own events keep their order.
    for w in range(16):
        mine = [int(json.loads(x)["note"].split(":")[1]) for x in lines
                if json.loads(x)["note"].startswith(f"{w}:")]
        assert mine == list(range(100))
    assert verify(ledger) == []
    # A linear chain: each event points at the line before it.
    prev = None
    for line in lines:
        event = json.loads(line)
        assert event["prev"] == prev
        prev = event["hash"]


# -- branches in git -------------------------------------------------------------


def test_two_branches_append_and_merge_without_conflict(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    ledger = repo / LEDGER
    append(ledger, [_event("src/a.py"), _event("src/b.py")])
    ensure_gitattributes(ledger)
    assert (repo / ".vibrails/.gitattributes").read_text().strip().endswith(
        "ledger.jsonl merge=union"
    )
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "feature")
    append(ledger, [_event("src/c.py"), _event("src/a.py", "reviewed", by="bob")])
    _git(repo, "commit", "-q", "-am", "feature appends")
    _git(repo, "checkout", "-q", "main")
    append(ledger, [_event("src/a.py", "edited", by="alice")])
    append(ledger, [_event("src/d.py")])
    _git(repo, "commit", "-q", "-am", "main appends")
    _git(repo, "merge", "-q", "--no-edit", "feature")
    assert "<<<<<<<" not in ledger.read_text()
    events = [e for _, e in read_events(ledger)]
    assert len(events) == 6
    assert verify(ledger) == []
    # Appending after the merge keeps it valid, and the CLI agrees.
    append(ledger, [_event("src/e.py")])
    assert verify(ledger) == []
    result = run_vibrails("ledger", "verify", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 events" in result.stdout


def test_without_the_union_driver_the_same_merge_conflicts(tmp_path: Path) -> None:
    """The control experiment: what the .gitattributes line is for."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    ledger = repo / LEDGER
    append(ledger, [_event("src/a.py")])
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "checkout", "-q", "-b", "feature")
    append(ledger, [_event("src/c.py")])
    _git(repo, "commit", "-q", "-am", "feature")
    _git(repo, "checkout", "-q", "main")
    append(ledger, [_event("src/d.py")])
    _git(repo, "commit", "-q", "-am", "main")
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=T", "-c",
                           "user.email=t@e", "merge", "feature"], capture_output=True, text=True)
    assert done.returncode != 0


# -- tampering ---------------------------------------------------------------------


@pytest.fixture
def five(tmp_path: Path) -> Path:
    ledger = tmp_path / LEDGER
    for index in range(5):
        append(ledger, [_event(f"src/m{index}.py")])
    assert verify(ledger) == []
    return ledger


def _rewrite(ledger: Path, lines: list[bytes]) -> None:
    ledger.write_bytes(b"".join(lines))


def test_an_edited_event_is_named(five: Path) -> None:
    lines = _lines(five)
    lines[2] = lines[2].replace(b'"model":"gpt-5.1"', b'"model":"gpt-4o"')
    _rewrite(five, lines)
    problems = verify(five)
    assert [p.line for p in problems] == [3]
    assert "edited" in problems[0].message


def test_an_edited_and_rehashed_event_breaks_the_chain(five: Path) -> None:
    lines = _lines(five)
    event = json.loads(lines[2])
    event["model"] = "gpt-4o"
    lines[2] = seal(event, event["prev"])
    _rewrite(five, lines)
    problems = verify(five)
    assert problems and problems[0].line == 4
    assert "broken hash chain" in problems[0].message


def test_a_deleted_event_is_detected(five: Path) -> None:
    lines = _lines(five)
    del lines[1]
    _rewrite(five, lines)
    problems = verify(five)
    assert [p.line for p in problems] == [2]
    assert "no event of the ledger" in problems[0].message


def test_deleting_the_first_event_is_detected(five: Path) -> None:
    _rewrite(five, _lines(five)[1:])
    assert [p.line for p in verify(five)] == [1]


def test_reordered_events_are_detected(five: Path) -> None:
    lines = _lines(five)
    lines[1], lines[3] = lines[3], lines[1]
    _rewrite(five, lines)
    problems = verify(five)
    assert problems and problems[0].line == 2
    assert "reordered" in problems[0].message


def test_a_duplicated_event_does_not_verify_as_a_new_one(five: Path) -> None:
    lines = _lines(five)
    lines.insert(4, lines[1])
    _rewrite(five, lines)
    # The copy points at line 1, which is earlier: a fork, as after a merge.
    # It is still the same event; its successor keeps the chain.
    assert all(p.line != 1 for p in verify(five))


def test_truncation_mid_line_is_a_torn_last_line(five: Path) -> None:
    data = five.read_bytes()
    five.write_bytes(data[: len(data) - 40])
    problems = verify(five)
    assert [p.line for p in problems] == [5]
    assert "torn last line" in problems[0].message


def test_cli_verify_names_the_first_bad_event(five: Path) -> None:
    lines = _lines(five)
    lines[3] = lines[3].replace(b"src/m3.py", b"src/mX.py")
    del lines[1]
    _rewrite(five, lines)
    root = five.parent.parent
    result = run_vibrails("ledger", "verify", cwd=root)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(".vibrails/ledger.jsonl:2: ")
    assert "first bad event is on line 2" in result.stderr
    assert "Traceback" not in result.stderr


# -- crashes -----------------------------------------------------------------------


def test_a_torn_last_line_is_cut_by_the_next_append_and_nothing_else_changes(
    five: Path,
) -> None:
    intact = five.read_bytes()
    torn = seal(_event("src/torn.py"), json.loads(_lines(five)[-1])["hash"])[:57]
    five.write_bytes(intact + torn)
    assert [p.line for p in verify(five)] == [6]
    notes = append(five, [_event("src/after.py")])
    assert notes and "torn" in notes[0]
    data = five.read_bytes()
    assert data.startswith(intact)
    assert verify(five) == []
    last = json.loads(_lines(five)[-1])
    assert last["path"] == "src/after.py"
    assert last["prev"] == json.loads(intact.splitlines()[-1])["hash"]


def test_a_complete_last_event_without_newline_is_kept(five: Path) -> None:
    data = five.read_bytes()
    five.write_bytes(data[:-1])
    assert verify(five) == []
    append(five, [_event("src/after.py")])
    assert len(_lines(five)) == 6
    assert verify(five) == []


def test_verify_repair_cuts_a_torn_line(five: Path) -> None:
    five.write_bytes(five.read_bytes() + b'{"event":"gen')
    root = five.parent.parent
    assert run_vibrails("ledger", "verify", cwd=root).returncode == 1
    result = run_vibrails("ledger", "verify", "--repair", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "torn" in result.stderr


# -- streaming -----------------------------------------------------------------------


def _peak_child_rss_kib(*args: str, cwd: Path) -> int:
    """Peak RSS of one ``python -c`` child (a fresh process each time)."""
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from vibrails.provenance.store import verify\n"
        "problems = verify(Path(sys.argv[1]))\n"
        "assert problems == [], problems[:3]\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def test_a_large_ledger_verifies_in_bounded_memory(tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    large = tmp_path / "large.jsonl"
    prev = None
    with small.open("wb") as out:
        for index in range(10):
            line = seal(_event(f"src/f{index}.py"), prev)
            prev = json.loads(line)["hash"]
            out.write(line)
    prev = None
    count = 200_000
    with large.open("wb") as out:
        for index in range(count):
            line = seal(_event(f"src/pkg{index % 997}/f{index}.py", note="x" * 40), prev)
            start = line.index(b'"hash":"') + 8
            prev = line[start : start + 64].decode()
            out.write(line)
    size_mib = large.stat().st_size / 2**20
    assert size_mib > 60
    base = _peak_child_rss_kib(str(small), cwd=tmp_path)
    peak = _peak_child_rss_kib(str(large), cwd=tmp_path)
    # The file is well over 60 MiB; holding it (let alone its parsed events)
    # would add far more than this.
    assert peak - base < 20 * 1024, (base, peak)


def test_merge_points_are_resolved_with_a_second_pass(tmp_path: Path) -> None:
    ledger = tmp_path / LEDGER
    append(ledger, [_event("src/a.py")])
    base = json.loads(_lines(ledger)[0])["hash"]
    ledger.write_bytes(ledger.read_bytes() + seal(_event("src/b.py"), base)
                       + seal(_event("src/c.py"), base))
    assert verify(ledger) == []


# -- the commands --------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    write(tmp_path, {
        "pyproject.toml": "[tool.vibrails]\n",
        "prompts/billing.md": "Write the billing module.\n",
        "src/billing.py": "def total(prices):\r\n    return sum(prices)\r\n",
    })
    return tmp_path


def test_record_show_and_verify(project: Path) -> None:
    result = run_vibrails("ledger", "record", "src/billing.py", "--model", "gpt-5.1",
                          "--prompt", "prompts/billing.md", "--params", "temperature=0.2",
                          "--tool", "claude-code", "--by", "alice", "--lines", "1-2",
                          "--note", "first draft", cwd=project)
    assert result.returncode == 0, result.stderr
    [line] = _lines(project / LEDGER)
    event = json.loads(line)
    assert event["event"] == "generated" and event["path"] == "src/billing.py"
    assert event["sha256"] == normalised_sha256(b"def total(prices):\n    return sum(prices)\n")
    assert event["at"].endswith("Z") and event["prev"] is None
    assert event["lines"] == [1, 2] and event["params"] == "temperature=0.2"
    assert event["tool"] == "claude-code" and event["by"] == "alice"
    assert "merge=union" in (project / ".vibrails/.gitattributes").read_text()
    result = run_vibrails("ledger", "record", "billing.py", "--event", "reviewed",
                          "--by", "bob", cwd=project / "src")
    assert result.returncode == 0, result.stderr
    shown = run_vibrails("ledger", "show", "src/billing.py", cwd=project)
    assert shown.returncode == 0
    out = shown.stdout.splitlines()
    assert "generated" in out[1] and "reviewed" in out[2]
    assert "matches the latest event" in out[-1]
    data = json.loads(run_vibrails("ledger", "show", "src/billing.py", "--format", "json",
                                   cwd=project).stdout)
    assert [e["event"] for e in data] == ["generated", "reviewed"]
    assert [e["line"] for e in data] == [1, 2]
    assert run_vibrails("ledger", "verify", cwd=project).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["src/billing.py", "--prompt", "prompts/billing.md"], "needs --model and --prompt"),
        (["src/billing.py", "--event", "regenerated", "--model", "m"], "needs --model and --prompt"),
        (["../outside.py", "--event", "edited"], "outside the repository"),
        (["src/missing.py", "--event", "edited"], "no such file"),
        (["src", "--event", "edited"], "is a directory"),
    ],
)
def test_record_refuses(project: Path, args: list[str], message: str) -> None:
    (project.parent / "outside.py").write_text("x = 1\n")
    result = run_vibrails("ledger", "record", *args, cwd=project)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / LEDGER).exists()


def test_record_removed_of_a_deleted_file(project: Path) -> None:
    result = run_vibrails("ledger", "record", "src/gone.py", "--event", "removed", cwd=project)
    assert result.returncode == 0, result.stderr
    [line] = _lines(project / LEDGER)
    assert json.loads(line)["sha256"] is None
    assert verify(project / LEDGER) == []


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (b'{"event": "generated", "path": \n', "invalid JSON"),
        (b'["generated", "src/billing.py"]\n', "not a JSON object"),
        (b"42\n", "not a JSON object"),
        (None, "unknown event kind"),
        (b'{"event":"generated","model":"caf\xe9"}\n', "not UTF-8"),
        (b"\n", "blank line"),
    ],
)
def test_bad_ledger_lines_are_vbr404_never_a_crash(
    project: Path, line: bytes | None, words: str
) -> None:
    ledger = project / LEDGER
    append(ledger, [_event("src/billing.py", "edited")])
    if line is None:
        prev = json.loads(_lines(ledger)[0])["hash"]
        line = seal(_event("src/billing.py", "approved"), prev)
    ledger.write_bytes(ledger.read_bytes() + line)
    append(ledger, [_event("src/billing.py", "edited", note="after")])
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR404",
                          cwd=project)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    bad = [f for f in findings if f["line"] == 2]
    assert bad and bad[0]["path"] == ".vibrails/ledger.jsonl" and bad[0]["level"] == "error"
    assert words in bad[0]["message"]
    assert all(f["code"] == "VBR404" for f in findings)
    assert all(f["line"] != 3 for f in findings), findings  # the chain goes on past it
    verified = run_vibrails("ledger", "verify", cwd=project)
    assert verified.returncode == 1 and "Traceback" not in verified.stderr


def test_event_for_a_vanished_path_is_a_warning(project: Path) -> None:
    append(project / LEDGER, [_event("src/old.py")])
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR404",
                          cwd=project)
    [finding] = json.loads(result.stdout)
    assert finding["level"] == "warning" and finding["line"] == 1
    assert "vibrails ledger record src/old.py --event removed" in finding["message"]
    append(project / LEDGER, [{"event": "removed", "path": "src/old.py", "sha256": None,
                               "at": "2026-11-21T00:00:00Z"}])
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR404",
                          cwd=project)
    assert json.loads(result.stdout) == []


def test_cutting_committed_events_at_a_line_boundary_is_detected(tmp_path: Path) -> None:
    """The chain cannot see its newest events removed; the committed ledger can."""
    _git(tmp_path, "init", "-q")
    write(tmp_path, {"src/m0.py": "x = 1\n"})
    ledger = tmp_path / LEDGER
    for index in range(4):
        append(ledger, [_event("src/m0.py", "edited", note=str(index))])
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "ledger")
    append(ledger, [_event("src/m0.py", "edited", note="uncommitted")])
    assert run_vibrails("ledger", "verify", cwd=tmp_path).returncode == 0
    lines = _lines(ledger)
    _rewrite(ledger, lines[:3])  # the last committed event and the new one are gone
    assert verify(ledger) == []  # the chain alone cannot tell
    result = run_vibrails("ledger", "verify", cwd=tmp_path)
    assert result.returncode == 1
    assert "committed at HEAD as line 4 is missing" in result.stdout
    found = json.loads(run_vibrails("check", "--no-cache", "--format", "json", "--select",
                                    "VBR404", cwd=tmp_path).stdout)
    assert [(f["line"], f["level"]) for f in found] == [(3, "error")]
