"""VBR304 mutable-default-argument: its catalogue examples (one test each, generated from
``rules/VBR304.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr304_mutable_default_argument.py``; its page: ``docs/rules/VBR304.md``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from util import check_example

from vibrails.checks.vbr304_mutable_default_argument import fix_source
from vibrails.core.catalogue import Example, load_catalogue

CODE = "VBR304"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def _positions(tmp_path: Path, source: str) -> set[tuple[int, int]]:
    findings = check_example(tmp_path, source.encode(), "example.py", ("VBR304",), {})
    return {(f.line, f.column) for f in findings if f.code == "VBR304"}


def _functions(namespace: dict[str, Any]) -> dict[str, Any]:
    """Top-level functions and methods (bound to a fresh instance) by qualified name."""
    out: dict[str, Any] = {}
    for name, value in namespace.items():
        if inspect.isfunction(value) and value.__module__ == "example":
            out[name] = value
        elif inspect.isclass(value) and value.__module__ == "example":
            instance = value()
            for attr, member in vars(value).items():
                if inspect.isfunction(member):
                    out[f"{name}.{attr}"] = getattr(instance, attr)
    return out


def _call(function: Any) -> Any:
    """Call with ``{}`` for every required parameter; run coroutines."""
    signature = inspect.signature(function)
    args = [
        {} for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    result = function(*args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return result


def _exec(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "example"}
    exec(compile(source, "example.py", "exec"), namespace)  # the project's own examples
    return namespace


_VBR304_INVALID = [
    pytest.param(e.code, id=f"VBR304-invalid-{i}")
    for i, e in enumerate((e for e in load_catalogue()["VBR304"].examples if not e.valid), 1)
]


@pytest.mark.parametrize("source", _VBR304_INVALID)
def test_fixed_functions_behave_as_the_originals(tmp_path: Path, source: str) -> None:
    positions = _positions(tmp_path, source)
    fixed, count = fix_source(source, positions)
    lambdas = source.count("lambda")
    assert count == len(positions) - (1 if lambdas else 0)
    compile(fixed, "fixed.py", "exec")
    before, after = _functions(_exec(source)), _functions(_exec(fixed))
    assert before.keys() == after.keys()
    for name in before:
        # One call each, on fresh definitions: same result.
        assert _call(before[name]) == _call(after[name]), name
    # What the fix is for: a second call no longer sees the first one's object.
    for name, function in after.items():
        if inspect.iscoroutinefunction(function):
            continue
        first, second = _call(function), _call(function)
        if isinstance(first, (list, dict, set)) and first is not None:
            assert first is not second, name
    # Idempotent: the fixed source has nothing left to fix.
    again = _positions(tmp_path / "again", fixed)
    assert fix_source(fixed, again) == (fixed, 0)


def test_fix_keeps_comments_docstring_and_formatting(tmp_path: Path) -> None:
    source = (
        "def add(item,   basket=[],  # the basket\n"
        "        *, seen: set = set()) -> list:\n"
        '    """Add ``item``."""\n'
        "    # first a comment\n"
        "    basket.append(item)  # trailing\n"
        "    return basket\n"
    )
    fixed, count = fix_source(source, _positions(tmp_path, source))
    assert count == 2
    assert fixed == (
        "def add(item,   basket=None,  # the basket\n"
        "        *, seen: set | None = None) -> list:\n"
        '    """Add ``item``."""\n'
        "    if basket is None:\n"
        "        basket = []\n"
        "    if seen is None:\n"
        "        seen = set()\n"
        "    # first a comment\n"
        "    basket.append(item)  # trailing\n"
        "    return basket\n"
    )


def test_fix_annotations_that_admit_none_are_kept(tmp_path: Path) -> None:
    source = (
        "from typing import Optional\n"
        "def f(a: Optional[list] = [], b: 'list' = [], c: dict | None = {}, d: list[int] = []):\n"
        "    return a, b, c, d\n"
    )
    fixed, count = fix_source(source, _positions(tmp_path, source))
    assert count == 4
    assert "a: Optional[list] = None" in fixed
    assert "b: 'list' = None" in fixed
    assert "c: dict | None = None" in fixed
    assert "d: list[int] | None = None" in fixed
    assert _call(_exec(fixed)["f"]) == ([], [], {}, [])


def test_one_line_body_and_methods(tmp_path: Path) -> None:
    source = "class A:\n    def m(self, x=[]): return x  # note\n"
    fixed, count = fix_source(source, _positions(tmp_path, source))
    assert count == 1
    assert fixed == (
        "class A:\n    def m(self, x=None):  # note\n"
        "        if x is None:\n            x = []\n        return x\n"
    )


def test_lambdas_and_defaults_reading_locals_are_not_fixed(tmp_path: Path) -> None:
    source = (
        "size = 3\n"
        "handler = lambda e, sink=[]: sink.append(e)\n"
        "def f(size, buf=[0] * size):\n"
        "    return buf\n"
    )
    positions = _positions(tmp_path, source)
    assert len(positions) == 1  # the lambda's (``[0] * size`` is not a display)
    assert fix_source(source, positions) == (source, 0)
    source2 = "def g(x, y=[x for x in range(2)], z=list(range(1))):\n    x = 1\n    return y, z\n"
    fixed, count = fix_source(source2, _positions(tmp_path / "2", source2))
    assert count == 1  # ``y`` reads ``x``, which the body rebinds: moving it is not safe
    assert "y=[x for x in range(2)]" in fixed and "z=None" in fixed
