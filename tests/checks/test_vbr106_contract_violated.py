"""VBR106 contract-violated: its catalogue examples (one test each, generated from
``rules/VBR106.toml``, each run by ``vibrails verify``), and its message.

The rule: ``src/vibrails/checks/vbr106_contract_violated.py`` (the search:
``src/vibrails/verify/``); its page: ``docs/rules/VBR106.md``. The fixture of
planted violations is ``tests/verify/test_fixture.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import check_verify_example

from vibrails.checks.vbr106_contract_violated import violation_message
from vibrails.core.catalogue import Example

CODE = "VBR106"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_the_message_names_the_call_its_result_and_the_condition() -> None:
    message = violation_message("withdraw", {
        "call": "withdraw(balance=0, amount=1)", "outcome": "returns -1",
        "condition": "result >= 0", "what": "postcondition", "line": 6})
    assert message.startswith("withdraw(balance=0, amount=1) returns -1; violates 'result >= 0' "
                              "(its postcondition, line 6)")
    assert "precondition" in message  # what to write instead


def test_a_condition_with_quotes_is_quoted_so_that_it_reads() -> None:
    message = violation_message("slug", {
        "call": "slug(title='0 0')", "outcome": "returns '0- 0'",
        "condition": "' ' not in result", "what": "postcondition", "line": 3})
    assert "violates \"' ' not in result\"" in message


def test_the_finding_points_at_the_function(tmp_path: Path) -> None:
    code = ("import icontract\n\n\n@icontract.ensure(lambda result: result > 0)\n"
            "def double(x: int) -> int:\n    return 2 * x\n")
    [finding] = check_verify_example(tmp_path, code, "example.py", (CODE,))
    assert (finding.line, finding.code) == (4, CODE)
    assert finding.message.startswith("double(x=0) returns 0; violates 'result > 0'")
