"""Light name resolution: what a dotted name refers to, through import aliases.

libcst's ``QualifiedNameProvider`` resolves names through full scope
analysis, which costs several times the parse. The rules need much less:
what ``ic.require`` or ``pre`` or ``env`` stand for, given the file's imports,
and which names are bound at module level. One pass over the module's
top-level statements (and the blocks of its ``if``/``try``/``with``/loops,
never function or class bodies) answers both.

Imports inside functions are not seen here; a rule that cares records them
during the walk.
"""

from __future__ import annotations

import libcst as cst


def dotted(node: cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def last_name(name: str) -> str:
    """The last part of a dotted name: ``icontract.require`` → ``require``."""
    return name.rpartition(".")[2]


def _module_name(node: cst.ImportFrom) -> str:
    dots = "." * len(node.relative)
    name = dotted(node.module) if node.module is not None else ""
    return dots + (name or "")


def params_of(params: cst.Parameters) -> list[cst.Param]:
    """Every parameter, in order (``*args``/``**kwargs`` included)."""
    out = [*params.posonly_params, *params.params]
    if isinstance(params.star_arg, cst.Param):
        out.append(params.star_arg)
    out += params.kwonly_params
    if params.star_kwarg is not None:
        out.append(params.star_kwarg)
    return out


def target_names(target: cst.BaseExpression) -> list[str]:
    """Names bound by an assignment target (``a``, ``(a, b)``, ``[a, *b]``)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            names += target_names(element.value)
        return names
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def import_bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    """``(local name, qualified name)`` of each name an import binds.

    ``import a.b`` binds ``a`` (to ``a``), ``import a.b as c`` binds ``c`` (to
    ``a.b``), ``from m import x as y`` binds ``y`` (to ``m.x``); a relative
    ``from .m import x`` gives ``.m.x``. ``from m import *`` binds nothing
    that can be named. The one place that knows how imports bind names: the
    module-level scan below, the names a statement binds
    (:func:`vibrails.checks.shared.state.bound_names`) and the imports rules
    record inside functions all use it.
    """
    found: list[tuple[str, str]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            name = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                found.append((alias.asname.name.value, name))
            else:
                head = name.split(".", 1)[0]
                found.append((head, head))
        return found
    if isinstance(node.names, cst.ImportStar):
        return found
    module = _module_name(node)
    for alias in node.names:
        name = dotted(alias.name) or ""
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        found.append((local, f"{module}.{name}" if not module.endswith(".") else module + name))
    return found


class Names:
    """Imports and module-level bindings of one file."""

    def __init__(self, module: cst.Module) -> None:
        #: Local name → qualified name, e.g. ``ic`` → ``icontract``,
        #: ``pre`` → ``icontract.require``, ``env`` → ``os.environ``.
        self.imports: dict[str, str] = {}
        #: Every name bound at module level (assignments, defs, classes, imports).
        self.module_bindings: set[str] = set()
        #: Names of module-level classes and functions.
        self.classes: dict[str, cst.ClassDef] = {}
        self.functions: dict[str, cst.FunctionDef] = {}
        #: Local names bound by ``import x`` / ``import x.y as z`` (modules, not
        #: objects imported from them).
        self.modules: set[str] = set()
        self._scan(module.body)

    def _scan(self, body: object) -> None:
        for statement in body:  # type: ignore[attr-defined]
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._small(small)
            elif isinstance(statement, cst.FunctionDef):
                self.module_bindings.add(statement.name.value)
                self.functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                self.module_bindings.add(statement.name.value)
                self.classes[statement.name.value] = statement
            elif isinstance(statement, (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While)):
                self._compound(statement)

    def _compound(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.For):
            self.module_bindings.update(target_names(node.target))
        if isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    self.module_bindings.update(target_names(item.asname.name))
        for attr in ("body", "orelse", "finalbody"):
            block = getattr(node, attr, None)
            if block is None:
                continue
            if isinstance(block, (cst.If, cst.Else, cst.Finally)):
                if isinstance(block, cst.If):
                    self._compound(block)
                    continue
                block = block.body
            if isinstance(block, cst.SimpleStatementSuite):
                for small in block.body:
                    self._small(small)
                continue
            inner = getattr(block, "body", None)
            if isinstance(inner, (list, tuple)):
                self._scan(inner)
        for handler in getattr(node, "handlers", ()):
            if isinstance(handler.body, cst.IndentedBlock):
                self._scan(handler.body.body)

    def _small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            for local, qualified in import_bindings(small):
                self.imports[local] = qualified
                self.module_bindings.add(local)
                if isinstance(small, cst.Import):
                    self.modules.add(local)
        elif isinstance(small, cst.Assign):
            for target in small.targets:
                self.module_bindings.update(target_names(target.target))
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            self.module_bindings.update(target_names(small.target))

    def qualify(self, node: cst.CSTNode | None) -> str | None:
        """The qualified name of a Name/Attribute chain (``None`` for others).

        The head is replaced by what it was imported as; a head that no
        import binds is kept as written (``list`` stays ``list``).
        """
        name = dotted(node)
        if name is None:
            return None
        head, dot, rest = name.partition(".")
        target = self.imports.get(head)
        if target is None:
            return name
        return f"{target}{dot}{rest}"

    def qualify_callee(self, node: cst.CSTNode) -> str | None:
        """Like :meth:`qualify`, looking through a call: ``deal.pre(...)`` → ``deal.pre``."""
        if isinstance(node, cst.Call):
            return self.qualify(node.func)
        return self.qualify(node)
