"""VBR201 missing-class-invariant: a stateful class declares no invariant.

Reported where an invariant has something to hold: a public method changes
a count or amount of the instance arithmetically (``self.tokens -= 1``,
``self.balance = self.balance + x``). Classes whose state is bookkeeping with
no numeric relation to keep (a parser's cursor over text, a GUI's widgets, a
syntax-tree visitor's findings) and test doubles (``Fake…``, ``Mock…``,
``Stub…``, ``Dummy…``, and classes in test files) are not reported. ``invariants.scope = "stateful"`` reports every stateful
class, as earlier versions did.
"""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import InvariantRule
from vibrails.checks.shared.functions import test_file
from vibrails.checks.shared.invariants import ClassFacts

_DOUBLES = ("Fake", "Mock", "Stub", "Dummy", "Spy")
_ARITHMETIC = (cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign)


class MissingClassInvariant(InvariantRule):
    code = "VBR201"

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        facts = self.tracker.finish_class(node)
        if facts is None or not facts.stateful or facts.declares_invariant:
            return
        scope = self.context.settings.get("invariants", {}).get("scope", "arithmetic")
        if scope == "arithmetic" and not self._has_invariant_to_hold(node, facts):
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

    def _has_invariant_to_hold(self, node: cst.ClassDef, facts: ClassFacts) -> bool:
        if node.name.value.startswith(_DOUBLES) or test_file(self.context.path):
            return False
        for method in facts.mutators:
            if method.name.startswith(("visit_", "leave_")):
                return False  # a syntax-tree visitor collecting what it saw
        for method in facts.mutators:
            for _, changed in method.mutations:
                if isinstance(changed, cst.AugAssign) and isinstance(changed.operator,
                                                                     _ARITHMETIC):
                    if not isinstance(changed.value, (cst.List, cst.Tuple, cst.SimpleString,
                                                      cst.FormattedString)):
                        return True
                if isinstance(changed, cst.Assign) and isinstance(changed.value,
                                                                  cst.BinaryOperation) \
                        and isinstance(changed.value.operator, (cst.Add, cst.Subtract)):
                    return True
        return False
