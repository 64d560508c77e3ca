"""VBR103 unenforced-contract: a docstring states a contract that nothing enforces."""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import Rule
from vibrails.checks.shared.decorators import resolved_kinds
from vibrails.checks.shared.functions import DOC_CONTRACT, function_facts


class UnenforcedContract(Rule):
    code = "VBR103"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        facts = function_facts(self.context, node)
        if facts.stub or not facts.docstring:
            return
        stated = next(
            (line.strip() for line in facts.docstring.splitlines() if DOC_CONTRACT.match(line)),
            None,
        )
        if stated is None or facts.kinds or facts.guards:
            return
        if resolved_kinds(self.context, facts):
            return
        if len(stated) > 80:
            stated = stated[:77] + "..."
        self.report(
            node,
            end_node=node.name,
            what="method" if facts.method else "function",
            signature=facts.signature(),
            stated=stated,
        )
