"""Safe autofixes (``vibrails check --fix`` / ``--diff``).

One fix today, VBR304's: a mutable default becomes ``None`` and the body
starts (after its docstring) with ``if param is None: param = <original>``,
written with libcst so comments and formatting elsewhere are untouched.

A file is fixed only where its check reported an unsuppressed VBR304 finding
(so only tagged files and tagged lines), never a lambda (no room for a
statement), and never if it changed during the run: the file is read again
and checked again, and fixed only when that check reports exactly the
findings of the run; the bytes are compared once more just before writing.
Fixing twice changes nothing: a ``None`` default is not a finding.
"""

from __future__ import annotations

import difflib
import io
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from vibrails.checks.shared.names import params_of
from vibrails.checks.shared.state import bound_names
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding
from vibrails.core.selection import Selection
from vibrails.core.source import decode
from vibrails.discover import Discovered
from vibrails.engine.positions import compute_spans
from vibrails.engine.run import check_file

#: The rules with a safe fix: ``fixable = true`` in their catalogue entry.
FIXABLE = frozenset(code for code, info in load_catalogue().items() if info.fixable)


@dataclass
class FixOutcome:
    """What fixing did: the findings left, the diff, how many were fixed."""

    findings: list[Finding]
    diff: str = ""
    fixed: int = 0
    files: int = 0
    messages: list[str] = field(default_factory=list)


class _DefaultFixer(cst.CSTTransformer):
    """Rewrite the mutable defaults that start at the given (line, column) positions."""

    def __init__(self, targets: dict[int, str]) -> None:
        super().__init__()
        #: id(default node) → parameter name
        self.targets = targets
        self.fixed = 0

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        fixes: list[tuple[str, cst.BaseExpression]] = []

        local = _local_names(original)

        def fix_param(param: cst.Param) -> cst.Param:
            default = param.default
            if default is None or id(default) not in self.targets:
                return param
            if _names_in(default) & local:
                return param  # the default reads a name the body rebinds: not safe to move
            fixes.append((param.name.value, default))
            annotation = param.annotation
            if annotation is not None and not _allows_none(annotation.annotation):
                annotation = annotation.with_changes(
                    annotation=cst.BinaryOperation(
                        left=annotation.annotation,
                        operator=cst.BitOr(),
                        right=cst.Name("None"),
                    )
                )
            return param.with_changes(default=cst.Name("None"), annotation=annotation)

        params = original.params
        new_params = params.with_changes(
            posonly_params=[fix_param(p) for p in params.posonly_params],
            params=[fix_param(p) for p in params.params],
            kwonly_params=[fix_param(p) for p in params.kwonly_params],
        )
        if not fixes:
            return updated
        body = updated.body
        if isinstance(body, cst.SimpleStatementSuite):
            # ``def f(x=[]): return x`` — make the one-line body a block.
            body = cst.IndentedBlock(
                header=body.trailing_whitespace,
                body=[cst.SimpleStatementLine(body=list(body.body))],
            )
        statements = list(body.body)
        insert_at = 1 if statements and _is_docstring(statements[0]) else 0
        guards = [_guard(name, default) for name, default in fixes]
        statements[insert_at:insert_at] = guards
        self.fixed += len(fixes)
        return updated.with_changes(params=new_params, body=body.with_changes(body=statements))


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Names())
    return found


def _local_names(function: cst.FunctionDef) -> set[str]:
    """Parameters and names bound in the body: a moved default must not read them."""
    names = {p.name.value for p in params_of(function.params)}

    class Bindings(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                names.update(_names_in(target.target))

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            names.update(_names_in(node.target))

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            names.update(_names_in(node.target))

        def visit_For(self, node: cst.For) -> None:
            names.update(_names_in(node.target))

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            names.update(_names_in(node.target))

        def visit_WithItem(self, node: cst.WithItem) -> None:
            if node.asname is not None:
                names.update(_names_in(node.asname.name))

        def visit_Import(self, node: cst.Import) -> None:
            names.update(bound_names(node))

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            names.update(bound_names(node))

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            names.add(node.name.value)
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            names.add(node.name.value)
            return False

        def visit_Global(self, node: cst.Global) -> None:
            names.update(item.name.value for item in node.names)

    function.body.visit(Bindings())
    return names


def _guard(name: str, default: cst.BaseExpression) -> cst.If:
    """``if name is None:`` / ``    name = default``."""
    return cst.If(
        test=cst.Comparison(
            left=cst.Name(name),
            comparisons=[cst.ComparisonTarget(operator=cst.Is(), comparator=cst.Name("None"))],
        ),
        body=cst.IndentedBlock(
            body=[
                cst.SimpleStatementLine(
                    body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=default)]
                )
            ]
        ),
    )


def _is_docstring(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return isinstance(small, cst.Expr) and isinstance(
        small.value, (cst.SimpleString, cst.ConcatenatedString)
    )


def _allows_none(annotation: cst.BaseExpression) -> bool:
    """Whether an annotation already admits ``None`` (``X | None``, ``Optional[X]``, ``Any``)."""
    if isinstance(annotation, cst.Name) and annotation.value in ("None", "Any", "object"):
        return True
    if isinstance(annotation, cst.Attribute) and annotation.attr.value in ("Any",):
        return True
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return _allows_none(annotation.left) or _allows_none(annotation.right)
    if isinstance(annotation, cst.Subscript):
        head = annotation.value
        name = head.value if isinstance(head, cst.Name) else (
            head.attr.value if isinstance(head, cst.Attribute) else "")
        if name == "Optional":
            return True
        if name == "Union":
            return any(
                isinstance(e.slice, cst.Index) and _allows_none(e.slice.value)
                for e in annotation.slice
            )
    if isinstance(annotation, cst.SimpleString):
        return True  # a string annotation is left as it is
    return False


def fix_source(source: str, positions: set[tuple[int, int]]) -> tuple[str, int]:
    """Fix the VBR304 defaults starting at ``positions`` (1-based line, column).

    Returns the new source and the number of defaults fixed; defaults of
    lambdas are left alone.
    """
    module = cst.parse_module(source)
    defaults: list[tuple[cst.BaseExpression, str]] = []

    lambda_defaults: set[int] = set()

    class Collect(cst.CSTVisitor):
        def visit_Param(self, node: cst.Param) -> None:
            if node.default is not None:
                defaults.append((node.default, node.name.value))

        def visit_Lambda(self, node: cst.Lambda) -> None:
            for param in (*node.params.posonly_params, *node.params.params,
                          *node.params.kwonly_params):
                if param.default is not None:
                    lambda_defaults.add(id(param.default))

    module.visit(Collect())
    spans = compute_spans(module, [d for d, _ in defaults])
    targets: dict[int, str] = {}
    for default, name in defaults:
        line, col, _, _ = spans[id(default)]
        if (line, col + 1) in positions and id(default) not in lambda_defaults:
            targets[id(default)] = name
    if not targets:
        return source, 0
    fixer = _DefaultFixer(targets)
    new_module = module.visit(fixer)
    return new_module.code, fixer.fixed


def apply_fixes(
    items: Sequence[Discovered],
    findings: list[Finding],
    settings: Mapping[str, Any],
    selection: Selection,
    *,
    write: bool,
) -> FixOutcome:
    """Fix what can be fixed among ``findings``; return what is left.

    With ``write=False`` nothing is written and ``diff`` holds the unified
    diff of every file that would change.
    """
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    outcome = FixOutcome(findings=[])
    diffs: list[str] = []
    remaining: dict[str, list[Finding]] = dict(by_path)
    for item in items:
        mine = by_path.get(item.display, [])
        positions = {
            (f.line, f.column) for f in mine if f.code in FIXABLE and f.suppressed is None
        }
        if not positions:
            continue
        try:
            data = item.path.read_bytes()
            source = decode(data)
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
            outcome.messages.append(f"{item.display}: not fixed: cannot read it again")
            continue
        again = check_file(item, settings, selection)
        if sorted(_key(f) for f in again.findings) != sorted(_key(f) for f in mine):
            outcome.messages.append(f"{item.display}: not fixed: the file changed during the run")
            continue
        new_source, count = fix_source(source, positions)
        if count == 0 or new_source == source:
            continue
        newline_data = new_source.encode(_encoding_of(data))
        if not write:
            diffs.append(_unified(item.display, source, new_source))
            outcome.fixed += count
            outcome.files += 1
            continue
        try:
            if item.path.read_bytes() != data:
                outcome.messages.append(
                    f"{item.display}: not fixed: the file changed during the run"
                )
                continue
            item.path.write_bytes(newline_data)
        except OSError as exc:
            outcome.messages.append(f"{item.display}: not fixed: {exc.strerror or exc}")
            continue
        outcome.fixed += count
        outcome.files += 1
        remaining[item.display] = check_file(item, settings, selection).findings
    outcome.findings = sorted(
        (f for group in remaining.values() for f in group), key=lambda f: f.sort_key
    )
    outcome.diff = "".join(diffs)
    return outcome


def _key(finding: Finding) -> tuple[Any, ...]:
    return (finding.code, finding.line, finding.column, finding.end_line, finding.end_column,
            finding.fingerprint, finding.suppressed, finding.line_hash)


def _encoding_of(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def _unified(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    return text
