"""VBR101 missing-contract: a public function with parameters and no pre/postcondition."""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.contracts import (
    DOC_CONTRACT,
    contract_candidate,
    example_condition,
    resolved_kinds,
)


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
        if resolved_kinds(self.context, facts):
            return
        param, condition = example_condition(facts, self.context)
        self.report(
            node,
            end_node=node.name,
            what="method" if facts.method else "function",
            signature=facts.signature(),
            param=param,
            condition=condition,
        )
