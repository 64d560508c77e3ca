"""One lean traversal of a libcst tree, calling every rule's handlers.

libcst's generic visitor costs about as much as the parse itself: it builds
the children of every node through ``_visit_and_replace_children`` and visits
whitespace and punctuation too. This walker reads each node's fields through
a cached ``attrgetter``, skips the fields that only hold whitespace and
punctuation, and calls only the handlers registered for the node's class, in
one iterative pass (no recursion limit on deep trees). Nodes are visited in
source order; ``leave_`` handlers run after a node's children.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import libcst as cst

Handler = Callable[[Any], object]

#: Fields that hold only whitespace, comments or punctuation.
_SKIPPED_FIELDS = frozenset(
    {
        "leading_lines", "lines_after_decorators", "header", "footer", "lpar", "rpar",
        "comma", "semicolon", "newline", "trailing_whitespace", "colon", "equal", "dot",
        "lbracket", "rbracket", "lbrace", "rbrace", "operator", "asynchronous", "star_tok",
        "encoding", "default_indent", "default_newline", "has_trailing_newline",
        "whitespace_after_star", "whitespace_after_param",
    }
)
#: Source order where it differs from field order.
_FIELD_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Arg: ("keyword", "value"),
    cst.Parameters: (
        "posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"
    ),
    cst.MatchCase: ("pattern", "guard", "body"),
}

_getters: dict[type[cst.CSTNode], Callable[[cst.CSTNode], tuple[Any, ...]]] = {}


def _getter(tp: type[cst.CSTNode]) -> Callable[[cst.CSTNode], tuple[Any, ...]]:
    getter = _getters.get(tp)
    if getter is None:
        names = _FIELD_ORDER.get(tp) or tuple(
            f.name
            for f in dataclasses.fields(tp)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        names = tuple(n for n in names if n in tp.__dataclass_fields__)
        if not names:
            getter = _no_children
        elif len(names) == 1:
            single = operator.attrgetter(names[0])
            getter = _single(single)
        else:
            getter = operator.attrgetter(*names)
        _getters[tp] = getter
    return getter


def _no_children(node: cst.CSTNode) -> tuple[Any, ...]:
    return ()


def _single(get: Callable[[cst.CSTNode], Any]) -> Callable[[cst.CSTNode], tuple[Any, ...]]:
    return lambda node: (get(node),)


#: Exact classes known to be (or not to be) libcst nodes. ``isinstance`` against
#: libcst's abstract base class costs a call into ``abc`` on every field value;
#: a set lookup on the exact type costs almost nothing.
_NODE_TYPES: set[type] = set()
_OTHER_TYPES: set[type] = {str, bool, int, type(None)}


def _learn(tp: type) -> bool:
    """Is ``tp`` a libcst node class? (remembered)"""
    if issubclass(tp, cst.CSTNode):
        _NODE_TYPES.add(tp)
        return True
    _OTHER_TYPES.add(tp)
    return False


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes the walker descends into, in source order."""
    out: list[cst.CSTNode] = []
    nodes, others = _NODE_TYPES, _OTHER_TYPES
    for value in _getter(type(node))(node):
        tp = type(value)
        if tp in nodes:
            out.append(value)
        elif tp is tuple or tp is list:
            for item in value:
                kind = type(item)
                if kind in nodes or (kind not in others and _learn(kind)):
                    out.append(item)
        elif tp not in others and _learn(tp):
            out.append(value)
    return out


def descendants(
    nodes: Iterable[cst.CSTNode], stop: tuple[type[cst.CSTNode], ...] = ()
) -> Iterator[cst.CSTNode]:
    """``nodes`` and everything under them, in source order, for a rule's look
    into one construct (a function body, a condition). Nodes of the ``stop``
    classes are yielded but not entered (nested scopes, say)."""
    stack = list(nodes)
    stack.reverse()
    while stack:
        node = stack.pop()
        yield node
        if stop and isinstance(node, stop):
            continue
        kids = children(node)
        kids.reverse()
        stack.extend(kids)


_handler_cache: dict[
    tuple[type, tuple[int, ...]], tuple[tuple[str, type[cst.CSTNode], str], ...]
] = {}


def _handler_names(cls: type) -> tuple[tuple[str, type[cst.CSTNode], str], ...]:
    """``(visit|leave, node class, method name)`` of a rule class.

    Computed once per class (``dir()`` of every rule on every file adds up),
    and again if a class gains or loses attributes, as a test's monkeypatch does.
    """
    key = (cls, tuple(len(vars(k)) for k in cls.__mro__))
    found = _handler_cache.get(key)
    if found is None:
        entries = []
        for attr in dir(cls):
            prefix, _, node_name = attr.partition("_")
            if prefix not in ("visit", "leave") or not node_name:
                continue
            node_type = getattr(cst, node_name, None)
            if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
                entries.append((prefix, node_type, attr))
        found = _handler_cache[key] = tuple(entries)
    return found


class Dispatch:
    """Handlers by node class, gathered from rule objects' method names."""

    def remove(self, rule: object) -> None:
        """Stop calling ``rule``'s handlers (the lists are replaced, not mutated,
        so a walk iterating one of them is not disturbed)."""
        for table in (self.visit, self.leave):
            for node_type, handlers in list(table.items()):
                kept = [h for h in handlers if getattr(h, "__self__", None) is not rule]
                if len(kept) != len(handlers):
                    if kept:
                        table[node_type] = kept
                    else:
                        del table[node_type]

    def __init__(self, rules: Iterable[object]) -> None:
        self.visit: dict[type[cst.CSTNode], list[Handler]] = {}
        self.leave: dict[type[cst.CSTNode], list[Handler]] = {}
        for rule in rules:
            for prefix, node_type, attr in _handler_names(type(rule)):
                table = self.visit if prefix == "visit" else self.leave
                table.setdefault(node_type, []).append(getattr(rule, attr))


def walk(
    root: cst.CSTNode,
    dispatch: Dispatch,
    on_enter: Callable[[cst.CSTNode], None] | None = None,
    on_exit: Callable[[cst.CSTNode], None] | None = None,
    tracked: tuple[type[cst.CSTNode], ...] = (),
    on_error: Callable[[Handler, cst.CSTNode, Exception], None] | None = None,
) -> None:
    """Visit ``root`` and its descendants once, in source order.

    ``on_enter``/``on_exit`` are called around nodes of the ``tracked``
    (exact, concrete) classes (the engine uses them to keep the stack of enclosing scopes).
    ``on_error(handler, node, exc)``, if given, is called when a handler
    raises, and the walk goes on (it may take the handler's rule out of
    ``dispatch``); without it the exception propagates.
    """
    visit, leave = dispatch.visit, dispatch.leave
    scoped = frozenset(tracked)
    leaving = object()
    stack: list[Any] = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if node is leaving:
            node = pop()
            for handler in leave.get(type(node), ()):
                try:
                    handler(node)
                except Exception as exc:
                    if on_error is None:
                        raise
                    on_error(handler, node, exc)
            if on_exit is not None and type(node) in scoped:
                on_exit(node)
            continue
        tp = type(node)
        if on_enter is not None and tp in scoped:
            on_enter(node)
        for handler in visit.get(tp, ()):
            try:
                handler(node)
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(handler, node, exc)
        if tp in leave or (on_exit is not None and tp in scoped):
            push(node)
            push(leaving)
        kids = children(node)
        kids.reverse()
        stack.extend(kids)
