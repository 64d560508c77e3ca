"""VBR101 missing-contract: a public function relies on an unchecked assumption.

With ``contracts.scope = "implied"`` (the default) a function is reported
only where its body relies on a parameter in a way that fails silently when
the assumption does not hold (see :mod:`vibrails.checks.shared.implied`); with ``"public"``
every public function with parameters and no contract is reported.

In the implied scope the rule follows the engine's walk: each candidate
function's body gets a :class:`~vibrails.checks.shared.implied.Body` that sees the body's
nodes as the walk passes them (a nested function, class or lambda, and a
function's own decorators and defaults, are behind a barrier), and the
function is decided when the walk leaves its body.
"""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.checks.shared.decorators import resolved_kinds
from vibrails.checks.shared.functions import (
    DOC_CONTRACT,
    FunctionFacts,
    contract_candidate,
    example_condition,
)
from vibrails.checks.shared.implied import Body, framework_validated, is_delegator, tracked_params


class MissingContract(Rule):
    code = "VBR101"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        contracts = self.context.settings.get("contracts", {})
        self.public_scope = contracts.get("scope", "implied") == "public"
        #: ``(id of the node that opened it, the body being followed or None)``,
        #: innermost last.
        self.frames: list[tuple[int, Body | None]] = []
        #: Bodies of candidate functions, by the ``id`` of their body block.
        self.pending: dict[int, tuple[cst.FunctionDef, FunctionFacts, Body]] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.append((id(node), None))  # decorators, defaults: not the body
        facts = contract_candidate(self.context, node)
        if facts is None or not facts.params or facts.has_contract:
            return
        if facts.docstring and any(
            DOC_CONTRACT.match(line) for line in facts.docstring.splitlines()
        ):
            return  # a contract stated in words: VBR103's finding, not a second one
        if self.public_scope:
            self._public(node, facts)
        elif not framework_validated(self.context.names, facts) and not is_delegator(node):
            tracked = tracked_params(self.context, facts)
            if tracked:
                self.pending[id(node.body)] = (node, facts, Body(self.context, facts, tracked))

    def _public(self, node: cst.FunctionDef, facts: FunctionFacts) -> None:
        if resolved_kinds(self.context, facts):
            return
        param, condition = example_condition(facts, self.context)
        self.report(
            node,
            end_node=node.name,
            message_key="public",
            what="method" if facts.method else "function",
            signature=facts.signature(),
            param=param,
            condition=condition,
        )

    # -- the scopes the walk enters and leaves -----------------------------------

    def _barrier(self, node: cst.CSTNode) -> None:
        self.frames.append((id(node), None))

    def _leave(self, node: cst.CSTNode) -> None:
        if self.frames and self.frames[-1][0] == id(node):
            self.frames.pop()

    visit_ClassDef = visit_Lambda = _barrier
    leave_FunctionDef = leave_ClassDef = leave_Lambda = _leave

    def _enter_block(self, node: cst.BaseSuite) -> None:
        pending = self.pending.get(id(node))
        if pending is not None:
            self.frames.append((id(node), pending[2]))

    def _leave_block(self, node: cst.BaseSuite) -> None:
        pending = self.pending.pop(id(node), None)
        if pending is not None:
            self._leave(node)
            self._decide(*pending)

    visit_IndentedBlock = visit_SimpleStatementSuite = _enter_block
    leave_IndentedBlock = leave_SimpleStatementSuite = _leave_block

    def _see(self, node: cst.CSTNode) -> None:
        if self.frames:
            body = self.frames[-1][1]
            if body is not None:
                body.see(node)

    visit_Global = visit_Assign = visit_AnnAssign = visit_AugAssign = _see
    visit_For = visit_CompFor = visit_NamedExpr = visit_Assert = _see
    visit_If = visit_While = visit_IfExp = visit_CompIf = _see
    visit_Call = visit_Subscript = visit_BinaryOperation = visit_Comparison = _see

    def _decide(self, node: cst.FunctionDef, facts: FunctionFacts, body: Body) -> None:
        context = self.context
        reliances = body.reliances()
        if not reliances:
            return
        if context.entry_points.covers(context.scopes, False):
            return  # scripts and the functions a __main__ block runs take raw input
        if resolved_kinds(context, facts):
            return
        first = reliances[0]
        self.report(
            node,
            end_node=node.name,
            related=first.node,
            what="method" if facts.method else "function",
            signature=facts.signature(),
            param=first.param,
            condition=first.condition,
            use=first.use,
            consequence=first.consequence,
        )
