"""VBR405 unreviewed-ai-code: its catalogue examples (one test each, generated from
``rules/VBR405.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr405_unreviewed_ai_code.py``; its page: ``docs/rules/VBR405.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vibrails.core.catalogue import Example

CODE = "VBR405"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_unreviewed_is_opt_in_and_a_regeneration_asks_again(
    repo: Path,
    check_json: Callable[..., Any],
    record_event: Callable[..., Any],
) -> None:
    record_event(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    assert all(f["code"] != "VBR405" for f in check_json(repo, "--no-cache"))  # opt-in
    [finding] = check_json(repo, "--no-cache", "--select", "VBR405")
    assert finding["level"] == "note"
    assert "--event reviewed --by NAME" in str(finding["message"])
    record_event(repo, "src/billing.py", "--event", "reviewed", "--by", "bob")
    assert check_json(repo, "--no-cache", "--select", "VBR405") == []
    record_event(repo, "src/billing.py", "--event", "edited")
    assert check_json(repo, "--no-cache", "--select", "VBR405") == []
    record_event(repo, "src/billing.py", "--event", "regenerated", "--model", "gpt-5.2",
            "--prompt", "prompts/billing.md")
    assert len(check_json(repo, "--no-cache", "--select", "VBR405")) == 1
