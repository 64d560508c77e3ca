"""VBR107 contract-unverified (``vibrails verify``): a contracted function could not be verified.

Reported by :mod:`vibrails.verify` on the function's ``def``, as a note:
the search ran out of its budget, no inputs could be drawn for a parameter
(no type hint), the module could not be imported, or the function did
something the worker refuses (write outside its temporary folder, start a
process, use the network, end the process) and was stopped or contained.
"""

from __future__ import annotations

from collections.abc import Sequence

from vibrails.checks.base import Rule, VerifyRule
from vibrails.core.catalogue import rule_info


class ContractUnverified(VerifyRule, Rule):
    code = "VBR107"


def unverified_message(function: str, reason: str) -> str:
    return rule_info("VBR107").format_named(None, {"function": function, "reason": reason})


#: What to write instead, by what had to be contained.
_EFFECTS = ("pass the file, the client or the exit behaviour in as a parameter, so that "
            "its contract can be verified")
_MEMORY = "bound the size of its input with a precondition, so that its contract can be verified"


def contained_message(function: str, troubles: Sequence[str]) -> str:
    """What the worker refused or stopped while verifying ``function``."""
    memory = all("memory limit" in trouble for trouble in troubles)
    return rule_info("VBR107").format_named("contained", {
        "function": function, "what": "; ".join(troubles),
        "advice": _MEMORY if memory else _EFFECTS,
    })
