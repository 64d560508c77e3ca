"""VBR104 assert-only-contract (opt-in): the only precondition is an ``assert``."""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.checks.shared.decorators import resolved_kinds
from vibrails.checks.shared.functions import contract_candidate


class AssertOnlyContract(Rule):
    code = "VBR104"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        facts = contract_candidate(self.context, node)
        if facts is None or not facts.params or facts.kinds & {"pre", "check"}:
            return
        asserts = [g for g in facts.guards if g.kind == "assert" and g.names_param]
        if not asserts or any(g.kind != "assert" and g.names_param for g in facts.guards):
            return
        if resolved_kinds(self.context, facts) & {"pre", "check"}:
            return
        first = asserts[0].node
        assert isinstance(first, cst.Assert)
        test = self.context.module.code_for_node(first.test)
        test = " ".join(test.split())
        if len(test) > 60:
            test = test[:57] + "..."
        self.report(
            node,
            end_node=node.name,
            what="method" if facts.method else "function",
            signature=facts.signature(),
            test=test,
        )
