"""VBR101-VBR104: one test per recognised contract form, plus the edge cases.

Each snippet is checked in process, as ``--assume-ai`` would, with only the
codes under test enabled.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from vibrails.checks.shared import decorators
from vibrails.config import defaults
from vibrails.engine.tree import check_tree
from vibrails.tagging import Tag


def findings(
    source: str,
    codes: tuple[str, ...],
    path: str = "example.py",
    **tables: dict[str, Any],
) -> list[tuple[str, int, str]]:
    """``(code, line, message)`` of each finding of ``codes`` in ``source``.

    VBR101 runs with ``contracts.scope = "public"`` here (every public function
    without a contract): these tests pin that scope's recognition of contract
    forms; the default ``"implied"`` scope is tested in ``test_implied.py``.
    """
    settings = defaults()
    settings["contracts"]["scope"] = "public"
    for table, values in tables.items():
        settings[table].update(values)
    result = check_tree(path, textwrap.dedent(source), Tag("assume-ai"), set(codes), settings)
    found = getattr(result, "findings", result)
    return sorted((f.code, f.line, f.message) for f in found if f.code in codes)


def lines(source: str, code: str, path: str = "example.py", **tables: dict[str, Any]) -> list[int]:
    return [line for _, line, _ in findings(source, (code,), path, **tables)]


BARE = """
def withdraw(account, amount):
    account.balance -= amount
"""


def test_bare_function_is_reported_with_a_teaching_message() -> None:
    [(code, line, message)] = findings(BARE, ("VBR101",))
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
def test_recognised_decorator(imports: str, decorator: str) -> None:
    source = f"{imports}\n\n{decorator}\ndef withdraw(account, amount):\n    account.balance -= amount\n"
    assert lines(source, "VBR101") == []


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
def test_decorators_that_are_not_contracts(imports: str, decorator: str) -> None:
    source = f"{imports}\n\n{decorator}\ndef withdraw(account, amount):\n    account.balance -= amount\n"
    assert lines(source, "VBR101") == [4]


def test_class_level_type_checker_covers_methods() -> None:
    source = """
    from beartype import beartype

    @beartype
    class Ledger:
        def post(self, entry: dict) -> None:
            self.entries.append(entry)
    """
    assert lines(source, "VBR101") == []


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
def test_guard_forms(body: str) -> None:
    assert lines(_method(body), "VBR101") == []


def _method(body: str) -> str:
    indented = textwrap.indent(body, "        ")
    return f"class Account:\n    def withdraw(self, account, amount):\n{indented}\n        account.x = 1\n"


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
def test_not_guards(body: str) -> None:
    assert lines(_method(body), "VBR101") == [2]


def test_validator_named_in_config() -> None:
    source = """
    def store(item):
        sanitize(item)
        DB.append(item)
    """
    assert lines(source, "VBR101") == [2]
    assert lines(source, "VBR101", contracts={"validators": ["sanitize"]}) == []


def test_configured_decorator_by_qualified_name() -> None:
    source = """
    from myproject.checks import audited as aud

    @aud
    def refund(order, amount):
        order.refund(amount)
    """
    assert lines(source, "VBR101") == [5]
    assert lines(source, "VBR101", contracts={"decorators": ["myproject.checks.audited"]}) == []


def test_annotations_count_only_when_configured() -> None:
    source = """
    def area(width: float, height: float) -> float:
        return width * height
    """
    assert lines(source, "VBR101") == [2]
    assert lines(source, "VBR101", contracts={"annotations": True}) == []


def test_crosshair_docstring_counts_only_with_the_verifier() -> None:
    source = '''
    def sqrt(x):
        """Root.

        pre: x >= 0
        post: __return__ >= 0
        """
        return x ** 0.5
    '''
    assert lines(source, "VBR103") == [2]
    assert lines(source, "VBR101") == []  # stated: VBR103's finding, not a second one
    assert lines(source, "VBR103", contracts={"verifier": "crosshair"}) == []
    assert lines(source, "VBR102", contracts={"verifier": "crosshair"}) == []
    assert lines(source, "VBR102") == [2]


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
def test_never_flagged(source: str) -> None:
    assert lines(source, "VBR101") == []


def test_init_is_public_and_first_parameter_is_self_whatever_its_name() -> None:
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
    found = findings(source, ("VBR101",))
    assert [line for _, line, _ in found] == [3, 7]
    assert "'Meta.__init__(name)'" in found[0][2]


def test_async_def_is_checked() -> None:
    assert lines("async def fetch(url):\n    return await get(url)\n", "VBR101") == [1]


def test_test_functions_and_fixtures_in_test_files_are_exempt() -> None:
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
    assert lines(source, "VBR101", path="tests/test_bank.py") == [11]
    assert lines(source, "VBR101", path="bank.py") == [5, 8, 11]


def test_same_file_helper_built_from_a_contract() -> None:
    source = """
    import icontract

    positive = icontract.require(lambda amount: amount > 0)

    def _non_negative(func):
        return icontract.require(lambda amount: amount >= 0)(func)

    def _log(func):
        return func

    @positive
    def deposit(account, amount):
        account.balance += amount

    @_non_negative
    def withdraw(account, amount):
        account.balance -= amount

    @_log
    def close(account, reason):
        account.close()
    """
    assert lines(source, "VBR101") == [21]


# -- project helpers through astroid ------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    package = tmp_path / "bank"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "contracts.py").write_text(
        textwrap.dedent(
            """
            import icontract
            from icontract import ensure as _ensure
            from .base import wrapped

            positive_amount = icontract.require(lambda amount: amount > 0)
            non_negative_result = _ensure(lambda result: result >= 0)

            def audited(func):
                return func

            def checked(func):
                return icontract.require(lambda account: account is not None)(func)

            reexported = wrapped
            """
        )
    )
    (package / "base.py").write_text("import deal\nwrapped = deal.pre(lambda amount: amount > 0)\n")
    return package


@pytest.mark.parametrize(
    ("imports", "decorator", "flagged"),
    [
        ("from .contracts import positive_amount", "@positive_amount", False),
        ("from . import contracts", "@contracts.positive_amount", False),
        ("from .contracts import non_negative_result", "@non_negative_result", False),
        ("from .contracts import checked", "@checked", False),
        ("from .contracts import wrapped", "@wrapped", False),  # re-exported by contracts.py
        ("from .base import wrapped", "@wrapped", False),
        ("from bank.contracts import positive_amount", "@positive_amount", False),
        ("from .contracts import audited", "@audited", True),
        ("from .missing import positive", "@positive", True),
        ("from requests import positive", "@positive", True),
    ],
)
def test_project_helper_resolved_with_astroid(
    tmp_path: Path, imports: str, decorator: str, flagged: bool
) -> None:
    package = _project(tmp_path)
    source = f"{imports}\n\n{decorator}\ndef withdraw(account, amount):\n    account.x = amount\n"
    path = package / "accounts.py"
    assert lines(source, "VBR101", path=str(path)) == ([4] if flagged else [])


def test_project_helper_chain_through_a_reexport(tmp_path: Path) -> None:
    package = _project(tmp_path)
    source = "from .contracts import reexported\n\n@reexported\ndef f(account, amount):\n    pass\n"
    # ``pass`` is a stub body: use a real body.
    source = source.replace("    pass", "    account.x = amount")
    assert lines(source, "VBR101", path=str(package / "accounts.py")) == []


def test_astroid_is_not_touched_when_nothing_needs_it(tmp_path: Path) -> None:
    decorators._MODULE_CACHE.clear()
    source = """
    import functools
    import icontract
    from django.utils.decorators import method_decorator

    @functools.wraps(print)
    @icontract.require(lambda x: x > 0)
    def f(x):
        return x

    @property
    def g(self):
        return 1

    @method_decorator(print)
    def h(a):
        return a
    """
    assert lines(source, "VBR101", path=str(tmp_path / "mod.py")) == [12, 16]
    assert decorators._MODULE_CACHE == {}


def test_project_helper_lookup_never_imports_the_package(tmp_path: Path) -> None:
    package = _project(tmp_path)
    (package / "contracts.py").write_text(
        "raise SystemExit('executed!')\nimport icontract\n"
        "positive_amount = icontract.require(lambda amount: amount > 0)\n"
    )
    decorators._MODULE_CACHE.clear()
    decorators._HELPER_CACHE.clear()
    source = "from .contracts import positive_amount\n\n@positive_amount\ndef f(a, amount):\n    a.x = 1\n"
    started = time.perf_counter()
    assert lines(source, "VBR101", path=str(package / "accounts.py")) == []
    assert time.perf_counter() - started < 2.0


# -- VBR102 ----------------------------------------------------------------------------


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
def test_postcondition(source: str, expected: list[int]) -> None:
    assert lines(source, "VBR102") == expected


# -- VBR103 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["pre: x > 0", "post: __return__ > 0", "Precondition: x > 0", "Preconditions:",
     "Postcondition: sorted", "Postconditions:", "Requires: x > 0", "Ensures: sorted",
     "Invariant: x > 0", "requires: x > 0"],
)
def test_stated_contract_forms(line: str) -> None:
    source = f'def _f(x):\n    """Do.\n\n    {line}\n    """\n    return x\n'
    [(_, _, message)] = findings(source, ("VBR103",))
    assert line in message


def test_stated_contract_enforced_by_guard_or_decorator() -> None:
    guard = 'def f(x):\n    """Requires: x > 0"""\n    if x <= 0:\n        raise ValueError(x)\n'
    deco = 'import deal\n@deal.pre(lambda x: x > 0)\ndef f(x):\n    """pre: x > 0"""\n    return x\n'
    prose = 'def f(x):\n    """This requires: nothing. Call the precondition checker."""\n    return x\n'
    assert lines(guard, "VBR103") == []
    assert lines(deco, "VBR103") == []
    assert lines(prose, "VBR103") == []


# -- VBR104 ----------------------------------------------------------------------------


def test_assert_only_message_quotes_the_assert() -> None:
    [(_, line, message)] = findings("def f(a, n):\n    assert n > 0\n    a.x = n\n", ("VBR104",))
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
def test_not_assert_only(source: str) -> None:
    assert lines(source, "VBR104") == []


def test_validators_are_contracts_themselves() -> None:
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
    assert lines(source, "VBR101") == []
    assert lines(source, "VBR102") == []
