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
merged into stored state  ``self.settings.update(options)``      ``set(options) <= set(self.settings)``
========================  =====================================  ====================

A use counts only with evidence of what it is: an addition to state only when
the parameter is annotated as a number, has a numeric default, or the state
it is added to is initialised with a number; a merge only when the state or
the parameter is known to be a mapping. A parameter that the function rebinds
(``n = max(0, n)``, ``n = int(n)``) or checks anywhere (an ``assert`` or an
``if …: raise`` naming it, a condition comparing it with a constant —
``if n > 0:``, ``n is None`` —, a membership test, ``isinstance``,
``min``/``max``/``abs``) is taken as checked; a comparison with another
variable (``if attempt < attempts:``) is a use, not a check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from vibrails.names import Names, dotted, params_of, target_names
from vibrails.traverse import children

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_NUMBER_TYPES = frozenset(
    {"int", "float", "decimal.Decimal", "Decimal", "fractions.Fraction", "numbers.Number",
     "numbers.Real", "numbers.Integral"}
)
_MAPPING_TYPES = frozenset(
    {"dict", "typing.Dict", "typing.Mapping", "typing.MutableMapping",
     "collections.abc.Mapping", "collections.abc.MutableMapping"}
)
_MAPPING_CALLS = frozenset(
    {"dict", "collections.defaultdict", "collections.OrderedDict", "collections.Counter"}
)
_BOUNDING_CALLS = frozenset({"min", "max", "abs", "clamp", "int", "float", "round"})
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
_RANDOM_DRAWS = frozenset({"random", "rand", "random_sample", "uniform"})
_ASYNC_SLEEPS = frozenset({"asyncio.sleep", "trio.sleep", "anyio.sleep"})


#: ``add(param, condition, use, consequence, node)``: record a reliance.
Add = Callable[[str | None, str, str, str, cst.CSTNode], None]


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
    #: The enclosing test expression, for a reliance inside an ``if``/``while`` test.
    test: cst.CSTNode | None = None


def _code(node: cst.CSTNode) -> str:
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _walk(nodes: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """Every node under ``nodes`` in source order, not entering nested scopes."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        kids = children(node)
        kids.reverse()
        stack.extend(kids)


def _param_of(expr: cst.BaseExpression, params: set[str]) -> str | None:
    """``p`` for the expression ``p`` (or ``p + 1``, ``p - 1``) with ``p`` a parameter."""
    if isinstance(expr, cst.Name):
        return expr.value if expr.value in params else None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Subtract)):
        if isinstance(expr.right, cst.Integer):
            return _param_of(expr.left, params)
    return None


def _factor_param(expr: cst.BaseExpression, params: set[str]) -> str | None:
    """``p`` for ``p`` or a product with ``p`` as a factor (``p * price``)."""
    if isinstance(expr, cst.Name):
        return expr.value if expr.value in params else None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
        return _factor_param(expr.left, params) or _factor_param(expr.right, params)
    return None


def _is_number(expr: cst.BaseExpression | None) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float))


def _is_mapping_value(expr: cst.BaseExpression | None, names: Names) -> bool:
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return True
    return isinstance(expr, cst.Call) and names.qualify(expr.func) in _MAPPING_CALLS


def _annotation_name(annotation: cst.Annotation | None, names: Names) -> str:
    if annotation is None:
        return ""
    expr = annotation.annotation
    if isinstance(expr, cst.Subscript):
        expr = expr.value
    return names.qualify(expr) or ""


class StateInitialisers:
    """What the enclosing class (or module) first binds its state to.

    ``self.x = 0`` anywhere in the class, or ``x = 0`` in its body, makes
    ``self.x`` numeric; ``{}``/``dict()`` makes it a mapping. Module-level
    bindings of the same forms do so for globals.
    """

    def __init__(self, scope: cst.ClassDef | cst.Module | None, names: Names) -> None:
        self.numbers: set[str] = set()
        self.mappings: set[str] = set()
        if scope is None:
            return
        body = scope.body.body if isinstance(scope, cst.ClassDef) else scope.body
        nodes: list[cst.CSTNode] = list(body) if isinstance(scope, cst.ClassDef) else [
            s for s in body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))
        ]
        for node in _walk(nodes) if isinstance(scope, cst.Module) else self._class_nodes(nodes):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    self._bind(target.target, node.value, names)
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                self._bind(node.target, node.value, names)

    @staticmethod
    def _class_nodes(nodes: list[cst.CSTNode]) -> Iterator[cst.CSTNode]:
        stack = list(reversed(nodes))
        while stack:
            node = stack.pop()
            yield node
            if isinstance(node, (cst.ClassDef, cst.Lambda)):
                continue
            kids = children(node)
            kids.reverse()
            stack.extend(kids)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, names: Names) -> None:
        if isinstance(target, cst.Attribute):
            key = target.attr.value
        elif isinstance(target, cst.Name):
            key = target.value
        else:
            return
        if _is_number(value):
            self.numbers.add(key)
        elif _is_mapping_value(value, names):
            self.mappings.add(key)


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


def implied_preconditions(
    node: cst.FunctionDef,
    params: Sequence[str],
    self_name: str | None,
    names: Names,
    class_state: StateInitialisers,
    module_state: StateInitialisers,
    skip: set[str],
) -> list[Reliance]:
    """The unchecked reliances of ``node``'s body on ``params`` (minus ``skip``), in order."""
    tracked = set(params) - skip
    if not tracked:
        return []
    declared: dict[str, cst.Param] = {p.name.value: p for p in params_of(node.params)}
    body = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else [node.body]
    local_names = {p for p in declared}
    globals_: set[str] = set()
    rebound: set[str] = set()
    tests: list[tuple[cst.CSTNode, set[str]]] = []
    found: list[Reliance] = []

    def numeric(param: str) -> bool:
        p = declared.get(param)
        if p is None:
            return False
        return _annotation_name(p.annotation, names) in _NUMBER_TYPES or _is_number(
            p.default if p.default is not None else None)

    def mapping(param: str) -> bool:
        p = declared.get(param)
        return p is not None and _annotation_name(p.annotation, names) in _MAPPING_TYPES

    def state_numeric(kind: str, key: str) -> bool:
        return key in (class_state.numbers if kind == "self" else module_state.numbers)

    def state_mapping(kind: str, key: str) -> bool:
        return key in (class_state.mappings if kind == "self" else module_state.mappings)

    nodes = list(_walk(body))
    for current in nodes:
        if isinstance(current, cst.Global):
            globals_ |= {n.name.value for n in current.names}
        elif isinstance(current, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = [t.target for t in current.targets] if isinstance(current, cst.Assign) \
                else [current.target]
            for target in targets:
                bound = set(target_names(target))
                rebound |= bound & tracked
                local_names |= bound
        elif isinstance(current, (cst.For, cst.CompFor)):
            bound = set(target_names(current.target))
            rebound |= bound & tracked
            local_names |= bound
        elif isinstance(current, cst.NamedExpr) and isinstance(current.target, cst.Name):
            rebound.add(current.target.value)
        elif isinstance(current, cst.Assert) or (
                isinstance(current, cst.If) and _raises(current.body)):
            tests.append((current.test, _names_in(current.test)))  # an explicit check
        elif isinstance(current, (cst.If, cst.While, cst.IfExp, cst.CompIf)):
            tests.append((current.test, _checked_names(current.test)))
        elif isinstance(current, cst.Call) and (dotted(current.func) or "") in _BOUNDING_CALLS:
            tests.append((current, _names_in(current)))
    # Module globals assigned in the function without ``global`` are locals.
    module_globals = {n for n in names.module_bindings if n not in local_names} | globals_
    range_builtin = "range" not in names.module_bindings and "range" not in local_names
    enclosing_test: dict[int, cst.CSTNode] = {}
    for test, _ in tests:
        if not isinstance(test, cst.Call):
            for inner in _walk([test]):
                enclosing_test.setdefault(id(inner), test)

    def add(param: str | None, condition: str, use: str, consequence: str,
            where: cst.CSTNode) -> None:
        if param is None or param not in tracked or param in rebound:
            return
        test = enclosing_test.get(id(where))
        if any(param in mentioned and other is not test for other, mentioned in tests):
            return  # checked (or normalised) somewhere else in the function
        found.append(Reliance(param, condition.format(p=param), use, consequence, where, test))

    for current in nodes:
        if isinstance(current, cst.AugAssign) and isinstance(
                current.operator, (cst.AddAssign, cst.SubtractAssign)):
            key = _state_key(current.target, self_name, module_globals)
            param = _factor_param(current.value, tracked)
            if key is not None and param is not None and (
                    numeric(param) or state_numeric(*key)):
                subtract = isinstance(current.operator, cst.SubtractAssign)
                add(param, "{p} >= 0",
                    f"{'subtracted from' if subtract else 'added to'} {_code(current.target)}",
                    f"a negative value {'adds to' if subtract else 'takes from'} it instead",
                    current)
        elif isinstance(current, cst.AugAssign) and isinstance(current.operator, cst.BitOrAssign):
            key = _state_key(current.target, self_name, module_globals)
            param = current.value.value if isinstance(current.value, cst.Name) else None
            if key is not None and param is not None and (mapping(param) or state_mapping(*key)):
                merged = _code(current.target)
                add(param, f"set({{p}}) <= set({merged})", f"merged into {merged}",
                    "a misspelled or unexpected key is stored without an error", current)
        elif isinstance(current, cst.Call):
            _call_reliance(current, tracked, names, range_builtin, self_name, module_globals,
                           mapping, state_mapping, add)
        elif isinstance(current, cst.Subscript):
            for element in current.slice:
                piece = element.slice
                if isinstance(piece, cst.Slice):
                    for limit in (piece.lower, piece.upper):
                        if limit is not None:
                            add(_param_of(limit, tracked), "{p} >= 0",
                                f"a slice bound in {_code(current)}",
                                "a negative value counts from the end and silently "
                                "cuts the wrong items", current)
        elif isinstance(current, cst.BinaryOperation) and isinstance(current.operator,
                                                                     cst.Multiply):
            for literal, other in ((current.left, current.right), (current.right, current.left)):
                if isinstance(literal, (cst.List, cst.Tuple)):  # not text: padding is cosmetic
                    add(_param_of(other, tracked), "{p} >= 0",
                        f"a repeat count in {_code(current)}",
                        "a negative value silently gives an empty sequence", current)
        elif isinstance(current, cst.Comparison):
            _comparison_reliance(current, tracked, names, add)
    return found


def _names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in _walk([node]) if isinstance(n, cst.Name)}


def _raises(body: cst.BaseSuite) -> bool:
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for statement in statements:
        smalls = statement.body if isinstance(
            statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else []
        if any(isinstance(small, cst.Raise) for small in smalls):
            return True
    return False


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
    for node in _walk([test]):
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
        elif isinstance(node, cst.Call) and node.args and (dotted(node.func) or "") in (
                {"isinstance", "callable"} | _BOUNDING_CALLS):
            checked |= _names_in(node)
    return checked


def _call_reliance(call: cst.Call, tracked: set[str], names: Names, range_builtin: bool,
                   self_name: str | None, module_globals: set[str],
                   mapping: Callable[[str], bool], state_mapping: Callable[[str, str], bool],
                   report: Add) -> None:
    func = call.func
    qualified = names.qualify(func) or ""
    args = [a for a in call.args if a.keyword is None and not a.star]
    if range_builtin and qualified == "range" and 1 <= len(args) <= 3 \
            and len(args) == len(call.args):
        for position, arg in enumerate(args):
            param = _param_of(arg.value, tracked)
            step = position == 2
            report(param, "{p} > 0" if step else "{p} >= 0",
                   f"a bound of {_code(call)}",
                   "a negative step silently gives an empty range" if step else
                   "a negative value silently gives an empty range, so the loop does nothing",
                   call)
    elif qualified in _ASYNC_SLEEPS and args:
        report(_param_of(args[0].value, tracked), "{p} >= 0",
               f"the delay of {_code(call)}",
               "a negative delay is silently taken as no delay", call)
    elif isinstance(func, cst.Attribute) and func.attr.value == "update" and len(args) == 1 \
            and len(call.args) == 1 and isinstance(args[0].value, cst.Name):
        param = args[0].value.value
        receiver = func.value
        if isinstance(receiver, cst.Attribute) and receiver.attr.value == "__dict__" \
                and isinstance(receiver.value, cst.Name) and receiver.value.value == self_name:
            report(param, f"set({{p}}) <= set(vars({self_name}))",
                   f"merged into {_code(receiver)}",
                   "a misspelled key becomes a new attribute without an error", call)
            return
        key = _state_key(receiver, self_name, module_globals)
        if key is not None and not isinstance(receiver, cst.Subscript) and (
                mapping(param) or state_mapping(*key)):
            target = _code(receiver)
            report(param, f"set({{p}}) <= set({target})",
                   f"merged into {target}",
                   "a misspelled or unexpected key is stored without an error", call)


def _comparison_reliance(node: cst.Comparison, tracked: set[str], names: Names,
                         report: Add) -> None:
    if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, _ORDERING):
        return
    left, right = node.left, node.comparisons[0].comparator
    for one, other in ((left, right), (right, left)):
        param = _param_of(other, tracked) if isinstance(other, cst.Name) else None
        if param is None or not isinstance(one, cst.Call):
            continue
        callee = names.qualify(one.func) or ""
        if callee == "len" and len(one.args) == 1:
            report(param, "{p} >= 0", f"a size limit in {_code(node)}",
                   "a negative limit silently makes the comparison always true or always false",
                   node)
        elif callee.rpartition(".")[2] in _RANDOM_DRAWS and not one.args and (
                "random" in callee or callee.startswith(("np.", "numpy."))):
            report(param, "0 <= {p} <= 1",
                   f"a probability in {_code(node)}",
                   "a value outside [0, 1] silently makes it always or never happen", node)
