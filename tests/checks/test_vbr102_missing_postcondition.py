"""VBR102 missing-postcondition: its catalogue examples (one test each, generated from
``rules/VBR102.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr102_missing_postcondition.py``; its page: ``docs/rules/VBR102.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vibrails.core.catalogue import Example

CODE = "VBR102"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(x):\n    return x + 1\n", [1]),
        ("def f():\n    return 1\n", [1]),
        ("def f(x):\n    print(x)\n", []),
        ("def f(x) -> None:\n    return None\n", []),
        ("def f(x):\n    yield x\n", []),
        ("import icontract\n@icontract.ensure(lambda result: result)\ndef f(x):\n    return x\n", []),
        ("import deal\n@deal.post(lambda r: r)\ndef f(x):\n    return x\n", []),
        ("def f(x):\n    r = x * 2\n    assert r > 0\n    return r\n", []),
        ("def f(x):\n    r = x * 2\n    if r < 0:\n        raise ValueError(r)\n    return r\n", []),
        ("def f(x):\n    def g():\n        return 1\n    g()\n", []),
        ("class A:\n    @property\n    def v(self):\n        return 1\n", []),
    ],
)
def test_postcondition(
    source: str,
    expected: list[int],
    contract_lines: Callable[..., Any],
) -> None:
    assert contract_lines(source, "VBR102") == expected
