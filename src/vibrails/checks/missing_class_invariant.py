"""VBR201 missing-class-invariant: a stateful class declares no invariant."""

from __future__ import annotations

import libcst as cst

from vibrails.contracts import InvariantRule


class MissingClassInvariant(InvariantRule):
    code = "VBR201"

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        facts = self.tracker.finish_class(node)
        if facts is None or not facts.stateful or facts.declares_invariant:
            return
        names = [f"'{m.name}'" for m in facts.mutators]
        if len(names) > 5:
            shown = ", ".join(names[:5]) + f" and {len(names) - 5} more"
        elif len(names) > 1:
            shown = ", ".join(names[:-1]) + " and " + names[-1]
        else:
            shown = names[0]
        self.report(
            node,
            end_node=node.name,
            cls=facts.name,
            methods=shown,
            verb="changes" if len(names) == 1 else "change",
        )
