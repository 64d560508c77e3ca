"""VBR304 mutable-default-argument: a default evaluated once and shared by every call.

The rule, and its safe fix (:func:`fix_source`, which ``vibrails check --fix``
and ``--diff`` apply through :mod:`vibrails.commands.fix`): the default
becomes ``None`` and the body starts, after its docstring, with
``if param is None: param = <original>``.
"""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.checks.shared.mutation import mutable_kind
from vibrails.checks.shared.names import params_of
from vibrails.checks.shared.positions import compute_spans
from vibrails.checks.shared.state import bound_names


class MutableDefaultArgument(Rule):
    code = "VBR304"

    def _check(self, function: str, params: cst.Parameters) -> None:
        names = self.context.names
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            default = param.default
            if default is None:
                continue
            callee = names.qualify(default.func) if isinstance(default, cst.Call) else None
            if callee is not None and callee in ("list", "dict", "set", "bytearray"):
                if callee in names.module_bindings:
                    continue  # a module-level name shadows the builtin
            kind = mutable_kind(default, callee)
            if kind is not None:
                self.report(default, param=param.name.value, function=function, kind=kind)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._check(f"'{node.name.value}'", node.params)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._check("a lambda", node.params)


# -- the fix ----------------------------------------------------------------------


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
