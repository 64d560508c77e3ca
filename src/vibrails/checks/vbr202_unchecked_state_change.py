"""VBR202 unchecked-state-change: a mutator of a class with an invariant method skips it."""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import InvariantRule
from vibrails.checks.shared.invariants import ClassFacts


def checking_methods(facts: ClassFacts) -> set[str]:
    """The invariant methods and every method that calls one (transitively, through ``self``)."""
    checking = set(facts.invariant_methods)
    changed = True
    while changed:
        changed = False
        for method in facts.methods.values():
            if method.name not in checking and method.self_calls & checking:
                checking.add(method.name)
                changed = True
    return checking


class UncheckedStateChange(InvariantRule):
    code = "VBR202"

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        facts = self.tracker.finish_class(node)
        if facts is None or facts.never_stateful or facts.library_invariant:
            return
        if not facts.invariant_methods:
            return
        checking = checking_methods(facts)
        checker = sorted(facts.invariant_methods)[0]
        for method in facts.mutators:
            if method.name in facts.invariant_methods or method.post:
                continue
            if method.self_calls & checking:
                continue
            changed = {attr for attr, _ in method.mutations}
            if changed & method.checked or ("*" in changed and method.checked):
                continue
            attr, statement = method.mutations[0]
            self.report(
                statement,
                cls=facts.name,
                method=method.name,
                attr=attr,
                checker=checker,
            )
