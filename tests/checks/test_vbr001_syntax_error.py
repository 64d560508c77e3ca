"""VBR001 syntax-error: its catalogue examples (one test each, generated from
``rules/VBR001.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr001_syntax_error.py``; its page: ``docs/rules/VBR001.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR001"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_syntax_error_position(tmp_path: Path) -> None:
    write(tmp_path, {"s.py": "x = 1\ndef broken(:\n    pass\n"})
    result = run_vibrails("check", "--no-cache", "--assume-ai", "--format", "json", cwd=tmp_path)
    [finding] = json.loads(result.stdout)
    assert (finding["line"], finding["column"], finding["code"]) == (2, 12, "VBR001")
