"""What the contract rules (VBR1xx) know about one function.

:func:`function_facts` gives a function's :class:`FunctionFacts`: its
contract decorators (:mod:`vibrails.checks.shared.decorators`), the guards
among its top-level statements (``assert``, ``if …: raise``, a validator
call), whether it is public, a method, a stub or a test, and its docstring.
Facts are worked out from the decorators and the top-level body statements
only, never by a walk of the module, and kept per file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from vibrails.checks.shared.contract_tables import VALIDATOR_NAME
from vibrails.checks.shared.decorators import (
    CLASS_CHECKERS,
    PROPERTY_GETTERS,
    PYDANTIC_VALIDATORS,
    STUB_DECORATORS,
    decorator_kinds,
)
from vibrails.checks.shared.names import dotted, last_name, params_of
from vibrails.checks.shared.traverse import children

if TYPE_CHECKING:
    from vibrails.checks.base import FileContext

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
    if qualified in configured or name in configured or last_name(name) in configured:
        return True
    if qualified in _NOT_VALIDATORS or not VALIDATOR_NAME.match(last_name(name)):
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
    configured = context.table("contracts").get("validators") or ()
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
    known: dict[int, FunctionFacts] = context.memo.setdefault("function-facts", {})
    facts = known.get(id(node))
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
    static = any(last_name(d) == "staticmethod" for d in decorator_names)
    getter = any(d in PROPERTY_GETTERS or last_name(d) == "cached_property" for d in decorator_names)
    stub = any(last_name(d) in STUB_DECORATORS for d in decorator_names) or is_trivial_body(node)
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
    contracts = context.table("contracts")
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
    known[id(node)] = facts
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
        if qualified.startswith("pytest.") or last_name(qualified) == "fixture":
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
        if context.names.qualify_callee(expr) in PYDANTIC_VALIDATORS:
            return True
        if isinstance(expr, cst.Attribute) and expr.attr.value == "validator":
            return True  # attrs ``@x.validator``
    return False
