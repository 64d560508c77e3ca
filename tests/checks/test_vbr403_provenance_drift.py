"""VBR403 provenance-drift: its catalogue examples (one test each, generated from
``rules/VBR403.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr403_provenance_drift.py``; its page: ``docs/rules/VBR403.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import BASKET, write

from vibrails.core.catalogue import Example

CODE = "VBR403"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)




def test_drift_after_an_edit_and_its_fix(
    repo: Path,
    check_json: Callable[..., Any],
    record_event: Callable[..., Any],
) -> None:
    record_event(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    assert check_json(repo, "--no-cache", "--select", "VBR403") == []
    # Newline style is not a change.
    (repo / "src/billing.py").write_bytes(BASKET.replace("\n", "\r\n").encode())
    assert check_json(repo, "--no-cache", "--select", "VBR403") == []
    (repo / "src/billing.py").write_text(BASKET + "# tweak\n")
    [finding] = check_json(repo, "--no-cache", "--select", "VBR403")
    assert finding["level"] == "warning" and finding["line"] == 1
    message = str(finding["message"])
    assert "generated" in message and ".vibrails/ledger.jsonl:1" in message
    assert "`vibrails ledger record src/billing.py --event edited`" in message
    record_event(repo, "src/billing.py", "--event", "edited", "--by", "alice")
    assert check_json(repo, "--no-cache", "--select", "VBR403") == []


def test_a_ledger_change_invalidates_only_that_files_cache_entry(
    repo: Path,
    check_json: Callable[..., Any],
    record_event: Callable[..., Any],
) -> None:
    write(repo, {"src/other.py": BASKET})
    record_event(repo, "src/billing.py", "src/other.py", "--model", "gpt-5.1",
            "--prompt", "prompts/billing.md")
    cache = repo / ".vibrails_cache"
    select = ("--select", "VBR304,VBR403")
    first = check_json(repo, *select)
    entries = {p.name for p in cache.rglob("*.json")}
    assert len(entries) == 2
    assert check_json(repo, *select) == first
    assert {p.name for p in cache.rglob("*.json")} == entries  # all hits
    # Edit billing.py: drift; then record the edit: one new key each time, for billing.py only.
    (repo / "src/billing.py").write_text(BASKET + "# tweak\n")
    drifted = check_json(repo, *select)
    assert [(f["path"], f["code"]) for f in drifted if f["code"] == "VBR403"] == [
        ("src/billing.py", "VBR403")
    ]
    after_edit = {p.name for p in cache.rglob("*.json")}
    assert len(after_edit - entries) == 1
    record_event(repo, "src/billing.py", "--event", "edited")
    fixed = check_json(repo, *select)
    assert all(f["code"] != "VBR403" for f in fixed)
    after_record = {p.name for p in cache.rglob("*.json")}
    assert len(after_record - after_edit) == 1
