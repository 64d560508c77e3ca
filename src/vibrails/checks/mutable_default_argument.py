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
_CONSTRUCTORS = frozenset({"list", "dict", "set", "bytearray"})
_COLLECTIONS = frozenset({"defaultdict", "deque", "OrderedDict", "Counter"})


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


class MutableDefaultArgument(Rule):
    code = "VBR304"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        #: Local names of collections' constructors and of the module itself.
        self._collections_names: set[str] = set()
        self._collections_modules: set[str] = {"collections"}

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if dotted_name(alias.name) == "collections" and alias.asname is not None:
                bound = alias.asname.name
                if isinstance(bound, cst.Name):
                    self._collections_modules.add(bound.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else None
        if module != "collections" or isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if isinstance(alias.name, cst.Name) and alias.name.value in _COLLECTIONS:
                bound = alias.asname.name if alias.asname else alias.name
                if isinstance(bound, cst.Name):
                    self._collections_names.add(bound.value)

    def _kind(self, default: cst.BaseExpression) -> str | None:
        kind = _DISPLAYS.get(type(default))
        if kind is not None:
            return f"a {kind}"
        if not isinstance(default, cst.Call):
            return None
        name = dotted_name(default.func)
        if name is None:
            return None
        if name in _CONSTRUCTORS:
            return f"a call of {name}()"
        if name in self._collections_names:
            return f"a call of {name}()"
        module, _, attr = name.rpartition(".")
        if module in self._collections_modules and attr in _COLLECTIONS:
            return f"a call of {name}()"
        return None

    def _check(self, function: str, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is None:
                continue
            kind = self._kind(param.default)
            if kind is not None:
                self.report(param.default, param=param.name.value, function=function, kind=kind)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._check(f"'{node.name.value}'", node.params)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._check("a lambda", node.params)
