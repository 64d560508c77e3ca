"""VBR201-VBR203: "stateful", "declares an invariant", and stated invariants, form by form."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from vibrails.config import defaults
from vibrails.engine.tree import check_tree
from vibrails.tagging import Tag


def findings(
    source: str, codes: tuple[str, ...], path: str = "example.py", **tables: dict[str, Any]
) -> list[tuple[str, int, str]]:
    # VBR201 in its "stateful" scope (every stateful class): these tests pin how
    # statefulness and declared invariants are recognised; the default
    # "arithmetic" scope is pinned by the catalogue examples.
    settings = defaults()
    settings["invariants"]["scope"] = "stateful"
    for table, values in tables.items():
        settings[table].update(values)
    result = check_tree(path, textwrap.dedent(source), Tag("assume-ai"), set(codes), settings)
    found = getattr(result, "findings", result)
    return sorted((f.code, f.line, f.message) for f in found if f.code in codes)


def lines(source: str, code: str, path: str = "example.py", **tables: dict[str, Any]) -> list[int]:
    return [line for _, line, _ in findings(source, (code,), path, **tables)]


def _cls(body: str, header: str = "class Box:", prelude: str = "") -> str:
    return f"{prelude}\n{header}\n{textwrap.indent(textwrap.dedent(body), '    ')}"


# -- stateful ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "self.x = v",
        "self.x += v",
        "self.x: int = v",
        "del self.x",
        "self.items.append(v)",
        "self.items.update(v)",
        "self.items.add(v)",
        "self.queue.popleft()",
        "self.items[v] = 1",
        "del self.items[v]",
        "self.grid[v][0] = 1",
        "setattr(self, 'x', v)",
        "self.a, self.b = v, v",
        "n = self.items.pop()",
        "return self.items.pop()",
    ],
)
def test_mutation_forms_make_a_class_stateful(statement: str) -> None:
    source = _cls(f"def put(self, v):\n    {statement}\n")
    [(code, line, message)] = findings(source, ("VBR201",))
    assert (code, line) == ("VBR201", 2)
    assert "'Box'" in message and "'put'" in message


@pytest.mark.parametrize(
    "body",
    [
        "def __init__(self, v):\n    self.x = v\n",
        "def _put(self, v):\n    self.x = v\n",
        "def __setitem__(self, k, v):\n    self.d[k] = v\n",
        "@staticmethod\ndef put(obj, v):\n    obj.x = v\n",
        "@classmethod\ndef put(cls, v):\n    cls.x = v\n",
        "@property\ndef x(self):\n    self._n += 1\n    return self._n\n",
        "def put(self, v):\n    self.other.x = v\n",  # another object's state
        "def put(self, v):\n    def inner():\n        self.x = v\n    return inner\n",
        "def put(self, v):\n    return lambda: self.items.append(v)\n",
        "def put(self, v):\n    local = []\n    local.append(v)\n",
        "def get(self, k):\n    return self.items.get(k)\n",
    ],
)
def test_not_mutations_of_instance_state(body: str) -> None:
    assert lines(_cls(body), "VBR201") == []


def test_property_setter_is_a_mutator() -> None:
    source = _cls("@property\ndef x(self):\n    return self._x\n\n@x.setter\ndef x(self, v):\n    self._x = v\n")
    assert lines(source, "VBR201") == [2]


@pytest.mark.parametrize(
    ("prelude", "header"),
    [
        ("from dataclasses import dataclass", "@dataclass(frozen=True)\nclass Box:"),
        ("import dataclasses as dc", "@dc.dataclass(frozen=True, slots=True)\nclass Box:"),
        ("import attr", "@attr.s(frozen=True)\nclass Box:"),
        ("import attrs", "@attrs.frozen\nclass Box:"),
        ("from typing import NamedTuple", "class Box(NamedTuple):"),
        ("import typing", "class Box(typing.NamedTuple):"),
        ("from enum import Enum", "class Box(Enum):"),
        ("import enum", "class Box(enum.IntFlag):"),
        ("from typing import Protocol", "class Box(Protocol):"),
        ("from typing import Protocol, TypeVar\nT = TypeVar('T')", "class Box(Protocol[T]):"),
        ("from pydantic import BaseModel, ConfigDict",
         "class Box(BaseModel):\n    model_config = ConfigDict(frozen=True)"),
        ("import unittest", "class Box(unittest.TestCase):"),
        ("", "class _Box:"),
    ],
)
def test_never_stateful(prelude: str, header: str) -> None:
    assert lines(_cls("def put(self, v):\n    self.x = v\n", header, prelude), "VBR201") == []


def test_nested_class_is_not_public() -> None:
    source = "def f():\n    class Box:\n        def put(self, v):\n            self.x = v\n    return Box\n"
    assert lines(source, "VBR201") == []


# -- declares an invariant ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prelude", "header"),
    [
        ("import icontract", "@icontract.invariant(lambda self: self.x >= 0)\nclass Box:"),
        ("from icontract import invariant as inv", "@inv(lambda self: self.x >= 0)\nclass Box:"),
        ("import deal", "@deal.inv(lambda box: box.x >= 0)\nclass Box:"),
        ("import deal as d", "@d.inv(lambda box: box.x >= 0)\nclass Box:"),
        ("import dpcontracts", "@dpcontracts.invariant('x', lambda self: self.x >= 0)\nclass Box:"),
        ("import attrs", "@attrs.define\nclass Box:\n    x: int = attrs.field(validator=attrs.validators.ge(0))"),
        ("import attr",
         "@attr.s(on_setattr=attr.setters.validate)\nclass Box:\n    x = attr.ib(validator=attr.validators.instance_of(int))"),
        ("import attr",
         "@attr.s\nclass Box:\n    x = attr.ib(on_setattr=attr.setters.validate, validator=attr.validators.instance_of(int))"),
        ("import attrs",
         "@attrs.define\nclass Box:\n    x: int = 0\n    @x.validator\n    def _c(self, a, v):\n        if v < 0:\n            raise ValueError(v)"),
        ("from pydantic import BaseModel, ConfigDict, field_validator",
         "class Box(BaseModel):\n    model_config = ConfigDict(validate_assignment=True)\n"
         "    @field_validator('x')\n    @classmethod\n    def c(cls, v):\n        return v"),
        ("from pydantic import BaseModel, model_validator",
         "class Box(BaseModel):\n    model_config = {'validate_assignment': True}\n"
         "    @model_validator(mode='after')\n    def c(self):\n        return self"),
        ("from pydantic import BaseModel, validator",
         "class Box(BaseModel):\n    class Config:\n        validate_assignment = True\n"
         "    @validator('x')\n    def c(cls, v):\n        return v"),
        ("from pydantic import BaseModel, root_validator",
         "class Box(BaseModel):\n    class Config:\n        validate_assignment = True\n"
         "    @root_validator\n    def c(cls, values):\n        return values"),
        ("", 'class Box:\n    """A box.\n\n    inv: self.x >= 0\n    """'),
        ("from dataclasses import dataclass",
         "@dataclass\nclass Box:\n    x: int = 0\n    def __post_init__(self):\n        if self.x < 0:\n            raise ValueError(self.x)"),
        ("import attr",
         "@attr.s\nclass Box:\n    x = attr.ib()\n    def __attrs_post_init__(self):\n        assert self.x >= 0"),
        ("", "class Box:\n    def __invariant__(self):\n        assert self.x >= 0"),
        ("", "class Box:\n    def check_invariants(self):\n        assert self.x >= 0"),
        ("", "class Box:\n    def _check_invariant(self):\n        assert self.x >= 0"),
        ("", "class Box:\n    def _validate(self, strict=True):\n        assert self.x >= 0"),
        ("", "class Box:\n    def validate(self):\n        assert self.x >= 0"),
        ("class Base:\n    def _check_invariants(self):\n        assert self.x >= 0",
         "class Box(Base):"),
    ],
)
def test_declares_an_invariant(prelude: str, header: str) -> None:
    source = _cls("def put(self, v):\n    self.x = v\n    self.validate()\n", header, prelude)
    source = source.replace("    self.validate()\n", "")
    assert lines(source, "VBR201") == []


@pytest.mark.parametrize(
    ("prelude", "header"),
    [
        ("from pydantic import BaseModel, field_validator",
         "class Box(BaseModel):\n    @field_validator('x')\n    @classmethod\n    def c(cls, v):\n        return v"),
        ("from pydantic import BaseModel, ConfigDict",
         "class Box(BaseModel):\n    model_config = ConfigDict(validate_assignment=True)"),
        ("import attr", "@attr.s\nclass Box:\n    x = attr.ib(validator=attr.validators.instance_of(int))"),
        ("import attrs", "@attrs.define(on_setattr=attrs.setters.NO_OP)\nclass Box:\n    x: int = attrs.field(validator=attrs.validators.ge(0))"),
        ("", "class Box:\n    def validate(self, value):\n        return value"),
        ("import icontract", "@icontract.require(lambda: True)\nclass Box:"),
        ("from dataclasses import dataclass",
         "@dataclass\nclass Box:\n    x: int = 0\n    def __post_init__(self):\n        self.y = self.x * 2"),
    ],
)
def test_not_a_declared_invariant(prelude: str, header: str) -> None:
    source = _cls("def put(self, v):\n    self.x = v\n", header, prelude)
    assert len(lines(source, "VBR201")) == 1


def test_configured_invariant_decorator_and_method() -> None:
    deco = _cls("def put(self, v):\n    self.x = v\n", "@checked\nclass Box:", "from mylib import checked")
    method = _cls("def put(self, v):\n    self.x = v\n\ndef sanity(self):\n    assert self.x\n")
    assert lines(deco, "VBR201") == [3]
    assert lines(deco, "VBR201", invariants={"decorators": ["mylib.checked"]}) == []
    assert lines(method, "VBR201") == [2]
    assert lines(method, "VBR201", invariants={"methods": ["sanity"]}) == []


def test_message_names_the_mutating_methods() -> None:
    source = _cls(
        "def a(self):\n    self.x = 1\n\ndef b(self):\n    self.y.append(1)\n\n"
        "def c(self):\n    return self.x\n"
    )
    [(_, _, message)] = findings(source, ("VBR201",))
    assert "'a' and 'b' change its state" in message
    assert "'c'" not in message


# -- VBR202 ---------------------------------------------------------------------------------

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
def test_unchecked_state_change(extra: str, expected: list[int]) -> None:
    assert lines(CHECKED.format(extra=extra), "VBR202") == expected


def test_unchecked_state_change_message_and_library_invariants() -> None:
    source = CHECKED.format(extra="    def withdraw(self, amount):\n        self.balance -= amount\n")
    [(_, _, message)] = findings(source, ("VBR202",))
    assert message.startswith("'Account.withdraw' changes 'self.balance' but neither calls")
    assert "'_check_invariants()'" in message
    library = "import deal\n\n@deal.inv(lambda a: a.balance >= 0)\n" + source.lstrip()
    assert lines(library, "VBR202") == []


# -- VBR203 ---------------------------------------------------------------------------------


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
def test_stated_invariant_forms(comment: str) -> None:
    source = f"class Account:\n    def __init__(self):\n        self.balance = 0  {comment}\n"
    [(_, line, message)] = findings(source, ("VBR203",))
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
def test_not_stated_invariants(comment: str) -> None:
    source = f"class Account:\n    def __init__(self):\n        self.balance = 0  {comment}\n"
    assert lines(source, "VBR203") == []


def test_preceding_comment_must_name_the_subject_unless_it_stands_alone() -> None:
    named = "class A:\n    def __init__(self):\n        # Note: x must be positive.\n        # Other prose.\n        self.x = 1\n"
    unnamed = "class A:\n    def __init__(self):\n        # The other value must be positive\n        # because of reasons.\n        self.x = 1\n"
    alone = "class A:\n    def __init__(self):\n        # must be positive\n        self.x = 1\n"
    blank = "class A:\n    def __init__(self):\n        # x must be positive\n\n        self.x = 1\n"
    assert lines(named, "VBR203") == [3]
    assert lines(unnamed, "VBR203") == []
    assert lines(alone, "VBR203") == [3]
    assert lines(blank, "VBR203") == []
    prose = "class A:\n    def f(self):\n        # Only scheme should be lower case\n        self.x = 1\n"
    assert lines(prose, "VBR203") == []


@pytest.mark.parametrize(
    "check",
    [
        "    def w(self, n):\n        assert self.balance >= n\n",
        "    def w(self, n):\n        if n > self.balance:\n            raise ValueError(n)\n",
        "    def _check_invariants(self):\n        assert self.balance >= 0\n",
    ],
)
def test_stated_invariant_asserted_in_the_class(check: str) -> None:
    source = f"class Account:\n    def __init__(self):\n        self.balance = 0  # never negative\n\n{check}"
    assert lines(source, "VBR203") == []


def test_stated_invariant_checked_by_contracts() -> None:
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
        assert lines(source, "VBR203") == [], source


def test_module_and_local_names() -> None:
    module = "LIMIT = 10  # must never be zero\n\ndef f():\n    return LIMIT\n"
    checked = module + "\nassert LIMIT > 0\n"
    local = "def f(rs):\n    left = 10  # never negative\n    for r in rs:\n        left -= r\n    return left\n"
    local_checked = local.replace("    return left", "    assert left >= 0\n    return left")
    first_line = "# Invariant: RETRIES >= 1\nRETRIES = load()\n"
    assert lines(module, "VBR203") == [1]
    assert lines(checked, "VBR203") == []
    assert lines(local, "VBR203") == [2]
    assert lines(local_checked, "VBR203") == []
    assert lines(first_line, "VBR203") == [1]


def test_class_docstring_line_naming_an_attribute() -> None:
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
    [(_, line, message)] = findings(source, ("VBR203",))
    assert line == 5  # the docstring line that states it
    assert "Invariant: len(items) <= capacity." in message
    pep316 = source.replace("Invariant: len(items) <= capacity.", "inv: len(self.items) <= self.capacity")
    assert lines(pep316, "VBR203") == [5]
    assert lines(pep316, "VBR203", contracts={"verifier": "crosshair"}) == []
