"""What counts as a contract or an invariant: shared by the VBR1xx and VBR2xx rules.

Everything here is recognised by *qualified name* through the file's imports
(:class:`vibrails.checks.shared.names.Names`), so ``import icontract``, ``import deal as d``
and ``from icontract import require as pre`` all work, and by a look at a
function's decorators and its top-level body statements only (never a walk
of the module).

Project-defined helpers (``from .contracts import positive_amount`` where
that module builds ``positive_amount`` from ``icontract.require``) are
resolved by :func:`resolve_project_helper`: the project file is located from
the import and the checked file's path, built with astroid from source, and
read structurally (``lookup`` of local names, never ``infer``), so no package
is imported or loaded. It runs only for a decorator that nothing else
recognises and that comes from the project itself; results are cached per
module and process.

The invariant rules share one per-file :class:`ClassTracker`, fed from the
engine's single traversal by the handlers of whichever invariant rules are
enabled (each event is recorded once, however many rules forward it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from vibrails.checks.base import FileContext, Report, Rule
from vibrails.checks.shared.mutation import MUTATING_METHODS
from vibrails.checks.shared.names import dotted, params_of
from vibrails.checks.shared.traverse import children

# -- the recognised decorators ------------------------------------------------------

#: Qualified decorator → what it contributes: ``pre`` (a precondition),
#: ``post`` (a postcondition), ``check`` (runtime checking of the arguments'
#: types: a precondition for VBR101/VBR104, not a postcondition).
FUNCTION_CONTRACTS: dict[str, frozenset[str]] = {
    "icontract.require": frozenset({"pre"}),
    "icontract.ensure": frozenset({"post"}),
    "deal.pre": frozenset({"pre"}),
    "deal.post": frozenset({"post"}),
    "deal.ensure": frozenset({"post"}),
    "dpcontracts.require": frozenset({"pre"}),
    "dpcontracts.ensure": frozenset({"post"}),
    "pydantic.validate_call": frozenset({"check"}),
    "pydantic.validate_arguments": frozenset({"check"}),
    "pydantic.v1.validate_arguments": frozenset({"check"}),
    "pydantic.deprecated.decorator.validate_arguments": frozenset({"check"}),
    "beartype.beartype": frozenset({"check"}),
    "typeguard.typechecked": frozenset({"check"}),
}
#: Class decorators that state a class invariant checked by the library.
CLASS_INVARIANTS = frozenset({"icontract.invariant", "deal.inv", "dpcontracts.invariant"})
#: Class decorators that type-check every method (a precondition for each).
CLASS_CHECKERS = frozenset({"beartype.beartype", "typeguard.typechecked"})
#: ``deal.chain(...)`` combines deal decorators; its arguments are looked into.
_CHAINS = frozenset({"deal.chain"})
#: Decorators that make a function a stub VBR1xx never flags (last name part).
_STUB_DECORATORS = frozenset(
    {
        "overload", "abstractmethod", "abstractproperty", "abstractclassmethod",
        "abstractstaticmethod", "override", "overrides",
    }
)
_PROPERTY_GETTERS = frozenset(
    {"property", "functools.cached_property", "cached_property", "abc.abstractproperty"}
)
#: Top-level names of libraries whose decorators are known here or known not
#: to be contracts: never looked up as project modules.
_KNOWN_LIBRARIES = frozenset(
    {
        "icontract", "deal", "dpcontracts", "pydantic", "beartype", "typeguard", "attr",
        "attrs", "dataclasses", "typing", "typing_extensions", "abc", "functools",
        "contextlib", "enum", "crosshair",
    }
)
_VALIDATOR_NAME = re.compile(r"^_*(validate|check|ensure|require|verify|assert)(_|$)")
_NOT_VALIDATORS = frozenset(
    {"subprocess.check_call", "subprocess.check_output", "subprocess.check_returncode"}
)

#: Docstring lines that state a contract in words (VBR103).
DOC_CONTRACT = re.compile(
    r"^\s*(pre|post|preconditions?|postconditions?|requires|ensures|invariants?)\s*:\s*(.*)$",
    re.IGNORECASE,
)
#: Crosshair's (PEP 316) lines: enforced when ``contracts.verifier = "crosshair"``.
_CROSSHAIR = re.compile(r"^\s*(pre|post)\s*(\[[^\]]*\])?\s*:", re.MULTILINE)
_PEP316_INV = re.compile(r"^\s*inv\s*:\s*(.+)$", re.MULTILINE)


def settings_table(context: FileContext, table: str) -> Mapping[str, Any]:
    value = context.settings.get(table)
    return value if isinstance(value, Mapping) else {}


def _last(name: str) -> str:
    return name.rpartition(".")[2]


@dataclass
class _FileState:
    """Per-file caches shared by the contract and invariant rules."""

    functions: dict[int, FunctionFacts] = field(default_factory=dict)
    local_helpers: dict[str, frozenset[str]] | None = None
    tracker: ClassTracker | None = None


def _state(context: FileContext) -> _FileState:
    state = context.__dict__.get("_vibrails_contracts")
    if state is None:
        state = _FileState()
        context.__dict__["_vibrails_contracts"] = state
    return state


def decorator_kinds(
    context: FileContext, decorator: cst.BaseExpression, unresolved: list[str] | None = None
) -> frozenset[str]:
    """What a decorator expression contributes as a contract (empty when nothing).

    A decorator that may be a project-defined helper is appended to
    ``unresolved`` (when given) instead of being looked up: the lookup is
    paid for only when a rule is about to report (:func:`resolved_kinds`).
    """
    names = context.names
    qualified = names.qualify_callee(decorator)
    if qualified is None:
        return frozenset()
    kinds = FUNCTION_CONTRACTS.get(qualified)
    if kinds is not None:
        return kinds
    if qualified in _CHAINS and isinstance(decorator, cst.Call):
        found: set[str] = set()
        for arg in decorator.args:
            found |= decorator_kinds(context, arg.value, unresolved)
        return frozenset(found)
    contracts = settings_table(context, "contracts")
    configured = contracts.get("decorators") or ()
    if qualified in configured or _last(qualified) in configured:
        return frozenset({"pre", "post"})
    if unresolved is not None:
        if qualified.partition(".")[0] not in _KNOWN_LIBRARIES and qualified not in _BUILTIN_DECORATORS:
            unresolved.append(qualified)
        return frozenset()
    return helper_kinds(context, qualified)


_BUILTIN_DECORATORS = frozenset({"property", "staticmethod", "classmethod"})


def resolved_kinds(context: FileContext, facts: FunctionFacts) -> frozenset[str]:
    """The facts' contract kinds plus those of project-defined helper decorators."""
    if not facts.unresolved:
        return facts.kinds
    found = set(facts.kinds)
    for qualified in facts.unresolved:
        found |= helper_kinds(context, qualified)
    facts.kinds = frozenset(found)
    facts.unresolved = []
    return facts.kinds


def helper_kinds(context: FileContext, qualified: str) -> frozenset[str]:
    """Kinds of a project-defined helper: same file (light) or another project module (astroid)."""
    head = qualified.partition(".")[0]
    if head in _KNOWN_LIBRARIES:
        return frozenset()
    names = context.names
    imported = any(
        qualified == target or qualified.startswith(target + ".")
        for target in names.imports.values()
    )
    if not imported:
        if "." not in qualified and head in names.module_bindings:
            return _local_helpers(context).get(head, frozenset())
        return frozenset()  # a builtin, or an attribute of a local object (``register.filter``)
    return resolve_project_helper(context.path, qualified)


def _local_helpers(context: FileContext) -> dict[str, frozenset[str]]:
    """Module-level ``name = icontract.require(...)`` and wrapper functions of this file."""
    state = _state(context)
    if state.local_helpers is not None:
        return state.local_helpers
    helpers: dict[str, frozenset[str]] = {}
    state.local_helpers = helpers
    for statement in context.module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                    kinds = _direct_kinds(context, small.value)
                    if kinds:
                        for target in small.targets:
                            if isinstance(target.target, cst.Name):
                                helpers[target.target.value] = kinds
        elif isinstance(statement, cst.FunctionDef):
            kinds = _kinds_in_function(context, statement)
            if kinds:
                helpers[statement.name.value] = kinds
    return helpers


def _direct_kinds(context: FileContext, node: cst.BaseExpression) -> frozenset[str]:
    qualified = context.names.qualify_callee(node)
    return FUNCTION_CONTRACTS.get(qualified or "", frozenset())


def _kinds_in_function(context: FileContext, node: cst.FunctionDef) -> frozenset[str]:
    """Contract kinds of the recognised decorators a helper function applies or returns."""
    found: set[str] = set()
    for decorator in node.decorators:
        found |= _direct_kinds(context, decorator.decorator)
    stack: list[cst.CSTNode] = [node.body]

    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            found |= _direct_kinds(context, current.func)
            found |= _direct_kinds(context, current)
        stack.extend(children(current))
    return frozenset(found)


# -- project helpers through astroid ---------------------------------------------------

_HELPER_CACHE: dict[str, dict[str, frozenset[str]]] = {}
_MODULE_CACHE: dict[str, Any] = {}


def _package_root(directory: str) -> str:
    """The folder above the outermost package that contains ``directory``."""
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


def _module_file(base: str, parts: Sequence[str]) -> str | None:
    path = os.path.join(base, *parts)
    for candidate in (path + ".py", os.path.join(path, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def locate(from_path: str, qualified: str) -> tuple[str, str] | None:
    """``(file, name)`` of a project module's attribute named by ``qualified``.

    Relative names (``.contracts.positive``) are resolved from ``from_path``;
    absolute ones only when their first part is a package or module next to
    the project's outermost package (so never the standard library or an
    installed package).
    """
    level = len(qualified) - len(qualified.lstrip("."))
    parts = qualified[level:].split(".")
    if len(parts) < 1 or not parts[-1]:
        return None
    name = parts.pop()
    directory = os.path.dirname(os.path.abspath(from_path))
    if level:
        for _ in range(level - 1):
            directory = os.path.dirname(directory)
        base = directory
    else:
        base = _package_root(directory)
        if not parts:
            return None
    found = _module_file(base, parts) if parts else _module_file(base, [])
    if found is None and not parts:
        init = os.path.join(base, "__init__.py")
        found = init if os.path.isfile(init) else None
    if found is None:
        return None
    return found, name


def resolve_project_helper(from_path: str, qualified: str, depth: int = 0) -> frozenset[str]:
    """Contract kinds of a helper defined in another module of the project."""
    if depth > 3:
        return frozenset()
    located = locate(from_path, qualified)
    if located is None:
        return frozenset()
    file, name = located
    table = _HELPER_CACHE.setdefault(file, {})
    if name in table:
        return table[name]
    table[name] = frozenset()  # cycles resolve to "nothing"
    kinds = _helper_in_file(file, name, depth)
    table[name] = kinds
    return kinds


def _astroid_module(file: str) -> Any:
    """The astroid tree of a project file, built from source (cached per process).

    The tree is built with astroid's ``TreeRebuilder`` from ``ast.parse``:
    the builder's usual entry point first bootstraps the builtins module by
    inspecting live objects (0.6 s), which structural reading never needs.
    Nothing is inferred, imported or executed.
    """
    if file in _MODULE_CACHE:
        return _MODULE_CACHE[file]
    module: Any = None
    try:
        import ast

        from astroid import nodes
        from astroid.manager import AstroidManager
        from astroid.rebuilder import TreeRebuilder

        with open(file, encoding="utf-8") as handle:
            source = handle.read()
        tree = ast.parse(source, filename=file, type_comments=True)
        package = os.path.basename(file) == "__init__.py"
        module = TreeRebuilder(AstroidManager(), source).visit_module(
            tree, f"vibrails_helper_{len(_MODULE_CACHE)}", file, package
        )
        # ``from x import y`` names are added to the locals by astroid's
        # builder after the rebuild; do the same for top-level imports.
        for statement in module.body:
            if isinstance(statement, nodes.ImportFrom):
                for name, asname in statement.names:
                    if name != "*":
                        module.locals.setdefault(asname or name, []).append(statement)
    except Exception:  # an unreadable or invalid helper module is no contract
        module = None
    _MODULE_CACHE[file] = module
    return module


_LIBRARY_TEXT = re.compile(r"\b(icontract|deal|dpcontracts|pydantic|beartype|typeguard)\b")
_SOURCE_CACHE: dict[str, str] = {}


def _worth_building(file: str, name: str) -> bool:
    """A cheap look at the text before astroid builds the module.

    A helper is a contract only if its module names a contract library, or
    imports the helper from elsewhere (a re-export to follow). Most project
    decorators (``cached_property``, ``method_decorator`` …) fail both tests,
    so their modules are never built.
    """
    source = _SOURCE_CACHE.get(file)
    if source is None:
        try:
            with open(file, encoding="utf-8", errors="replace") as handle:
                source = handle.read()
        except OSError:
            source = ""
        _SOURCE_CACHE[file] = source
    if _LIBRARY_TEXT.search(source):
        return True
    return re.search(rf"^\s*(from\s+\S+\s+)?import\b[^#\n]*\b{re.escape(name)}\b", source,
                     re.MULTILINE) is not None


def _helper_in_file(file: str, name: str, depth: int) -> frozenset[str]:
    if not _worth_building(file, name):
        return frozenset()
    module = _astroid_module(file)
    if module is None:
        return frozenset()
    from astroid import nodes

    found: set[str] = set()
    for definition in module.locals.get(name, ()):
        if isinstance(definition, nodes.AssignName) and isinstance(
            definition.parent, (nodes.Assign, nodes.AnnAssign)
        ):
            value = definition.parent.value
            if isinstance(value, nodes.Call):
                found |= _astroid_call_kinds(module, file, value, depth)
            elif isinstance(value, (nodes.Name, nodes.Attribute)) and depth < 3:
                found |= _astroid_expr_kinds(module, file, value, depth + 1)
        elif isinstance(definition, nodes.FunctionDef):
            for call in definition.nodes_of_class(nodes.Call):
                found |= _astroid_call_kinds(module, file, call, depth)
            for decorator in definition.decorators.nodes if definition.decorators else ():
                found |= _astroid_expr_kinds(module, file, decorator, depth)
        elif isinstance(definition, (nodes.ImportFrom, nodes.Import)):
            qualified = _astroid_import_name(definition, name)
            if qualified:
                found |= _qualified_kinds(file, qualified, depth)
    return frozenset(found)


def _astroid_call_kinds(module: Any, file: str, call: Any, depth: int) -> frozenset[str]:
    kinds = _astroid_expr_kinds(module, file, call.func, depth)
    from astroid import nodes

    if isinstance(call.func, nodes.Call):
        kinds |= _astroid_call_kinds(module, file, call.func, depth)
    return kinds


def _astroid_dotted(node: Any) -> str | None:
    from astroid import nodes

    parts: list[str] = []
    while isinstance(node, nodes.Attribute):
        parts.append(node.attrname)
        node = node.expr
    if not isinstance(node, nodes.Name):
        return None
    parts.append(node.name)
    return ".".join(reversed(parts))


def _astroid_expr_kinds(module: Any, file: str, expr: Any, depth: int) -> frozenset[str]:
    from astroid import nodes

    if isinstance(expr, nodes.Call):
        expr = expr.func
    name = _astroid_dotted(expr)
    if name is None:
        return frozenset()
    head, dot, rest = name.partition(".")
    qualified = name
    for definition in module.locals.get(head, ()):
        if isinstance(definition, (nodes.Import, nodes.ImportFrom)):
            target = _astroid_import_name(definition, head)
            if target:
                qualified = f"{target}{dot}{rest}"
            break
        if isinstance(definition, (nodes.AssignName, nodes.FunctionDef)) and not dot:
            if depth < 3:
                return _helper_in_file(file, head, depth + 1)
            return frozenset()
    return _qualified_kinds(file, qualified, depth)


def _qualified_kinds(file: str, qualified: str, depth: int) -> frozenset[str]:
    kinds = FUNCTION_CONTRACTS.get(qualified)
    if kinds is not None:
        return kinds
    if qualified.partition(".")[0] in _KNOWN_LIBRARIES:
        return frozenset()
    return resolve_project_helper(file, qualified, depth + 1)


def _astroid_import_name(node: Any, local: str) -> str | None:
    from astroid import nodes

    for name, asname in node.names:
        if (asname or name.partition(".")[0]) != local and (asname or name) != local:
            continue
        if isinstance(node, nodes.Import):
            return name if asname else local
        module = "." * (node.level or 0) + (node.modname or "")
        return f"{module}.{name}" if not module.endswith(".") else module + name
    return None


# -- functions -----------------------------------------------------------------------


@dataclass
class Guard:
    """A guard among the top-level statements: ``assert`` or ``if …: raise``."""

    kind: str  # "assert", "raise", "validator"
    node: cst.CSTNode
    names_param: bool


@dataclass
class FunctionFacts:
    """What the contract rules need to know about one function."""

    node: cst.FunctionDef
    qualname: str
    public: bool
    method: bool
    stub: bool
    #: Parameter names besides ``self``/``cls``.
    params: list[str]
    #: Every parameter name, ``self``/``cls`` included.
    all_params: set[str]
    annotations: dict[str, cst.BaseExpression]
    kinds: frozenset[str]
    guards: list[Guard]
    docstring: str | None
    property_getter: bool = False
    #: Contract kinds of the recognised decorators only (before any helper lookup).
    unresolved: list[str] = field(default_factory=list)
    #: The name a method's instance (or class) is bound to, ``None`` for functions.
    self_name: str | None = None
    #: The enclosing class of a method.
    owner: cst.ClassDef | None = None

    @property
    def has_precondition(self) -> bool:
        return bool(self.kinds & {"pre", "check"}) or any(g.names_param for g in self.guards)

    @property
    def has_contract(self) -> bool:
        return bool(self.kinds) or any(g.names_param for g in self.guards)

    def signature(self) -> str:
        return f"{self.qualname}({', '.join(self.params)})"


def is_docstring(statement: cst.CSTNode) -> bool:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        return isinstance(small, cst.Expr) and isinstance(
            small.value, (cst.SimpleString, cst.ConcatenatedString)
        )
    return False


def body_statements(node: cst.FunctionDef | cst.ClassDef) -> Sequence[cst.CSTNode]:
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        return body.body
    smalls: list[cst.BaseSmallStatement] = [s for s in body.body if isinstance(s, cst.BaseSmallStatement)]
    return [cst.SimpleStatementLine(body=smalls)] if smalls else []


def _trivial_small(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Pass):
        return True
    if isinstance(small, cst.Expr):
        return isinstance(small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString))
    if isinstance(small, cst.Raise) and small.exc is not None:
        exc = small.exc.func if isinstance(small.exc, cst.Call) else small.exc
        return dotted(exc) in ("NotImplementedError", "NotImplemented")
    return False


def is_trivial_body(node: cst.FunctionDef) -> bool:
    """Only a docstring, ``...``, ``pass`` or ``raise NotImplementedError``."""
    body = node.body
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)
    else:
        for statement in body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                return False
            smalls += statement.body
    return all(_trivial_small(s) for s in smalls)


def docstring_of(node: cst.FunctionDef | cst.ClassDef) -> str | None:
    statements = body_statements(node)
    if statements and is_docstring(statements[0]):
        return node.get_docstring(clean=True)
    return None


def expression_names(expr: cst.CSTNode) -> set[str]:
    """Every ``Name`` and attribute name mentioned in a (small) expression."""
    found: set[str] = set()
    stack = [expr]

    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
        elif isinstance(current, cst.Attribute):
            found.add(current.attr.value)
            stack.append(current.value)
            continue
        elif isinstance(current, cst.SimpleString):
            continue
        stack.extend(children(current))
    return found


def _root_names(expr: cst.CSTNode) -> set[str]:
    """``Name`` nodes only (``self`` in ``self.x``), not attribute names."""
    found: set[str] = set()
    stack = [expr]

    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
        elif isinstance(current, cst.Attribute):
            stack.append(current.value)
        elif isinstance(current, cst.Lambda):
            continue
        else:
            stack.extend(children(current))
    return found


def block_raises(block: cst.BaseSuite) -> bool:
    """Whether a block has a ``raise`` among its top-level statements."""
    if isinstance(block, cst.SimpleStatementSuite):
        return any(isinstance(s, cst.Raise) for s in block.body)
    for statement in block.body:
        if isinstance(statement, cst.SimpleStatementLine):
            if any(isinstance(s, cst.Raise) for s in statement.body):
                return True
    return False


def if_raises(node: cst.If) -> tuple[bool, list[cst.BaseExpression]]:
    """Whether some branch of an ``if``/``elif``/``else`` chain raises, and its tests."""
    raises = False
    tests: list[cst.BaseExpression] = []
    current: cst.If | cst.Else | None = node
    while current is not None:
        if block_raises(current.body):
            raises = True
        if isinstance(current, cst.If):
            tests.append(current.test)
            current = current.orelse
        else:
            current = None
    return raises, tests


def _has_yield(small: cst.BaseSmallStatement) -> bool:
    value = getattr(small, "value", None)
    if isinstance(value, cst.Await):
        value = value.expression
    return isinstance(value, cst.Yield)


def _is_validator_call(
    context: FileContext, small: cst.BaseSmallStatement, params: set[str], configured: Sequence[str]
) -> bool:
    value = getattr(small, "value", None)
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call):
        return False
    name = dotted(value.func)
    if name is None:
        return False
    qualified = context.names.qualify(value.func) or name
    if qualified in configured or name in configured or _last(name) in configured:
        return True
    if qualified in _NOT_VALIDATORS or not _VALIDATOR_NAME.match(_last(name)):
        return False
    # A checking helper counts only when it is handed a parameter.
    for arg in value.args:
        if params & _root_names(arg.value):
            return True
    return isinstance(value.func, cst.Attribute) and bool(params & _root_names(value.func.value))


def find_guards(
    context: FileContext, statements: Sequence[cst.CSTNode], params: set[str]
) -> list[Guard]:
    """Guards among the top-level statements before the first ``return``/``yield``."""
    configured = settings_table(context, "contracts").get("validators") or ()
    guards: list[Guard] = []
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Return) or _has_yield(small):
                    return guards
                if isinstance(small, cst.Assert):
                    guards.append(
                        Guard("assert", small, bool(params & _root_names(small.test)))
                    )
                elif isinstance(small, (cst.Expr, cst.Assign)) and _is_validator_call(
                    context, small, params, configured
                ):
                    guards.append(Guard("validator", small, True))
        elif isinstance(statement, cst.If):
            raises, tests = if_raises(statement)
            if raises:
                named = any(params & _root_names(t) for t in tests)
                guards.append(Guard("raise", statement, named))
    return guards


def function_facts(context: FileContext, node: cst.FunctionDef) -> FunctionFacts:
    """Facts of the function being visited (``context.scopes[-1]`` is ``node``)."""
    state = _state(context)
    facts = state.functions.get(id(node))
    if facts is not None and facts.node is node:
        return facts
    names = context.names
    scopes = context.scopes
    enclosing = scopes[:-1] if scopes and scopes[-1] is node else list(scopes)
    name = node.name.value
    method = bool(enclosing) and isinstance(enclosing[-1], cst.ClassDef)
    public_name = name == "__init__" or not name.startswith("_")
    public = public_name and (
        not enclosing
        or (
            len(enclosing) == 1
            and isinstance(enclosing[0], cst.ClassDef)
            and not enclosing[0].name.value.startswith("_")
        )
    )
    qualname = f"{enclosing[-1].name.value}.{name}" if method else name  # type: ignore[attr-defined]
    decorator_names = [names.qualify_callee(d.decorator) or "" for d in node.decorators]
    static = any(_last(d) == "staticmethod" for d in decorator_names)
    getter = any(d in _PROPERTY_GETTERS or _last(d) == "cached_property" for d in decorator_names)
    stub = any(_last(d) in _STUB_DECORATORS for d in decorator_names) or is_trivial_body(node)
    params = params_of(node.params)
    all_params = {p.name.value for p in params}
    positional = bool(node.params.posonly_params) or bool(node.params.params)
    # The first positional parameter of a method is self/cls whatever its name.
    visible = params[1:] if method and not static and positional else params
    kinds: set[str] = set()
    unresolved: list[str] = []
    for decorator in node.decorators:
        kinds |= decorator_kinds(context, decorator.decorator, unresolved)
    if method:
        for decorator in enclosing[-1].decorators:  # type: ignore[attr-defined]
            if names.qualify_callee(decorator.decorator) in CLASS_CHECKERS:
                kinds.add("check")
    contracts = settings_table(context, "contracts")
    annotations = {p.name.value: p.annotation.annotation for p in visible if p.annotation}
    if contracts.get("annotations") and annotations:
        kinds.add("check")
    docstring = docstring_of(node)
    if docstring and contracts.get("verifier") == "crosshair" and _CROSSHAIR.search(docstring):
        for match in _CROSSHAIR.finditer(docstring):
            kinds.add("pre" if match.group(1).lower() == "pre" else "post")
    statements = body_statements(node)
    if statements and is_docstring(statements[0]):
        statements = statements[1:]
    guards = find_guards(context, statements, all_params)
    facts = FunctionFacts(
        node=node, qualname=qualname, public=public, method=method, stub=stub,
        params=[p.name.value for p in visible], all_params=all_params,
        annotations=annotations, kinds=frozenset(kinds), guards=guards,
        docstring=docstring, property_getter=getter, unresolved=unresolved,
        self_name=params[0].name.value if visible is not params else None,
        owner=enclosing[-1] if method else None,  # type: ignore[arg-type]
    )
    state.functions[id(node)] = facts
    return facts


_NUMBERS = frozenset({"int", "float", "decimal.Decimal", "Decimal", "fractions.Fraction", "complex"})


_NUMERIC_NAME = re.compile(
    r"(^|_)(amount|count|size|quantity|qty|price|total|limit|n|num|number|rate|timeout|"
    r"delay|index|offset|length|width|height|weight|age|balance|capacity|seconds)$"
)


def example_condition(facts: FunctionFacts, context: FileContext) -> tuple[str, str]:
    """``(param, condition)`` for the message's example precondition."""
    param = facts.params[0] if facts.params else "x"
    for name in facts.params:
        annotation = facts.annotations.get(name)
        qualified = context.names.qualify(annotation) if annotation is not None else None
        if qualified in _NUMBERS:
            return name, f"{name} > 0"
    for name in facts.params:
        if _NUMERIC_NAME.search(name):
            return name, f"{name} > 0"
    annotation = facts.annotations.get(param)
    qualified = context.names.qualify(annotation) if annotation is not None else None
    if qualified in ("str", "bytes", "list", "dict", "set", "tuple"):
        return param, f"len({param}) > 0"
    return param, f"{param} is not None"


def test_file(path: str) -> bool:
    base = os.path.basename(path)
    return base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"


def exempt_test_function(context: FileContext, facts: FunctionFacts) -> bool:
    """Test functions and fixtures in test files: their parameters are fixtures."""
    if not test_file(context.path):
        return False
    name = facts.node.name.value
    if name.startswith("test") or name.startswith("setUp") or name.startswith("tearDown"):
        return True
    for decorator in facts.node.decorators:
        qualified = context.names.qualify_callee(decorator.decorator) or ""
        if qualified.startswith("pytest.") or _last(qualified) == "fixture":
            return True
    return False


def contract_candidate(context: FileContext, node: cst.FunctionDef) -> FunctionFacts | None:
    """Facts of a public, non-stub function with parameters (VBR101/VBR102/VBR104), else None."""
    facts = function_facts(context, node)
    if not facts.public or facts.stub or exempt_test_function(context, facts):
        return None
    if is_validator_method(context, node):
        return None  # a pydantic/attrs validator is itself the contract
    return facts


def is_validator_method(context: FileContext, node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        expr = decorator.decorator
        if context.names.qualify_callee(expr) in _PYDANTIC_VALIDATORS:
            return True
        if isinstance(expr, cst.Attribute) and expr.attr.value == "validator":
            return True  # attrs ``@x.validator``
    return False


# -- classes -------------------------------------------------------------------------

_ENUM_BASES = frozenset(
    {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag",
     "enum.ReprEnum", "django.db.models.TextChoices", "django.db.models.IntegerChoices",
     "django.db.models.Choices"}
)
_NAMED_TUPLES = frozenset({"typing.NamedTuple", "typing_extensions.NamedTuple",
                           "collections.namedtuple", "typing.TypedDict",
                           "typing_extensions.TypedDict"})
_PROTOCOLS = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
_DATACLASS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
_ATTRS_FROZEN = frozenset({"attr.frozen", "attrs.frozen"})
_ATTRS_MUTABLE = frozenset({"attr.define", "attrs.define", "attr.mutable", "attrs.mutable"})
_ATTRS_CLASSIC = frozenset({"attr.s", "attr.attrs", "attrs.attrs"})
_ATTRS_FIELDS = frozenset({"attr.ib", "attr.attrib", "attr.field", "attrs.field"})
_PYDANTIC_VALIDATORS = frozenset(
    {"pydantic.field_validator", "pydantic.model_validator", "pydantic.validator",
     "pydantic.root_validator", "pydantic.v1.validator", "pydantic.v1.root_validator",
     "pydantic.functional_validators.field_validator",
     "pydantic.functional_validators.model_validator"}
)
_TEST_BASES = frozenset({"TestCase", "SimpleTestCase", "TransactionTestCase",
                         "IsolatedAsyncioTestCase", "LiveServerTestCase"})


def _kwarg(call: cst.BaseExpression, name: str) -> cst.BaseExpression | None:
    if isinstance(call, cst.Call):
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg.value
    return None


def _is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _mentions_validate(expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        return False
    return "validate" in expression_names(expr)


@dataclass
class MethodFacts:
    node: cst.FunctionDef
    name: str
    self_name: str | None
    public: bool
    #: Counts for "stateful": public, not __init__, static/class method or getter.
    mutator_candidate: bool
    #: ``(attribute, node to report)`` of each change of instance state, in order.
    mutations: list[tuple[str, cst.CSTNode]] = field(default_factory=list)
    #: Names of ``self.<m>(...)`` calls.
    self_calls: set[str] = field(default_factory=set)
    #: Attributes of ``self`` named in ``assert`` / ``if …: raise`` tests.
    checked: set[str] = field(default_factory=set)
    post: bool = False


@dataclass
class Claim:
    """An invariant stated in words about a name (VBR203)."""

    name: str
    text: str
    node: cst.CSTNode
    attribute: bool
    #: Lines from the start of ``node`` to the stating line (in a docstring).
    offset: int = 0


@dataclass
class ClassFacts:
    node: cst.ClassDef
    name: str
    module_level: bool
    public: bool
    never_stateful: bool
    library_invariant: bool
    declares: bool
    invariant_methods: set[str]
    methods: dict[str, MethodFacts] = field(default_factory=dict)
    pydantic_validators: bool = False
    validate_assignment: bool = False
    attrs_validators: bool = False
    attrs_setattr: bool = False
    attributes: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    claims: list[Claim] = field(default_factory=list)
    docstring_node: cst.CSTNode | None = None
    docstring: str | None = None
    pep316: list[str] = field(default_factory=list)
    finished: bool = False

    @property
    def stateful(self) -> bool:
        return not self.never_stateful and any(
            m.mutator_candidate and m.mutations for m in self.methods.values()
        )

    @property
    def mutators(self) -> list[MethodFacts]:
        return [m for m in self.methods.values() if m.mutator_candidate and m.mutations]

    @property
    def declares_invariant(self) -> bool:
        return (
            self.declares
            or self.library_invariant
            or bool(self.invariant_methods)
            or (self.pydantic_validators and self.validate_assignment)
            or (self.attrs_validators and self.attrs_setattr)
            or bool(self.pep316)
        )


#: Invariant phrases in comments and docstrings (VBR203). A modal phrase
#: ("must be", "should never", ...) counts only when followed by a predicate
#: on a value ("negative", "sorted", "at least", "> 0", ...): "must be
#: called first" or "must be wrapped in parentheses" are about the code
#: around a name, not about its value.
_PREDICATE = (
    r"(strictly\s+|kept\s+|at\s+all\s+times\s+)?"
    r"(negative|positive|non-?negative|non-?positive|zero|non-?zero|empty|non-?empty|none|"
    r"null|(greater|less|larger|smaller|bigger|lower|higher)\s+(than|or\s+equal)|above|below|"
    r"at\s+least|at\s+most|"
    r"between|within|in\s+range|equal|sorted|ascending|descending|odd|even|finite|"
    r"consistent|in\s+sync|balanced|bounded|monotonic|(a|an)\s+(positive|non-?negative|"
    r"integer|multiple|power)|true|false|[<>=!]=?|\d)"
)
_VALUE_VERBS = (
    r"(exceed|drop|go\s+(below|above|negative|over|under)|fall\s+below|contain|overlap|"
    r"decrease|increase|shrink|grow|change|sum\s+to|match|equal|hold\s+duplicates|"
    r"have\s+(at\s+(least|most)|more|fewer|duplicates))"
)
INVARIANT_WORDS = re.compile(
    r"(\binvariants?\s*:|^\s*inv\s*:|\bnon-?negative\b|\bnon-?empty\b|>=\s*0\b"
    r"|(?<![=<>!-])>\s*0\b"
    r"|\b(must|should|shall|can|will)\s+(never|always|not)\s+(be|remain|stay|become)\s+"
    + _PREDICATE
    + r"|\b(must|should|shall)\s+(be|remain|stay)\s+" + _PREDICATE
    + r"|\b(cannot|can't|never|always)\s+(be|become|remain|stay)\s+" + _PREDICATE
    + r"|\b(must|should|shall|can|will)\s+(never|always|not)\s+" + _VALUE_VERBS
    + r"|\b(never|always)\s+" + _PREDICATE
    + r"|^\s*(positive|non-?negative|never\s+negative)\b)",
    re.IGNORECASE,
)
_NOT_CLAIMS = re.compile(r"\b(TODO|FIXME|XXX|HACK)\b|\?\s*$")


def states_invariant(text: str) -> bool:
    """Whether ``text`` (a comment or docstring line) states an invariant in words."""
    return bool(INVARIANT_WORDS.search(text)) and not _NOT_CLAIMS.search(text)


def names_subject(text: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


class ClassTracker:
    """Per-file facts of classes, methods and invariant claims, fed from the shared walk."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.classes: dict[int, ClassFacts] = {}
        self.module_refs: set[str] = set()
        self.module_claims: list[Claim] = []
        self.function_refs: dict[int, set[str]] = {}
        self.function_claims: dict[int, list[Claim]] = {}
        self._last: dict[str, cst.CSTNode | None] = {}
        self._current: cst.BaseSmallStatement | None = None
        invariants = settings_table(context, "invariants")
        self.invariant_methods = set(invariants.get("methods") or ())
        self.invariant_decorators = set(invariants.get("decorators") or ())
        self.crosshair = settings_table(context, "contracts").get("verifier") == "crosshair"
        #: The rule whose handlers feed the tracker (the first one constructed).
        self.feeder: object | None = None

    def once(self, event: str, node: cst.CSTNode) -> bool:
        """True the first time ``event`` is fed for ``node`` (rules forward the same events)."""
        if self._last.get(event) is node:
            return False
        self._last[event] = node
        return True

    # -- where are we -----------------------------------------------------------------

    def method_here(self) -> tuple[ClassFacts, MethodFacts] | None:
        scopes = self.context.scopes
        if len(scopes) >= 2 and isinstance(scopes[-1], cst.FunctionDef):
            cls = self.classes.get(id(scopes[-2]))
            if cls is not None:
                method = cls.methods.get(scopes[-1].name.value)
                if method is not None and method.node is scopes[-1]:
                    return cls, method
        return None

    # -- classes ----------------------------------------------------------------------

    def enter_class(self, node: cst.ClassDef) -> None:
        if not self.once("class", node):
            return
        names = self.context.names
        scopes = self.context.scopes
        enclosing = scopes[:-1] if scopes and scopes[-1] is node else list(scopes)
        module_level = not enclosing
        bases = [names.qualify(arg.value) or "" for arg in node.bases if arg.keyword is None]
        bases += [
            names.qualify(arg.value.value) or ""
            for arg in node.bases
            if isinstance(arg.value, cst.Subscript)
        ]
        never = False
        for base in bases:
            if (
                base in _ENUM_BASES or base in _NAMED_TUPLES or base in _PROTOCOLS
                or _last(base) in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "NamedTuple",
                                   "Protocol", "TypedDict")
                or _last(base) in _TEST_BASES or _last(base).endswith("TestCase")
            ):
                never = True
        if node.name.value.startswith("Test") and test_file(self.context.path):
            never = True
        library = False
        declares = False
        attrs_setattr = False
        for decorator in node.decorators:
            expr = decorator.decorator
            qualified = names.qualify_callee(expr) or ""
            if qualified in CLASS_INVARIANTS:
                library = True
            elif qualified in self.invariant_decorators or _last(qualified) in self.invariant_decorators:
                declares = True
            elif qualified in _DATACLASS or qualified in _ATTRS_CLASSIC:
                if _is_true(_kwarg(expr, "frozen")):
                    never = True
                if _mentions_validate(_kwarg(expr, "on_setattr")):
                    attrs_setattr = True
            elif qualified in _ATTRS_FROZEN:
                never = True
            elif qualified in _ATTRS_MUTABLE:
                if _is_true(_kwarg(expr, "frozen")):
                    never = True
                on_setattr = _kwarg(expr, "on_setattr")
                attrs_setattr = on_setattr is None or _mentions_validate(on_setattr)
        public = module_level and not node.name.value.startswith("_")
        facts = ClassFacts(
            node=node, name=node.name.value, module_level=module_level, public=public,
            never_stateful=never, library_invariant=library, declares=declares,
            invariant_methods=set(), attrs_setattr=attrs_setattr,
        )
        # Inherit from classes of this module that declare an invariant.
        for base in bases:
            base_node = names.classes.get(base)
            base_facts = self.classes.get(id(base_node)) if base_node is not None else None
            if base_facts is not None:
                facts.library_invariant |= base_facts.library_invariant
                facts.declares |= base_facts.declares_invariant and not base_facts.invariant_methods
                facts.invariant_methods |= base_facts.invariant_methods
                facts.never_stateful |= base_facts.never_stateful
                facts.validate_assignment |= base_facts.validate_assignment
                facts.pydantic_validators |= base_facts.pydantic_validators
        self._scan_class_body(facts)
        self.classes[id(node)] = facts

    def _scan_class_body(self, facts: ClassFacts) -> None:
        names = self.context.names
        statements = body_statements(facts.node)
        if statements and is_docstring(statements[0]):
            facts.docstring_node = statements[0]
            facts.docstring = facts.node.get_docstring(clean=True)
            if facts.docstring:
                facts.pep316 = [m.group(1).strip() for m in _PEP316_INV.finditer(facts.docstring)]
        for statement in statements:
            if isinstance(statement, cst.FunctionDef):
                name = statement.name.value
                if name in self.invariant_methods and _no_required_params(statement):
                    facts.invariant_methods.add(name)
                elif name in ("__post_init__", "__attrs_post_init__") and _validates(statement):
                    facts.declares = True  # a dataclass/attrs class checked at construction
                for decorator in statement.decorators:
                    qualified = names.qualify_callee(decorator.decorator) or ""
                    if qualified in _PYDANTIC_VALIDATORS:
                        facts.pydantic_validators = True
                        self._validator_refs(facts, decorator.decorator)
                    elif (
                        isinstance(decorator.decorator, cst.Attribute)
                        and decorator.decorator.attr.value == "validator"
                        and isinstance(decorator.decorator.value, cst.Name)
                    ):
                        facts.attrs_validators = True  # attrs ``@x.validator``
                        facts.refs.add(decorator.decorator.value.value)
            elif isinstance(statement, cst.ClassDef) and statement.name.value == "Config":
                for inner in body_statements(statement):
                    if isinstance(inner, cst.SimpleStatementLine):
                        for small in inner.body:
                            if (
                                isinstance(small, cst.Assign)
                                and any(dotted(t.target) == "validate_assignment"
                                        for t in small.targets)
                                and _is_true(small.value)
                            ):
                                facts.validate_assignment = True
                            if (
                                isinstance(small, cst.Assign)
                                and any(dotted(t.target) in ("frozen", "allow_mutation")
                                        for t in small.targets)
                            ):
                                frozen = dotted(small.targets[0].target) == "frozen"
                                if _is_true(small.value) == frozen:
                                    facts.never_stateful = True
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._class_level_small(facts, small)

    def _validator_refs(self, facts: ClassFacts, decorator: cst.BaseExpression) -> None:
        if isinstance(decorator, cst.Call):
            for arg in decorator.args:
                if isinstance(arg.value, cst.SimpleString) and arg.keyword is None:
                    facts.refs.add(arg.value.raw_value)
            if not decorator.args or _last(dotted(decorator.func) or "") in (
                "model_validator", "root_validator"
            ):
                facts.refs.add("*")
        else:
            facts.refs.add("*")

    def _class_level_small(self, facts: ClassFacts, small: cst.BaseSmallStatement) -> None:
        names = self.context.names
        target: cst.BaseExpression | None = None
        value: cst.BaseExpression | None = None
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif isinstance(small, cst.AnnAssign):
            target, value = small.target, small.value
            if _constrained(names, small.annotation.annotation) and isinstance(target, cst.Name):
                facts.refs.add(target.value)
        if not isinstance(target, cst.Name):
            return
        facts.attributes.add(target.value)
        if value is None:
            return
        if target.value == "model_config":
            entry: cst.BaseExpression | None = None
            if isinstance(value, cst.Call):
                entry = _kwarg(value, "validate_assignment")
                if _is_true(_kwarg(value, "frozen")):
                    facts.never_stateful = True
            elif isinstance(value, cst.Dict):
                for element in value.elements:
                    if isinstance(element, cst.DictElement) and isinstance(
                        element.key, cst.SimpleString
                    ):
                        if element.key.raw_value == "validate_assignment":
                            entry = element.value
                        elif element.key.raw_value == "frozen" and _is_true(element.value):
                            facts.never_stateful = True
            if _is_true(entry):
                facts.validate_assignment = True
        elif isinstance(value, cst.Call):
            qualified = names.qualify(value.func) or ""
            if qualified in _ATTRS_FIELDS or _last(qualified) in ("field", "ib", "attrib"):
                if _kwarg(value, "validator") is not None:
                    facts.attrs_validators = True
                    facts.refs.add(target.value)
                if _mentions_validate(_kwarg(value, "on_setattr")):
                    facts.attrs_setattr = True
            if _constrained(names, value):
                facts.refs.add(target.value)

    def enter_method(self, node: cst.FunctionDef) -> None:
        if not self.once("method", node):
            return
        scopes = self.context.scopes
        if len(scopes) < 2 or scopes[-1] is not node:
            return
        cls = self.classes.get(id(scopes[-2]))
        if cls is None:
            return
        names = self.context.names
        decorators = [names.qualify_callee(d.decorator) or "" for d in node.decorators]
        static = any(_last(d) == "staticmethod" for d in decorators)
        classmethod = any(_last(d) == "classmethod" for d in decorators)
        getter = any(d in _PROPERTY_GETTERS or _last(d) == "cached_property" for d in decorators)
        params = params_of(node.params)
        self_name = None if static or classmethod or not params else params[0].name.value
        name = node.name.value
        public = cls.public and (name == "__init__" or not name.startswith("_"))
        post = False
        for decorator in node.decorators:
            kinds = decorator_kinds(self.context, decorator.decorator, [])
            if "post" in kinds:
                post = True
        cls.methods[name] = MethodFacts(
            node=node, name=name, self_name=self_name, public=public,
            mutator_candidate=public and name != "__init__" and not (static or classmethod or getter)
            and self_name is not None,
            post=post,
        )

    # -- statements -------------------------------------------------------------------

    def small_statement(self, node: cst.BaseSmallStatement) -> None:
        if not self.once("small", node):
            return
        self._current = node
        here = self.method_here()
        if here is None:
            return
        cls, method = here
        self_name = method.self_name
        if self_name is None:
            return
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
            if not (isinstance(node, cst.AnnAssign) and node.value is None):
                targets = [node.target]
        elif isinstance(node, cst.Del):
            targets = [node.target]
        for target in targets:
            for attr in _self_attrs_stored(target, self_name):
                method.mutations.append((attr, node))
                cls.attributes.add(attr)

    def call(self, node: cst.Call) -> None:
        if not self.once("call", node):
            return
        here = self.method_here()
        if here is None:
            return
        method = here[1]
        self_name = method.self_name
        if self_name is None:
            return
        func = node.func
        current = self._current
        report: cst.CSTNode = node
        if current is not None and getattr(current, "value", None) is node:
            report = current
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Name) and owner.value == self_name:
                method.self_calls.add(func.attr.value)
            elif func.attr.value in MUTATING_METHODS:
                attr = _self_attr(owner, self_name)
                if attr is not None:
                    method.mutations.append((attr, report))
        elif isinstance(func, cst.Name) and func.value in ("setattr", "delattr") and node.args:
            first = node.args[0].value
            if isinstance(first, cst.Name) and first.value == self_name:
                arg = node.args[1].value if len(node.args) > 1 else None
                attr = arg.raw_value if isinstance(arg, cst.SimpleString) else "*"
                method.mutations.append((attr, report))

    def check(self, test: cst.BaseExpression, node: cst.CSTNode) -> None:
        """An ``assert`` test or the test of an ``if`` that raises."""
        if not self.once("check", node):
            return
        mentioned = expression_names(test)
        self._add_refs(mentioned)
        here = self.method_here()
        if here is not None:
            here[1].checked |= mentioned

    def if_statement(self, node: cst.If) -> None:
        if not self.once("if", node):
            return
        raises, tests = if_raises(node)
        if raises:
            mentioned: set[str] = set()
            for test in tests:
                mentioned |= expression_names(test)
            self._add_refs(mentioned)
            here = self.method_here()
            if here is not None:
                here[1].checked |= mentioned

    def function_decorators(self, node: cst.FunctionDef) -> None:
        """Names referred to by contract decorators' conditions count as checked (VBR203)."""
        if not self.once("decorators", node):
            return
        for decorator in node.decorators:
            if decorator_kinds(self.context, decorator.decorator, []) and isinstance(
                decorator.decorator, cst.Call
            ):
                self._add_refs(expression_names(decorator.decorator), skip_innermost=True)

    def class_decorators(self, node: cst.ClassDef) -> None:
        if not self.once("class-decorators", node):
            return
        facts = self.classes.get(id(node))
        names = self.context.names
        for decorator in node.decorators:
            qualified = names.qualify_callee(decorator.decorator) or ""
            if qualified in CLASS_INVARIANTS or qualified in self.invariant_decorators:
                mentioned = expression_names(decorator.decorator)
                self.module_refs |= mentioned
                if facts is not None:
                    facts.refs |= mentioned

    def _add_refs(self, mentioned: set[str], skip_innermost: bool = False) -> None:
        self.module_refs |= mentioned
        scopes = self.context.scopes
        if skip_innermost and scopes:
            scopes = scopes[:-1]
        for scope in scopes:
            if isinstance(scope, cst.ClassDef):
                facts = self.classes.get(id(scope))
                if facts is not None:
                    facts.refs |= mentioned
            elif isinstance(scope, cst.FunctionDef):
                self.function_refs.setdefault(id(scope), set()).update(mentioned)

    # -- comments (VBR203) ----------------------------------------------------------------

    def statement_line(self, node: cst.SimpleStatementLine) -> None:
        if not self.once("line", node):
            return
        trailing = node.trailing_whitespace.comment
        block: list[cst.Comment] = []
        module = self.context.module
        leading = list(node.leading_lines)
        if module.body and module.body[0] is node:
            leading = [*module.header, *leading]  # comments above the first statement
        for line in leading:
            if line.comment is None:
                block = []
            else:
                block.append(line.comment)
        if trailing is None and not block:
            return
        for small in node.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                targets = [small.target]
            if not targets:
                continue
            target = targets[0]
            subject = target.attr.value if isinstance(target, cst.Attribute) else (
                target.value if isinstance(target, cst.Name) else None
            )
            if subject is None:
                return
            claim = None
            if trailing is not None and states_invariant(trailing.value.lstrip("#:").strip()):
                claim = trailing  # an inline comment is about its line's target
            else:
                for comment in block:
                    text = comment.value.lstrip("#:").strip()
                    if states_invariant(text) and (
                        names_subject(text, subject)
                        or (len(block) == 1 and INVARIANT_WORDS.match(text) is not None)
                    ):
                        claim = comment
                        break
            if claim is not None:
                self._claim_target(target, claim, small)
            return

    def _claim_target(self, target: cst.BaseExpression, comment: cst.Comment,
                      small: cst.BaseSmallStatement) -> None:
        text = comment.value.lstrip("#:").strip()
        scopes = self.context.scopes
        here = self.method_here()
        if isinstance(target, cst.Attribute):
            if here is None or here[1].self_name is None:
                return
            attr = _self_attr(target, here[1].self_name)
            if attr is None:
                return
            here[0].claims.append(Claim(attr, text, comment, True))
            return
        if not isinstance(target, cst.Name):
            return
        name = target.value
        if isinstance(small, cst.AnnAssign) and _constrained(
            self.context.names, small.annotation.annotation
        ):
            return
        value = getattr(small, "value", None)
        if value is not None and _constrained(self.context.names, value):
            return
        if not scopes:
            self.module_claims.append(Claim(name, text, comment, False))
        elif isinstance(scopes[-1], cst.ClassDef):
            facts = self.classes.get(id(scopes[-1]))
            if facts is not None:
                facts.claims.append(Claim(name, text, comment, True))
        elif isinstance(scopes[-1], cst.FunctionDef):
            self.function_claims.setdefault(id(scopes[-1]), []).append(
                Claim(name, text, comment, False)
            )

    def docstring_claims(self, facts: ClassFacts) -> list[Claim]:
        """Class docstring lines that state an invariant about one of its attributes."""
        if not facts.docstring or facts.docstring_node is None:
            return []
        claims: list[Claim] = []
        raw_lines = _docstring_source_lines(facts.docstring_node)
        for raw in facts.docstring.splitlines():
            line = raw.strip()
            if not line or not states_invariant(line):
                continue
            if self.crosshair and _PEP316_INV.match(line):
                continue
            words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line))
            named = sorted(w for w in words if w in facts.attributes and len(w) > 1)
            if not named:
                continue
            offset = next((i for i, text in enumerate(raw_lines) if line in text), 0)
            claims.append(Claim(named[0], line, facts.docstring_node, True, offset))
        return claims

    def finish_class(self, node: cst.ClassDef) -> ClassFacts | None:
        facts = self.classes.get(id(node))
        if facts is None or facts.finished:
            return facts
        facts.finished = True
        return facts


def _docstring_source_lines(statement: cst.CSTNode) -> list[str]:
    """The docstring statement's source lines as written (for line offsets)."""
    if isinstance(statement, cst.SimpleStatementLine) and statement.body:
        small = statement.body[0]
        if isinstance(small, cst.Expr):
            return cst.Module([]).code_for_node(small.value).split("\n")
    return []


def class_tracker(context: FileContext) -> ClassTracker:
    state = _state(context)
    if state.tracker is None:
        state.tracker = ClassTracker(context)
    return state.tracker


def _self_attr(expr: cst.BaseExpression, self_name: str) -> str | None:
    """``x`` for ``self.x`` and ``self.x[...]`` (also ``self.x[a][b]``).

    ``self.x.y`` is not the instance's own state but that of the object
    ``self.x`` refers to (often shared, e.g. a request passed in), so it is
    not followed.
    """
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == self_name
    ):
        return expr.attr.value
    return None


def _self_attrs_stored(target: cst.BaseExpression, self_name: str) -> list[str]:
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for element in target.elements:
            out += _self_attrs_stored(element.value, self_name)
        return out
    if isinstance(target, cst.StarredElement):
        return _self_attrs_stored(target.value, self_name)
    if isinstance(target, (cst.Attribute, cst.Subscript)):
        attr = _self_attr(target, self_name)
        return [attr] if attr is not None else []
    return []


_CONSTRAINT_KWARGS = frozenset(
    {"gt", "ge", "lt", "le", "min_length", "max_length", "multiple_of", "pattern", "regex",
     "validator", "validators", "min_items", "max_items", "allow_inf_nan"}
)
_CONSTRAINED_TYPES = re.compile(
    r"(Positive|Negative|NonNegative|NonPositive|Conint|Confloat|Condecimal|Constr|Conlist)",
    re.IGNORECASE,
)


def _constrained(names: Any, expr: cst.BaseExpression | None) -> bool:
    """A pydantic/attrs constraint on a field: ``Field(ge=0)``, ``PositiveInt``, ``conint(...)``."""
    if expr is None:
        return False
    stack: list[cst.CSTNode] = [expr]

    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            for arg in current.args:
                if arg.keyword is not None and arg.keyword.value in _CONSTRAINT_KWARGS:
                    return True
            name = dotted(current.func) or ""
            if _CONSTRAINED_TYPES.search(_last(name)):
                return True
        elif isinstance(current, cst.Name) and _CONSTRAINED_TYPES.search(current.value):
            return True
        stack.extend(children(current))
    return False


def _validates(node: cst.FunctionDef) -> bool:
    """An ``assert`` or ``if …: raise`` among the top-level statements."""
    for statement in body_statements(node):
        if isinstance(statement, cst.SimpleStatementLine):
            if any(isinstance(s, cst.Assert) for s in statement.body):
                return True
        elif isinstance(statement, cst.If) and if_raises(statement)[0]:
            return True
    return False


def _no_required_params(node: cst.FunctionDef) -> bool:
    """A checker of the object's own state takes nothing besides ``self`` (or only defaults)."""
    params = [*node.params.posonly_params, *node.params.params]
    required = [p for p in params[1:] if p.default is None]
    required += [p for p in node.params.kwonly_params if p.default is None]
    return not required


class InvariantRule(Rule):
    """Base of the VBR2xx rules: forwards the walk's events to the shared :class:`ClassTracker`.

    Only the first enabled invariant rule of a file forwards events (the
    others' handlers return at once); every rule reads the shared facts.
    """

    code = ""

    def __init__(self, context: FileContext, reports: list[Report]) -> None:
        super().__init__(context, reports)
        self.tracker = class_tracker(context)
        if self.tracker.feeder is None:
            self.tracker.feeder = self
        self._feeds = self.tracker.feeder is self

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self._feeds:
            self.tracker.enter_class(node)
            self.tracker.class_decorators(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._feeds:
            self.tracker.enter_method(node)
            self.tracker.function_decorators(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Del(self, node: cst.Del) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Expr(self, node: cst.Expr) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Call(self, node: cst.Call) -> None:
        if self._feeds:
            self.tracker.call(node)

    def visit_Assert(self, node: cst.Assert) -> None:
        if self._feeds:
            self.tracker.check(node.test, node)

    def visit_If(self, node: cst.If) -> None:
        if self._feeds:
            self.tracker.if_statement(node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if self._feeds:
            self.tracker.statement_line(node)
