"""VBR101 missing-contract: a public function relies on an unchecked assumption.

With ``contracts.scope = "implied"`` (the default) a function is reported
only where its body relies on a parameter in a way that fails silently when
the assumption does not hold (see :mod:`vibrails.implied`); with ``"public"``
every public function with parameters and no contract is reported.
"""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.contracts import (
    DOC_CONTRACT,
    FunctionFacts,
    contract_candidate,
    example_condition,
    resolved_kinds,
)
from vibrails.implied import framework_validated, implied_preconditions, is_delegator


class MissingContract(Rule):
    code = "VBR101"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        facts = contract_candidate(self.context, node)
        if facts is None or not facts.params or facts.has_contract:
            return
        if facts.docstring and any(
            DOC_CONTRACT.match(line) for line in facts.docstring.splitlines()
        ):
            return  # a contract stated in words: VBR103's finding, not a second one
        if self.context.settings.get("contracts", {}).get("scope", "implied") == "public":
            self._public(node, facts)
        else:
            self._implied(node, facts)

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

    def _implied(self, node: cst.FunctionDef, facts: FunctionFacts) -> None:
        context = self.context
        if context.entry_points.covers(context.scopes, False):
            return  # scripts and the functions a __main__ block runs take raw input
        if framework_validated(context.names, facts) or is_delegator(node):
            return
        reliances = implied_preconditions(context, facts)
        if not reliances or resolved_kinds(context, facts):
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
