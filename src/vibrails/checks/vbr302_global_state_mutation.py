"""VBR302 global-state-mutation: a function changes module-level state.

Scope analysis of its own, light and exact enough: each function (and
lambda) collects its parameters, the names it binds anywhere in its body, and
its ``global``/``nonlocal`` declarations. Candidate mutations are recorded
during the walk and decided when the outermost function is left, when every
enclosing scope is known: a name is module-level when no enclosing function
binds it (class bodies do not count, as in Python) and the module binds it —
by assignment, ``def``, ``class`` or import — or a ``global`` declares it.
Process-wide state (``os.environ``, ``sys.path`` …) is VBR303's, never this
rule's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from vibrails.checks.base import StatementRule
from vibrails.checks.shared.mutation import MUTATING_FUNCTIONS, MUTATING_METHODS
from vibrails.checks.shared.names import Names, params_of, target_names
from vibrails.checks.shared.state import (
    ProcessState,
    bound_names,
    chain_root,
    decorator_names,
    dotted_prefix,
    qualify_dotted,
)
from vibrails.core.catalogue import rule_info

#: Functions whose ``cls`` may change the class: the class's own hooks.
_CLASS_HOOKS = frozenset({"__init_subclass__", "__class_getitem__", "__new__"})
#: Objects that look global but hold per-request or per-context state (flask's
#: ``session``, ``g`` and ``request`` proxies and their kin): meant to be set.
_CONTEXT_OBJECTS = frozenset(
    {"flask.session", "flask.g", "flask.request", "quart.session", "quart.g", "quart.request",
     "werkzeug.local", "starlette_context.context"}
)
#: Constructors of per-thread or per-context state, which is meant to be set.
_CONTEXT_LOCAL = frozenset({"threading.local", "_threading_local.local", "asgiref.local.Local"})
#: Modules whose attributes are all process state: VBR303's business, not this rule's.
_PROCESS_MODULES = frozenset({"sys", "os"})


def _names_a_module_or_class(name: str, names: Names) -> bool:
    """``os``, a module-level class, or an imported CamelCase name (a class by convention)."""
    if name in names.modules or name in names.classes:
        return True
    return name in names.imports and name[:1].isupper() and not name.isupper()


#: Last components of :data:`MUTATING_FUNCTIONS`, to qualify only likely calls.
_MUTATING_FUNCTION_NAMES = frozenset(name.rpartition(".")[2] for name in MUTATING_FUNCTIONS)


@dataclass
class _Frame:
    node: cst.FunctionDef | cst.Lambda
    name: str
    locals: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    #: ``cls`` may be changed here (a classmethod or a class hook).
    class_level: bool = False
    #: Parameters of this function.
    params: set[str] = field(default_factory=set)


@dataclass
class _Candidate:
    frames: tuple[_Frame, ...]
    name: str
    statement: cst.CSTNode
    action: str
    function: str
    #: Reported whatever the scopes say (a store through ``cls``).
    definite: bool = False


class GlobalStateMutation(StatementRule):
    code = "VBR302"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        settings = self.context.settings.get("state", {})
        self.process = ProcessState(rule_info("VBR303").data, settings.get("process-calls", ()))
        self.frames: list[_Frame] = []
        self.candidates: list[_Candidate] = []
        self.declared_global: set[str] = set()
        self._context_locals: set[str] | None = None
        #: Per enclosing ``if``: the names it tests for being unset (lazy initialisation).
        self.lazy: list[set[str]] = []

    # -- scopes ----------------------------------------------------------------

    def _bind(self, node: cst.CSTNode) -> None:
        if self.frames:
            self.frames[-1].locals.update(bound_names(node))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node)
        scopes = self.context.scopes
        in_class = len(scopes) >= 2 and isinstance(scopes[-2], cst.ClassDef)
        class_level = in_class and (
            "classmethod" in decorator_names(node) or node.name.value in _CLASS_HOOKS
        )
        self._push(node, f"'{node.name.value}'", node.params, class_level)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push(node, "a lambda", node.params, False)

    def _push(self, node: cst.FunctionDef | cst.Lambda, name: str, params: cst.Parameters,
              class_level: bool) -> None:
        names = {p.name.value for p in params_of(params)}
        self.frames.append(_Frame(node, name, set(names), class_level=class_level, params=names))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._pop()

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._pop()

    def _pop(self) -> None:
        self.frames.pop()
        if not self.frames:
            self._decide()

    def visit_Global(self, node: cst.Global) -> None:
        if self.frames:
            names = {item.name.value for item in node.names}
            self.frames[-1].globals.update(names)
            self.declared_global.update(names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        if self.frames:
            self.frames[-1].nonlocals.update(item.name.value for item in node.names)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node)
        self._global_store(node.target, node, "rebinds")

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self._bind(node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node)

    def visit_Import(self, node: cst.Import) -> None:
        self._bind(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._bind(node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._bind(node)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        self._bind(node)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        self._bind(node)

    # -- stores and calls ------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        self._bind(node)
        for target in node.targets:
            self._store(target.target, node, "stores into")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node)
        if node.value is not None:
            self._store(node.target, node, "stores into")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node)
        self._store(node.target, node, "updates")

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node)
        self._store(node.target, node, "deletes from")

    def _store(self, target: cst.BaseExpression, node: cst.CSTNode, verb: str) -> None:
        if not self.frames:
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value, node, verb)
            return
        if isinstance(target, cst.StarredElement):
            self._store(target.value, node, verb)
            return
        if isinstance(target, cst.Name):
            self._global_store(target, node, {"stores into": "rebinds", "deletes from": "deletes"}
                               .get(verb, verb))
            return
        if isinstance(target, cst.Attribute):
            verb = {"stores into": "sets", "deletes from": "deletes", "updates": "updates"}[verb]
            where = "of" if isinstance(target.value, cst.Name) else "inside"
            self._candidate(target, target, node, f"{verb} attribute '{target.attr.value}' {where}")
        elif isinstance(target, cst.Subscript):
            action = {"stores into": "stores an item into", "deletes from": "deletes an item from",
                      "updates": "updates an item of"}[verb]
            self._candidate(target.value, target, node, action)

    def _global_store(self, target: cst.BaseExpression, node: cst.CSTNode, verb: str) -> None:
        frame = self.frames[-1] if self.frames else None
        if frame is None:
            return
        for name in target_names(target):
            if name in frame.globals and not any(name in lazy for lazy in self.lazy):
                self._add(name, node, f"{verb} module global '{name}' (declared global)")

    def visit_If(self, node: cst.If) -> None:
        # ``if _x is None: _x = make()``: lazy initialisation of a module
        # singleton, done once; not a change callers can observe.
        self.lazy.append(_unset_tests(node.test))

    def leave_If(self, node: cst.If) -> None:
        self.lazy.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if not self.frames:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
            receiver = func.value
            root = chain_root(receiver)
            if root is None:
                return
            if receiver is root and _names_a_module_or_class(root.value, self.context.names):
                return  # ``os.remove(p)``, ``Model.update(...)``: a function, not a mutation
            self._candidate(receiver, receiver, node, f"calls .{func.attr.value}() on")
        elif isinstance(func, cst.Name) and func.value in ("setattr", "delattr") and node.args:
            first = node.args[0].value
            self._candidate(first, first, node, f"calls {func.value}() on")
            return
        last = func.attr.value if isinstance(func, cst.Attribute) else (
            self.context.names.imports.get(func.value, func.value).rpartition(".")[2]
            if isinstance(func, cst.Name) else "")
        if last in _MUTATING_FUNCTION_NAMES and node.args and not node.args[0].star:
            names = self.context.names
            qualified = names.qualify(func)
            if qualified in MUTATING_FUNCTIONS and (
                    isinstance(func, cst.Attribute)
                    or (isinstance(func, cst.Name) and func.value in names.imports)):
                first = node.args[0].value
                self._candidate(first, first, node, f"calls {qualified}() on")

    def _candidate(self, receiver: cst.BaseExpression, whole: cst.BaseExpression,
                   node: cst.CSTNode, action: str) -> None:
        root = chain_root(receiver)
        if root is None:
            return
        name = root.value
        names = self.context.names
        if name in names.imports:
            if names.imports[name] in _PROCESS_MODULES:
                return  # ``setattr(sys, ...)``, ``sys.dont_write_bytecode = ...``: process state
            qualified = qualify_dotted(names.imports, dotted_prefix(whole)) or ""
            if self.process.covers(qualified):
                return  # process state: VBR303
            if any(qualified == c or qualified.startswith(c + ".") for c in _CONTEXT_OBJECTS):
                return  # per-request state behind a proxy, meant to be set
        frame = self.frames[-1]
        if name == "cls" and name in frame.params:
            if not frame.class_level:
                self._add(name, node, f"{action} the class through 'cls' outside a classmethod",
                          definite=True)
            return
        if frame.class_level and name in names.classes:
            return
        self._add(name, node, f"{action} module-level '{name}'")

    def _add(self, name: str, node: cst.CSTNode, action: str, definite: bool = False) -> None:
        self.candidates.append(
            _Candidate(tuple(self.frames), name, self.statement_of(node), action,
                       self.frames[-1].name, definite)
        )

    # -- decisions -------------------------------------------------------------

    def _module_level(self, candidate: _Candidate) -> bool:
        name = candidate.name
        for frame in reversed(candidate.frames):
            if name in frame.globals:
                return True
            if name in frame.nonlocals or name in frame.locals:
                return False
        if name in self.context.names.module_bindings or name in self.declared_global:
            return name not in self._thread_locals()
        return False

    def _thread_locals(self) -> set[str]:
        """Module names bound to ``threading.local()``: per-thread state, meant to be set."""
        if self._context_locals is None:
            found: set[str] = set()
            names = self.context.names
            local_classes = set(_CONTEXT_LOCAL)
            for name, cls in names.classes.items():
                if any(names.qualify(base.value) in _CONTEXT_LOCAL for base in cls.bases):
                    local_classes.add(name)
            for statement in self.context.module.body:
                if not isinstance(statement, cst.SimpleStatementLine):
                    continue
                for small in statement.body:
                    if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                        if names.qualify(small.value.func) in local_classes:
                            for target in small.targets:
                                found.update(target_names(target.target))
            self._context_locals = found
        return self._context_locals

    def _decide(self) -> None:
        done: set[int] = set()
        for candidate in self.candidates:
            if id(candidate.statement) in done:
                continue
            if not candidate.definite and not self._module_level(candidate):
                continue
            done.add(id(candidate.statement))
            origin = ""
            imported = self.context.names.imports.get(candidate.name)
            if not candidate.definite and imported is not None and imported != candidate.name:
                if candidate.name in self.context.names.modules:
                    origin = f" (module '{imported}')"
                else:
                    origin = f" (imported from '{imported.rpartition('.')[0]}')"
            self.report(candidate.statement, function=candidate.function,
                        action=candidate.action + origin)
        self.candidates = []


def _unset_tests(test: cst.BaseExpression) -> set[str]:
    """Names a condition tests for being unset: ``x is None``, ``not x``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) \
            and isinstance(test.expression, cst.Name):
        return {test.expression.value}
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
            and isinstance(test.comparisons[0].operator, (cst.Is, cst.Equal)) \
            and isinstance(test.left, cst.Name) and isinstance(test.comparisons[0].comparator,
                                                              cst.Name) \
            and test.comparisons[0].comparator.value == "None":
        return {test.left.value}
    if isinstance(test, cst.BooleanOperation):
        return _unset_tests(test.left) | _unset_tests(test.right)
    return set()
