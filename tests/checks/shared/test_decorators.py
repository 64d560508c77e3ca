"""The contract libraries' decorators as a project builds on them (``checks/shared/decorators.py``):
helpers in the same file and in other project modules, read with astroid, never imported."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vibrails.checks.shared import decorators


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


def test_same_file_helper_built_from_a_contract(contract_lines: Callable[..., Any]) -> None:
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
    assert contract_lines(source, "VBR101") == [21]


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
    tmp_path: Path, imports: str, decorator: str, flagged: bool, contract_lines: Callable[..., Any]
) -> None:
    package = _project(tmp_path)
    source = f"{imports}\n\n{decorator}\ndef withdraw(account, amount):\n    account.x = amount\n"
    path = package / "accounts.py"
    assert contract_lines(source, "VBR101", path=str(path)) == ([4] if flagged else [])


def test_project_helper_chain_through_a_reexport(
    tmp_path: Path,
    contract_lines: Callable[..., Any],
) -> None:
    package = _project(tmp_path)
    source = "from .contracts import reexported\n\n@reexported\ndef f(account, amount):\n    pass\n"
    # ``pass`` is a stub body: use a real body.
    source = source.replace("    pass", "    account.x = amount")
    assert contract_lines(source, "VBR101", path=str(package / "accounts.py")) == []


def test_astroid_is_not_touched_when_nothing_needs_it(
    tmp_path: Path,
    contract_lines: Callable[..., Any],
) -> None:
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
    assert contract_lines(source, "VBR101", path=str(tmp_path / "mod.py")) == [12, 16]
    assert decorators._MODULE_CACHE == {}


def test_project_helper_lookup_never_imports_the_package(
    tmp_path: Path,
    contract_lines: Callable[..., Any],
) -> None:
    package = _project(tmp_path)
    (package / "contracts.py").write_text(
        "raise SystemExit('executed!')\nimport icontract\n"
        "positive_amount = icontract.require(lambda amount: amount > 0)\n"
    )
    decorators._MODULE_CACHE.clear()
    decorators._HELPER_CACHE.clear()
    source = "from .contracts import positive_amount\n\n@positive_amount\ndef f(a, amount):\n    a.x = 1\n"
    started = time.perf_counter()
    assert contract_lines(source, "VBR101", path=str(package / "accounts.py")) == []
    assert time.perf_counter() - started < 2.0
