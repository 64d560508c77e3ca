"""A hypothesis strategy for valid Python modules built from libcst nodes.

Every module it draws compiles: it is built from a small grammar of
statements and expressions whose combinations are all valid (distinct
parameter names, defaults last, ``return`` only in functions, ``global``
first in a body), and printed by libcst. Nothing is filtered, so hypothesis
never rejects a draw (``hypothesmith.from_node()`` draws arbitrary nodes
and filters those that do not compile, and failed its ``filter_too_much``
health check one run in two).

It reaches what the rules look at: functions with defaults (mutable ones
too), methods that assign ``self`` attributes, augmented assignments,
mutating calls on parameters, ``global`` statements, asserts, raises,
``if``/``while``/``for`` bodies, classes with class attributes.
"""

from __future__ import annotations

import libcst as cst
from hypothesis import strategies as st

NAMES = ["a", "b", "items", "total", "count", "self", "log", "cache", "x", "y"]
PARAMS = ["a", "b", "items", "total", "count", "log", "cache", "x"]
CALLS = ["append", "update", "pop", "clear", "extend", "add", "get", "sort"]

_names = st.sampled_from(NAMES).map(cst.Name)


def _leaf() -> st.SearchStrategy[cst.BaseExpression]:
    return st.one_of(
        _names,
        st.integers(0, 1000).map(lambda n: cst.Integer(str(n))),
        st.sampled_from(['"x"', "'y'", '""']).map(cst.SimpleString),
        st.just(cst.List([])),
        st.just(cst.Dict([])),
        st.just(cst.Name("None")),
    )


def _parenthesised(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` in parentheses: libcst prints what it is given, precedence is ours."""
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _extend(inner: st.SearchStrategy[cst.BaseExpression]) -> st.SearchStrategy[cst.BaseExpression]:
    operators = st.sampled_from([cst.Add(), cst.Subtract(), cst.Multiply()])
    comparisons = st.sampled_from([cst.LessThan(), cst.GreaterThanEqual(), cst.Equal()])
    return st.one_of(
        st.builds(cst.BinaryOperation, left=inner, operator=operators, right=inner)
        .map(_parenthesised),
        st.builds(
            lambda left, op, right: cst.Comparison(left, [cst.ComparisonTarget(op, right)]),
            inner, comparisons, inner,
        ).map(_parenthesised),
        st.builds(lambda value, attr: cst.Attribute(value, cst.Name(attr)), _names,
                  st.sampled_from(["balance", "items", "size"])),
        st.builds(
            lambda func, args: cst.Call(cst.Name(func), [cst.Arg(a) for a in args]),
            st.sampled_from(["len", "min", "max", "int", "print", "sorted"]),
            st.lists(inner, max_size=2),
        ),
        st.builds(lambda value, index: cst.Subscript(value, [cst.SubscriptElement(cst.Index(index))]),
                  _names, inner),
        st.builds(lambda operand: cst.UnaryOperation(cst.Not(), operand), inner)
        .map(_parenthesised),
    )


EXPRESSIONS: st.SearchStrategy[cst.BaseExpression] = st.recursive(_leaf(), _extend, max_leaves=6)

_targets = st.one_of(
    _names,
    st.builds(lambda value, attr: cst.Attribute(value, cst.Name(attr)), _names,
              st.sampled_from(["balance", "items", "size"])),
    st.builds(lambda value, index: cst.Subscript(value, [cst.SubscriptElement(cst.Index(index))]),
              _names, _leaf()),
)


def _line(statement: cst.BaseSmallStatement) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([statement])


_simple = st.one_of(
    st.builds(lambda t, v: _line(cst.Assign([cst.AssignTarget(t)], v)), _targets, EXPRESSIONS),
    st.builds(lambda t, op, v: _line(cst.AugAssign(t, op, v)), _targets,
              st.sampled_from([cst.AddAssign(), cst.SubtractAssign()]), EXPRESSIONS),
    st.builds(
        lambda obj, method, args: _line(cst.Expr(cst.Call(
            cst.Attribute(cst.Name(obj), cst.Name(method)), [cst.Arg(a) for a in args]))),
        st.sampled_from(PARAMS), st.sampled_from(CALLS), st.lists(EXPRESSIONS, max_size=1)),
    st.builds(lambda test: _line(cst.Assert(test)), EXPRESSIONS),
    st.builds(lambda msg: _line(cst.Raise(cst.Call(cst.Name("ValueError"), [cst.Arg(msg)]))),
              _leaf()),
    st.just(_line(cst.Pass())),
)


def _block(body: list[cst.BaseStatement]) -> cst.IndentedBlock:
    return cst.IndentedBlock(body or [_line(cst.Pass())])


def _compound(inner: st.SearchStrategy[list[cst.BaseStatement]]) -> st.SearchStrategy[cst.BaseStatement]:
    return st.one_of(
        st.builds(lambda test, body: cst.If(test, _block(body)), EXPRESSIONS, inner),
        st.builds(lambda test, body: cst.While(test, _block(body)), EXPRESSIONS, inner),
        st.builds(lambda target, it, body: cst.For(cst.Name(target), it, _block(body)),
                  st.sampled_from(["i", "key"]), _names, inner),
    )


STATEMENTS: st.SearchStrategy[list[cst.BaseStatement]] = st.recursive(
    st.lists(_simple, min_size=1, max_size=3),
    lambda inner: st.lists(st.one_of(_simple, _compound(inner)), min_size=1, max_size=3),
    max_leaves=8,
)


@st.composite
def functions(draw: st.DrawFn, method: bool = False) -> cst.FunctionDef:
    """A function (or method) with distinct parameters, defaults last."""
    names = draw(st.lists(st.sampled_from(PARAMS), unique=True, max_size=4))
    defaults = draw(st.integers(0, len(names)))
    default_values = st.one_of(_leaf(), st.just(cst.List([])), st.just(cst.Dict([])))
    params = [
        cst.Param(cst.Name(name), default=draw(default_values) if i >= len(names) - defaults else None)
        for i, name in enumerate(names)
    ]
    if method:
        params.insert(0, cst.Param(cst.Name("self")))
    body: list[cst.BaseStatement] = []
    global_names = draw(st.lists(st.sampled_from(["cache", "total"]), unique=True, max_size=1))
    if global_names and not set(global_names) & set(names):
        body.append(_line(cst.Global([cst.NameItem(cst.Name(n)) for n in global_names])))
    body += draw(STATEMENTS)
    if draw(st.booleans()):
        body.append(_line(cst.Return(draw(EXPRESSIONS))))
    name = draw(st.sampled_from(["__init__", "add", "apply", "_helper", "run"] if method
                                else ["add", "apply", "_helper", "run", "total_of"]))
    return cst.FunctionDef(cst.Name(name), cst.Parameters(params), _block(body))


@st.composite
def classes(draw: st.DrawFn) -> cst.ClassDef:
    body: list[cst.BaseStatement] = []
    for _ in range(draw(st.integers(0, 2))):
        body.append(_line(cst.Assign([cst.AssignTarget(cst.Name(draw(
            st.sampled_from(["history", "limit", "items"]))))], draw(_leaf()))))
    body += draw(st.lists(functions(method=True), max_size=3))
    name = draw(st.sampled_from(["Account", "Cart", "_State"]))
    return cst.ClassDef(cst.Name(name), _block(body))


@st.composite
def modules(draw: st.DrawFn) -> str:
    """A valid module's source, printed by libcst."""
    body = draw(st.lists(st.one_of(functions(), classes(), _simple), max_size=5))
    return cst.Module(body).code
