"""VBR103 unenforced-contract: its catalogue examples (one test each, generated from
``rules/VBR103.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr103_unenforced_contract.py``; its page: ``docs/rules/VBR103.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vibrails.core.catalogue import Example

CODE = "VBR103"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_crosshair_docstring_counts_only_with_the_verifier(
    contract_lines: Callable[..., Any],
) -> None:
    source = '''
    def sqrt(x):
        """Root.

        pre: x >= 0
        post: __return__ >= 0
        """
        return x ** 0.5
    '''
    assert contract_lines(source, "VBR103") == [2]
    assert contract_lines(source, "VBR101") == []  # stated: VBR103's finding, not a second one
    assert contract_lines(source, "VBR103", contracts={"verifier": "crosshair"}) == []
    assert contract_lines(source, "VBR102", contracts={"verifier": "crosshair"}) == []
    assert contract_lines(source, "VBR102") == [2]


@pytest.mark.parametrize(
    "line",
    ["pre: x > 0", "post: __return__ > 0", "Precondition: x > 0", "Preconditions:",
     "Postcondition: sorted", "Postconditions:", "Requires: x > 0", "Ensures: sorted",
     "Invariant: x > 0", "requires: x > 0"],
)
def test_stated_contract_forms(line: str, contract_findings: Callable[..., Any]) -> None:
    source = f'def _f(x):\n    """Do.\n\n    {line}\n    """\n    return x\n'
    [(_, _, message)] = contract_findings(source, ("VBR103",))
    assert line in message


def test_stated_contract_enforced_by_guard_or_decorator(contract_lines: Callable[..., Any]) -> None:
    guard = 'def f(x):\n    """Requires: x > 0"""\n    if x <= 0:\n        raise ValueError(x)\n'
    deco = 'import deal\n@deal.pre(lambda x: x > 0)\ndef f(x):\n    """pre: x > 0"""\n    return x\n'
    prose = 'def f(x):\n    """This requires: nothing. Call the precondition checker."""\n    return x\n'
    assert contract_lines(guard, "VBR103") == []
    assert contract_lines(deco, "VBR103") == []
    assert contract_lines(prose, "VBR103") == []
