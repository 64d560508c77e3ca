"""What mutates an object: shared by the state rules (VBR3xx) and the invariant rules (VBR2xx).

Both families ask the same question of a statement — does it change the
object that ``expr`` refers to, and how? — about different objects: a
parameter, a module global, ``self.x``. This module answers it once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from vibrails.checks.shared.traverse import children

#: Methods of list, dict, set, bytearray and deque that change the object.
MUTATING_METHODS = frozenset(
    {
        # list / bytearray
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
        # dict
        "update", "setdefault", "popitem",
        # set
        "add", "discard", "difference_update", "intersection_update",
        "symmetric_difference_update",
        # deque
        "appendleft", "extendleft", "popleft", "rotate",
    }
)

#: Standard-library functions that change their first argument in place
#: (qualified names; the state rules match them through import aliases).
MUTATING_FUNCTIONS = frozenset(
    {
        "random.shuffle", "heapq.heappush", "heapq.heappop", "heapq.heapify",
        "heapq.heapreplace", "heapq.heappushpop", "bisect.insort", "bisect.insort_left",
        "bisect.insort_right",
    }
)

#: Augmented assignment operands that make ``x op= y`` an in-place change of a
#: list, set or dict (``+=`` on a list extends it; ``|=`` on a set or dict updates it).
MUTABLE_DISPLAYS = (
    cst.List, cst.Set, cst.Dict, cst.ListComp, cst.SetComp, cst.DictComp,
)


@dataclass(frozen=True)
class Mutation:
    """One change of an object: which expression is changed, and how."""

    #: The expression whose object changes (``p`` in ``p.append(1)``, ``p[k] = v``).
    target: cst.BaseExpression
    #: ``"call"``, ``"subscript-store"``, ``"subscript-delete"``, ``"attribute-store"``,
    #: ``"attribute-delete"``, ``"setattr"``, ``"augmented"``.
    how: str
    #: For a call, the method name; for a store, the attribute name if any.
    detail: str = ""


def mutations_in_small_statement(node: cst.BaseSmallStatement) -> Iterator[Mutation]:
    """The object mutations a simple statement performs at its top level.

    Calls nested inside expressions (``x = p.pop()``) count too; lambdas and
    comprehensions are not entered.
    """
    if isinstance(node, cst.Assign):
        for target in node.targets:
            yield from _store_targets(target.target)
        yield from mutating_calls(node.value)
    elif isinstance(node, cst.AnnAssign):
        if node.value is not None:
            yield from _store_targets(node.target)
            yield from mutating_calls(node.value)
    elif isinstance(node, cst.AugAssign):
        changed = node.target
        if isinstance(changed, cst.Subscript):
            yield Mutation(changed.value, "subscript-store")
        elif isinstance(changed, cst.Attribute):
            yield Mutation(changed.value, "attribute-store", changed.attr.value)
        elif isinstance(node.value, MUTABLE_DISPLAYS):
            yield Mutation(changed, "augmented")
        yield from mutating_calls(node.value)
    elif isinstance(node, cst.Del):
        yield from _delete_targets(node.target)
    elif isinstance(node, cst.Expr):
        yield from mutating_calls(node.value)
    elif isinstance(node, cst.Return) and node.value is not None:
        yield from mutating_calls(node.value)


def _store_targets(target: cst.BaseExpression) -> Iterator[Mutation]:
    if isinstance(target, cst.Subscript):
        yield Mutation(target.value, "subscript-store")
    elif isinstance(target, cst.Attribute):
        yield Mutation(target.value, "attribute-store", target.attr.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _store_targets(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _store_targets(target.value)


def _delete_targets(target: cst.BaseExpression) -> Iterator[Mutation]:
    if isinstance(target, cst.Subscript):
        yield Mutation(target.value, "subscript-delete")
    elif isinstance(target, cst.Attribute):
        yield Mutation(target.value, "attribute-delete", target.attr.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _delete_targets(element.value)


def mutating_calls(expr: cst.BaseExpression) -> Iterator[Mutation]:
    """``x.append(...)``-style calls and ``setattr(x, ...)`` anywhere in ``expr``
    (not inside lambdas or comprehensions, which run later or elsewhere)."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp,
                             cst.GeneratorExp)):
            continue
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
                yield Mutation(func.value, "call", func.attr.value)
            elif isinstance(func, cst.Name) and func.value in ("setattr", "delattr") and node.args:
                yield Mutation(node.args[0].value, func.value)
        stack.extend(children(node))
