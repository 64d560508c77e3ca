"""What the contract libraries look like: their decorators and constrained types.

Recognised by *qualified name* through the file's imports
(:class:`vibrails.checks.shared.names.Names`), so ``import icontract``,
``import deal as d`` and ``from icontract import require as pre`` all work:

* per library, what a decorator contributes (:data:`FUNCTION_CONTRACTS`:
  icontract, deal, dpcontracts, pydantic, beartype, typeguard), the class
  decorators that state or check invariants, pydantic's validators;
* :func:`decorator_kinds`, what a decorator expression contributes, and
  :func:`helper_kinds` for a helper the project builds from them;
* :func:`constrained`, an annotation or default that constrains a value
  (``conint(gt=0)``, ``Field(ge=0)``, ``PositiveInt``).

Project-defined helpers (``from .contracts import positive_amount`` where
that module builds ``positive_amount`` from ``icontract.require``) are
resolved by :func:`resolve_project_helper`: the project file is located from
the import and the checked file's path, built with astroid from source, and
read structurally (``lookup`` of local names, never ``infer``), so no package
is imported or loaded. It runs only for a decorator that nothing else
recognises and that comes from the project itself; results are cached per
module and process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import libcst as cst

from vibrails.checks.shared.contract_tables import FUNCTION_CONTRACTS
from vibrails.checks.shared.names import dotted, last_name
from vibrails.checks.shared.traverse import children

if TYPE_CHECKING:
    from vibrails.checks.base import FileContext
    from vibrails.checks.shared.functions import FunctionFacts

# -- the recognised decorators ------------------------------------------------------

# FUNCTION_CONTRACTS and CLASS_INVARIANTS live in contract_tables (no libcst there:
# the diff stage reads them without loading the parser).

#: Class decorators that type-check every method (a precondition for each).
CLASS_CHECKERS = frozenset({"beartype.beartype", "typeguard.typechecked"})
#: ``deal.chain(...)`` combines deal decorators; its arguments are looked into.
_CHAINS = frozenset({"deal.chain"})
#: Decorators that make a function a stub VBR1xx never flags (last name part).
STUB_DECORATORS = frozenset(
    {
        "overload", "abstractmethod", "abstractproperty", "abstractclassmethod",
        "abstractstaticmethod", "override", "overrides",
    }
)
PROPERTY_GETTERS = frozenset(
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

#: Pydantic's validator decorators (a validated model keeps its invariants).
PYDANTIC_VALIDATORS = frozenset(
    {"pydantic.field_validator", "pydantic.model_validator", "pydantic.validator",
     "pydantic.root_validator", "pydantic.v1.validator", "pydantic.v1.root_validator",
     "pydantic.functional_validators.field_validator",
     "pydantic.functional_validators.model_validator"}
)


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
    contracts = context.table("contracts")
    configured = contracts.get("decorators") or ()
    if qualified in configured or last_name(qualified) in configured:
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
    kept: dict[str, frozenset[str]] | None = context.memo.get("local-helpers")
    if kept is not None:
        return kept
    helpers: dict[str, frozenset[str]] = {}
    context.memo["local-helpers"] = helpers  # before the walk: a helper may use itself
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


# -- constrained annotations (pydantic, annotated-types) ------------------------------

_CONSTRAINT_KWARGS = frozenset(
    {"gt", "ge", "lt", "le", "min_length", "max_length", "multiple_of", "pattern", "regex",
     "validator", "validators", "min_items", "max_items", "allow_inf_nan"}
)
_CONSTRAINED_TYPES = re.compile(
    r"(Positive|Negative|NonNegative|NonPositive|Conint|Confloat|Condecimal|Constr|Conlist)",
    re.IGNORECASE,
)


def constrained(names: Any, expr: cst.BaseExpression | None) -> bool:
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
            if _CONSTRAINED_TYPES.search(last_name(name)):
                return True
        elif isinstance(current, cst.Name) and _CONSTRAINED_TYPES.search(current.value):
            return True
        stack.extend(children(current))
    return False
