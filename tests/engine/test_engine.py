"""The engine's own machinery against libcst's: traversal order and positions."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from vibrails.checks.base import Rule
from vibrails.checks.shared.positions import compute_spans
from vibrails.checks.shared.traverse import Dispatch, children, walk

STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: Whitespace and punctuation: the walker skips them on purpose.
SKIPPED = (
    cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.Newline, cst.TrailingWhitespace,
    cst.EmptyLine, cst.Comment, cst.Comma, cst.Dot, cst.LeftParen, cst.RightParen, cst.Colon,
    cst.AssignEqual, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.Semicolon, cst.Asynchronous, cst.BaseBinaryOp, cst.BaseBooleanOp,
    cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp, cst.ImportStar,
)

ALL_SYNTAX = '''
"""Module docstring."""
from __future__ import annotations
import os.path as osp, sys
from . import sibling
from ..pkg import (a as b, c)

@decorator(arg, key=value)
async def func(a, /, b: int = 1, *args, c, d=2, **kwargs) -> "R":
    """Doc."""
    global G
    nonlocal_value = [x async for x in aiter() if x if not x]
    async with ctx() as (p, q), other():
        await thing
    async for i, j in pairs:
        yield i
    x = y = lambda z, *, w=3: z if w else -z
    x += 1; del x[0], y.attr
    assert x, "message"
    raise ValueError("bad") from err
    return {k: v for k, v in d.items()} | {*s} | {**m}

class C(Base, metaclass=Meta):
    attr: int = 0
    def method(self) -> None:
        try:
            pass
        except (A, B) as exc:
            raise
        else:
            pass
        finally:
            pass
        try:
            pass
        except* C:
            pass
        while (n := next(it)) is not None:
            continue
        else:
            pass
        match command:
            case Point(x=0, y=yy) if yy > 0:
                pass
            case [1, 2, *rest] | {"k": v, **kw}:
                pass
            case str() as s:
                pass
            case _:
                pass
        f"{self.x!r:>{width}} and {y=}"
        print(a[1:2, ::3], b[...], *c, **d)
        return (yield from gen)
'''


def _sequences(module: cst.Module) -> tuple[list[int], list[int]]:
    class Recorder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.seen: list[int] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            if not isinstance(node, SKIPPED):
                self.seen.append(id(node))
            return True

    recorder = Recorder()
    module.visit(recorder)
    mine: list[int] = []
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if not isinstance(node, SKIPPED):
            mine.append(id(node))
        kids = children(node)
        kids.reverse()
        stack.extend(kids)
    return recorder.seen, mine


def _stdlib_sample(count: int) -> list[Path]:
    files = sorted(p for p in STDLIB.glob("*.py"))
    step = max(1, len(files) // count)
    return files[::step][:count]


def test_walker_visits_every_syntactic_node_in_libcst_order_on_all_syntax() -> None:
    module = cst.parse_module(ALL_SYNTAX)
    theirs, mine = _sequences(module)
    assert mine == theirs


@pytest.mark.parametrize("path", _stdlib_sample(25), ids=lambda p: p.name)
def test_walker_matches_libcst_visitor_on_stdlib(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    theirs, mine = _sequences(module)
    assert mine == theirs


@pytest.mark.parametrize("path", _stdlib_sample(12), ids=lambda p: p.name)
def test_positions_equal_libcst_position_provider(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(expected.keys())
    spans = compute_spans(module, nodes)
    mismatches = [
        (type(n).__name__, spans[id(n)], expected[n])
        for n in nodes
        if spans[id(n)]
        != (expected[n].start.line, expected[n].start.column,
            expected[n].end.line, expected[n].end.column)
    ]
    assert mismatches == []


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_positions_with_every_newline_style(newline: str) -> None:
    source = newline.join(["# c", "def f(a=[]):", "    return {", "        1: 2}", ""])
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(expected.keys())
    spans = compute_spans(module, nodes)
    for node in nodes:
        r = expected[node]
        assert spans[id(node)] == (r.start.line, r.start.column, r.end.line, r.end.column)


def test_handlers_run_once_per_node_with_leave_after_children() -> None:
    events: list[str] = []

    class Probe(Rule):
        code = "VBR304"

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            events.append(f"enter {node.name.value}")

        def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
            events.append(f"leave {node.name.value}")

        def visit_Return(self, node: cst.Return) -> None:
            events.append("return")

    module = cst.parse_module("def a():\n    def b():\n        return 1\n    return 2\n")
    probe = Probe.__new__(Probe)
    walk(module, Dispatch([probe]))
    assert events == ["enter a", "enter b", "return", "leave b", "return", "leave a"]


def test_walker_is_not_limited_by_recursion_depth() -> None:
    source = "x = " + " + ".join(["1"] * 1500) + "\n"
    module = cst.parse_module(source)
    seen: list[cst.Integer] = []

    class Count:
        def visit_Integer(self, node: cst.Integer) -> None:
            seen.append(node)

    walk(module, Dispatch([Count()]))
    assert len(seen) == 1500


DEFINITIONS = '''
import functools

@functools.cache
def cached(a):
    return a

class Outer(Base):
    @property
    def value(self):
        def inner(x=lambda: 1):
            return [y for y in x()]
        return inner

    async def fetch(self): ...

    class Nested: pass

async  def  spaced(): pass
def_not_a_def = 1
def \u00e9t\u00e9(): pass
if 0:
    def removed(): pass
'''


def _definition_spans(source: str) -> tuple[dict[int, tuple[int, int, int, int]] | None, dict[int, tuple[int, int, int, int]]]:
    from vibrails.checks.shared.positions import _code_spans, _cst_statements

    module = cst.parse_module(source)
    code = compile(source, "<test>", "exec", dont_inherit=True)
    defs = [s for s in _cst_statements(module) if isinstance(s, (cst.FunctionDef, cst.ClassDef))]
    wanted: list[cst.CSTNode] = [*defs, *(d.name for d in defs)]
    names = {id(d.name): d for d in defs}
    found = _code_spans(module, source, wanted, names, code)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    exact = {}
    for node in wanted:
        r = expected[node]
        exact[id(node)] = (r.start.line, r.start.column, r.end.line, r.end.column)
    return found, exact


def test_definition_positions_from_code_objects_fall_back_when_code_was_removed() -> None:
    found, _ = _definition_spans(DEFINITIONS)
    assert found is None  # 'removed' under 'if 0:' has no code object


@pytest.mark.parametrize("path", _stdlib_sample(12), ids=lambda p: p.name)
def test_definition_positions_from_code_objects_equal_libcst(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    found, exact = _definition_spans(source)
    if found is None:
        pytest.skip("pairing does not hold in this file")
    for key, span in found.items():
        assert span[:2] == exact[key][:2]


def test_definition_positions_from_code_objects_on_tricky_definitions() -> None:
    source = DEFINITIONS.replace("if 0:\n    def removed(): pass\n", "")
    found, exact = _definition_spans(source)
    assert found is not None
    for key, span in found.items():
        assert span[:2] == exact[key][:2]
    names = {k: v for k, v in found.items() if v[3] - v[1] < 20 and v[0] == v[2]}
    assert names
