"""VBR203 unasserted-invariant: an invariant stated in words that nothing asserts."""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import InvariantRule
from vibrails.checks.shared.invariants import Claim


class UnassertedInvariant(InvariantRule):
    code = "VBR203"

    def _report(self, claim: Claim) -> None:
        text = claim.text if len(claim.text) <= 80 else claim.text[:77] + "..."
        self.report(
            claim.node,
            line_offset=claim.offset,
            text=text.replace("'", '"'),
            name=f"self.{claim.name}" if claim.attribute else claim.name,
        )

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        tracker = self.tracker
        facts = tracker.finish_class(node)
        if facts is None:
            return
        refs = facts.refs
        if "*" in refs:
            return
        for claim in [*facts.claims, *tracker.docstring_claims(facts)]:
            if claim.name not in refs:
                self._report(claim)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        tracker = self.tracker
        claims = tracker.function_claims.pop(id(node), None)
        if not claims:
            return
        refs = tracker.function_refs.get(id(node), set())
        for claim in claims:
            if claim.name not in refs:
                self._report(claim)

    def leave_Module(self, node: cst.Module) -> None:
        tracker = self.tracker
        for claim in tracker.module_claims:
            if claim.name not in tracker.module_refs:
                self._report(claim)
