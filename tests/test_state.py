"""The state rules (VBR301-VBR305): one test per alias form and per process-state family."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from test_examples import check_example

from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding


def findings(tmp_path: Path, code: str, source: str, config: dict | None = None) -> list[Finding]:
    text = textwrap.dedent(source).lstrip("\n")
    found = check_example(tmp_path, text.encode(), "m.py", (code,), config or {})
    return [f for f in found if f.code == code and f.suppressed is None]


def lines(tmp_path: Path, code: str, source: str, config: dict | None = None) -> list[int]:
    return sorted(f.line for f in findings(tmp_path, code, source, config))


# -- VBR301: one case per alias form ------------------------------------------------

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


@pytest.mark.parametrize("form", sorted(ALIAS_FORMS))
def test_argument_mutation_through_each_alias_form(tmp_path: Path, form: str) -> None:
    source, how = ALIAS_FORMS[form]
    found = findings(tmp_path, "VBR301", source)
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
                                                     call: str) -> None:
    source = f"{imports}\ndef f(p):\n    {call}\n"
    assert lines(tmp_path, "VBR301", source) == [3]
    # Not imported: a local function of that name is not the library's.
    local = "def shuffle(x):\n    return x\ndef f(p):\n    shuffle(p)\n"
    assert lines(tmp_path / "local", "VBR301", local) == []


COPIES = ["list(p)", "p.copy()", "dict(p)", "[*p]", "{**p}", "sorted(p)", "p[:]",
          "copy.copy(p)", "copy.deepcopy(p)", "set(p)", "[x for x in p]"]


@pytest.mark.parametrize("copy", COPIES)
def test_rebinding_to_a_copy_stops_tracking(tmp_path: Path, copy: str) -> None:
    source = f"import copy\ndef f(p):\n    p = {copy}\n    p.append(1)\n    q = {copy}\n    q.clear()\n"
    assert lines(tmp_path, "VBR301", source) == []


def test_mutation_before_the_copy_still_counts(tmp_path: Path) -> None:
    assert lines(tmp_path, "VBR301", "def f(p):\n    p.append(1)\n    p = list(p)\n") == [2]


@pytest.mark.parametrize("word", ["in place", "in-place", "mutates", "modifies", "updates"])
def test_docstring_declares_the_mutation(tmp_path: Path, word: str) -> None:
    source = f'def f(rows, other):\n    """This {word} rows."""\n    rows.sort()\n'
    assert lines(tmp_path, "VBR301", source) == []
    undeclared = f'def f(rows, other):\n    """This {word} rows."""\n    other.sort()\n'
    assert lines(tmp_path, "VBR301", undeclared) == [3]


def test_declaration_words_are_configurable(tmp_path: Path) -> None:
    source = 'def f(rows):\n    """Sorts rows, destructively."""\n    rows.sort()\n'
    assert lines(tmp_path, "VBR301", source) == [3]
    config = {"mutation": {"declaration-words": ["destructively"]}}
    assert lines(tmp_path, "VBR301", source, config) == []


def test_summaries_follow_calls_chains_and_recursion(tmp_path: Path) -> None:
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
    found = findings(tmp_path, "VBR301", source)
    # On the call that hands the argument on, or on the mutating statement.
    assert [f.line for f in found] == [2, 6, 10]
    assert "passed to 'b'" in found[0].message
    assert [f.related[0] for f in found] == [1, 4, 9]


def test_methods_through_self_and_class(tmp_path: Path) -> None:
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
    assert lines(tmp_path, "VBR301", source) == [3, 10, 13]


def test_self_cls_args_kwargs_and_locals_are_not_arguments(tmp_path: Path) -> None:
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
    assert lines(tmp_path, "VBR301", source) == []


# -- VBR302 ---------------------------------------------------------------------

def test_global_state_scopes(tmp_path: Path) -> None:
    source = """
    from pkg import REGISTRY as reg
    import pkg.mod as mod
    CACHE = {}

    def uses_local():
        CACHE = {}
        CACHE["a"] = 1

    def uses_global():
        CACHE["a"] = 1
        reg.append(1)
        mod.flag = True
        mod.helper.cache.clear()

    def outer():
        CACHE2 = []
        def inner():
            CACHE2.append(1)
        return inner

    def late():
        CACHE.update(a=1)
    """
    assert lines(tmp_path, "VBR302", source) == [10, 11, 12, 13, 22]


def test_global_statement_and_shadowing_later_binding(tmp_path: Path) -> None:
    source = """
    counter = 0
    items = []

    def bump():
        global counter
        counter += 1
        del counter

    def later():
        for items in range(3):
            pass
        items.append(1)
    """
    assert lines(tmp_path, "VBR302", source) == [6, 7]


# -- VBR303: one case per process-state family -----------------------------------

FAMILIES = {
    "environ-store": ("import os\nos.environ['A'] = '1'\n", 2),
    "environ-alias": ("from os import environ as env\ndel env['A']\n", 2),
    "environ-method": ("import os as o\no.environ.update(A='1')\n", 2),
    "putenv": ("import os\nos.putenv('A', '1')\n", 2),
    "unsetenv": ("from os import unsetenv\nunsetenv('A')\n", 2),
    "chdir": ("import os\nos.chdir('/')\n", 2),
    "umask": ("import os\nos.umask(0)\n", 2),
    "sys-path-mutation": ("import sys as _sys\n_sys.path.append('x')\n", 2),
    "sys-path-rebinding": ("import sys\nsys.path = []\n", 2),
    "sys-modules": ("import sys\nsys.modules['x'] = None\n", 2),
    "stdout": ("import sys\nsys.stdout = None\n", 2),
    "stderr": ("import sys\nsys.stderr = sys.stdout\n", 2),
    "excepthook": ("import sys\nsys.excepthook = print\n", 2),
    "recursionlimit": ("import sys\nsys.setrecursionlimit(5000)\n", 2),
    "socket-timeout": ("import socket\nsocket.setdefaulttimeout(3)\n", 2),
    "logging-in-function": ("import logging\ndef f():\n    logging.basicConfig()\n", 3),
    "warnings-in-function": ("import warnings as w\ndef f():\n    w.simplefilter('ignore')\n", 3),
    "random-seed": ("import random\nrandom.seed(1)\n", 2),
    "numpy-seed": ("import numpy as np\nnp.random.seed(1)\n", 2),
    "numpy-seed-from": ("from numpy import random as npr\nnpr.seed(1)\n", 2),
    "setlocale": ("import locale\nlocale.setlocale(locale.LC_ALL, '')\n", 2),
    "signal": ("import signal\nsignal.signal(signal.SIGINT, print)\n", 2),
    "local-import": ("def f():\n    import os\n    os.chdir('/')\n", 3),
    "assignment-alias": ("import os\nenv = os.environ\nenv.clear()\n", 3),
    "configured": ("from app import knobs\nknobs.turn()\n", 2),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_process_state_family(tmp_path: Path, family: str) -> None:
    source, line = FAMILIES[family]
    config = {"state": {"process-calls": ["app.knobs.turn"]}}
    assert lines(tmp_path, "VBR303", source, config) == [line], family
    # Process state is VBR303's, never also VBR302's.
    wrapped = "def g():\n" + textwrap.indent(source.split("\n", 1)[1], "    ")
    wrapped = source.split("\n", 1)[0] + "\n" + wrapped
    assert lines(tmp_path / "302", "VBR302", wrapped) == [], family


def test_module_level_logging_and_reads_are_not_process_mutations(tmp_path: Path) -> None:
    source = """
    import logging, os, sys, warnings
    logging.basicConfig()
    warnings.simplefilter("ignore")
    def f(random):
        random.seed(1)
        return os.environ.get("A"), sys.path[0], os.getcwd()
    """
    assert lines(tmp_path, "VBR303", source) == []


def test_process_table_is_catalogue_data() -> None:
    entries = load_catalogue()["VBR303"].data["entries"]
    assert {"os.environ", "sys.path", "os.chdir", "random.seed", "signal.signal"} <= set(entries)
    assert all(entry["on"] and entry["effect"] for entry in entries.values())


# -- VBR305 ---------------------------------------------------------------------

def test_shared_class_attribute_needs_a_mutation_through_self(tmp_path: Path) -> None:
    source = """
    class A:
        items = []
        names = []
        table = {}

        def add(self, x):
            self.items.append(x)
            return self.names

        @classmethod
        def reg(cls, k):
            cls.table[k] = 1
    """
    assert lines(tmp_path, "VBR305", source) == [2]
    assert "'add' mutates it through 'self.items'" in findings(tmp_path, "VBR305", source)[0].message


def test_closures_mutating_the_enclosing_functions_argument(tmp_path: Path) -> None:
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
    found = findings(tmp_path, "VBR301", source)
    assert [f.line for f in found] == [3, 5]
    assert "its argument 'items'" in found[0].message
    assert "its argument 'other'" in found[1].message
