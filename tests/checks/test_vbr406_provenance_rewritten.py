"""VBR406 provenance-rewritten: its catalogue examples (one test each, generated from
``rules/VBR406.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr406_provenance_rewritten.py``; its page: ``docs/rules/VBR406.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from util import git, run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR406"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


# -- on real git histories ---------------------------------------------------------

TOTAL = "# Generated with Claude Code\ndef total(items):\n    return sum(i.price for i in items)\n"
NET = "# Generated with Claude Code\ndef net(amount, rate):\n    return amount * (1 - rate)\n"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """``main``: two files recorded in the ledger (two events); then ``feature``."""
    git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n", "prompts/p.md": "Write it.\n",
                     "shop/total.py": TOTAL, "shop/net.py": NET})
    for path in ("shop/total.py", "shop/net.py"):
        done = run_vibrails("ledger", "record", path, "--model", "claude-sonnet-4", "--prompt",
                            "prompts/p.md", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "shop")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def _review(root: Path) -> list[tuple[str, int, str]]:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR406,VBR404",
                          "--diff-base", "main", ".", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    found = json.loads(result.stdout)
    assert result.returncode == (1 if found else 0), result.stderr
    return sorted((f["path"], f["line"], f["code"], f["message"]) for f in found)


def _ledger(root: Path) -> Path:
    return root / ".vibrails" / "ledger.jsonl"


def test_a_removed_event_is_reported_where_it_was(history: Path) -> None:
    ledger = _ledger(history)
    second = ledger.read_text().splitlines()[1]
    ledger.write_text(second + "\n")
    git(history, "commit", "-q", "-am", "forget total")
    found = _review(history)
    assert [(p, line, code) for p, line, code, _ in found] == [
        (".vibrails/ledger.jsonl", 1, "VBR406")]  # VBR404's broken chain is the same problem
    assert "ledger event 1 ('generated' of 'shop/total.py' at " in found[0][3]
    assert "was removed since" in found[0][3]


def test_appended_events_are_what_a_ledger_is_for(history: Path) -> None:
    (history / "shop" / "total.py").write_text(TOTAL + "\n\ndef zero():\n    return 0\n")
    done = run_vibrails("ledger", "record", "--event", "edited", "--by", "dana", "shop/total.py",
                        cwd=history)
    assert done.returncode == 0, done.stderr
    assert _review(history) == []


def test_an_event_put_before_an_old_one_is_reported(history: Path) -> None:
    ledger = _ledger(history)
    lines = ledger.read_text().splitlines()
    ledger.write_text("\n".join([lines[0], lines[1], lines[1]]) + "\n")  # fine: appended
    assert "VBR406" not in [code for _, _, code, _ in _review(history)]
    ledger.write_text("\n".join([lines[1], lines[0], lines[1]]) + "\n")
    [(path, line, message)] = [(p, n, m) for p, n, code, m in _review(history)
                               if code == "VBR406"]
    assert (path, line) == (".vibrails/ledger.jsonl", 1)
    assert "ledger event 1 ('generated' of 'shop/total.py' at " in message
    assert "was preceded by a new event since" in message


def test_a_removed_marker_is_reported_unless_the_ledger_still_tags_the_file(
    history: Path,
) -> None:
    (history / "shop" / "net.py").write_text(NET.replace("# Generated with Claude Code\n", ""))
    # The ledger still records net.py: it is still tagged and checked.
    assert _review(history) == []
    write(history, {"shop/tax.py": "# Generated with Claude Code\ndef tax(x):\n    return x\n"})
    git(history, "add", "-A")
    git(history, "commit", "-q", "-m", "tax, unrecorded")
    git(history, "checkout", "-q", "main")
    git(history, "merge", "-q", "feature")
    git(history, "checkout", "-q", "feature")
    (history / "shop" / "tax.py").write_text("def tax(x):\n    return x\n")
    [(path, line, code, message)] = _review(history)
    assert (path, line, code) == ("shop/tax.py", 1, "VBR406")
    assert "marker 'Generated with Claude Code' was removed since" in message


def test_blobs_are_read_past_missing_paths_and_folders(history: Path) -> None:
    from vibrails.engine.diff import read_blobs

    base = git(history, "rev-parse", "HEAD").strip()
    blobs = read_blobs(history, base, ["shop", "no/such.py", "shop/total.py", "shop/net.py"])
    assert blobs == {"shop/total.py": TOTAL.encode(), "shop/net.py": NET.encode()}
