"""VBR101 missing-contract: its catalogue examples (one test each, generated from
``rules/VBR101.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr101_missing_contract.py``; its page: ``docs/rules/VBR101.md``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vibrails.core.catalogue import Example

CODE = "VBR101"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


BARE = """
def withdraw(account, amount):
    account.balance -= amount
"""


def _method(body: str) -> str:
    indented = textwrap.indent(body, "        ")
    return f"class Account:\n    def withdraw(self, account, amount):\n{indented}\n        account.x = 1\n"


ACCOUNT = """
class Account:
    def __init__(self):
        self.balance = 0

    def withdraw(self, amount):
        self.balance -= amount
"""


def test_bare_function_is_reported_with_a_teaching_message(
    contract_findings: Callable[..., Any],
) -> None:
    [(code, line, message)] = contract_findings(BARE, ("VBR101",))
    assert (code, line) == ("VBR101", 2)
    assert message == (
        "public function 'withdraw(account, amount)' has no contract: add a precondition "
        "such as '@icontract.require(lambda amount: amount > 0)' or a guard clause"
    )


@pytest.mark.parametrize(
    ("imports", "decorator"),
    [
        ("import icontract", "@icontract.require(lambda amount: amount > 0)"),
        ("import icontract as ic", "@ic.require(lambda amount: amount > 0)"),
        ("from icontract import require", "@require(lambda amount: amount > 0)"),
        ("from icontract import require as pre", "@pre(lambda amount: amount > 0)"),
        ("from icontract import ensure", "@ensure(lambda result: result is None)"),
        ("import deal", "@deal.pre(lambda account, amount: amount > 0)"),
        ("import deal as d", "@d.post(lambda result: result is None)"),
        ("from deal import ensure", "@ensure(lambda account, amount, result: True)"),
        ("import deal", "@deal.chain(deal.pre(lambda account, amount: amount > 0))"),
        ("import dpcontracts", "@dpcontracts.require('positive', lambda args: args.amount > 0)"),
        ("from dpcontracts import ensure", "@ensure('none', lambda args, result: True)"),
        ("from pydantic import validate_call", "@validate_call"),
        ("import pydantic", "@pydantic.validate_call(validate_return=True)"),
        ("from pydantic import validate_arguments", "@validate_arguments"),
        ("from beartype import beartype", "@beartype"),
        ("import beartype", "@beartype.beartype"),
        ("from typeguard import typechecked", "@typechecked"),
        ("import typeguard as tg", "@tg.typechecked"),
    ],
)
def test_recognised_decorator(
    imports: str,
    decorator: str,
    contract_lines: Callable[..., Any],
) -> None:
    source = f"{imports}\n\n{decorator}\ndef withdraw(account, amount):\n    account.balance -= amount\n"
    assert contract_lines(source, "VBR101") == []


@pytest.mark.parametrize(
    ("imports", "decorator"),
    [
        ("import icontract", "@icontract.snapshot(lambda account: account.balance)"),
        ("import deal", "@deal.raises(ValueError)"),
        ("import deal", "@deal.reason(ValueError, lambda amount: amount < 0)"),
        ("import deal", "@deal.has('io')"),
        ("import deal", "@deal.safe"),
        ("import deal", "@deal.pure"),
        ("import functools", "@functools.lru_cache"),
        ("from mylib import require", "@require(lambda amount: amount > 0)"),
    ],
)
def test_decorators_that_are_not_contracts(
    imports: str,
    decorator: str,
    contract_lines: Callable[..., Any],
) -> None:
    source = f"{imports}\n\n{decorator}\ndef withdraw(account, amount):\n    account.balance -= amount\n"
    assert contract_lines(source, "VBR101") == [4]


def test_class_level_type_checker_covers_methods(contract_lines: Callable[..., Any]) -> None:
    source = """
    from beartype import beartype

    @beartype
    class Ledger:
        def post(self, entry: dict) -> None:
            self.entries.append(entry)
    """
    assert contract_lines(source, "VBR101") == []


@pytest.mark.parametrize(
    "body",
    [
        "assert amount > 0",
        "assert account is not None, 'no account'",
        "if amount <= 0:\n    raise ValueError(amount)",
        "if not isinstance(amount, int):\n    msg = 'int'\n    raise TypeError(msg)",
        "if amount > 0:\n    pass\nelse:\n    raise ValueError(amount)",
        "if amount == 1:\n    pass\nelif amount < 0:\n    raise ValueError(amount)",
        "if self.closed:\n    raise RuntimeError('closed')",
        "if not items:\n    return []\nif amount < 0:\n    raise ValueError(amount)",
        "validate_amount(amount)",
        "self._check_amount(amount)",
        "_ensure_positive(amount)",
    ],
)
def test_guard_forms(body: str, contract_lines: Callable[..., Any]) -> None:
    assert contract_lines(_method(body), "VBR101") == []


@pytest.mark.parametrize(
    "body",
    [
        "assert CONFIG",  # names no parameter
        "if DEBUG:\n    raise RuntimeError('debug')",  # names no parameter
        "if amount < 0:\n    amount = 0",  # no raise
        "log(amount)",
        "subprocess.check_call(amount)",  # not a validator
        "return None\nassert amount > 0",  # after the first return
        "yield amount\nassert amount > 0",  # after the first yield
        "for a in amount:\n    if a < 0:\n        raise ValueError(a)",  # nested: not top-level
    ],
)
def test_not_guards(body: str, contract_lines: Callable[..., Any]) -> None:
    assert contract_lines(_method(body), "VBR101") == [2]


def test_validator_named_in_config(contract_lines: Callable[..., Any]) -> None:
    source = """
    def store(item):
        sanitize(item)
        DB.append(item)
    """
    assert contract_lines(source, "VBR101") == [2]
    assert contract_lines(source, "VBR101", contracts={"validators": ["sanitize"]}) == []


def test_configured_decorator_by_qualified_name(contract_lines: Callable[..., Any]) -> None:
    source = """
    from myproject.checks import audited as aud

    @aud
    def refund(order, amount):
        order.refund(amount)
    """
    assert contract_lines(source, "VBR101") == [5]
    assert contract_lines(source, "VBR101", contracts={"decorators": ["myproject.checks.audited"]}) == []


def test_annotations_count_only_when_configured(contract_lines: Callable[..., Any]) -> None:
    source = """
    def area(width: float, height: float) -> float:
        return width * height
    """
    assert contract_lines(source, "VBR101") == [2]
    assert contract_lines(source, "VBR101", contracts={"annotations": True}) == []


@pytest.mark.parametrize(
    "source",
    [
        "def _private(x):\n    return x\n",
        "class _Private:\n    def run(self, x):\n        return x\n",
        "class A:\n    def __eq__(self, other):\n        return self is other\n",
        "class A:\n    def __call__(self, x):\n        return x\n",
        "def outer():\n    def inner(x):\n        return x\n    return inner\n",
        "f = lambda x: x\n",
        "class A:\n    class B:\n        def run(self, x):\n            return x\n",
        "def nothing():\n    return 1\n",
        "class A:\n    def run(self):\n        return 1\n",
        "class A:\n    @property\n    def name(self):\n        return self._n\n",
        "from typing import overload\n@overload\ndef f(x: int) -> int: ...\n",
        "import typing\n@typing.overload\ndef f(x: int) -> int: ...\n",
        "from abc import abstractmethod\nclass A:\n    @abstractmethod\n    def f(self, x):\n        return x\n",
        "from typing_extensions import override\nclass A:\n    @override\n    def f(self, x):\n        return x\n",
        "def f(x):\n    ...\n",
        "def f(x):\n    pass\n",
        "def f(x):\n    '''Doc only.'''\n",
        "def f(x):\n    raise NotImplementedError\n",
        "class P:\n    def f(self, x): ...\n",
    ],
)
def test_never_flagged(source: str, contract_lines: Callable[..., Any]) -> None:
    assert contract_lines(source, "VBR101") == []


def test_init_is_public_and_first_parameter_is_self_whatever_its_name(
    contract_findings: Callable[..., Any],
) -> None:
    source = """
    class Meta(type):
        def __init__(mcs, name):
            mcs.name = name

        @staticmethod
        def make(kind):
            return kind

        @classmethod
        def build(klass):
            return klass()
    """
    found = contract_findings(source, ("VBR101",))
    assert [line for _, line, _ in found] == [3, 7]
    assert "'Meta.__init__(name)'" in found[0][2]


def test_async_def_is_checked(contract_lines: Callable[..., Any]) -> None:
    assert contract_lines("async def fetch(url):\n    return await get(url)\n", "VBR101") == [1]


def test_test_functions_and_fixtures_in_test_files_are_exempt(
    contract_lines: Callable[..., Any],
) -> None:
    source = """
    import pytest

    @pytest.fixture
    def account(tmp_path):
        return tmp_path

    def test_withdraw(account):
        account.withdraw(1)

    def helper(x):
        return x
    """
    assert contract_lines(source, "VBR101", path="tests/test_bank.py") == [11]
    assert contract_lines(source, "VBR101", path="bank.py") == [5, 8, 11]


def test_validators_are_contracts_themselves(contract_lines: Callable[..., Any]) -> None:
    source = """
    import attrs
    from pydantic import BaseModel, field_validator, model_validator

    class Order(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def strip(cls, value):
            return value.strip()

        @model_validator(mode="before")
        @classmethod
        def fill(cls, data):
            return data

    @attrs.define
    class Range:
        low: int

        @low.validator
        def check(self, attribute, value):
            print(value)
    """
    assert contract_lines(source, "VBR101") == []
    assert contract_lines(source, "VBR102") == []


@pytest.mark.usefixtures("in_tmp")
def test_message_names_condition_use_line_and_derived_contract(
    tmp_path: Path,
    implied_found: Callable[..., Any],
) -> None:
    [finding] = implied_found("VBR101", ACCOUNT)
    assert (finding.line, finding.column) == (5, 5)
    assert finding.message == (
        "public method 'Account.withdraw(amount)' relies on 'amount >= 0' without checking it: "
        "'amount' is subtracted from self.balance (line 6), and a negative value adds to it "
        "instead; add '@icontract.require(lambda amount: amount >= 0)' or a guard clause"
    )
    assert finding.related[:4] == (6, 9, 6, 31)


@pytest.mark.usefixtures("in_tmp")
def test_public_scope_reports_every_function_without_a_contract(
    tmp_path: Path,
    implied_found: Callable[..., Any],
) -> None:
    source = "def greet(user):\n    return user.name\n"
    assert implied_found("VBR101", source) == []
    public = implied_found("VBR101", source, config={"contracts": {"scope": "public"}})
    assert [f.line for f in public] == [1]
    assert "has no contract" in public[0].message


@pytest.mark.usefixtures("in_tmp")
@pytest.mark.parametrize(
    "source",
    [
        # the state is a list: += extends it, nothing numeric to hold
        "class A:\n    def __init__(self):\n        self.items = []\n"
        "    def add(self, more):\n        self.items += more\n",
        # compared with a constant before use: checked
        "def head(rows, n):\n    if n < 0:\n        n = 0\n    return rows[:n]\n",
        # rebound to a normalised value
        "def head(rows, n):\n    n = max(n, 0)\n    return rows[:n]\n",
        # a comparison with another variable is a use; the assert is the check
        "def run(job, attempts):\n    assert attempts > 0\n    for i in range(attempts):\n"
        "        job()\n",
        # framework-validated route
        "from fastapi import APIRouter\nrouter = APIRouter()\n"
        "@router.get('/x')\ndef items(limit: int):\n    rows = load()\n    return rows[:limit]\n",
    ],
)
def test_checked_or_validated_parameters_are_not_reported(
    tmp_path: Path,
    source: str,
    implied_found: Callable[..., Any],
) -> None:
    assert implied_found("VBR101", source) == []


@pytest.mark.usefixtures("in_tmp")
def test_a_comparison_with_a_counter_does_not_count_as_a_check(
    tmp_path: Path,
    implied_found: Callable[..., Any],
) -> None:
    source = """
    def retry(job, attempts):
        for attempt in range(attempts):
            if attempt < attempts - 1:
                job()
    """
    assert [f.line for f in implied_found("VBR101", source)] == [1]


@pytest.mark.usefixtures("in_tmp")
@pytest.mark.parametrize(
    ("body", "condition"),
    [("return [i / n for i in range(1, n)]", "n >= 1"),
     ("return list(range(n - 1))", "n >= 1"),
     ("return [0 for _ in range(2, n + 3)]", "n >= -1"),
     ("return items[:n - 1] + items", "n >= 1"),
     ("return [[0] * (n + 1)]", "n >= -1"),
     ("return [i for i in range(0, 10, n)]", "n > 0")],
)
def test_the_condition_follows_the_arithmetic_of_the_use(tmp_path: Path, body: str,
                                                         condition: str, implied_found: Callable[..., Any]) -> None:
    [finding] = implied_found("VBR101", f"def f(items, n):\n    {body}\n")
    assert f"relies on '{condition}'" in finding.message
    assert f"lambda n: {condition}" in finding.message


@pytest.mark.usefixtures("in_tmp")
def test_a_merge_counts_into_named_settings_only(
    tmp_path: Path,
    implied_found: Callable[..., Any],
) -> None:
    source = """
    class Box:
        def __init__(self):
            self.settings = {"theme": "light"}
            self.headers = {}

        def configure(self, options):
            self.settings.update(options)

        def add_headers(self, extra):
            self.headers.update(extra)
    """
    [finding] = implied_found("VBR101", source)
    assert finding.line == 6
    assert "'set(options) <= set(self.settings)'" in finding.message
