"""VBR202 unchecked-state-change: its catalogue examples (one test each, generated from
``rules/VBR202.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr202_unchecked_state_change.py``; its page: ``docs/rules/VBR202.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vibrails.core.catalogue import Example

CODE = "VBR202"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


CHECKED = """
class Account:
    def _check_invariants(self):
        assert self.balance >= 0

    def deposit(self, amount):
        self.balance += amount
        self._check_invariants()

{extra}
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("    def withdraw(self, amount):\n        self.log.append(amount)\n        self.balance -= amount\n", [11]),
        ("    def withdraw(self, amount):\n        self.balance -= amount\n        self._check_invariants()\n", []),
        ("    def withdraw(self, amount):\n        if amount > self.balance:\n            raise ValueError\n        self.balance -= amount\n", []),
        ("    def withdraw(self, amount):\n        self.balance -= amount\n        assert self.balance >= 0\n", []),
        ("    def withdraw(self, amount):\n        self.balance -= amount\n        self.deposit(0)\n", []),
        ("    def __init__(self):\n        self.balance = 0\n", []),
        ("    def _reset(self):\n        self.balance = 0\n", []),
        ("    @classmethod\n    def make(cls):\n        cls.balance = 0\n", []),
    ],
)
def test_unchecked_state_change(
    extra: str,
    expected: list[int],
    invariant_lines: Callable[..., Any],
) -> None:
    assert invariant_lines(CHECKED.format(extra=extra), "VBR202") == expected


def test_unchecked_state_change_message_and_library_invariants(
    invariant_findings: Callable[..., Any],
    invariant_lines: Callable[..., Any],
) -> None:
    source = CHECKED.format(extra="    def withdraw(self, amount):\n        self.balance -= amount\n")
    [(_, _, message)] = invariant_findings(source, ("VBR202",))
    assert message.startswith("'Account.withdraw' changes 'self.balance' but neither calls")
    assert "'_check_invariants()'" in message
    library = "import deal\n\n@deal.inv(lambda a: a.balance >= 0)\n" + source.lstrip()
    assert invariant_lines(library, "VBR202") == []
