"""VBR004 unused-suppression: its catalogue examples (one test each, generated from
``rules/VBR004.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr004_unused_suppression.py``; its page: ``docs/rules/VBR004.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import write

from vibrails.core.catalogue import Example

CODE = "VBR004"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_unused_suppression_is_reported_only_when_selected(
    tmp_path: Path,
    codes_of: Callable[..., Any],
) -> None:
    write(tmp_path, {"a.py": "# @ai-generated\nx = None  # noqa: VBR304 -- stale\n"})
    assert codes_of(tmp_path, "--ignore", "VBR401") == []
    assert codes_of(tmp_path, "--extend-select", "VBR004", "--ignore", "VBR401") == [
        ("a.py", 2, "VBR004")
    ]
