"""Implied preconditions: what a function's body silently assumes about a parameter.

VBR101's default scope (``contracts.scope = "implied"``) reports a function
only where its body relies on an assumption about a parameter whose violation
gives a *silently* wrong result or corrupt state, not an immediate exception.
This module finds those uses in the body of one function (nested functions,
classes and lambdas are their own business) and derives the condition from
the use itself, never from the parameter's name:

========================  =====================================  ====================
use                       example                                implied condition
========================  =====================================  ====================
added to stored state     ``self.balance -= amount``             ``amount >= 0``
count or bound            ``range(retries)``, ``[0] * size``     ``retries >= 0``
slice bound               ``items[:limit]``                      ``limit >= 0``
size threshold            ``if len(queue) >= limit:``            ``limit >= 0``
probability               ``if random.random() < rate:``         ``0 <= rate <= 1``
delay                     ``await asyncio.sleep(delay)``         ``delay >= 0``
merged into settings      ``self.settings.update(options)``      ``set(options) <= set(self.settings)``
========================  =====================================  ====================

A use counts only with evidence of what it is: an addition to state only when
the parameter is annotated as a number, has a numeric default, or the state
it is added to is initialised with a number; a merge only when the state is
a fixed set of named settings (initialised with a dict display of constant
keys), where an unknown key is a mistake, or the instance's ``__dict__``. A parameter that the function rebinds
(``n = max(0, n)``, ``n = int(n)``) or checks anywhere (an ``assert`` or an
``if …: raise`` naming it, a condition comparing it with a constant —
``if n > 0:``, ``n is None`` —, a membership test, ``isinstance``,
``min``/``max``/``abs``) is taken as checked; a comparison with another
variable (``if attempt < attempts:``) is a use, not a check.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from vibrails.checks.base import FileContext
from vibrails.checks.shared.decorators import constrained
from vibrails.checks.shared.entrypoints import is_command
from vibrails.checks.shared.functions import (
    FunctionFacts,
    block_raises,
    body_statements,
    is_docstring,
)
from vibrails.checks.shared.mutation import MUTATING_METHODS
from vibrails.checks.shared.names import Names, dotted, last_name, params_of, target_names
from vibrails.checks.shared.traverse import descendants

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_NUMBER_TYPES = frozenset(
    {"int", "float", "decimal.Decimal", "Decimal", "fractions.Fraction", "numbers.Number",
     "numbers.Real", "numbers.Integral"}
)
_BOUNDING_CALLS = frozenset({"min", "max", "abs", "clamp", "int", "float", "round"})
_CHECKING_CALLS = frozenset({"isinstance", "callable"}) | _BOUNDING_CALLS
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
_RANDOM_DRAWS = frozenset({"random", "rand", "random_sample", "uniform"})
_ASYNC_SLEEPS = frozenset({"asyncio.sleep", "trio.sleep", "anyio.sleep"})


@dataclass(frozen=True)
class Reliance:
    """One place where the body relies on an unchecked assumption about ``param``."""

    param: str
    #: The implied condition as Python, e.g. ``amount >= 0``.
    condition: str
    #: What the code does with the parameter, e.g. ``subtracted from self.balance``.
    use: str
    #: What goes wrong, silently, when the condition does not hold.
    consequence: str
    #: The node that relies on it (its line is named in the message).
    node: cst.CSTNode


# -- where an implied precondition is not reported ------------------------------------

#: Decorator attributes of web and tool frameworks that validate the parameters
#: from the signature before the function runs (FastAPI/Starlette and
#: Flask-style routes, MCP tools, task queues); CLI commands are
#: :func:`vibrails.checks.shared.entrypoints.is_command`'s.
_FRAMEWORK_ATTRS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "api_route", "route",
     "websocket", "tool", "resource", "prompt", "task"}
)
_FRAMEWORK_MODULES = ("fastapi.", "flask.", "pydantic.", "mcp.", "fastmcp.", "celery.")
#: Parameter defaults through which a framework validates a parameter.
_FRAMEWORK_DEFAULTS = frozenset(
    {"Query", "Path", "Body", "Form", "File", "Header", "Cookie", "Depends", "Security",
     "Field", "Option", "Argument", "Annotated"}
)
_ESTIMATOR_BASES = ("sklearn.",)
_MODULE_BASES = ("torch.nn.", "nn.", "lightning.", "pytorch_lightning.", "flax.", "keras.")
#: Builtins whose call is the work itself, not a delegation.
_NOT_DELEGATES = frozenset(
    {"range", "list", "tuple", "dict", "set", "sorted", "len", "sum", "min", "max", "zip",
     "enumerate", "reversed", "map", "filter", "str", "int", "float", "bytes", "bytearray"}
)


def framework_validated(names: Names, facts: FunctionFacts) -> bool:
    """A route, command or tool whose framework validates the parameters, or a
    method whose framework convention forbids or does the checking
    (scikit-learn estimator ``__init__``, ``nn.Module.forward``)."""
    node = facts.node
    if is_command(node.decorators, names):
        return True
    for decorator in node.decorators:
        expr = decorator.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        if (names.qualify(func) or "").startswith(_FRAMEWORK_MODULES):
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in _FRAMEWORK_ATTRS \
                and isinstance(expr, cst.Call):
            return True
    if facts.owner is not None:
        bases = [names.qualify(b.value) or "" for b in facts.owner.bases]
        name = node.name.value
        if name == "__init__" and any(b.startswith(_ESTIMATOR_BASES) or
                                      b.endswith(("BaseEstimator", "Mixin")) for b in bases):
            return True
        if name == "forward" and any(b.startswith(_MODULE_BASES) or b.endswith("Module")
                                     for b in bases):
            return True
    return False


def is_delegator(node: cst.FunctionDef) -> bool:
    """One or two simple statements ending in a call to another function
    (``return self._impl(x)``): the callee is where the checks belong."""
    statements = list(body_statements(node))
    if statements and is_docstring(statements[0]):
        statements = statements[1:]
    if not 1 <= len(statements) <= 2:
        return False
    smalls = []
    for statement in statements:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return False
        smalls.append(statement.body[0])
    if any(isinstance(small, cst.AugAssign) for small in smalls):
        return False
    last = smalls[-1]
    value = last.value if isinstance(last, (cst.Return, cst.Expr)) else None
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
        return False  # ``self.settings.update(options)``: a container's change, not a call on
    return (dotted(func) or "") not in _NOT_DELEGATES


def skipped_params(names: Names, node: cst.FunctionDef) -> set[str]:
    """Parameters a framework or a constrained annotation already validates."""
    skipped: set[str] = set()
    for param in params_of(node.params):
        name = param.name.value
        default = param.default
        if isinstance(default, cst.Call) and last_name(dotted(default.func) or "") in _FRAMEWORK_DEFAULTS:
            skipped.add(name)
        annotation = param.annotation.annotation if param.annotation else None
        if constrained(names, annotation):
            skipped.add(name)
        elif isinstance(annotation, cst.Subscript) and \
                last_name(dotted(annotation.value) or "") == "Annotated":
            skipped.add(name)  # Annotated[int, Field(ge=0)], typer.Option(...), …
    return skipped


# -- what the state is initialised to ------------------------------------------------


def _is_number(expr: cst.BaseExpression | None) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float))


def _annotation_name(annotation: cst.Annotation | None, names: Names) -> str:
    if annotation is None:
        return ""
    expr = annotation.annotation
    if isinstance(expr, cst.Subscript):
        expr = expr.value
    return names.qualify(expr) or ""


class StateInitialisers:
    """What a class (or the module) binds its state to.

    ``self.x = 0`` anywhere in the class, or ``x = 0`` in its body, makes
    ``self.x`` numeric; a dict display with constant string keys
    (``{"theme": "light", "page_size": 20}``) makes it a schema of named
    settings, where an unknown key is a mistake. Module-level
    bindings of the same forms (outside functions and classes) do so for globals.
    """

    def __init__(self, scope: cst.ClassDef | cst.Module | None, names: Names) -> None:
        self.numbers: set[str] = set()
        #: Dicts initialised with a display of constant keys (``{"theme": "light"}``).
        self.schemas: set[str] = set()
        if isinstance(scope, cst.ClassDef):
            nodes = descendants(scope.body.body, (cst.ClassDef, cst.Lambda))
        elif isinstance(scope, cst.Module):
            nodes = descendants(s for s in scope.body
                                if not isinstance(s, (cst.FunctionDef, cst.ClassDef)))
        else:
            return
        for node in nodes:
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    self._bind(target.target, node.value, names)
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                self._bind(node.target, node.value, names)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, names: Names) -> None:
        if isinstance(target, cst.Attribute):
            key = target.attr.value
        elif isinstance(target, cst.Name):
            key = target.value
        else:
            return
        if _is_number(value):
            self.numbers.add(key)
        elif isinstance(value, cst.Dict) and value.elements and all(
                isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
                for e in value.elements):
            self.schemas.add(key)  # a fixed set of named settings


def state_initialisers(
    context: FileContext, owner: cst.ClassDef | None
) -> tuple[StateInitialisers, StateInitialisers]:
    """What ``owner`` (the method's class, or ``None``) and the module initialise
    their state to; computed once per class and file."""
    cache: dict[int, StateInitialisers] = context.__dict__.setdefault("_vibrails_state_init", {})
    found = []
    for scope in (owner, context.module):
        if id(scope) not in cache:
            cache[id(scope)] = StateInitialisers(scope, context.names)
        found.append(cache[id(scope)])
    return found[0], found[1]


# -- the analysis ----------------------------------------------------------------------


def _code(node: cst.CSTNode) -> str:
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _param_plus(expr: cst.BaseExpression, params: set[str]) -> tuple[str, int] | None:
    """``(p, k)`` for an expression ``p + k`` (``p``, ``p + 1``, ``p - 1``, …), ``p`` a parameter."""
    if isinstance(expr, cst.Name):
        return (expr.value, 0) if expr.value in params else None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Subtract)) \
            and isinstance(expr.right, cst.Integer):
        inner = _param_plus(expr.left, params)
        if inner is not None:
            step = int(expr.right.value, 0)
            return inner[0], inner[1] + (step if isinstance(expr.operator, cst.Add) else -step)
    return None


def _at_least(expr: cst.BaseExpression, params: set[str], lower: int = 0,
              strict: bool = False) -> tuple[str | None, str]:
    """``(p, condition)`` for ``p + k`` used where it must be ``>= lower``
    (``> lower`` when ``strict``): the condition on ``p`` itself, e.g. ``n >= 1``
    for ``range(1, n)``, ``limit >= 0`` for ``items[:limit]``."""
    found = _param_plus(expr, params)
    if found is None:
        return None, ""
    return found[0], f"{{p}} {'>' if strict else '>='} {lower - found[1]}"


def _integer(expr: cst.BaseExpression) -> int | None:
    """The value of an integer literal (``3``, ``-1``), else ``None``."""
    negative = isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus)
    if negative:
        expr = expr.expression  # type: ignore[attr-defined]
    if isinstance(expr, cst.Integer):
        value = int(expr.value, 0)
        return -value if negative else value
    return None


def _factor_param(expr: cst.BaseExpression, params: set[str]) -> str | None:
    """``p`` for ``p`` or a product with ``p`` as a factor (``p * price``)."""
    if isinstance(expr, cst.Name):
        return expr.value if expr.value in params else None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
        return _factor_param(expr.left, params) or _factor_param(expr.right, params)
    return None


def _names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in descendants([node], _NESTED) if isinstance(n, cst.Name)}


def _constant(expr: cst.BaseExpression) -> bool:
    """A literal, ``None``, or an UPPER_CASE constant: what a range check compares with."""
    if isinstance(expr, cst.UnaryOperation):
        expr = expr.expression
    if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)):
        return True
    name = dotted(expr)
    if name is None:
        return False
    last = name.rpartition(".")[2]
    return last in ("None", "True", "False") or (last.isupper() and len(last) > 1)


def _checked_names(test: cst.BaseExpression) -> set[str]:
    """Names that a condition checks: compared with a constant, tested for
    membership, or handed to ``isinstance``/a bounding call. A comparison with
    another variable (``attempt < attempts``) uses the name; it checks nothing."""
    checked: set[str] = set()
    for node in descendants([test], _NESTED):
        if isinstance(node, cst.Comparison):
            left = node.left
            for target in node.comparisons:
                right = target.comparator
                if isinstance(target.operator, (cst.In, cst.NotIn)) and isinstance(left, cst.Name):
                    checked.add(left.value)
                for one, other in ((left, right), (right, left)):
                    if isinstance(one, cst.Name) and _constant(other):
                        checked.add(one.value)
                left = right
        elif isinstance(node, cst.Call) and node.args and (dotted(node.func) or "") in \
                _CHECKING_CALLS:
            checked |= _names_in(node)
    return checked


def _state_key(target: cst.BaseExpression, self_name: str | None,
               globals_: set[str]) -> tuple[str, str] | None:
    """``(kind, key)`` of stored state: ``("self", "balance")`` or ``("global", "TOTAL")``."""
    if isinstance(target, cst.Subscript):
        target = target.value
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
            and self_name is not None and target.value.value == self_name:
        return "self", target.attr.value
    if isinstance(target, cst.Name) and target.value in globals_:
        return "global", target.value
    return None


class Body:
    """The analysis of one function body, fed node by node from the engine's walk
    (:meth:`see`, nested scopes excluded by the caller), then decided once the
    whole body is known (:meth:`reliances`): what it binds and checks is
    collected first, so a check after a use still counts."""

    def __init__(self, context: FileContext, facts: FunctionFacts, tracked: set[str]) -> None:
        self.context = context
        self.owner = facts.owner
        self.tracked = tracked
        self.self_name = facts.self_name
        self.names = context.names
        self.declared = {p.name.value: p for p in params_of(facts.node.params)}
        self.rebound: set[str] = set()
        self.local_names = set(self.declared)
        self.declared_global: set[str] = set()
        #: ``(test, names it checks)`` of every condition, assert and bounding call.
        self.tests: list[tuple[cst.CSTNode, set[str]]] = []
        #: Nodes that may rely on a parameter, in source order.
        self.uses: list[cst.CSTNode] = []
        self.found: list[Reliance] = []
        self._enclosing_test: dict[int, cst.CSTNode] | None = None
        self._state: tuple[StateInitialisers, StateInitialisers] | None = None

    def see(self, current: cst.CSTNode) -> None:
        """One node of the body (in source order)."""
        bound: set[str] = set()
        if isinstance(current, cst.Global):
            self.declared_global |= {n.name.value for n in current.names}
        elif isinstance(current, cst.Assign):
            for target in current.targets:
                bound.update(target_names(target.target))
        elif isinstance(current, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor)):
            bound.update(target_names(current.target))
        elif isinstance(current, cst.NamedExpr) and isinstance(current.target, cst.Name):
            self.rebound.add(current.target.value)
        elif isinstance(current, cst.Assert) or (
                isinstance(current, cst.If) and block_raises(current.body)):
            self.tests.append((current.test, _names_in(current.test)))  # an explicit check
        elif isinstance(current, (cst.If, cst.While, cst.IfExp, cst.CompIf)):
            self.tests.append((current.test, _checked_names(current.test)))
        elif isinstance(current, cst.Call) and (dotted(current.func) or "") in _BOUNDING_CALLS:
            self.tests.append((current, _names_in(current)))
        if bound:
            self.rebound |= bound & self.tracked
            self.local_names |= bound
        if isinstance(current, (cst.AugAssign, cst.Call, cst.Subscript, cst.Comparison)) or (
                isinstance(current, cst.BinaryOperation)
                and isinstance(current.operator, cst.Multiply)):
            self.uses.append(current)

    def reliances(self) -> list[Reliance]:
        """The unchecked reliances of the whole body, in source order."""
        if not self.uses:
            return []
        names = self.names
        # Module globals assigned in the function without ``global`` are locals.
        self.globals = {n for n in names.module_bindings if n not in self.local_names} \
            | self.declared_global
        self.range_builtin = "range" not in names.module_bindings \
            and "range" not in self.local_names
        for current in self.uses:
            if isinstance(current, cst.AugAssign):
                self._aug_assign(current)
            elif isinstance(current, cst.Call):
                self._call(current)
            elif isinstance(current, cst.Subscript):
                self._slice(current)
            elif isinstance(current, cst.BinaryOperation):
                self._repeat(current)
            elif isinstance(current, cst.Comparison):
                self._comparison(current)
        return self.found

    def enclosing_test(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The condition ``node`` is part of, if any."""
        if self._enclosing_test is None:
            self._enclosing_test = {}
            for test, _ in self.tests:
                if not isinstance(test, cst.Call):
                    for inner in descendants([test], _NESTED):
                        self._enclosing_test.setdefault(id(inner), test)
        return self._enclosing_test.get(id(node))

    def add(self, param: str | None, condition: str, use: str, consequence: str,
            where: cst.CSTNode) -> None:
        if param is None or param not in self.tracked or param in self.rebound:
            return
        test = self.enclosing_test(where)
        if any(param in mentioned and other is not test for other, mentioned in self.tests):
            return  # checked (or normalised) somewhere else in the function
        self.found.append(Reliance(param, condition.format(p=param), use, consequence, where))

    # -- evidence ------------------------------------------------------------

    def numeric(self, param: str) -> bool:
        p = self.declared.get(param)
        return p is not None and (
            _annotation_name(p.annotation, self.names) in _NUMBER_TYPES or _is_number(p.default))

    def state_is(self, kind: str, key: str, what: str) -> bool:
        if self._state is None:  # scanned only when the body stores into state
            self._state = state_initialisers(self.context, self.owner)
        state = self._state[0] if kind == "self" else self._state[1]
        return key in (state.numbers if what == "number" else state.schemas)

    # -- uses ----------------------------------------------------------------

    def _aug_assign(self, node: cst.AugAssign) -> None:
        key = _state_key(node.target, self.self_name, self.globals)
        if key is None:
            return
        if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
            param = _factor_param(node.value, self.tracked)
            if param is not None and (self.numeric(param) or self.state_is(*key, "number")):
                subtract = isinstance(node.operator, cst.SubtractAssign)
                self.add(param, "{p} >= 0",
                         f"{'subtracted from' if subtract else 'added to'} {_code(node.target)}",
                         f"a negative value {'adds to' if subtract else 'takes from'} it instead",
                         node)
        elif isinstance(node.operator, cst.BitOrAssign) and isinstance(node.value, cst.Name):
            param = node.value.value
            if self.state_is(*key, "schema"):
                merged = _code(node.target)
                self.add(param, f"set({{p}}) <= set({merged})", f"merged into {merged}",
                         "a misspelled or unexpected key is stored without an error", node)

    def _call(self, call: cst.Call) -> None:
        func = call.func
        qualified = self.names.qualify(func) or ""
        args = [a for a in call.args if a.keyword is None and not a.star]
        if self.range_builtin and qualified == "range" and 1 <= len(args) <= 3 \
                and len(args) == len(call.args):
            start = _integer(args[0].value) if len(args) > 1 else 0
            stop_index = 0 if len(args) == 1 else 1
            for position, arg in enumerate(args):
                step = position == 2
                # The stop must reach the start (a literal one), the step be positive.
                lower = start if position == stop_index and start is not None else 0
                param, condition = _at_least(arg.value, self.tracked, lower, strict=step)
                self.add(param, condition, f"a bound of {_code(call)}",
                         "a negative step silently gives an empty range" if step else
                         "a smaller value silently gives an empty range, so the loop does "
                         "nothing", call)
        elif qualified in _ASYNC_SLEEPS and args:
            param, condition = _at_least(args[0].value, self.tracked)
            self.add(param, condition, f"the delay of {_code(call)}",
                     "a negative delay is silently taken as no delay", call)
        elif isinstance(func, cst.Attribute) and func.attr.value == "update" \
                and len(call.args) == 1 and args and isinstance(args[0].value, cst.Name):
            self._update(call, func.value, args[0].value.value)

    def _update(self, call: cst.Call, receiver: cst.BaseExpression, param: str) -> None:
        self_name = self.self_name
        if isinstance(receiver, cst.Attribute) and receiver.attr.value == "__dict__" \
                and isinstance(receiver.value, cst.Name) and receiver.value.value == self_name:
            self.add(param, f"set({{p}}) <= set(vars({self_name}))",
                     f"merged into {_code(receiver)}",
                     "a misspelled key becomes a new attribute without an error", call)
            return
        key = _state_key(receiver, self_name, self.globals)
        if key is not None and not isinstance(receiver, cst.Subscript) \
                and self.state_is(*key, "schema"):
            target = _code(receiver)
            self.add(param, f"set({{p}}) <= set({target})", f"merged into {target}",
                     "a misspelled or unexpected key is stored without an error", call)

    def _slice(self, node: cst.Subscript) -> None:
        for element in node.slice:
            piece = element.slice
            if isinstance(piece, cst.Slice):
                for limit in (piece.lower, piece.upper):
                    if limit is not None:
                        param, condition = _at_least(limit, self.tracked)
                        self.add(param, condition,
                                 f"a slice bound in {_code(node)}",
                                 "a negative value counts from the end and silently "
                                 "cuts the wrong items", node)

    def _repeat(self, node: cst.BinaryOperation) -> None:
        for literal, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(literal, (cst.List, cst.Tuple)):  # not text: padding is cosmetic
                param, condition = _at_least(other, self.tracked)
                self.add(param, condition,
                         f"a repeat count in {_code(node)}",
                         "a negative value silently gives an empty sequence", node)

    def _comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, _ORDERING):
            return
        left, right = node.left, node.comparisons[0].comparator
        for one, other in ((left, right), (right, left)):
            param = other.value if isinstance(other, cst.Name) and other.value in self.tracked \
                else None
            if param is None or not isinstance(one, cst.Call):
                continue
            callee = self.names.qualify(one.func) or ""
            if callee == "len" and len(one.args) == 1:
                self.add(param, "{p} >= 0", f"a size limit in {_code(node)}",
                         "a negative limit silently makes the comparison always true or "
                         "always false", node)
            elif callee.rpartition(".")[2] in _RANDOM_DRAWS and not one.args and (
                    "random" in callee or callee.startswith(("np.", "numpy."))):
                self.add(param, "0 <= {p} <= 1", f"a probability in {_code(node)}",
                         "a value outside [0, 1] silently makes it always or never happen",
                         node)


def tracked_params(context: FileContext, facts: FunctionFacts) -> set[str]:
    """The parameters to follow: all but those a framework or a constrained
    annotation validates."""
    return set(facts.params) - skipped_params(context.names, facts.node)
