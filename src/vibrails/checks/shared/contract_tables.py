"""The contract libraries' decorators by qualified name, with no parser attached.

Shared by the tree rules (through :mod:`vibrails.checks.shared.decorators`)
and the diff rules (:mod:`vibrails.checks.shared.guardrails`, which reads
code with :mod:`ast` and must not load libcst for a review of one file).
"""

from __future__ import annotations

import re

#: A call that checks its arguments, by the name it is called by
#: (``validate_amount(x)``, ``_check(x)``, ``ensure_positive(x)``).
VALIDATOR_NAME = re.compile(r"^_*(validate|check|ensure|require|verify|assert)(_|$)")

#: Qualified decorator → what it contributes: ``pre`` (a precondition),
#: ``post`` (a postcondition), ``check`` (runtime checking of the arguments'
#: types: a precondition for VBR101/VBR104, not a postcondition).
FUNCTION_CONTRACTS: dict[str, frozenset[str]] = {
    "icontract.require": frozenset({"pre"}),
    "icontract.ensure": frozenset({"post"}),
    "deal.pre": frozenset({"pre"}),
    "deal.post": frozenset({"post"}),
    "deal.ensure": frozenset({"post"}),
    "dpcontracts.require": frozenset({"pre"}),
    "dpcontracts.ensure": frozenset({"post"}),
    "pydantic.validate_call": frozenset({"check"}),
    "pydantic.validate_arguments": frozenset({"check"}),
    "pydantic.v1.validate_arguments": frozenset({"check"}),
    "pydantic.deprecated.decorator.validate_arguments": frozenset({"check"}),
    "beartype.beartype": frozenset({"check"}),
    "typeguard.typechecked": frozenset({"check"}),
}
#: Class decorators that state a class invariant checked by the library.
CLASS_INVARIANTS = frozenset({"icontract.invariant", "deal.inv", "dpcontracts.invariant"})

__all__ = ["CLASS_INVARIANTS", "FUNCTION_CONTRACTS", "VALIDATOR_NAME"]
