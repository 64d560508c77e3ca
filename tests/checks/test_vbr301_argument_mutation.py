"""VBR301 argument-mutation: its catalogue examples (one test each, generated from
``rules/VBR301.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr301_argument_mutation.py``; its page: ``docs/rules/VBR301.md``.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from util import SARIF_SCHEMA, run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR301"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


SCHEMA = json.loads(SARIF_SCHEMA.read_text())


ACCOUNT = """
class Account:
    def __init__(self):
        self.balance = 0

    def withdraw(self, amount):
        self.balance -= amount
"""


ALIAS_FORMS = {
    "direct": ("def f(p):\n    p.append(1)\n", "'.append() on 'p''"),
    "name": ("def f(p):\n    x = p\n    x.append(1)\n", "alias 'x'"),
    "subscript": ("def f(p):\n    x = p[0]\n    x['k'] = 1\n", "alias 'x'"),
    "attribute": ("def f(p):\n    x = p.items_\n    x.clear()\n", "alias 'x'"),
    "get": ("def f(p):\n    x = p.get('a')\n    x.add(1)\n", "alias 'x'"),
    "for": ("def f(p):\n    for x in p:\n        x.total = 0\n", "loop variable 'x'"),
    "for-items": ("def f(p):\n    for k, v in p.items():\n        v.sort()\n", "loop variable 'v'"),
    "for-values": ("def f(p):\n    for v in p.values():\n        v.pop()\n", "loop variable 'v'"),
    "for-enumerate": ("def f(p):\n    for i, x in enumerate(p):\n        x[i] = 0\n",
                      "loop variable 'x'"),
    "for-zip": ("def f(p, q):\n    for a, b in zip(q, p):\n        b.update(a)\n",
                "loop variable 'b'"),
    "for-sorted": ("def f(p):\n    for x in sorted(p):\n        del x['k']\n", "loop variable 'x'"),
    "with": ("def f(p):\n    with p as x:\n        x.closed = True\n", "'with' target 'x'"),
    "walrus": ("def f(p):\n    if (x := p[0]):\n        x.extend([1])\n", "alias 'x'"),
    "tuple": ("def f(p, q):\n    a, b = p, q\n    b.remove(1)\n", "alias 'b'"),
    "chain": ("def f(p):\n    x = p\n    y = x[0]\n    y.append(1)\n", "alias 'y'"),
    "nested-store": ("def f(p):\n    p['a']['b'] = 1\n", "item stored into"),
    "setattr": ("def f(p):\n    setattr(p, 'x', 1)\n", "setattr() on"),
    "augmented": ("def f(p):\n    p += [1]\n", "'+=' on"),
    "annotated-augmented": ("def f(p: set[int], q):\n    p |= q\n", "'|=' on"),
    "delete-attribute": ("def f(p):\n    del p.cache\n", "attribute 'cache' deleted"),
}


COPIES = ["list(p)", "p.copy()", "dict(p)", "[*p]", "{**p}", "sorted(p)", "p[:]",
          "copy.copy(p)", "copy.deepcopy(p)", "set(p)", "[x for x in p]"]


@pytest.mark.parametrize("form", sorted(ALIAS_FORMS))
def test_argument_mutation_through_each_alias_form(
    tmp_path: Path,
    form: str,
    state_findings: Callable[..., Any],
) -> None:
    source, how = ALIAS_FORMS[form]
    found = state_findings("VBR301", source)
    # On the mutating statement (the last line of each form), the def related.
    assert [f.line for f in found] == [source.count("\n")], form
    assert found[0].related[:2] == (1, 5), form
    assert how.strip("'") in found[0].message or how in found[0].message, found[0].message
    assert "callers' data changes behind their back" in found[0].message


@pytest.mark.parametrize(
    ("imports", "call"),
    [("import random", "random.shuffle(p)"), ("from heapq import heappush as push", "push(p, 1)"),
     ("import bisect", "bisect.insort(p, 1)")],
)
def test_stdlib_functions_that_mutate_their_argument(tmp_path: Path, imports: str,
                                                     call: str, state_lines: Callable[..., Any]) -> None:
    source = f"{imports}\ndef f(p):\n    {call}\n"
    assert state_lines("VBR301", source) == [3]
    # Not imported: a local function of that name is not the library's.
    local = "def shuffle(x):\n    return x\ndef f(p):\n    shuffle(p)\n"
    assert state_lines("VBR301", local, root=tmp_path / "local") == []


@pytest.mark.parametrize("copy", COPIES)
def test_rebinding_to_a_copy_stops_tracking(
    tmp_path: Path,
    copy: str,
    state_lines: Callable[..., Any],
) -> None:
    source = f"import copy\ndef f(p):\n    p = {copy}\n    p.append(1)\n    q = {copy}\n    q.clear()\n"
    assert state_lines("VBR301", source) == []


def test_mutation_before_the_copy_still_counts(
    tmp_path: Path,
    state_lines: Callable[..., Any],
) -> None:
    assert state_lines("VBR301", "def f(p):\n    p.append(1)\n    p = list(p)\n") == [2]


@pytest.mark.parametrize("word", ["in place", "in-place", "mutates", "modifies", "updates"])
def test_docstring_declares_the_mutation(
    tmp_path: Path,
    word: str,
    state_lines: Callable[..., Any],
) -> None:
    source = f'def f(rows, other):\n    """This {word} rows."""\n    rows.sort()\n'
    assert state_lines("VBR301", source) == []
    undeclared = f'def f(rows, other):\n    """This {word} rows."""\n    other.sort()\n'
    assert state_lines("VBR301", undeclared) == [3]


def test_declaration_words_are_configurable(
    tmp_path: Path,
    state_lines: Callable[..., Any],
) -> None:
    source = 'def f(rows):\n    """Sorts rows, destructively."""\n    rows.sort()\n'
    assert state_lines("VBR301", source) == [3]
    config = {"mutation": {"declaration-words": ["destructively"]}}
    assert state_lines("VBR301", source, config) == []


def test_summaries_follow_calls_chains_and_recursion(
    tmp_path: Path,
    state_findings: Callable[..., Any],
) -> None:
    source = """
    def a(x):
        b(x)

    def b(y):
        if y:
            c(items=y)
        a(y)

    def c(items):
        items.pop()

    def untouched(z):
        b2(z)

    def b2(w):
        return len(w)
    """
    found = state_findings("VBR301", source)
    # On the call that hands the argument on, or on the mutating statement.
    assert [f.line for f in found] == [2, 6, 10]
    assert "passed to 'b'" in found[0].message
    assert [f.related[0] for f in found] == [1, 4, 9]


def test_methods_through_self_and_class(tmp_path: Path, state_lines: Callable[..., Any]) -> None:
    source = """
    class Store:
        def save(self, record):
            self._clean(record)

        def _clean(self, data):
            data.pop("tmp", None)

        @staticmethod
        def wipe(d):
            d.clear()

    def reset(thing):
        Store.wipe(thing)
    """
    # '_clean' is private: its mutation is reported on 'save', which hands it 'record'.
    assert state_lines("VBR301", source) == [3, 10, 13]


def test_self_cls_args_kwargs_and_locals_are_not_arguments(
    tmp_path: Path,
    state_lines: Callable[..., Any],
) -> None:
    source = """
    class A:
        def m(self, *args, **kwargs):
            self.items.append(1)
            kwargs.pop("x", None)
            local = []
            local.append(1)

        @classmethod
        def c(cls):
            cls.registry.append(1)
    """
    assert state_lines("VBR301", source) == []


def test_closures_mutating_the_enclosing_functions_argument(
    tmp_path: Path,
    state_findings: Callable[..., Any],
) -> None:
    source = """
    def process(items, other):
        def add(x):
            items.append(x)
        def shadowed(other):
            other.append(1)
        def rebinds():
            items = []
            items.append(2)
        add(1)
    """
    found = state_findings("VBR301", source)
    assert [f.line for f in found] == [3, 5]
    assert "its argument 'items'" in found[0].message
    assert "its argument 'other'" in found[1].message


@pytest.mark.usefixtures("in_tmp")
def test_vbr301_related_location_is_valid_sarif(tmp_path: Path) -> None:
    project = write(tmp_path, {
        "pyproject.toml": '[tool.vibrails]\nassume-ai = true\nselect = ["VBR101", "VBR301"]\n',
        "m.py": "def fill(rows):\n    rows.append(1)\n" + textwrap.dedent(ACCOUNT),
    })
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "m.py", cwd=project)
    log = json.loads(result.stdout)
    jsonschema.validate(log, SCHEMA)
    results = log["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    related = by_rule["VBR301"]["relatedLocations"][0]
    assert by_rule["VBR301"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert related["physicalLocation"]["region"]["startLine"] == 1
    assert related["message"]["text"] == "'fill' receives 'rows' here"
    assert by_rule["VBR101"]["relatedLocations"][0]["physicalLocation"]["region"][
        "startLine"] == 9


@pytest.mark.usefixtures("in_tmp")
def test_cached_findings_keep_their_related_location(tmp_path: Path) -> None:
    project = write(tmp_path, {
        "pyproject.toml": '[tool.vibrails]\nassume-ai = true\nselect = ["VBR101", "VBR301"]\n',
        "m.py": "def fill(rows):\n    rows.append(1)\n" + textwrap.dedent(ACCOUNT),
    })
    args = ("check", "--format", "sarif", "--cache-dir", ".cache", "m.py")
    cold = run_vibrails(*args, cwd=project)
    warm = run_vibrails(*args, cwd=project)
    assert (project / ".cache").is_dir()
    assert warm.stdout == cold.stdout
    assert '"relatedLocations"' in warm.stdout
