"""VBR203 unasserted-invariant: its catalogue examples (one test each, generated from
``rules/VBR203.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr203_unasserted_invariant.py``; its page: ``docs/rules/VBR203.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vibrails.core.catalogue import Example

CODE = "VBR203"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


@pytest.mark.parametrize(
    "comment",
    [
        "# must never be negative",
        "# invariant: balance >= 0",
        "# non-negative",
        "# never negative",
        "# always >= 0",
        "# must be positive",
        "# must be >= 0",
        "# should never exceed the limit",
        "# cannot be empty",
        "# must remain sorted",
        "# balance, in cents; >= 0",
    ],
)
def test_stated_invariant_forms(comment: str, invariant_findings: Callable[..., Any]) -> None:
    source = f"class Account:\n    def __init__(self):\n        self.balance = 0  {comment}\n"
    [(_, line, message)] = invariant_findings(source, ("VBR203",))
    assert line == 3
    assert "'self.balance'" in message
    assert comment.lstrip("# ").replace("'", '"') in message


@pytest.mark.parametrize(
    "comment",
    [
        "# must be called with the lock held",
        "# must be set before use",
        "# should be unique",
        "# TODO: must never be negative?",
        "# in seconds",
        "# must be wrapped in parentheses",
        "# the sum must be processed early",
        "# should be lower case",
    ],
)
def test_not_stated_invariants(comment: str, invariant_lines: Callable[..., Any]) -> None:
    source = f"class Account:\n    def __init__(self):\n        self.balance = 0  {comment}\n"
    assert invariant_lines(source, "VBR203") == []


def test_preceding_comment_must_name_the_subject_unless_it_stands_alone(
    invariant_lines: Callable[..., Any],
) -> None:
    named = "class A:\n    def __init__(self):\n        # Note: x must be positive.\n        # Other prose.\n        self.x = 1\n"
    unnamed = "class A:\n    def __init__(self):\n        # The other value must be positive\n        # because of reasons.\n        self.x = 1\n"
    alone = "class A:\n    def __init__(self):\n        # must be positive\n        self.x = 1\n"
    blank = "class A:\n    def __init__(self):\n        # x must be positive\n\n        self.x = 1\n"
    assert invariant_lines(named, "VBR203") == [3]
    assert invariant_lines(unnamed, "VBR203") == []
    assert invariant_lines(alone, "VBR203") == [3]
    assert invariant_lines(blank, "VBR203") == []
    prose = "class A:\n    def f(self):\n        # Only scheme should be lower case\n        self.x = 1\n"
    assert invariant_lines(prose, "VBR203") == []


@pytest.mark.parametrize(
    "check",
    [
        "    def w(self, n):\n        assert self.balance >= n\n",
        "    def w(self, n):\n        if n > self.balance:\n            raise ValueError(n)\n",
        "    def _check_invariants(self):\n        assert self.balance >= 0\n",
    ],
)
def test_stated_invariant_asserted_in_the_class(
    check: str,
    invariant_lines: Callable[..., Any],
) -> None:
    source = f"class Account:\n    def __init__(self):\n        self.balance = 0  # never negative\n\n{check}"
    assert invariant_lines(source, "VBR203") == []


def test_stated_invariant_checked_by_contracts(invariant_lines: Callable[..., Any]) -> None:
    icontract_inv = (
        "import icontract\n\n@icontract.invariant(lambda self: self.balance >= 0)\nclass A:\n"
        "    def __init__(self):\n        self.balance = 0  # never negative\n"
    )
    require = (
        "import icontract\n\nclass A:\n    def __init__(self):\n        self.balance = 0  # never negative\n\n"
        "    @icontract.require(lambda self: self.balance > 0)\n    def w(self):\n        self.balance -= 1\n"
    )
    field = (
        "from pydantic import BaseModel, Field\n\nclass A(BaseModel):\n"
        "    balance: int = Field(ge=0)  # never negative\n"
    )
    validator = (
        "from pydantic import BaseModel, field_validator\n\nclass A(BaseModel):\n"
        "    balance: int  # never negative\n\n    @field_validator('balance')\n"
        "    @classmethod\n    def c(cls, v):\n        return v\n"
    )
    attrs_validator = (
        "import attrs\n\n@attrs.define\nclass A:\n    balance: int = 0  # never negative\n\n"
        "    @balance.validator\n    def _c(self, a, v):\n        pass\n"
    )
    for source in (icontract_inv, require, field, validator, attrs_validator):
        assert invariant_lines(source, "VBR203") == [], source


def test_module_and_local_names(invariant_lines: Callable[..., Any]) -> None:
    module = "LIMIT = 10  # must never be zero\n\ndef f():\n    return LIMIT\n"
    checked = module + "\nassert LIMIT > 0\n"
    local = "def f(rs):\n    left = 10  # never negative\n    for r in rs:\n        left -= r\n    return left\n"
    local_checked = local.replace("    return left", "    assert left >= 0\n    return left")
    first_line = "# Invariant: RETRIES >= 1\nRETRIES = load()\n"
    assert invariant_lines(module, "VBR203") == [1]
    assert invariant_lines(checked, "VBR203") == []
    assert invariant_lines(local, "VBR203") == [2]
    assert invariant_lines(local_checked, "VBR203") == []
    assert invariant_lines(first_line, "VBR203") == [1]


def test_class_docstring_line_naming_an_attribute(
    invariant_findings: Callable[..., Any],
    invariant_lines: Callable[..., Any],
) -> None:
    source = '''
    class Stack:
        """A stack.

        Invariant: len(items) <= capacity.
        The stack is always non-empty after push.
        """

        def __init__(self, capacity):
            self.items = []
            self.capacity = capacity
    '''
    [(_, line, message)] = invariant_findings(source, ("VBR203",))
    assert line == 5  # the docstring line that states it
    assert "Invariant: len(items) <= capacity." in message
    pep316 = source.replace("Invariant: len(items) <= capacity.", "inv: len(self.items) <= self.capacity")
    assert invariant_lines(pep316, "VBR203") == [5]
    assert invariant_lines(pep316, "VBR203", contracts={"verifier": "crosshair"}) == []
