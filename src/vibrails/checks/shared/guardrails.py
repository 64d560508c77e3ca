"""What a change can weaken: the guardrails of a file, and whether one was loosened.

The weakening rules (VBR105, VBR204) compare a file as it was at the diff
base with the file as it is. :func:`guardrails` reads one version: for each
function, its contract conditions (contract decorators, guard clauses
``if …: raise`` and ``assert`` statements on a parameter, validator calls,
by VBR101's definition: among the top-level statements before the first
``return``/``yield``); for each class, its invariant decorators, its
invariant methods and the calls each method makes to them (VBR201's
definition). :func:`loosened` says whether a condition lets through more
than it did, and how.

Read with :mod:`ast`, never run: two versions of a condition are compared
as ``ast.unparse`` prints them, so a change of formatting or quoting is not
a change. Decorators are recognised by qualified name through the file's
imports, with the same tables as the other contract rules
(:mod:`vibrails.checks.shared.decorators`).

A condition counts as *loosened* only when that can be shown from the text
(precision first): its conjuncts (``and``; a guard's ``or``, since
``if a or b: raise`` accepts ``not a and not b``) lost one, or a bound on
the same expression moved to let more through (``amount > 0`` to
``amount >= -100``), and nothing new was added. Any other change of a
condition (a different expression, a new conjunct) is not reported.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from vibrails.checks.shared.contract_tables import (
    CLASS_INVARIANTS,
    FUNCTION_CONTRACTS,
    VALIDATOR_NAME,
)

_SELF = frozenset({"self", "cls"})
#: Bodies at least this similar make an unmatched function a renamed one.
RENAME_SIMILARITY = 0.6


@dataclass(frozen=True)
class Condition:
    """One contract condition of a function, or invariant of a class."""

    #: ``decorator``, ``guard`` (``if …: raise``), ``assert``, ``validator``.
    kind: str
    #: As shown in a message: ``@icontract.require(lambda amount: amount > 0)``,
    #: ``if amount <= 0: raise``, ``assert amount > 0``, ``validate(amount)``.
    text: str
    #: What the condition lets through, when known (a lambda's body, an
    #: assert's test, ``not`` a guard's test); ``None`` for a validator call.
    accepts: ast.expr | None
    #: Qualified decorator or validator name (``""`` for guards and asserts).
    callee: str
    #: The parameters it names.
    names: frozenset[str]
    span: tuple[int, int, int, int]

    @property
    def role(self) -> str:
        """``pre``, ``post`` or ``check`` for decorators; ``pre`` otherwise."""
        if self.kind != "decorator":
            return "pre"
        kinds = FUNCTION_CONTRACTS.get(self.callee, frozenset({"pre"}))
        return "post" if kinds == {"post"} else next(iter(sorted(kinds)))


@dataclass
class FunctionGuards:
    qualname: str
    #: Span of ``def name`` (where a removal is reported).
    span: tuple[int, int, int, int]
    first_line: int
    end_line: int
    #: The body as text, for matching a renamed function.
    body: str
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class ClassGuards:
    qualname: str
    span: tuple[int, int, int, int]
    first_line: int
    end_line: int
    stateful: bool
    invariants: list[Condition] = field(default_factory=list)
    #: Invariant method → the span of its ``def``.
    invariant_methods: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    #: Method → span of its ``def``, and the ``self.<invariant method>()`` calls it makes.
    methods: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    calls: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Method → its lines (first decorator, last line).
    extents: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Guardrails:
    functions: dict[str, FunctionGuards] = field(default_factory=dict)
    classes: dict[str, ClassGuards] = field(default_factory=dict)


def guardrails(source: str, settings: Mapping[str, Any]) -> Guardrails | None:
    """The guardrails of one version of a file, or ``None`` when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return guardrails_of(tree, settings)


def guardrails_of(tree: ast.Module, settings: Mapping[str, Any]) -> Guardrails | None:
    """:func:`guardrails` of a parsed file (``None`` when it nests too deeply)."""
    reader = _Reader(settings, aliases(tree))
    try:
        reader.scope(tree.body, [])
    except RecursionError:
        return None
    return reader.found


def qualify(node: ast.expr, aliases: Mapping[str, str]) -> str | None:
    """The qualified name of a (called) dotted name, through the file's
    imports (:func:`aliases`): ``ic.require(…)`` → ``icontract.require``."""
    name = _dotted(node.func if isinstance(node, ast.Call) else node)
    if name is None:
        return None
    head, dot, rest = name.partition(".")
    return aliases.get(head, head) + dot + rest


def aliases(tree: ast.Module) -> dict[str, str]:
    """Local name → qualified name, from the module's imports."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _root_names(node: ast.AST) -> set[str]:
    """Names read in an expression (``self`` of ``self.x``), lambdas excluded."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name):
            found.add(current.id)
        elif not isinstance(current, ast.Lambda):
            stack.extend(ast.iter_child_nodes(current))
    return found


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0)
    return line, col, getattr(node, "end_lineno", None) or line, getattr(node, "end_col_offset", None) or col + 1


def _def_span(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> tuple[int, int, int, int]:
    keyword = "class" if isinstance(node, ast.ClassDef) else (
        "async def" if isinstance(node, ast.AsyncFunctionDef) else "def")
    return node.lineno, node.col_offset, node.lineno, node.col_offset + len(keyword) + 1 + len(node.name)


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _raises(body: list[ast.stmt]) -> bool:
    return any(isinstance(statement, ast.Raise) for statement in body)


def _lambda_body(call: ast.expr) -> ast.expr | None:
    if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Lambda):
        return call.args[0].body
    return None


class _Reader:
    def __init__(self, settings: Mapping[str, Any], aliases: dict[str, str]) -> None:
        self.aliases = aliases
        contracts = settings.get("contracts") or {}
        invariants = settings.get("invariants") or {}
        self.configured_decorators = set(contracts.get("decorators") or ())
        self.validators = set(contracts.get("validators") or ())
        self.invariant_decorators = set(CLASS_INVARIANTS) | set(invariants.get("decorators") or ())
        self.invariant_names = set(invariants.get("methods") or ())
        self.found = Guardrails()

    def qualify(self, node: ast.expr) -> str | None:
        return qualify(node, self.aliases)

    def scope(self, body: list[ast.stmt], outer: list[str]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(node, outer)
                self.scope(node.body, [*outer, node.name])
            elif isinstance(node, ast.ClassDef):
                self.klass(node, outer)
                self.scope(node.body, [*outer, node.name])
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.AsyncWith)):
                # definitions under `if TYPE_CHECKING:`, `try: … except ImportError:`
                for block in ("body", "orelse", "finalbody"):
                    self.scope(getattr(node, block, []), outer)
                for handler in getattr(node, "handlers", []):
                    self.scope(handler.body, outer)

    # -- functions ------------------------------------------------------------------

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, outer: list[str]) -> None:
        qualname = ".".join([*outer, node.name])
        args = node.args
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        conditions = [c for c in self.decorator_conditions(node) if c is not None]
        statements = list(node.body)
        if statements and _is_docstring(statements[0]):
            statements = statements[1:]
        conditions += self.guards(statements, params)
        body = "\n".join(ast.unparse(s) for s in statements)
        self.found.functions[qualname] = FunctionGuards(
            qualname, _def_span(node), _first_line(node), node.end_lineno or node.lineno,
            body, conditions)

    def decorator_conditions(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> Iterator[Condition | None]:
        for decorator in node.decorator_list:
            qualified = self.qualify(decorator)
            if qualified is None:
                continue
            if qualified == "deal.chain" and isinstance(decorator, ast.Call):
                inner = [a for a in decorator.args if self.qualify(a) in FUNCTION_CONTRACTS]
            else:
                inner = [decorator]
            for expr in inner:
                callee = self.qualify(expr) or ""
                if callee in FUNCTION_CONTRACTS or callee in self.configured_decorators:
                    accepts = _lambda_body(expr)
                    names = frozenset(_root_names(accepts)) if accepts is not None else frozenset()
                    if isinstance(expr, ast.Call) and expr.args and isinstance(expr.args[0], ast.Lambda):
                        names = frozenset(a.arg for a in expr.args[0].args.args)
                    yield Condition("decorator", "@" + ast.unparse(expr), accepts, callee, names,
                                    _span(expr))

    def guards(self, statements: list[ast.stmt], params: set[str]) -> list[Condition]:
        found: list[Condition] = []
        params = set(params)
        for statement in statements:
            if isinstance(statement, ast.Return) or _yields(statement):
                break
            # A parameter given a new value (`if size is None: size = 8`) is no
            # longer the caller's input: a later check on it is not a precondition.
            params -= _assigned(statement)
            if isinstance(statement, ast.Assert):
                names = frozenset(_root_names(statement.test) & params)
                if names:
                    found.append(Condition("assert", f"assert {ast.unparse(statement.test)}",
                                           statement.test, "", names, _span(statement)))
            elif isinstance(statement, ast.If):
                branch: ast.If | None = statement
                while branch is not None:
                    names = frozenset(_root_names(branch.test) & params)
                    if _raises(branch.body) and names:
                        test = branch.test
                        found.append(Condition(
                            "guard", f"if {ast.unparse(test)}: raise",
                            ast.UnaryOp(ast.Not(), test), "", names, _span(test)))
                    orelse = branch.orelse
                    branch = orelse[0] if len(orelse) == 1 and isinstance(orelse[0], ast.If) else None
            elif isinstance(statement, ast.Expr):
                call = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
                if isinstance(call, ast.Call):
                    name = _dotted(call.func) or ""
                    last = name.rpartition(".")[2]
                    # `self.check_invariants()` checks the object, not the input:
                    # an invariant (VBR204's), not a precondition.
                    names = frozenset(_root_names(call) & params) - _SELF
                    if names and (last in self.validators or VALIDATOR_NAME.match(last)):
                        found.append(Condition("validator", ast.unparse(call), None,
                                               self.qualify(call) or name, names, _span(call)))
        return found

    # -- classes --------------------------------------------------------------------

    def klass(self, node: ast.ClassDef, outer: list[str]) -> None:
        qualname = ".".join([*outer, node.name])
        facts = ClassGuards(qualname, _def_span(node), _first_line(node),
                            node.end_lineno or node.lineno, stateful=False)
        for decorator in node.decorator_list:
            callee = self.qualify(decorator)
            if callee in self.invariant_decorators:
                accepts = _lambda_body(decorator)
                facts.invariants.append(Condition(
                    "decorator", "@" + ast.unparse(decorator), accepts, callee or "",
                    frozenset({"self"}), _span(decorator)))
        methods = [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for method in methods:
            facts.methods[method.name] = _def_span(method)
            facts.extents[method.name] = (_first_line(method), method.end_lineno or method.lineno)
            if method.name in self.invariant_names:
                facts.invariant_methods[method.name] = _def_span(method)
        for method in methods:
            positional = [*method.args.posonlyargs, *method.args.args]
            if not positional:
                continue
            me = positional[0].arg
            calls: dict[str, int] = {}
            for inner in ast.walk(method):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                        and isinstance(inner.func.value, ast.Name) and inner.func.value.id == me
                        and inner.func.attr in self.invariant_names):
                    calls[inner.func.attr] = calls.get(inner.func.attr, 0) + 1
                if method.name != "__init__" and _stores_on(inner, me):
                    facts.stateful = True
            facts.calls[method.name] = calls
        self.found.classes[qualname] = facts


def _assigned(statement: ast.stmt) -> set[str]:
    """Names a statement (or a block under it) assigns, ``for`` targets included."""
    names: set[str] = set()
    for node in ast.walk(statement):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _stores_on(node: ast.AST, me: str) -> bool:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        for part in ast.walk(target):
            if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and part.value.id == me:
                return True
    return False


def _is_docstring(statement: ast.stmt) -> bool:
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))


def _yields(statement: ast.stmt) -> bool:
    value = getattr(statement, "value", None)
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, (ast.Yield, ast.YieldFrom))


# -- matching definitions across the change -------------------------------------------


def match_functions(
    old: Mapping[str, FunctionGuards], new: Mapping[str, FunctionGuards]
) -> list[tuple[FunctionGuards, FunctionGuards]]:
    """Old and new versions of the same function: by qualified name (a move
    within the file keeps it), then, among the rest, a function renamed in
    the same class whose body is at least :data:`RENAME_SIMILARITY` alike."""
    pairs = [(old[name], new[name]) for name in old if name in new]
    left = [f for name, f in old.items() if name not in new]
    right = {name: f for name, f in new.items() if name not in old}
    for before in left:
        prefix = before.qualname.rpartition(".")[0]
        best: tuple[float, str] | None = None
        for name, after in right.items():
            if after.qualname.rpartition(".")[0] != prefix:
                continue
            ratio = difflib.SequenceMatcher(None, before.body, after.body, autojunk=False).ratio()
            if ratio >= RENAME_SIMILARITY and (best is None or ratio > best[0]):
                best = (ratio, name)
        if best is not None:
            pairs.append((before, right.pop(best[1])))
    return pairs


# -- loosened conditions ----------------------------------------------------------------

_NEGATED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.In: ast.NotIn, ast.NotIn: ast.In,
}
_FLIPPED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE,
}


def conjuncts(expr: ast.expr, negate: bool = False) -> list[ast.expr]:
    """``expr`` (or ``not expr``) as a list of conditions that must all hold,
    each in a normal form: ``not`` pushed into comparisons, chains split,
    the constant of a comparison on the right."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return conjuncts(expr.operand, not negate)
    if isinstance(expr, ast.BoolOp):
        splits = isinstance(expr.op, ast.Or) if negate else isinstance(expr.op, ast.And)
        if splits:
            return [part for value in expr.values for part in conjuncts(value, negate)]
    if isinstance(expr, ast.Compare):
        operands = [expr.left, *expr.comparators]
        pairs = list(zip(operands, expr.ops, operands[1:], strict=False))
        if len(pairs) > 1 and negate:
            return [ast.UnaryOp(ast.Not(), expr)]
        out: list[ast.expr] = []
        for left, op, right in pairs:
            kind = type(op)
            if negate:
                kind = _NEGATED[kind]
            if _number(left) is not None and _number(right) is None and kind in _FLIPPED:
                left, right, kind = right, left, _FLIPPED[kind]
            out.append(ast.Compare(left, [kind()], [right]))
        return out
    return [ast.UnaryOp(ast.Not(), expr) if negate else expr]


def _number(expr: ast.expr) -> float | None:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
        inner = _number(expr.operand)
        return None if inner is None else (-inner if isinstance(expr.op, ast.USub) else inner)
    value = expr.value if isinstance(expr, ast.Constant) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass(frozen=True)
class Bound:
    """``subject > value`` and kin: a half-line of accepted values."""

    subject: str
    lower: bool
    value: float
    inclusive: bool

    def contains(self, other: Bound) -> bool:
        """Whether every value ``other`` accepts, this accepts too."""
        if self.lower:
            return self.value < other.value or (
                self.value == other.value and (self.inclusive or not other.inclusive))
        return self.value > other.value or (
            self.value == other.value and (self.inclusive or not other.inclusive))


def bound(expr: ast.expr) -> Bound | None:
    if not (isinstance(expr, ast.Compare) and len(expr.ops) == 1):
        return None
    value = _number(expr.comparators[0])
    op = type(expr.ops[0])
    if value is None or op not in _FLIPPED:
        return None
    return Bound(ast.unparse(expr.left), op in (ast.Gt, ast.GtE), value, op in (ast.GtE, ast.LtE))


def loosened(
    old: ast.expr, new: ast.expr, elsewhere: Iterable[ast.expr] = ()
) -> list[str] | None:
    """How ``new`` accepts more than ``old`` (one phrase per change), or
    ``None`` when it does not, or when that cannot be shown from the text.

    ``elsewhere`` are the other conditions the change added: a part of
    ``old`` about the same names as one of them may have moved there (``if a
    or b: raise`` split into two guards), so it does not count as lost.
    """
    before = {ast.unparse(c): c for c in conjuncts(old)}
    after = {ast.unparse(c): c for c in conjuncts(new)}
    left = {text: c for text, c in before.items() if text not in after}
    added = [c for text, c in after.items() if text not in before]
    changes: list[str] = []
    for condition in added:
        wide = bound(condition)
        match = None
        for text, previous in left.items():
            narrow = bound(previous)
            if wide is not None and narrow is not None and (wide.subject, wide.lower) == (
                    narrow.subject, narrow.lower):
                match = text
                break
        if match is None or wide is None:
            return None  # a condition that is new, not a widened one
        narrow = bound(left[match])
        assert narrow is not None
        if not wide.contains(narrow):
            return None  # narrowed: stricter, not looser
        if wide != narrow and not _moved(left[match], elsewhere):
            changes.append(f"'{match}' widened to '{ast.unparse(condition)}'")
        del left[match]
    changes += [f"'{text}' deleted" for text, c in left.items() if not _moved(c, elsewhere)]
    return changes or None


def _subjects(expr: ast.AST) -> set[str]:
    """The names a condition is about (``self`` only when it names nothing else)."""
    names = _root_names(expr)
    return names - _SELF or names


def _moved(part: ast.expr, elsewhere: Iterable[ast.expr]) -> bool:
    subjects = _subjects(part)
    return any(subjects & _subjects(other) for other in elsewhere)


def partner(condition: Condition, candidates: Iterable[Condition]) -> Condition | None:
    """The condition among ``candidates`` that ``condition`` most likely became:
    of the same role, on a parameter it named (or, for a decorator, the same
    decorator), the one whose text is most alike."""
    best: tuple[float, Condition] | None = None
    for other in candidates:
        if other.role != condition.role:
            continue
        if not (other.names & condition.names or (
                other.kind == condition.kind == "decorator" and other.callee == condition.callee)):
            continue
        ratio = difflib.SequenceMatcher(None, condition.text, other.text, autojunk=False).ratio()
        if best is None or ratio > best[0]:
            best = (ratio, other)
    return None if best is None else best[1]
