"""VBR002 unreadable-file: its catalogue examples (one test each, generated from
``rules/VBR002.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr002_unreadable_file.py``; its page: ``docs/rules/VBR002.md``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from util import run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR002"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def _check(root: Path, *extra: str) -> tuple[int, dict[str, list[str]], str]:
    result = run_vibrails(
        "check", "--no-cache", "--assume-ai", "--format", "json", *extra, ".", cwd=root
    )
    assert "Traceback" not in result.stderr, result.stderr
    by_path: dict[str, list[str]] = {}
    for finding in json.loads(result.stdout):
        by_path.setdefault(finding["path"], []).append(finding["code"])
    return result.returncode, by_path, result.stderr


def test_messages_say_what_is_wrong(tmp_path: Path) -> None:
    write(tmp_path, {"undecodable.py": b"a = 1\nname = 'caf\xe9'\n", "nul.py": b"x = 1\x00\n"})
    result = run_vibrails("check", "--no-cache", "--assume-ai", "--format", "flake8", cwd=tmp_path)
    assert "nul.py:1:1: VBR002 cannot check this file: file contains a NUL byte (line 1)" in (
        result.stdout
    )
    assert "cannot decode as utf-8: byte 0xe9 on line 2" in result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path: Path) -> None:
    write(tmp_path, {"secret.py": "x = 1\n", "ok.py": "def f(a=[]): pass\n"})
    (tmp_path / "secret.py").chmod(0)
    try:
        code, found, _ = _check(tmp_path)
    finally:
        (tmp_path / "secret.py").chmod(0o600)
    assert code == 1
    assert found == {"secret.py": ["VBR002"], "ok.py": ["VBR304"]}
