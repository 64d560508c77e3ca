"""Internal errors are contained (VBR000) and work per file is bounded.

A rule that raises on one file becomes one VBR000 finding naming the rule
and the exception type; the other rules on that file and every other file
still run, and the run exits 2 at the end. Deeply nested code and
pathological expressions give a finding (VBR001/VBR002), never a crash
or a hang.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from util import run_vibrails, write

SOURCE = """\
def total(items, acc=[]):
    acc.append(1)
    return sum(items)


class Basket:
    def add(self, item, seen={}):
        seen[item] = 1
"""


# -- bounded work -------------------------------------------------------------


def _check(tmp_path: Path, *args: str) -> tuple[int, dict[str, list[tuple[str, str]]], str]:
    result = run_vibrails(
        "check", "--no-cache", "--assume-ai", "--format", "json", *args, ".", cwd=tmp_path
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for finding in json.loads(result.stdout or "[]"):
        found.setdefault(finding["path"], []).append((finding["code"], finding["message"]))
    return result.returncode, found, result.stderr


def test_ten_thousand_nested_parentheses_are_a_syntax_error(tmp_path: Path) -> None:
    n = 10_000
    write(tmp_path, {
        "parens.py": "x = " + "(" * n + "1" + ")" * n + "\n",
        "lists.py": "x = " + "[" * n + "]" * n + "\n",
        "calls.py": "x = " + "f(" * n + ")" * n + "\n",
        "ok.py": "def f(a=[]):\n    pass\n",
    })
    started = time.monotonic()
    code, found, stderr = _check(tmp_path)
    assert time.monotonic() - started < 60
    assert code == 1, stderr
    for name in ("parens.py", "lists.py", "calls.py"):
        [(rule, message)] = found[name]
        assert rule == "VBR001" and "too many nested parentheses" in message
    assert [c for c, _ in found["ok.py"]] == ["VBR304"]


@pytest.mark.parametrize("indent", [" ", "\t"])
def test_five_thousand_nested_ifs(tmp_path: Path, indent: str) -> None:
    depth = 5_000
    lines = [indent * level + "if x:" for level in range(depth)]
    lines.append(indent * depth + "pass")
    text = "\n".join(lines) + "\n"
    write(tmp_path, {"deep.py": text})
    # Over the default max-file-bytes (2 MB): reported without being parsed.
    code, found, _ = _check(tmp_path)
    [(rule, message)] = found["deep.py"]
    assert (code, rule) == (1, "VBR002") and "max-file-bytes" in message
    # Allowed in: CPython's tokenizer stops at 100 levels, so VBR001.
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\nmax-file-bytes = 20000000\n"})
    code, found, _ = _check(tmp_path)
    [(rule, message)] = found["deep.py"]
    assert (code, rule) == (1, "VBR001") and "too many levels of indentation" in message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("unary.py", "x = " + "-" * 10_000 + "1\n"),
        ("nots.py", "x = " + "not " * 10_000 + "a\n"),
        ("lambdas.py", "x = " + "lambda: " * 10_000 + "1\n"),
        ("ternary.py", "x = " + "1 if a else " * 10_000 + "1\n"),
        ("power.py", "x = " + "2**" * 10_000 + "2\n"),
    ],
)
def test_right_nested_expressions_are_a_finding(tmp_path: Path, name: str, text: str) -> None:
    """Nested without brackets: CPython's parser gives up (VBR001), no crash."""
    write(tmp_path, {name: text, "ok.py": "def f(a=[]):\n    pass\n"})
    code, found, stderr = _check(tmp_path)
    assert code == 1, stderr
    [(rule, _message)] = found[name]
    assert rule in ("VBR001", "VBR002")
    assert [c for c, _ in found["ok.py"]] == ["VBR304"]
    assert "Traceback" not in stderr


def test_a_pathological_chain_hits_the_time_limit(tmp_path: Path) -> None:
    """10,000 attribute accesses in a row: valid, but minutes in libcst."""
    write(tmp_path, {
        "chain.py": "x = a" + ".b" * 10_000 + "\n",
        "ok.py": "def f(a=[]):\n    pass\n",
    })
    started = time.monotonic()
    code, found, stderr = _check(tmp_path, "--timeout-per-file", "1", "--jobs", "2")
    assert time.monotonic() - started < 60
    assert code == 1, stderr
    [(rule, message)] = found["chain.py"]
    assert rule == "VBR002" and "timeout-per-file (1 s)" in message
    assert [c for c, _ in found["ok.py"]] == ["VBR304"]


