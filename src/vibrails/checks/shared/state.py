"""Shared analysis of the state rules (VBR301-VBR305).

What the state rules share, computed cheaply during the engine's one walk:

* :func:`chain_root` — the name an ``a.b[c].d`` chain starts from;
* :func:`bound_names` — the names a statement binds in its function;
* :class:`ProcessState` — the process-wide state table (``[data]`` of the
  VBR303 catalogue entry plus ``state.process-calls``), so that VBR302 can
  leave process state to VBR303.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst

from vibrails.checks.shared.names import dotted, import_bindings, target_names


def chain_root(expr: cst.BaseExpression) -> cst.Name | None:
    """``a`` for ``a``, ``a.b``, ``a[k]``, ``a.b[k].c`` (``None`` for other roots)."""
    node: cst.BaseExpression = expr
    while True:
        if isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Name):
            return node
        else:
            return None


def dotted_prefix(expr: cst.BaseExpression) -> str | None:
    """The longest dotted name at the start of a chain: ``os.environ`` for
    ``os.environ["X"]``, ``a.b`` for ``a.b[0].c``."""
    node: cst.BaseExpression = expr
    while True:
        name = dotted(node)
        if name is not None:
            return name
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        else:
            return None


def qualify_dotted(imports: Mapping[str, str], name: str | None) -> str | None:
    """``os.environ`` for ``env`` when ``from os import environ as env`` (head replaced)."""
    if name is None:
        return None
    head, dot, rest = name.partition(".")
    target = imports.get(head)
    if target is None:
        return name
    return f"{target}{dot}{rest}"


def bound_names(node: cst.CSTNode) -> Iterator[str]:
    """Names a statement or clause binds in the enclosing function scope."""
    if isinstance(node, cst.Assign):
        for target in node.targets:
            yield from target_names(target.target)
    elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        yield from target_names(node.target)
    elif isinstance(node, (cst.For, cst.CompFor)):
        yield from target_names(node.target)
    elif isinstance(node, cst.WithItem):
        if node.asname is not None:
            yield from target_names(node.asname.name)
    elif isinstance(node, cst.NamedExpr):
        yield from target_names(node.target)
    elif isinstance(node, (cst.Import, cst.ImportFrom)):
        for local, _ in import_bindings(node):
            yield local
    elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        yield node.name.value
    elif isinstance(node, cst.ExceptHandler):
        if node.name is not None and isinstance(node.name.name, cst.Name):
            yield node.name.name.value
    elif isinstance(node, cst.Del):
        yield from target_names(node.target)
    elif isinstance(node, (cst.MatchAs, cst.MatchStar)):
        if node.name is not None:
            yield node.name.value


def decorator_names(node: cst.FunctionDef | cst.ClassDef) -> set[str]:
    """Last components of the decorators' names (``functools.wraps(f)`` → ``wraps``)."""
    out = set()
    for decorator in node.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        name = dotted(expr)
        if name is not None:
            out.add(name.rpartition(".")[2])
    return out


# -- process-wide state (VBR303's table) ---------------------------------------


@dataclass(frozen=True)
class ProcessEntry:
    """One kind of process-wide state and what changing it does."""

    name: str
    #: ``call`` (any call), ``call-in-function`` (a call inside a function),
    #: ``mutate`` (store, delete, mutating method), ``rebind`` (assignment).
    on: frozenset[str]
    effect: str


#: Methods that change a mapping or list such as ``os.environ`` or ``sys.path``.
PROCESS_MUTATORS = frozenset(
    {
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
        "update", "setdefault", "popitem", "__setitem__", "__delitem__",
    }
)

_GENERIC_EFFECT = (
    "it changes state every part of the process shares; keep the change out of "
    "library code or restore it where it is made"
)


class ProcessState:
    """The process-state table: built-in entries and ``state.process-calls``."""

    def __init__(self, data: Mapping[str, Any], extra_calls: Iterable[str] = ()) -> None:
        self.entries: dict[str, ProcessEntry] = {}
        for name, raw in dict(data.get("entries", {})).items():
            self.entries[name] = ProcessEntry(
                name, frozenset(raw.get("on", ())), str(raw.get("effect", _GENERIC_EFFECT))
            )
        for name in extra_calls:
            if name not in self.entries:
                self.entries[name] = ProcessEntry(name, frozenset({"call"}), _GENERIC_EFFECT)
        #: Entries that are objects (mutated or rebound), for prefix tests.
        self.objects = tuple(
            name for name, entry in self.entries.items() if entry.on & {"mutate", "rebind"}
        )

    def entry(self, name: str | None, kind: str) -> ProcessEntry | None:
        if name is None:
            return None
        entry = self.entries.get(name)
        if entry is not None and kind in entry.on:
            return entry
        return None

    def covers(self, qualified: str | None) -> bool:
        """Whether ``qualified`` is process state or part of it (``sys.path``, ``os.environ.x``)."""
        if qualified is None:
            return False
        for name in self.objects:
            if qualified == name or qualified.startswith(name + "."):
                return True
        return False
