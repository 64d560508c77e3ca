"""What ``vibrails verify`` verifies in one file: its contracted functions, read, never run.

A *target* is a public function or method of a tagged file that has
something to break:

* a postcondition: icontract ``ensure``, deal ``post``/``ensure``, or an
  ``assert`` in its body on the result (a name it returns) or, in a method,
  on the state it changed (``self`` after a store into it); an assert that
  reads only the input as it came in checks the input (it refuses), and
  any other assert is not judged;
* for a method, its class's invariants: icontract ``invariant``, deal
  ``inv``, or an invariant method (``invariants.methods``, taking ``self``
  only), checked after the call; the constructor too, for the object it
  makes.

Its preconditions (icontract ``require``, deal ``pre``, guard clauses
``if …: raise`` and entry ``assert``s on a parameter, validator calls:
VBR101's definition, read by :mod:`vibrails.checks.shared.guardrails`) say
which inputs count: an input they refuse is never a counterexample.

Everything here is plain data (JSON for the worker and the cache); the
worker (:mod:`vibrails.verify.probe`) turns it into calls.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from vibrails.checks.shared.contract_tables import CLASS_INVARIANTS, FUNCTION_CONTRACTS
from vibrails.checks.shared.guardrails import Condition, guardrails_of, qualify
from vibrails.checks.shared.guardrails import aliases as file_aliases

#: Decorators by qualified name → (library, role) of the condition they take.
_CONDITION_DECORATORS: Mapping[str, tuple[str, str]] = {
    "icontract.require": ("icontract", "pre"),
    "icontract.ensure": ("icontract", "post"),
    "deal.pre": ("deal", "pre"),
    "deal.post": ("deal-post", "post"),
    "deal.ensure": ("deal", "post"),
    "icontract.invariant": ("icontract", "inv"),
    "deal.inv": ("icontract", "inv"),  # both call the condition with `self`
}
#: Method decorators that make a method no target (it is not called on an instance).
_NOT_CALLED_ON_SELF = frozenset({"classmethod", "property", "cached_property",
                                 "functools.cached_property", "abc.abstractmethod",
                                 "abstractmethod", "typing.overload", "overload"})


@dataclass(frozen=True)
class Cond:
    """One condition, as the worker evaluates it."""

    #: ``pre`` (refuses inputs), ``post`` (after the call), ``inv`` (on the object
    #: after it), ``snapshot`` (icontract's ``OLD.<text>``, taken before the call).
    role: str
    #: How it is called: ``icontract`` (the callable's parameters by name, with
    #: ``result``), ``deal`` (the call's arguments, with ``result=``),
    #: ``deal-post`` (the result alone), ``expr`` (an expression over the
    #: parameters), ``call`` (a statement that raises to refuse).
    style: str
    #: The callable (``icontract``/``deal``) or the expression/statement.
    source: str
    #: As a message quotes it: ``result >= 0``, ``assert r <= hi``.
    text: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Param:
    name: str
    #: ``positional``, ``keyword`` (keyword-only), ``star`` (``*args``), ``starstar``.
    kind: str
    annotated: bool
    has_default: bool


@dataclass(frozen=True)
class Target:
    """A function or method to verify, and everything its verification depends on."""

    qualname: str
    #: The class of a method (``None`` for a function).
    owner: str | None
    name: str
    #: ``function``, ``method``, ``static`` or ``init`` (a constructor, judged by
    #: the invariants of the object it makes).
    kind: str
    #: The span of ``def name`` (0-based columns, as :func:`make_finding` takes them).
    span: tuple[int, int, int, int]
    first_line: int
    last_line: int
    params: tuple[Param, ...]
    conditions: tuple[Cond, ...]
    #: Lines of the ``assert`` statements in its body after its entry checks
    #: (an ``AssertionError`` raised there is a broken postcondition).
    asserts: Mapping[int, str] = field(default_factory=dict)
    #: Lines of the asserts deeper in its body that still check only its
    #: input (``if name is None: assert plugin is not None``): one that fails
    #: refuses the input, as a precondition does.
    checks: tuple[int, ...] = ()
    #: Invariant methods of its class, called after the method.
    invariant_methods: tuple[str, ...] = ()
    #: Lines of the asserts inside the invariant methods.
    invariant_asserts: Mapping[int, str] = field(default_factory=dict)
    #: ``(first line, last line, name)`` of each invariant method: an exception
    #: raised in one, called from the target itself, is a broken invariant.
    invariant_spans: tuple[tuple[int, int, str], ...] = ()
    #: What the cached result depends on: the function's source, its class's
    #: source (invariants, ``__init__``, the methods it calls) and the module's imports.
    digest: str = ""

    @property
    def typed(self) -> bool:
        """Whether every parameter without a default has a type hint (the
        values to draw); a function without them is skipped, not guessed at."""
        return all(p.annotated or p.has_default for p in self.params)

    @property
    def checked(self) -> bool:
        """Whether it has something to break."""
        return bool(self.asserts or self.invariant_methods
                    or any(c.role in ("post", "inv") for c in self.conditions))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["asserts"] = {str(k): v for k, v in self.asserts.items()}
        data["invariant_asserts"] = {str(k): v for k, v in self.invariant_asserts.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Target:
        return cls(
            qualname=data["qualname"], owner=data["owner"], name=data["name"], kind=data["kind"],
            span=(data["span"][0], data["span"][1], data["span"][2], data["span"][3]),
            first_line=data["first_line"], last_line=data["last_line"],
            params=tuple(Param(**p) for p in data["params"]),
            conditions=tuple(Cond(**c) for c in data["conditions"]),
            asserts={int(k): v for k, v in data["asserts"].items()},
            checks=tuple(data["checks"]),
            invariant_methods=tuple(data["invariant_methods"]),
            invariant_asserts={int(k): v for k, v in data["invariant_asserts"].items()},
            invariant_spans=tuple((a, b, c) for a, b, c in data["invariant_spans"]),
            digest=data["digest"],
        )


def test_path(path: str) -> bool:
    """Whether ``path`` is test code (``test_*.py``, ``*_test.py``,
    ``conftest.py``, or under a ``tests``/``test`` folder): its asserts test
    other code, they are not its contract."""
    parts = path.replace("\\", "/").split("/")
    base = parts[-1]
    return (base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"
            or any(part in ("tests", "test") for part in parts[:-1]))


def find_targets(source: str, settings: Mapping[str, Any]) -> list[Target]:
    """The targets of one file (module-level functions and the public methods
    of module-level classes), in source order; none when it does not parse.
    Test functions (``test_*``) and test classes (``Test*``) are none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found = guardrails_of(tree, settings)
    if found is None:
        return []
    lines = source.splitlines()
    imports = "\n".join(ast.unparse(node) for node in tree.body
                        if isinstance(node, (ast.Import, ast.ImportFrom)))
    aliases = file_aliases(tree)
    invariant_names = set((settings.get("invariants") or {}).get("methods") or ())
    targets: list[Target] = []
    for node in tree.body:
        if (isinstance(node, ast.ClassDef) and node.name.startswith("Test")) or (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.name.startswith("test")):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            target = _function(node, None, found.functions[node.name].conditions, (), {},
                               aliases, lines, imports, "")
            if target is not None:
                targets.append(target)
        elif isinstance(node, ast.ClassDef):
            targets += _methods(node, found, aliases, invariant_names, lines, imports)
    return [t for t in targets if t.checked]


def _methods(node: ast.ClassDef, found: Any, aliases: Mapping[str, str],
             invariant_names: set[str], lines: list[str], imports: str) -> list[Target]:
    if any(qualify(d, aliases) in ("typing.Protocol", "enum.Enum") for d in node.bases):
        return []
    facts = found.classes[node.name]
    invariants = tuple(_decorator_cond(d, aliases) for d in node.decorator_list
                       if qualify(d, aliases) in CLASS_INVARIANTS)
    # An invariant method checks the object alone (``self``, no other parameter).
    inv_methods = tuple(
        statement.name for statement in node.body
        if isinstance(statement, ast.FunctionDef) and statement.name in facts.invariant_methods
        and len([*statement.args.posonlyargs, *statement.args.args]) == 1
        and not statement.args.kwonlyargs)
    inv_asserts: dict[int, str] = {}
    inv_spans: list[tuple[int, int, str]] = []
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and statement.name in inv_methods:
            inv_asserts.update({line: text for line, (text, _) in
                                _assert_nodes(statement.body).items()})
            inv_spans.append((statement.lineno, statement.end_lineno or statement.lineno,
                              statement.name))
    class_source = _text(lines, node)
    out: list[Target] = []
    for statement in node.body:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        name = statement.name
        if name == "__init__" and not (invariants or inv_methods):
            continue  # a constructor is judged by the invariants it must establish
        if (name.startswith("_") and name != "__init__") or name in inv_methods:
            continue
        decorators = {qualify(d, aliases) or "" for d in statement.decorator_list}
        if decorators & _NOT_CALLED_ON_SELF or any(d.endswith((".setter", ".deleter"))
                                                   for d in decorators):
            continue
        static = "staticmethod" in decorators
        qualname = f"{node.name}.{name}"
        own = found.functions.get(qualname)
        conditions = own.conditions if own is not None else []
        target = _function(statement, node.name, conditions,
                           () if static else tuple(c for c in invariants if c is not None),
                           {} if static else inv_asserts, aliases, lines, imports, class_source,
                           () if static else inv_methods)
        if target is not None:
            if name == "__init__":
                target = replace(target, kind="init")
            out.append(replace(target, invariant_spans=tuple(inv_spans)) if not static
                       else target)
    return out


def _function(node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None,
              conditions: list[Condition], invariants: tuple[Cond, ...],
              inv_asserts: Mapping[int, str], aliases: Mapping[str, str], lines: list[str],
              imports: str, class_source: str,
              inv_methods: tuple[str, ...] = ()) -> Target | None:
    if isinstance(node, ast.AsyncFunctionDef) or (owner is None and node.name.startswith("_")):
        return None
    if any(_yields(inner) for inner in ast.walk(node)):
        return None  # a generator's result is not its values
    decorators = {qualify(d, aliases) or "" for d in node.decorator_list}
    static = "staticmethod" in decorators
    kind = "function" if owner is None else ("static" if static else "method")
    params = _params(node.args, skip_first=kind == "method")
    conds: list[Cond] = []
    entry_lines: set[int] = set()
    local = _locals(node)
    for condition in conditions:
        if condition.kind in ("assert", "guard") and condition.accepts is not None and (
                _names(condition.accepts) & local):
            continue  # it reads the function's own state: a check of its work, not of its input
        converted = _convert(condition, node, aliases)
        if converted is not None:
            conds.append(converted)
            if condition.kind == "assert":
                entry_lines.add(condition.span[0])
    conds += [snapshot for snapshot in map(lambda d: _snapshot(d, aliases),
                                           node.decorator_list) if snapshot is not None]
    conds += invariants
    statements = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
    asserts: dict[int, str] = {}
    checks: list[int] = []
    first_store = _first_stores(node)
    params_here = {a.arg for a in [*node.args.posonlyargs, *node.args.args,
                                   *node.args.kwonlyargs]}
    returned = _returned_names(node)
    for line, (text, test) in _assert_nodes(statements).items():
        if line in entry_lines:
            continue
        names = _names(test)
        if _checks_input(test, line, params_here, local, first_store):
            checks.append(line)  # deeper in, on the input still: it refuses, not breaks
        elif names & returned or ("self" in names and first_store.get("self", line) < line):
            asserts[line] = text  # on the result, or on the state it changed: a postcondition
        # else: a check of something else (a lookup, a helper's answer): not its contract
    keyword = "def"
    span = (node.lineno, node.col_offset, node.lineno, node.col_offset + len(keyword) + 1
            + len(node.name))
    digest = hashlib.sha256(json.dumps(
        [_text(lines, node), class_source, imports], ensure_ascii=False).encode()).hexdigest()
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return Target(
        qualname=node.name if owner is None else f"{owner}.{node.name}", owner=owner,
        name=node.name, kind=kind, span=span, first_line=first,
        last_line=node.end_lineno or node.lineno, params=params, conditions=tuple(conds),
        asserts=asserts, checks=tuple(sorted(checks)), invariant_methods=inv_methods,
        invariant_asserts=dict(inv_asserts), digest=digest,
    )


def _convert(condition: Condition, node: ast.FunctionDef, aliases: Mapping[str, str]) -> Cond | None:
    line, col, end_line, end_col = condition.span
    if condition.kind == "decorator":
        for decorator in node.decorator_list:
            if decorator.lineno == line and decorator.col_offset == col:
                return _decorator_cond(decorator, aliases)
        return None
    if condition.kind == "guard" and condition.accepts is not None:
        test = condition.accepts.operand if isinstance(condition.accepts, ast.UnaryOp) else None
        if test is None:
            return None
        return Cond("pre", "expr", f"not ({ast.unparse(test)})", condition.text, line, col,
                    end_line, end_col)
    if condition.kind == "assert" and condition.accepts is not None:
        return Cond("pre", "expr", ast.unparse(condition.accepts), condition.text, line, col,
                    end_line, end_col)
    if condition.kind == "validator":
        return Cond("pre", "call", condition.text, condition.text, line, col, end_line, end_col)
    return None


def _decorator_cond(decorator: ast.expr, aliases: Mapping[str, str]) -> Cond | None:
    callee = qualify(decorator, aliases) or ""
    known = _CONDITION_DECORATORS.get(callee)
    if known is None or not isinstance(decorator, ast.Call) or not decorator.args:
        return None  # pydantic, beartype…: type checks, nothing to violate here
    style, role = known
    argument = decorator.args[0]
    text = ast.unparse(argument.body if isinstance(argument, ast.Lambda) else argument)
    end_line = decorator.end_lineno or decorator.lineno
    end_col = decorator.end_col_offset or decorator.col_offset + 1
    return Cond(role, style, ast.unparse(argument), text, decorator.lineno,
                max(decorator.col_offset - 1, 0), end_line, end_col)


def _snapshot(decorator: ast.expr, aliases: Mapping[str, str]) -> Cond | None:
    """``@icontract.snapshot(capture, name=…)``: what ``OLD.<name>`` holds in
    a postcondition (role ``snapshot``, its name as the text)."""
    if qualify(decorator, aliases) != "icontract.snapshot" or not isinstance(
            decorator, ast.Call) or not decorator.args:
        return None
    capture = decorator.args[0]
    name = next((k.value.value for k in decorator.keywords if k.arg == "name"
                 and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)), None)
    if name is None and len(decorator.args) > 1 and isinstance(decorator.args[1], ast.Constant):
        name = decorator.args[1].value if isinstance(decorator.args[1].value, str) else None
    if name is None and isinstance(capture, ast.Lambda) and len(capture.args.args) == 1:
        name = capture.args.args[0].arg  # icontract's default: the one argument's name
    if name is None:
        return None
    end_line = decorator.end_lineno or decorator.lineno
    return Cond("snapshot", "icontract", ast.unparse(capture), name, decorator.lineno,
                max(decorator.col_offset - 1, 0), end_line,
                decorator.end_col_offset or decorator.col_offset + 1)


def _params(args: ast.arguments, skip_first: bool) -> tuple[Param, ...]:
    positional = [*args.posonlyargs, *args.args]
    defaults = len(args.defaults)
    out: list[Param] = []
    for index, arg in enumerate(positional):
        if skip_first and index == 0:
            continue
        out.append(Param(arg.arg, "positional", arg.annotation is not None,
                         index >= len(positional) - defaults))
    if args.vararg is not None:
        out.append(Param(args.vararg.arg, "star", args.vararg.annotation is not None, True))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(Param(arg.arg, "keyword", arg.annotation is not None, default is not None))
    if args.kwarg is not None:
        out.append(Param(args.kwarg.arg, "starstar", args.kwarg.annotation is not None, True))
    return tuple(out)


def _assert_nodes(statements: list[ast.stmt]) -> dict[int, tuple[str, ast.expr]]:
    """``assert`` statements anywhere in ``statements`` (nested functions and
    classes excluded): line → (text, test)."""
    found: dict[int, tuple[str, ast.expr]] = {}
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assert):
            found[node.lineno] = (f"assert {ast.unparse(node.test)}", node.test)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _returned_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names read by the function's ``return`` values (nested scopes excluded)."""
    found: set[str] = set()
    stack: list[ast.AST] = list(node.body)
    while stack:
        inner = stack.pop()
        if isinstance(inner, ast.Return) and inner.value is not None:
            found |= _names(inner.value)
        elif not isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                    ast.Lambda)):
            stack.extend(ast.iter_child_nodes(inner))
    return found


def _first_stores(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, int]:
    """The first line each name is assigned on in the function (``self`` for a
    store into an attribute or item of ``self``)."""
    first: dict[str, int] = {}
    for inner in ast.walk(node):
        line = getattr(inner, "lineno", None)
        if line is None:
            continue
        name = None
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
            name = inner.id
        elif isinstance(inner, (ast.Attribute, ast.Subscript)) and isinstance(
                inner.ctx, (ast.Store, ast.Del)):
            root = inner.value
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                name = root.id
        if name is not None and line < first.get(name, line + 1):
            first[name] = line
    return first


def _checks_input(test: ast.expr, line: int, params: set[str], local: set[str],
                  first_store: Mapping[str, int]) -> bool:
    """Whether an assert on ``line`` reads only the input as it came in: the
    parameters (``self`` included), not yet given another value, and no
    variable of the function's own."""
    names = _names(test)
    if names & local:
        return False
    read = names & params
    return bool(read) and all(first_store.get(name, line + 1) > line for name in read)


def _locals(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names the function assigns (its parameters excluded)."""
    found: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
            found.add(inner.id)
    args = node.args
    found -= {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    return found


def _names(node: ast.AST) -> set[str]:
    return {inner.id for inner in ast.walk(node) if isinstance(inner, ast.Name)}


def _yields(node: ast.AST) -> bool:
    return isinstance(node, (ast.Yield, ast.YieldFrom))


def _is_docstring(statement: ast.stmt) -> bool:
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))


def _text(lines: list[str], node: ast.AST) -> str:
    first = min([getattr(node, "lineno", 1),
                 *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "\n".join(lines[first - 1:getattr(node, "end_lineno", first) or first])


__all__ = ["FUNCTION_CONTRACTS", "Cond", "Param", "Target", "find_targets", "test_path"]
