"""VBR304 mutable-default-argument: a default evaluated once and shared by every call."""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule

_DISPLAYS = {
    cst.List: "list",
    cst.Dict: "dict",
    cst.Set: "set",
    cst.ListComp: "list comprehension",
    cst.DictComp: "dict comprehension",
    cst.SetComp: "set comprehension",
}
#: Qualified names of constructors of mutable objects.
MUTABLE_CONSTRUCTORS = frozenset(
    {
        "list", "dict", "set", "bytearray",
        "collections.defaultdict", "collections.deque", "collections.OrderedDict",
        "collections.Counter",
    }
)


def mutable_kind(node: cst.BaseExpression, qualified: str | None) -> str | None:
    """How ``node`` makes a new mutable object, or ``None`` if it does not.

    ``qualified`` is the qualified name of the callee when ``node`` is a call.
    """
    kind = _DISPLAYS.get(type(node))
    if kind is not None:
        return f"a {kind}"
    if isinstance(node, cst.Call) and qualified in MUTABLE_CONSTRUCTORS:
        return f"a call of {qualified.rpartition('.')[2]}()"
    return None


class MutableDefaultArgument(Rule):
    code = "VBR304"

    def _check(self, function: str, params: cst.Parameters) -> None:
        names = self.context.names
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            default = param.default
            if default is None:
                continue
            callee = names.qualify(default.func) if isinstance(default, cst.Call) else None
            if callee is not None and callee in ("list", "dict", "set", "bytearray"):
                if callee in names.module_bindings:
                    continue  # a module-level name shadows the builtin
            kind = mutable_kind(default, callee)
            if kind is not None:
                self.report(default, param=param.name.value, function=function, kind=kind)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._check(f"'{node.name.value}'", node.params)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._check("a lambda", node.params)
