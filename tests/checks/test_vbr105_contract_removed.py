"""VBR105 contract-removed: its catalogue examples (one test each, generated from
``rules/VBR105.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr105_contract_removed.py``; its page: ``docs/rules/VBR105.md``.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from util import check_diff_example, git, run_vibrails, write

from vibrails.checks.shared.guardrails import loosened
from vibrails.core.catalogue import Example

CODE = "VBR105"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


# -- on real git histories ---------------------------------------------------------

CONTRACTED = '''\
# @ai-generated
def withdraw(account, amount):
    if amount <= 0:
        raise ValueError(amount)
    account.balance -= amount


def deposit(account, amount):
    assert amount > 0
    account.balance += amount
'''


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """``main`` holds ``bank/ops.py`` (CONTRACTED); the work goes on on ``feature``."""
    git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": '[tool.vibrails]\nignore = ["VBR401"]\n',
                     "bank/ops.py": CONTRACTED})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "ops")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def _review(root: Path) -> list[tuple[str, int, str]]:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR105",
                          "--diff-base", "main", ".", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    found = json.loads(result.stdout)
    assert result.returncode == (1 if found else 0), result.stderr
    return sorted((f["path"], f["line"], f["message"]) for f in found)


def test_a_function_moved_within_the_file_keeps_its_contract(history: Path) -> None:
    withdraw, deposit = CONTRACTED.removeprefix("# @ai-generated\n").split("\n\n\n")
    (history / "bank" / "ops.py").write_text(f"# @ai-generated\n{deposit}\n\n{withdraw}\n")
    assert _review(history) == []


def test_a_removed_assert_in_a_renamed_file_is_found(history: Path) -> None:
    git(history, "mv", "bank/ops.py", "bank/operations.py")
    moved = history / "bank" / "operations.py"
    moved.write_text(moved.read_text().replace("    assert amount > 0\n", ""))
    [(path, line, message)] = _review(history)
    assert (path, line) == ("bank/operations.py", 8)
    assert "'deposit' lost its precondition 'assert amount > 0' (line 9 at" in message


def test_an_uncommitted_loosening_is_found(history: Path) -> None:
    ops = history / "bank" / "ops.py"
    ops.write_text(ops.read_text().replace("if amount <= 0:", "if amount < 0:"))
    [(_, line, message)] = _review(history)
    assert line == 3
    assert "'amount > 0' widened to 'amount >= 0'" in message


def test_untagged_and_new_files_have_nothing_to_lose(history: Path) -> None:
    write(history, {"bank/plain.py": CONTRACTED.replace("# @ai-generated\n", "")})
    git(history, "add", "-A")
    git(history, "commit", "-q", "-m", "plain")
    git(history, "checkout", "-q", "main")
    git(history, "merge", "-q", "feature")
    git(history, "checkout", "-q", "feature")
    plain = history / "bank" / "plain.py"
    plain.write_text(plain.read_text().replace("    assert amount > 0\n", ""))  # untagged
    write(history, {"bank/new.py": CONTRACTED.replace("    assert amount > 0\n", "")})  # new
    assert _review(history) == []


def test_a_tightened_or_reworded_contract_is_not_reported(history: Path) -> None:
    ops = history / "bank" / "ops.py"
    ops.write_text(ops.read_text()
                   .replace("if amount <= 0:", "if not amount > 0 or amount > 10_000:")
                   .replace("assert amount > 0", "assert 0 < amount"))
    assert _review(history) == []


# -- what "loosened" means, checked on values -----------------------------------------

_OPS = ["<", "<=", ">", ">="]


def _accepts(condition: str, value: float) -> bool:
    return bool(eval(condition, {"x": value}))  # test-made comparisons only


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_OPS), st.integers(-5, 5), st.sampled_from(_OPS), st.integers(-5, 5),
       st.booleans())
def test_a_loosening_is_reported_exactly_when_more_values_pass(
    op1: str, k1: int, op2: str, k2: int, guard: bool
) -> None:
    old_text, new_text = f"x {op1} {k1}", f"x {op2} {k2}"
    if guard:  # `if COND: raise` accepts `not COND`
        old_expr = ast.UnaryOp(ast.Not(), ast.parse(old_text, mode="eval").body)
        new_expr = ast.UnaryOp(ast.Not(), ast.parse(new_text, mode="eval").body)
        accept_old = lambda v: not _accepts(old_text, v)  # noqa: E731
        accept_new = lambda v: not _accepts(new_text, v)  # noqa: E731
    else:
        old_expr = ast.parse(old_text, mode="eval").body
        new_expr = ast.parse(new_text, mode="eval").body
        accept_old = lambda v: _accepts(old_text, v)  # noqa: E731
        accept_new = lambda v: _accepts(new_text, v)  # noqa: E731
    values = [v / 2 for v in range(-14, 15)]
    wider = all(accept_new(v) for v in values if accept_old(v)) and any(
        accept_new(v) and not accept_old(v) for v in values)
    assert (loosened(old_expr, new_expr) is not None) == wider, (old_text, new_text, guard)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a > 0", "b is not None", "c < 10", "len(d) > 2", "e"]),
                min_size=1, max_size=4, unique=True), st.data())
def test_a_deleted_conjunct_is_a_loosening_and_an_added_one_is_not(
    parts: list[str], data: st.DataObject
) -> None:
    kept = data.draw(st.lists(st.sampled_from(parts), unique=True, min_size=1,
                              max_size=len(parts)))
    old = ast.parse(" and ".join(parts), mode="eval").body
    new = ast.parse(" and ".join(kept), mode="eval").body
    found = loosened(old, new)
    if set(kept) == set(parts):
        assert found is None
    else:
        assert sorted(found or ()) == sorted(f"'{p}' deleted" for p in parts if p not in kept)
    assert loosened(new, old) is None  # adding conditions back only tightens


def test_a_check_after_the_parameter_was_given_a_default_is_not_a_contract(
    tmp_path: Path,
) -> None:
    # Seen on a real release (a type-narrowing assert after `x = default`):
    # removing it takes nothing from the caller's contract.
    before = (
        "def expand(text, tab_size=None):\n"
        "    if tab_size is None:\n"
        "        tab_size = DEFAULT\n"
        "    assert tab_size is not None\n"
        "    return text.expandtabs(tab_size)\n"
    )
    after = before.replace("    assert tab_size is not None\n", "")
    assert check_diff_example(tmp_path, before, after, "m.py", (CODE,), {}) == []
    # ... while the same assert before any assignment is one.
    first = "def expand(text, tab_size):\n    assert tab_size > 0\n    return text.expandtabs(tab_size)\n"
    found = check_diff_example(tmp_path, first, first.replace("    assert tab_size > 0\n", ""),
                               "m.py", (CODE,), {})
    assert [f.line for f in found] == [1]


def test_a_guard_split_in_two_is_not_a_loosening(tmp_path: Path) -> None:
    # Seen on a real release: `if a or b: raise` became `if a: raise` and a
    # new `if b': raise` below it.
    before = (
        "class Manager:\n"
        "    def register(self, plugin, name):\n"
        "        if name in self.names or plugin in self.callers:\n"
        "            raise ValueError(name)\n"
        "        self.names[name] = plugin\n"
    )
    after = before.replace(
        "        if name in self.names or plugin in self.callers:\n"
        "            raise ValueError(name)\n",
        "        if name in self.names:\n"
        "            raise ValueError(name)\n"
        "        if plugin in self.names.values():\n"
        "            raise ValueError(plugin)\n")
    assert check_diff_example(tmp_path, before, after, "m.py", (CODE,), {}) == []
    # Without the new guard, the deleted half is a loosening.
    dropped = after.replace("        if plugin in self.names.values():\n"
                            "            raise ValueError(plugin)\n", "")
    [finding] = check_diff_example(tmp_path, before, dropped, "m.py", (CODE,), {})
    assert "'plugin not in self.callers' deleted" in finding.message


@pytest.mark.parametrize("version", ["broken", "deep"])
def test_a_version_that_cannot_be_read_gives_no_finding_and_no_crash(
    tmp_path: Path, version: str
) -> None:
    good = "def f(x):\n    assert x > 0\n    return x\n"
    other = ("def f(x:\n    return x\n" if version == "broken"
             else "def f(x):\n    assert " + "not " * 5000 + "x\n    return x\n")
    assert check_diff_example(tmp_path, good, other, "m.py", (CODE,), {}) == []
    assert check_diff_example(tmp_path, other, good, "m.py", (CODE,), {}) == []
