"""VBR105 contract-removed (diff mode): a change removed or loosened a contract of tagged code.

Compares each function of a tagged file with its version at the diff base
(matched by qualified name, then by body for a rename; see
:mod:`vibrails.checks.shared.guardrails`). A condition that is gone with no
successor on the same parameter is *removed* (reported on the ``def``); one
whose successor accepts more, as far as the text shows, is *loosened*
(reported on the new condition). A condition replaced by a validator call
or changed in a way the text cannot order is not reported.
"""

from __future__ import annotations

from vibrails.checks.base import DiffRule, Rule, Weakening
from vibrails.checks.shared.guardrails import (
    Condition,
    Guardrails,
    loosened,
    match_functions,
    partner,
)

_WHAT = {"pre": "precondition", "post": "postcondition", "check": "argument check"}


class ContractRemoved(DiffRule, Rule):
    code = "VBR105"


def what(condition: Condition) -> str:
    return _WHAT.get(condition.role, "contract")


def contract_removed(old: Guardrails, new: Guardrails, base: str) -> list[Weakening]:
    """The contracts the change from ``old`` to ``new`` removed or loosened."""
    found: list[Weakening] = []
    for before, after in match_functions(old.functions, new.functions):
        remaining = list(after.conditions)
        changed: list[Condition] = []
        for condition in before.conditions:
            same = next((c for c in remaining if c.text == condition.text), None)
            if same is not None:
                remaining.remove(same)
            else:
                changed.append(condition)
        pairs = []
        for condition in changed:
            successor = partner(condition, remaining)
            if successor is not None:
                remaining.remove(successor)
            pairs.append((condition, successor))
        # What the change added and paired with nothing may hold a moved part.
        spare = [c.accepts for c in remaining if c.accepts is not None]
        for condition, successor in pairs:
            args = {"function": after.qualname, "what": what(condition),
                    "condition": condition.text, "line": condition.span[0], "base": base}
            if successor is None:
                found.append(Weakening("VBR105", after.span, args,
                                       f"removed\0{after.qualname}\0{condition.text}",
                                       extent=(after.first_line, after.end_line)))
                continue
            if condition.accepts is None or successor.accepts is None:
                continue  # a validator call: what it accepts is not in the text
            how = loosened(condition.accepts, successor.accepts, spare)
            if how:
                args |= {"new": successor.text, "how": "; ".join(how)}
                found.append(Weakening("VBR105", successor.span, args,
                                       f"loosened\0{after.qualname}\0{condition.text}",
                                       template="loosened"))
    return found
