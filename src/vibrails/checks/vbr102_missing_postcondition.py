"""VBR102 missing-postcondition (opt-in): a public function returns a value nothing checks."""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.checks.shared.decorators import resolved_kinds
from vibrails.checks.shared.functions import contract_candidate, expression_names, if_raises

_NONE_RETURNS = frozenset({"None", "typing.NoReturn", "NoReturn", "typing.Never", "Never"})


class _Frame:
    __slots__ = ("checked", "node", "returns", "yields")

    def __init__(self, node: cst.FunctionDef) -> None:
        self.node = node
        self.returns: list[cst.Return] = []
        self.checked: set[str] = set()
        self.yields = False


class MissingPostcondition(Rule):
    code = "VBR102"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._frames: list[_Frame] = []

    def _frame(self) -> _Frame | None:
        scopes = self.context.scopes
        if self._frames and scopes and scopes[-1] is self._frames[-1].node:
            return self._frames[-1]
        return None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._frames.append(_Frame(node))

    def visit_Return(self, node: cst.Return) -> None:
        frame = self._frame()
        if frame is not None and node.value is not None:
            value = node.value
            if not (isinstance(value, cst.Name) and value.value == "None"):
                frame.returns.append(node)

    def visit_Yield(self, node: cst.Yield) -> None:
        frame = self._frame()
        if frame is not None:
            frame.yields = True

    def visit_Assert(self, node: cst.Assert) -> None:
        frame = self._frame()
        if frame is not None:
            frame.checked |= expression_names(node.test)

    def visit_If(self, node: cst.If) -> None:
        frame = self._frame()
        if frame is not None:
            raises, tests = if_raises(node)
            if raises:
                for test in tests:
                    frame.checked |= expression_names(test)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self._frames.pop()
        if not frame.returns or frame.yields:
            return
        returns = node.returns
        if returns is not None and self.context.names.qualify(returns.annotation) in _NONE_RETURNS:
            return
        facts = contract_candidate(self.context, node)  # scopes[-1] is still ``node``
        if facts is None or facts.property_getter or "post" in facts.kinds:
            return
        for ret in frame.returns:
            value = ret.value
            if isinstance(value, cst.Name) and value.value in frame.checked:
                return
        if "post" in resolved_kinds(self.context, facts):
            return
        self.report(
            node,
            end_node=node.name,
            what="method" if facts.method else "function",
            signature=facts.signature(),
        )
