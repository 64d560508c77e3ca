"""What ``vibrails verify`` would verify, read with ``ast`` and never run
(``src/vibrails/verify/targets.py``): which functions are targets, and the
role of each of their conditions."""

from __future__ import annotations

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from modules import modules

from vibrails.verify.targets import Target, find_targets
from vibrails.verify.targets import test_path as is_test_path

SETTINGS = {"invariants": {"methods": ["check_invariants"]}, "contracts": {}}


def targets(code: str) -> dict[str, Target]:
    return {t.qualname: t for t in find_targets(code, SETTINGS)}


def roles(target: Target) -> list[tuple[str, str, str]]:
    return [(c.role, c.style, c.text) for c in target.conditions]


def test_contract_forms_and_their_roles() -> None:
    found = targets('''
import deal
import icontract as ic


@ic.require(lambda amount: amount > 0)
@ic.ensure(lambda result: result >= 0)
def withdraw(balance: int, amount: int) -> int:
    return balance - amount


@deal.pre(lambda x: x >= 0)
@deal.post(lambda result: result > 0)
@deal.ensure(lambda x, result: result > x)
def grow(x: int) -> int:
    return x + 1


def clamp(value: int, high: int) -> int:
    """Clamp."""
    if high < 0:
        raise ValueError(high)
    assert value is not None
    result = min(value, high)
    assert result <= high
    return result
''')
    assert roles(found["withdraw"]) == [("pre", "icontract", "amount > 0"),
                                        ("post", "icontract", "result >= 0")]
    assert roles(found["grow"]) == [("pre", "deal", "x >= 0"), ("post", "deal-post", "result > 0"),
                                    ("post", "deal", "result > x")]
    assert roles(found["clamp"]) == [("pre", "expr", "if high < 0: raise"),
                                     ("pre", "expr", "assert value is not None")]
    assert dict(found["clamp"].asserts) == {25: "assert result <= high"}
    assert found["withdraw"].span[0] == 8  # the `def`, where VBR107 reports


def test_methods_take_their_class_invariants_and_invariant_methods() -> None:
    found = targets('''
import deal


@deal.inv(lambda meter: meter.level >= 0)
class Meter:
    def __init__(self, level: int) -> None:
        self.level = level

    def drain(self, amount: int) -> None:
        self.level -= amount

    @staticmethod
    def parse(text: str) -> int:
        return int(text)

    @property
    def empty(self) -> bool:
        return self.level == 0

    def _private(self) -> None:
        self.level = 0


class Stock:
    def __init__(self) -> None:
        self.count = 0

    def check_invariants(self) -> None:
        assert self.count >= 0

    def take(self, n: int) -> None:
        self.count -= n

    @classmethod
    def make(cls) -> "Stock":
        return cls()
''')
    # static, property, private, classmethod: no; the constructors: for the invariants
    assert sorted(found) == ["Meter.__init__", "Meter.drain", "Stock.__init__", "Stock.take"]
    assert found["Stock.__init__"].kind == "init"
    assert found["Stock.take"].invariant_spans == ((29, 30, "check_invariants"),)
    assert roles(found["Meter.drain"]) == [("inv", "icontract", "meter.level >= 0")]
    assert found["Stock.take"].invariant_methods == ("check_invariants",)
    assert list(found["Stock.take"].invariant_asserts.values()) == ["assert self.count >= 0"]
    assert found["Meter.drain"].kind == "method"


@pytest.mark.parametrize("code", [
    "def f(x: int) -> int:\n    return x\n",  # nothing to break
    "import icontract\n@icontract.require(lambda x: x > 0)\ndef f(x: int) -> int:\n    return x\n",
    "import icontract\n@icontract.ensure(lambda result: result)\nasync def f() -> int:\n    return 1\n",
    "import icontract\n@icontract.ensure(lambda result: result)\ndef _f() -> int:\n    return 1\n",
    "import icontract\n@icontract.ensure(lambda result: result)\ndef f():\n    yield 1\n",
    "def outer():\n    def inner(x: int) -> int:\n        assert x\n        return x\n    return inner\n",
    "def f(:\n",  # a syntax error: nothing, no exception
])
def test_no_target(code: str) -> None:
    assert targets(code) == {}


def test_the_digest_follows_the_source_the_class_and_the_imports() -> None:
    code = ("import icontract\n\n\nclass A:\n    def __init__(self) -> None:\n        self.v = 0\n\n"
            "    def check_invariants(self) -> None:\n        assert self.v >= 0\n\n"
            "    def go(self, n: int) -> None:\n        self.v += n\n")
    first = targets(code)["A.go"].digest
    assert targets(code)["A.go"].digest == first
    assert targets(code.replace("self.v = 0", "self.v = 1"))["A.go"].digest != first
    assert targets("import math\n" + code)["A.go"].digest != first
    assert targets(code + "\n\nX = 1\n")["A.go"].digest == first  # other module code: same


def test_a_target_survives_its_json_form() -> None:
    [target] = find_targets("def f(x: int, *rest: int, k: int = 1) -> int:\n"
                            "    y = x\n    assert y >= 0\n    return y\n", SETTINGS)
    assert Target.from_json(target.to_json()) == target
    assert [p.kind for p in target.params] == ["positional", "star", "keyword"]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it draws
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_grammar() | modules())
def test_reading_targets_never_raises(source: str) -> None:
    for target in find_targets(source, SETTINGS):
        assert target.checked
        assert Target.from_json(target.to_json()) == target


@pytest.mark.parametrize(("path", "test"), [
    ("tests/test_pay.py", True), ("pay_test.py", True), ("conftest.py", True),
    ("tests/helpers.py", True), ("pkg/test/fixtures.py", True),
    ("pay.py", False), ("pkg/testing_tools.py", False), ("contest.py", False),
])
def test_test_code_is_known_by_its_path(path: str, test: bool) -> None:
    assert is_test_path(path) is test


def test_an_assert_deeper_in_on_the_input_refuses_it() -> None:
    """From a real finding judged wrong (pluggy 1.5's ``unregister``): an assert
    inside a branch that reads only the parameters checks the input (a failing
    one refuses it); one that reads the function's own work is judged."""
    found = targets('''
class Manager:
    def __init__(self) -> None:
        self.names: dict[str, object] = {}

    def check_invariants(self) -> None:
        assert all(self.names)

    def unregister(self, plugin: object = None, name: str | None = None) -> object:
        if name is None:
            assert plugin is not None, "one of name or plugin needs to be specified"
            name = self.names.get(str(plugin))
            assert name is not None, "plugin is not registered"
        return name


def scale(values: list[int], factor: int) -> list[int]:
    out = [v * factor for v in values]
    if factor:
        assert values, "nothing to scale"
    values = out
    assert len(values) == len(out)
    return out
''')
    unregister = found.get("Manager.unregister")
    # `plugin is not None`: the input; `name is not None`: a lookup's answer, not the
    # result (the plugin is returned... here `name`, so it is judged).
    assert unregister is not None and unregister.checks == (11,)
    assert list(unregister.asserts) == [13]
    assert found["scale"].checks == (20,)
    assert list(found["scale"].asserts) == [22]  # on `out`, the result


def test_only_asserts_on_the_result_or_the_changed_state_are_postconditions() -> None:
    found = targets('''
class Registry:
    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def unregister(self, plugin: str) -> str:
        name = self.items.get(plugin)
        assert name is not None, "plugin is not registered"
        self.items.pop(plugin)
        return plugin

    def add(self, key: str, value: int) -> None:
        self.items[key] = value
        assert key in self.items


def total(values: list[int]) -> int:
    helper = max(values, default=0)
    assert helper >= 0
    result = sum(values)
    assert result >= helper
    return result
''')
    assert "Registry.unregister" not in found  # a lookup checked: nothing to judge
    assert list(found["Registry.add"].asserts) == [14]  # on `self`, after storing into it
    assert list(found["total"].asserts) == [21]  # on the result only


def test_icontract_snapshots_are_taken_for_old() -> None:
    found = targets('''
import icontract


@icontract.snapshot(lambda items: items[:])
@icontract.snapshot(lambda items: len(items), name="size")
@icontract.ensure(lambda items, OLD: len(items) == OLD.size + 1)
def push(items: list[int], item: int) -> None:
    items.append(item)
''')
    assert [(c.role, c.text, c.source) for c in found["push"].conditions
            if c.role == "snapshot"] == [("snapshot", "items", "lambda items: items[:]"),
                                         ("snapshot", "size", "lambda items: len(items)")]
