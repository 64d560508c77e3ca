"""VBR204 invariant-removed (diff mode): a change removed an invariant from a stateful tagged class.

Compares each class of a tagged file with its version at the diff base (by
qualified name; see :mod:`vibrails.checks.shared.guardrails`). Reported:
an invariant decorator removed or loosened (on the class, or on the new
decorator), an invariant method removed with none taking its place (on the
class), and a method that makes fewer calls to the invariant methods than
it did (on the method's ``def``). Only classes that change their state
(a method other than ``__init__`` stores on ``self``) in either version.
"""

from __future__ import annotations

from vibrails.checks.base import DiffRule, Rule, Weakening
from vibrails.checks.shared.guardrails import ClassGuards, Guardrails, loosened


class InvariantRemoved(DiffRule, Rule):
    code = "VBR204"


def invariant_removed(old: Guardrails, new: Guardrails, base: str) -> list[Weakening]:
    """The invariants the change from ``old`` to ``new`` removed or loosened."""
    found: list[Weakening] = []
    for name, before in old.classes.items():
        after = new.classes.get(name)
        if after is None or not (before.stateful or after.stateful):
            continue
        found += _decorators(before, after, base)
        gone = sorted(set(before.invariant_methods) - set(after.invariant_methods))
        if gone and not set(after.invariant_methods) - set(before.invariant_methods):
            for method in gone:
                args = {"cls": name, "method": method, "line": before.invariant_methods[method][0],
                        "base": base}
                found.append(Weakening("VBR204", after.span, args, f"method\0{name}\0{method}",
                                       template="method",
                                       extent=(after.first_line, after.end_line)))
        else:
            gone = []
        for method, calls in sorted(before.calls.items()):
            now = after.calls.get(method)
            if now is None or method in before.invariant_methods:
                continue  # the method is gone (or is itself an invariant method)
            counted = {k: v for k, v in calls.items() if k not in gone}
            if sum(now.values()) < sum(counted.values()):
                invariant = sorted(counted)[0]
                args = {"cls": name, "method": method, "invariant": invariant,
                        "old": sum(counted.values()), "new": sum(now.values()), "base": base}
                found.append(Weakening("VBR204", after.methods[method], args,
                                       f"call\0{name}\0{method}", template="call",
                                       extent=after.extents[method]))
    return found


def _decorators(before: ClassGuards, after: ClassGuards, base: str) -> list[Weakening]:
    found: list[Weakening] = []
    remaining = list(after.invariants)
    for condition in before.invariants:
        same = next((c for c in remaining if c.text == condition.text), None)
        if same is not None:
            remaining.remove(same)
            continue
        successor = next((c for c in remaining if c.callee == condition.callee), None)
        args = {"cls": after.qualname, "condition": condition.text, "line": condition.span[0],
                "base": base}
        if successor is None:
            found.append(Weakening("VBR204", after.span, args,
                                   f"decorator\0{after.qualname}\0{condition.text}",
                                   extent=(after.first_line, after.end_line)))
            continue
        remaining.remove(successor)
        if condition.accepts is not None and successor.accepts is not None:
            how = loosened(condition.accepts, successor.accepts)
            if how:
                args |= {"new": successor.text, "how": "; ".join(how)}
                found.append(Weakening("VBR204", successor.span, args,
                                       f"loosened\0{after.qualname}\0{condition.text}",
                                       template="loosened"))
    return found
