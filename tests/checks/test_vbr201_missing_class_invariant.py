"""VBR201 missing-class-invariant: its catalogue examples (one test each, generated from
``rules/VBR201.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr201_missing_class_invariant.py``; its page: ``docs/rules/VBR201.md``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from vibrails.core.catalogue import Example

CODE = "VBR201"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def _cls(body: str, header: str = "class Box:", prelude: str = "") -> str:
    return f"{prelude}\n{header}\n{textwrap.indent(textwrap.dedent(body), '    ')}"


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
def test_mutation_forms_make_a_class_stateful(
    statement: str,
    invariant_findings: Callable[..., Any],
) -> None:
    source = _cls(f"def put(self, v):\n    {statement}\n")
    [(code, line, message)] = invariant_findings(source, ("VBR201",))
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
def test_not_mutations_of_instance_state(body: str, invariant_lines: Callable[..., Any]) -> None:
    assert invariant_lines(_cls(body), "VBR201") == []


def test_property_setter_is_a_mutator(invariant_lines: Callable[..., Any]) -> None:
    source = _cls("@property\ndef x(self):\n    return self._x\n\n@x.setter\ndef x(self, v):\n    self._x = v\n")
    assert invariant_lines(source, "VBR201") == [2]


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
def test_never_stateful(prelude: str, header: str, invariant_lines: Callable[..., Any]) -> None:
    assert invariant_lines(_cls("def put(self, v):\n    self.x = v\n", header, prelude), "VBR201") == []


def test_nested_class_is_not_public(invariant_lines: Callable[..., Any]) -> None:
    source = "def f():\n    class Box:\n        def put(self, v):\n            self.x = v\n    return Box\n"
    assert invariant_lines(source, "VBR201") == []


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
def test_declares_an_invariant(
    prelude: str,
    header: str,
    invariant_lines: Callable[..., Any],
) -> None:
    source = _cls("def put(self, v):\n    self.x = v\n    self.validate()\n", header, prelude)
    source = source.replace("    self.validate()\n", "")
    assert invariant_lines(source, "VBR201") == []


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
def test_not_a_declared_invariant(
    prelude: str,
    header: str,
    invariant_lines: Callable[..., Any],
) -> None:
    source = _cls("def put(self, v):\n    self.x = v\n", header, prelude)
    assert len(invariant_lines(source, "VBR201")) == 1


def test_configured_invariant_decorator_and_method(invariant_lines: Callable[..., Any]) -> None:
    deco = _cls("def put(self, v):\n    self.x = v\n", "@checked\nclass Box:", "from mylib import checked")
    method = _cls("def put(self, v):\n    self.x = v\n\ndef sanity(self):\n    assert self.x\n")
    assert invariant_lines(deco, "VBR201") == [3]
    assert invariant_lines(deco, "VBR201", invariants={"decorators": ["mylib.checked"]}) == []
    assert invariant_lines(method, "VBR201") == [2]
    assert invariant_lines(method, "VBR201", invariants={"methods": ["sanity"]}) == []


def test_message_names_the_mutating_methods(invariant_findings: Callable[..., Any]) -> None:
    source = _cls(
        "def a(self):\n    self.x = 1\n\ndef b(self):\n    self.y.append(1)\n\n"
        "def c(self):\n    return self.x\n"
    )
    [(_, _, message)] = invariant_findings(source, ("VBR201",))
    assert "'a' and 'b' change its state" in message
    assert "'c'" not in message
