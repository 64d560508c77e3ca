"""VBR104 assert-only-contract: its catalogue examples (one test each, generated from
``rules/VBR104.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr104_assert_only_contract.py``; its page: ``docs/rules/VBR104.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vibrails.core.catalogue import Example

CODE = "VBR104"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_assert_only_message_quotes_the_assert(contract_findings: Callable[..., Any]) -> None:
    [(_, line, message)] = contract_findings("def f(a, n):\n    assert n > 0\n    a.x = n\n", ("VBR104",))
    assert line == 1
    assert "'assert n > 0'" in message and "if not (n > 0): raise ValueError" in message


@pytest.mark.parametrize(
    "source",
    [
        "def f(n):\n    assert n > 0\n    if n > 9:\n        raise ValueError(n)\n",
        "import icontract\n@icontract.require(lambda n: n)\ndef f(n):\n    assert n > 0\n    g(n)\n",
        "def f(n):\n    assert CONFIG\n    g(n)\n",
        "def _f(n):\n    assert n > 0\n    g(n)\n",
    ],
)
def test_not_assert_only(source: str, contract_lines: Callable[..., Any]) -> None:
    assert contract_lines(source, "VBR104") == []
