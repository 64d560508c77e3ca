"""VBR301 argument-mutation: a function changes an object its caller passed in.

Alias tracking in source order, one frame per function: each parameter
(not ``self``/``cls``, not ``*args``/``**kwargs``) starts as tracked; ``x =
p``, ``x = p[k]``, ``x = p.attr``, ``x = p.get(k)``, ``for x in p`` (and
``p.values()``, the values of ``p.items()``, ``enumerate``/``zip``/
``sorted``/``reversed`` of it), ``with p as x`` and ``(x := p)`` make ``x``
an alias; binding a name to anything else — a copy such as ``list(p)``,
``p.copy()``, ``[*p]``, ``copy.deepcopy(p)`` — stops tracking it. A
mutation of a tracked name (or of anything reached from it) is recorded
with the alias it went through.

Calls that pass a tracked name to a function or method of the same module
are recorded too; when the module has been walked, per-function summaries
(which parameters each function mutates) are propagated to a fixed point,
so recursion and call chains are handled. One finding per mutated
parameter, on its first mutating statement (or the call that hands it to a
mutating function), with the ``def`` as a related location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from vibrails.checks.base import Report, Rule
from vibrails.checks.shared.entrypoints import is_command
from vibrails.checks.shared.mutation import MUTATING_FUNCTIONS, MUTATING_METHODS
from vibrails.checks.shared.names import dotted, params_of, target_names
from vibrails.checks.shared.state import bound_names, decorator_names

#: Names never taken for the caller's data: the instance or class a method is bound to.
_BOUND = frozenset({"self", "cls", "mcs", "mcls", "metacls"})
#: Calls whose iteration yields the elements of their (first) argument.
_ELEMENT_ITERATORS = frozenset({"sorted", "reversed", "iter", "list", "tuple", "filter"})
#: Annotations of containers that ``+=``/``|=`` change in place.
_CONTAINER_TYPES = frozenset(
    {"list", "dict", "set", "bytearray", "List", "Dict", "Set", "MutableSequence",
     "MutableMapping", "MutableSet", "deque", "Deque", "DefaultDict", "defaultdict",
     "OrderedDict", "Counter"}
)
#: Augmented operators that change a list/set/dict in place, with the displays
#: that make the target such a container (``x += [1]``, ``s |= {1}``, ``d |= {}``).
_IN_PLACE_OPERANDS: dict[type[cst.BaseAugOp], tuple[type[cst.CSTNode], ...]] = {
    cst.AddAssign: (cst.List, cst.ListComp),
    cst.MultiplyAssign: (cst.List, cst.ListComp),
    cst.BitOrAssign: (cst.Set, cst.SetComp, cst.Dict, cst.DictComp),
    cst.BitAndAssign: (cst.Set, cst.SetComp),
    cst.SubtractAssign: (cst.Set, cst.SetComp),
    cst.BitXorAssign: (cst.Set, cst.SetComp),
}
#: Protocol methods whose contract is to change an argument (the memo of
#: ``__deepcopy__``, the instance of a descriptor's ``__set__``…).
_PROTOCOL_METHODS = frozenset(
    {"__deepcopy__", "__copy__", "__get__", "__set__", "__delete__", "__set_name__",
     "__setstate__", "__reduce_ex__", "__exit__", "__aexit__"}
)
#: Annotations under which a method named ``add``/``update``/… is still a container's.
_GENERIC_TYPES = _CONTAINER_TYPES | {"Any", "object", "Sequence", "Mapping", "Iterable",
                                     "Collection", "Optional", "Union"}


#: Last components of :data:`MUTATING_FUNCTIONS`, to qualify only likely calls.
_MUTATING_FUNCTION_NAMES = frozenset(name.rpartition(".")[2] for name in MUTATING_FUNCTIONS)


@dataclass
class _Alias:
    param: str
    #: How the name reaches the parameter: ``""`` for the parameter itself,
    #: else e.g. ``loop variable 'order'``.
    via: str
    #: The function whose parameter it is (an enclosing one for a closure).
    owner: _Frame = field(repr=False, compare=False)


@dataclass
class _Mutation:
    param: str
    how: str
    node: cst.CSTNode


@dataclass
class _Call:
    callee: str
    #: Bound method call (``self.m(...)``): the callee's first parameter is implicit.
    bound: bool
    #: (positional index or keyword, parameter of the caller, via)
    args: list[tuple[int | str, str, str]]
    node: cst.CSTNode
    callee_name: str


@dataclass
class _Frame:
    node: cst.FunctionDef
    name: str
    scope: str
    key: str | None
    params: list[str]
    positional: list[str]
    aliases: dict[str, _Alias]
    annotations: dict[str, str]
    declared: set[str]
    self_name: str | None
    class_name: str | None
    static_offset: int
    mutations: list[_Mutation] = field(default_factory=list)
    calls: list[_Call] = field(default_factory=list)
    #: Every name bound in this function so far (parameters included): a name
    #: it does not bind is looked up in the enclosing function (a closure).
    bound: set[str] = field(default_factory=set)


def _annotation_name(annotation: cst.Annotation | None) -> str:
    if annotation is None:
        return ""
    expr = annotation.annotation
    if isinstance(expr, cst.Subscript):
        expr = expr.value
    if isinstance(expr, cst.BinaryOperation):  # ``list | None``
        expr = expr.left
        if isinstance(expr, cst.Subscript):
            expr = expr.value
    if isinstance(expr, cst.SimpleString):
        return expr.raw_value.split("[", 1)[0].strip()
    name = dotted(expr)
    return name.rpartition(".")[2] if name else "?"


class ArgumentMutation(Rule):
    code = "VBR301"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        words = self.context.settings.get("mutation", {}).get("declaration-words", ())
        self.words = [w.lower() for w in words]
        self.stack: list[_Frame] = []
        self.frames: list[_Frame] = []

    # -- frames ----------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scopes = self.context.scopes
        parent = scopes[-2] if len(scopes) >= 2 else None
        decorators = decorator_names(node)
        params = node.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        self_name = None
        static_offset = 0
        class_name = None
        if isinstance(parent, cst.ClassDef):
            class_name = parent.name.value
            if "staticmethod" not in decorators and positional:
                self_name = positional[0]
                static_offset = 1 if "classmethod" in decorators else 0
        key = None
        if len(scopes) == 1:
            key = node.name.value
        elif len(scopes) == 2 and class_name is not None:
            key = f"{class_name}.{node.name.value}"
        aliases: dict[str, _Alias] = {}
        annotations: dict[str, str] = {}
        protocol = class_name is not None and node.name.value in _PROTOCOL_METHODS
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            if name in _BOUND or name == self_name or protocol:
                continue
            aliases[name] = _Alias(name, "", None)  # type: ignore[arg-type]  # owner set below
            annotations[name] = _annotation_name(param.annotation)
        declared = self._declared(node, list(aliases))
        frame = _Frame(
            node, node.name.value, self.context.scope_name(), key,
            [p.name.value for p in (*params.posonly_params, *params.params,
                                    *params.kwonly_params)],
            positional, aliases, annotations, declared, self_name, class_name, static_offset,
        )
        for alias in aliases.values():
            alias.owner = frame
        frame.bound = {p.name.value for p in params_of(params)}
        if self.stack:
            self.stack[-1].bound.add(node.name.value)
        self.frames.append(frame)
        self.stack.append(frame)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.pop()

    def _declared(self, node: cst.FunctionDef, params: list[str]) -> set[str]:
        if not params or not self.words:
            return set()
        doc = node.get_docstring(clean=False)
        if not doc:
            return set()
        text = doc.lower()
        if not any(word in text for word in self.words):
            return set()
        return {p for p in params if re.search(rf"\b{re.escape(p.lower())}\b", text)}

    @property
    def frame(self) -> _Frame | None:
        return self.stack[-1] if self.stack else None

    # -- aliases ---------------------------------------------------------------

    def resolve(self, expr: cst.BaseExpression) -> _Alias | None:
        """The parameter ``expr`` refers to (or to a part of), if any."""
        if not self.stack:
            return None
        node: cst.BaseExpression = expr
        while True:
            if isinstance(node, cst.Name):
                return self._lookup(node.value)
            if isinstance(node, cst.Attribute):
                node = node.value
            elif isinstance(node, cst.Subscript):
                if any(isinstance(s.slice, cst.Slice) for s in node.slice):
                    return None  # ``p[:]`` is a copy
                node = node.value
            elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                  and node.func.attr.value == "get"):
                node = node.func.value  # ``p.get(k)`` is an element of ``p``
            else:
                return None

    def _lookup(self, name: str) -> _Alias | None:
        """The alias ``name`` stands for, through enclosing functions (closures)."""
        for frame in reversed(self.stack):
            alias = frame.aliases.get(name)
            if alias is not None:
                return alias
            if name in frame.bound:
                return None
        return None

    def _elements(self, expr: cst.BaseExpression) -> _Alias | None:
        """The parameter whose elements iterating ``expr`` yields, if any."""
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("values", "items"):
                return self.resolve(func.value)
            if isinstance(func, cst.Name) and func.value in _ELEMENT_ITERATORS and expr.args:
                return self._elements(expr.args[0].value)
            return None
        if isinstance(expr, cst.Subscript) and any(isinstance(s.slice, cst.Slice)
                                                   for s in expr.slice):
            return self.resolve(expr.value)
        return self.resolve(expr)

    def _bind(self, target: cst.BaseExpression, alias: _Alias | None, kind: str) -> None:
        frame = self.frame
        if frame is None:
            return
        if isinstance(target, cst.Name):
            name = target.value
            frame.bound.add(name)
            if alias is None:
                frame.aliases.pop(name, None)
            else:
                same = name == alias.param and alias.owner is frame
                via = alias.via if same else f"{kind} '{name}'"
                frame.aliases[name] = _Alias(alias.param, via, alias.owner)
        else:
            for name in target_names(target):
                frame.bound.add(name)
                frame.aliases.pop(name, None)

    def _unbind(self, node: cst.CSTNode) -> None:
        frame = self.frame
        if frame is not None:
            for name in bound_names(node):
                frame.bound.add(name)
                frame.aliases.pop(name, None)

    def _iter_bind(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        if self.frame is None:
            return
        kind = "loop variable"
        if isinstance(iterable, cst.Call) and isinstance(target, cst.Tuple):
            func = iterable.func
            elements = [e.value for e in target.elements]
            if (isinstance(func, cst.Attribute) and func.attr.value == "items"
                    and len(elements) == 2):
                self._bind(elements[0], None, kind)
                self._bind(elements[1], self.resolve(func.value), kind)
                return
            if isinstance(func, cst.Name) and func.value == "enumerate" and len(elements) == 2:
                self._bind(elements[0], None, kind)
                arg = iterable.args[0].value if iterable.args else None
                self._bind(elements[1], self._elements(arg) if arg else None, kind)
                return
            if isinstance(func, cst.Name) and func.value == "zip":
                args = [a.value for a in iterable.args]
                for index, element in enumerate(elements):
                    source = args[index] if index < len(args) else None
                    self._bind(element, self._elements(source) if source else None, kind)
                return
        alias = self._elements(iterable)
        if isinstance(target, cst.Name):
            self._bind(target, alias, kind)
        elif isinstance(target, cst.Tuple) and alias is not None:
            for item in target.elements:
                if isinstance(item.value, cst.Name):
                    self._bind(item.value, alias, kind)
                else:
                    self._bind(item.value, None, kind)
        else:
            self._bind(target, None, kind)

    # -- bindings --------------------------------------------------------------

    def leave_Assign(self, node: cst.Assign) -> None:
        frame = self.frame
        if frame is None:
            return
        value = node.value
        for target in node.targets:
            t = target.target
            if isinstance(t, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
                    and len(t.elements) == len(value.elements):
                for left, right in zip(t.elements, value.elements, strict=True):
                    self._bind(left.value, self.resolve(right.value), "alias")
            elif isinstance(t, (cst.Tuple, cst.List)):
                alias = self.resolve(value)
                for element in t.elements:
                    starred = isinstance(element, cst.StarredElement)
                    self._bind(element.value, None if starred else alias, "alias")
            else:
                self._bind(t, self.resolve(value), "alias")

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.frame is not None:
            alias = self.resolve(node.value) if node.value is not None else None
            self._bind(node.target, alias, "alias")

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self.frame is not None:
            self._bind(node.target, self.resolve(node.value), "alias")

    def visit_For(self, node: cst.For) -> None:
        self._iter_bind(node.target, node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if self.frame is not None and node.asname is not None:
            self._bind(node.asname.name, self.resolve(node.item), "'with' target")

    def visit_Import(self, node: cst.Import) -> None:
        self._unbind(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._unbind(node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._unbind(node)

    # -- mutations -------------------------------------------------------------

    def _mutate(self, receiver: cst.BaseExpression, how: str, node: cst.CSTNode,
                method: bool = False) -> None:
        alias = self.resolve(receiver)
        if alias is None:
            return
        frame = alias.owner
        if alias.param in frame.declared:
            return
        if method and isinstance(receiver, cst.Name) and receiver.value == alias.param:
            annotation = frame.annotations.get(alias.param, "")
            if annotation and annotation not in _GENERIC_TYPES:
                return  # ``db: Session`` — ``db.add(x)`` is not a container's add
        where = alias.via or f"'{self.context.module.code_for_node(receiver)}'"
        frame.mutations.append(_Mutation(alias.param, f"{how} {where}", node))

    def visit_Call(self, node: cst.Call) -> None:
        frame = self.frame
        if frame is None:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in MUTATING_METHODS:
                self._mutate(func.value, f".{method}() on", node, method=True)
                return
            value = func.value
            if isinstance(value, cst.Name):
                if value.value == frame.self_name and frame.class_name is not None:
                    self._record_call(f"{frame.class_name}.{method}", True, node, method)
                elif value.value in self.context.names.classes:
                    self._record_call(f"{value.value}.{method}", False, node, method)
        elif isinstance(func, cst.Name):
            name = func.value
            if name in ("setattr", "delattr") and node.args:
                self._mutate(node.args[0].value, f"{name}() on", node)
                return
            if name in self.context.names.functions:
                self._record_call(name, False, node, name)
                return
        last = func.attr.value if isinstance(func, cst.Attribute) else (
            self.context.names.imports.get(func.value, func.value).rpartition(".")[2]
            if isinstance(func, cst.Name) else "")
        if last in _MUTATING_FUNCTION_NAMES and node.args and not node.args[0].star:
            qualified = self.context.names.qualify(func)
            if qualified in MUTATING_FUNCTIONS and (
                    isinstance(func, cst.Attribute)
                    or (isinstance(func, cst.Name) and func.value in self.context.names.imports)):
                self._mutate(node.args[0].value, f"{qualified}() on", node)

    def _record_call(self, callee: str, bound: bool, node: cst.Call, display: str) -> None:
        by_owner: dict[int, tuple[_Frame, list[tuple[int | str, str, str]]]] = {}
        position = 0
        for arg in node.args:
            if arg.star:
                break
            alias = self.resolve(arg.value)
            slot: int | str
            if arg.keyword is not None:
                slot = arg.keyword.value
            else:
                slot = position
                position += 1
            if alias is not None and alias.param not in alias.owner.declared:
                owner = alias.owner
                by_owner.setdefault(id(owner), (owner, []))[1].append(
                    (slot, alias.param, alias.via))
        for owner, args in by_owner.values():
            owner.calls.append(_Call(callee, bound, args, node, display))

    def _store(self, target: cst.BaseExpression, node: cst.CSTNode, deleting: bool) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value, node, deleting)
        elif isinstance(target, cst.StarredElement):
            self._store(target.value, node, deleting)
        elif isinstance(target, cst.Subscript):
            self._mutate(target.value, "item deleted from" if deleting else "item stored into",
                         node)
        elif isinstance(target, cst.Attribute):
            what = f"attribute '{target.attr.value}' {'deleted from' if deleting else 'set on'}"
            self._mutate(target.value, what, node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.frame is not None:
            for target in node.targets:
                self._store(target.target, node, False)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.frame is not None and node.value is not None:
            self._store(node.target, node, False)

    def visit_Del(self, node: cst.Del) -> None:
        frame = self.frame
        if frame is not None:
            self._store(node.target, node, True)
            for name in target_names(node.target):
                frame.bound.add(name)
                frame.aliases.pop(name, None)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        frame = self.frame
        if frame is None:
            return
        target = node.target
        if isinstance(target, (cst.Subscript, cst.Attribute)):
            self._store(target, node, False)
        elif isinstance(target, cst.Name):
            alias = self._lookup(target.value)
            if alias is None:
                return
            operator = type(node.operator)
            displays = _IN_PLACE_OPERANDS.get(operator)
            if displays is None:
                return  # ``%=``, ``//=`` …: never an in-place container change
            container = (isinstance(node.value, displays)
                         or (alias.via == "" and alias.owner.annotations.get(alias.param)
                             in _CONTAINER_TYPES))
            if container:
                text = self.context.module.code_for_node(node.operator).strip()
                self._mutate(target, f"'{text}' on", node)

    # -- summaries and reports -------------------------------------------------

    def _reported(self, frame: _Frame) -> bool:
        """Whether the frame's own mutations are reported.

        A private helper (``_fill(rows)``) is called by its own module, which
        knows what it does: its mutations are not reported there, but they
        count for every caller that hands it its own argument (the summaries
        carry them up to a public function). A click/typer command's
        parameters are the framework's context objects, meant to be changed.
        """
        name = frame.name
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            return False
        return not is_command(frame.node.decorators, self.context.names)

    def leave_Module(self, node: cst.Module) -> None:
        by_key: dict[str, _Frame] = {}
        for frame in self.frames:
            if frame.key is not None:
                by_key[frame.key] = frame
        #: Per frame: parameter → (how it is mutated, the first mutating node).
        mutated: dict[int, dict[str, tuple[str, cst.CSTNode]]] = {}
        for frame in self.frames:
            first: dict[str, tuple[str, cst.CSTNode]] = {}
            for mutation in frame.mutations:
                first.setdefault(mutation.param, (mutation.how, mutation.node))
            mutated[id(frame)] = first
        changed = True
        while changed:
            changed = False
            for frame in self.frames:
                mine = mutated[id(frame)]
                for call in frame.calls:
                    callee = by_key.get(call.callee)
                    if callee is None:
                        continue
                    theirs = mutated[id(callee)]
                    if not theirs:
                        continue
                    params = callee.positional[callee.static_offset:] if not call.bound \
                        else callee.positional[1:]
                    if call.bound and callee.self_name is None:
                        params = callee.positional
                    for slot, param, via in call.args:
                        if param in mine:
                            continue
                        if isinstance(slot, int):
                            name = params[slot] if slot < len(params) else None
                        else:
                            name = slot if slot in callee.params else None
                        if name is not None and name in theirs:
                            through = f" via {via}" if via else ""
                            mine[param] = (
                                f"passed{through} to '{call.callee_name}', which mutates it",
                                call.node,
                            )
                            changed = True
        for frame in self.frames:
            found = mutated[id(frame)]
            if not self._reported(frame):
                continue
            for name in frame.params:
                if name not in found:
                    continue
                how, where = found[name]
                message = self.info().format_message(
                    function=frame.name, what=f"its argument '{name}'", how=how
                )
                self._reports.append(
                    Report(self.code, where, where, message, frame.scope, frame.node.name,
                           f"'{frame.name}' receives '{name}' here")
                )
