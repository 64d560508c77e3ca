"""VBR106 contract-violated (``vibrails verify``): a counterexample breaks a contract of tagged code.

Reported by :mod:`vibrails.verify` (never by ``vibrails check``, which runs
nothing): CrossHair or Hypothesis found inputs that the function's
preconditions accept and after which a postcondition, an ``assert`` in its
body or an invariant of its class is false, and the call replayed outside
the search gives the same violation. Reported on the condition's line, with
the function as a related location.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vibrails.checks.base import Rule, VerifyRule
from vibrails.core.catalogue import rule_info

_WHAT = {
    "postcondition": "its postcondition, line {line}",
    "assertion": "the assert on line {line}, a check of its own work",
    "invariant": "an invariant of its class, line {line}",
}


class ContractViolated(VerifyRule, Rule):
    code = "VBR106"


def violation_message(function: str, found: Mapping[str, Any]) -> str:
    """The message of a replayed counterexample (``found``: the worker's
    ``call``, ``outcome``, ``condition``, ``what``, ``line``)."""
    what = _WHAT.get(found["what"], "its contract, line {line}").format(line=found["line"])
    return rule_info("VBR106").format_named(None, {
        "call": found["call"], "outcome": found["outcome"],
        "condition": quoted(found["condition"]), "what": what, "function": function,
    })


def quoted(condition: str) -> str:
    """``'result >= 0'``; in double quotes when it holds a single one."""
    return f'"{condition}"' if "'" in condition and '"' not in condition else f"'{condition}'"
