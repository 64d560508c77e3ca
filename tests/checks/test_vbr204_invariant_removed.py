"""VBR204 invariant-removed: its catalogue examples (one test each, generated from
``rules/VBR204.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr204_invariant_removed.py``; its page: ``docs/rules/VBR204.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from util import git, run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR204"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


# -- on real git histories ---------------------------------------------------------

LEDGERED = '''\
# @ai-generated
class Ledger:
    def __init__(self):
        self.entries = []
        self.total = 0

    def check_invariants(self):
        if self.total != sum(self.entries):
            raise ValueError("total out of step")

    def post(self, amount):
        self.entries.append(amount)
        self.total += amount
        self.check_invariants()

    def undo(self):
        self.total -= self.entries.pop()
        self.check_invariants()
'''


@pytest.fixture
def history(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": '[tool.vibrails]\nignore = ["VBR401"]\n',
                     "books/ledger.py": LEDGERED})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "ledger")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def _review(root: Path, *select: str) -> list[tuple[str, int, str]]:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select",
                          ",".join(select or ("VBR204",)), "--diff-base", "main", ".", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    found = json.loads(result.stdout)
    assert result.returncode == (1 if found else 0), result.stderr
    return sorted((f["code"], f["line"], f["message"]) for f in found)


def test_a_dropped_call_is_reported_on_its_method_in_place_of_vbr202(history: Path) -> None:
    books = history / "books" / "ledger.py"
    books.write_text(books.read_text().replace(
        "        self.total -= self.entries.pop()\n        self.check_invariants()\n",
        "        self.total -= self.entries.pop()\n"))
    git(history, "commit", "-q", "-am", "faster undo")
    [(code, line, message)] = _review(history, "VBR202", "VBR204")
    assert (code, line) == ("VBR204", 16)
    assert message.startswith("'Ledger.undo' no longer calls 'check_invariants()' (1 call(s) at ")


def test_the_invariant_method_removed_with_its_calls_is_one_finding(history: Path) -> None:
    books = history / "books" / "ledger.py"
    text = books.read_text()
    text = text.replace('''    def check_invariants(self):
        if self.total != sum(self.entries):
            raise ValueError("total out of step")

''', "").replace("        self.check_invariants()\n", "")
    books.write_text(text)
    [(code, line, message)] = _review(history)
    assert (code, line) == ("VBR204", 2)
    assert "lost its invariant method 'check_invariants()' (line 7 at" in message


def test_a_method_deleted_whole_or_an_unchanged_class_is_not_reported(history: Path) -> None:
    books = history / "books" / "ledger.py"
    text = books.read_text()
    books.write_text(text[:text.index("    def undo")].rstrip() + "\n")
    assert _review(history) == []
