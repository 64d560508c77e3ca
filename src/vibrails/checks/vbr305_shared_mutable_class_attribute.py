"""VBR305 shared-mutable-class-attribute: one mutable object shared by every instance.

A class body binds a list/dict/set (display, comprehension or constructor
call, as VBR304 recognises them) to a class attribute, and a method of that
class mutates it through ``self.<attr>`` — which reaches the class's one
object, since the instance has no attribute of its own. Not reported: a
``ClassVar`` annotation (sharing is declared), dataclass/attrs fields
(annotated attributes of such classes), pydantic models, enums, named tuples,
typed dicts and protocols, and attributes that ``__init__`` (or ``__new__``,
``__post_init__``, ``setUp``) rebinds on the instance before any method runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.checks.shared.mutation import MUTATING_METHODS, mutable_kind
from vibrails.checks.shared.names import dotted

_FIELD_DECORATORS = frozenset(
    {"dataclass", "dataclasses.dataclass", "pydantic.dataclasses.dataclass", "attr.s",
     "attr.attrs", "attr.define", "attr.mutable", "attr.frozen", "attrs.define",
     "attrs.mutable", "attrs.frozen", "attr.dataclass"}
)
#: Base classes (last component) whose class bodies declare fields or members.
_SKIPPED_BASES = frozenset(
    {"BaseModel", "BaseSettings", "RootModel", "SQLModel", "Enum", "IntEnum", "StrEnum",
     "Flag", "IntFlag", "NamedTuple", "TypedDict", "Protocol", "Struct"}
)
#: Methods whose first parameter is the class, not an instance.
_CLASS_FIRST = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})
_INITIALISERS = frozenset({"__init__", "__new__", "__post_init__", "setUp", "setup_method",
                           "__attrs_post_init__"})


@dataclass
class _Class:
    node: cst.ClassDef
    #: attribute → (binding statement, kind)
    attributes: dict[str, tuple[cst.CSTNode, str]]
    initialised: set[str] = field(default_factory=set)
    #: attribute → name of the first method that mutates it
    mutated: dict[str, str] = field(default_factory=dict)


@dataclass
class _Method:
    owner: _Class
    name: str
    self_name: str


class SharedMutableClassAttribute(Rule):
    code = "VBR305"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.classes: list[_Class | None] = []
        self.methods: list[_Method | None] = []

    def _is_plain(self, node: cst.ClassDef) -> tuple[bool, bool]:
        """(whether to look at the class at all, whether annotated attributes are fields)."""
        names = self.context.names
        for base in node.bases:
            name = dotted(base.value)
            if name is not None and name.rpartition(".")[2] in _SKIPPED_BASES:
                return False, True
        fields = False
        for decorator in node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            if names.qualify(expr) in _FIELD_DECORATORS:
                fields = True
        return True, fields

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        plain, fields = self._is_plain(node)
        if not plain or not isinstance(node.body, cst.IndentedBlock):
            self.classes.append(None)
            return
        names = self.context.names
        attributes: dict[str, tuple[cst.CSTNode, str]] = {}
        for statement in node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                target: cst.BaseExpression | None = None
                value: cst.BaseExpression | None = None
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    annotation = small.annotation.annotation
                    if isinstance(annotation, cst.Subscript):
                        annotation = annotation.value
                    qualified = names.qualify(annotation) or ""
                    if fields or qualified.rpartition(".")[2] == "ClassVar":
                        continue
                    target, value = small.target, small.value
                if not isinstance(target, cst.Name) or value is None:
                    continue
                callee = names.qualify(value.func) if isinstance(value, cst.Call) else None
                kind = mutable_kind(value, callee)
                if kind is not None:
                    attributes[target.value] = (small, kind)
        self.classes.append(_Class(node, attributes) if attributes else None)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        info = self.classes.pop()
        if info is None:
            return
        for attr, method in info.mutated.items():
            if attr in info.initialised:
                continue
            statement, kind = info.attributes[attr]
            self.report(statement, attr=attr, cls=node.name.value, kind=kind, method=method)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scopes = self.context.scopes
        owner = self.classes[-1] if self.classes else None
        if (owner is not None and len(scopes) >= 2 and scopes[-2] is owner.node):
            params = [*node.params.posonly_params, *node.params.params]
            decorators = {dotted(d.decorator) for d in node.decorators}
            if (params and not decorators & {"staticmethod", "classmethod"}
                    and node.name.value not in _CLASS_FIRST):
                self.methods.append(_Method(owner, node.name.value, params[0].name.value))
                return
        # A nested function keeps its method's ``self`` (a closure).
        self.methods.append(self.methods[-1] if self.methods and owner is not None else None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.methods.pop()

    def _attr(self, expr: cst.BaseExpression) -> tuple[_Method, str] | None:
        """``(method, attr)`` when ``expr`` is ``self.attr`` of a tracked attribute."""
        method = self.methods[-1] if self.methods else None
        if method is None:
            return None
        if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                and expr.value.value == method.self_name
                and expr.attr.value in method.owner.attributes):
            return method, expr.attr.value
        return None

    def _rooted(self, expr: cst.BaseExpression) -> tuple[_Method, str] | None:
        """Like :meth:`_attr` for ``self.attr`` or anything inside it (``self.attr[k]``)."""
        while True:
            found = self._attr(expr)
            if found is not None:
                return found
            if isinstance(expr, (cst.Attribute, cst.Subscript)):
                expr = expr.value
            else:
                return None

    def _mutated(self, found: tuple[_Method, str] | None) -> None:
        if found is not None:
            method, attr = found
            method.owner.mutated.setdefault(attr, method.name)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.methods or self.methods[-1] is None:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
            self._mutated(self._rooted(func.value))

    def _store(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)
        elif isinstance(target, cst.Subscript):
            self._mutated(self._rooted(target.value))
        elif isinstance(target, cst.Attribute):
            found = self._attr(target)
            if found is not None:
                method, attr = found
                if method.name in _INITIALISERS:
                    method.owner.initialised.add(attr)
            else:
                self._mutated(self._rooted(target.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.methods and self.methods[-1] is not None:
            for target in node.targets:
                self._store(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.methods and self.methods[-1] is not None and node.value is not None:
            self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self.methods and self.methods[-1] is not None:
            # ``self.items += [x]`` extends the shared list in place.
            self._mutated(self._rooted(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        if self.methods and self.methods[-1] is not None:
            target = node.target
            if isinstance(target, cst.Subscript):
                self._mutated(self._rooted(target.value))
