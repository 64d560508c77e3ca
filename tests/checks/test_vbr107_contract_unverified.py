"""VBR107 contract-unverified: its catalogue examples (one test each, generated from
``rules/VBR107.toml``, each run by ``vibrails verify``), and its messages.

The rule: ``src/vibrails/checks/vbr107_contract_unverified.py`` (the search
and its containment: ``src/vibrails/verify/``); its page:
``docs/rules/VBR107.md``. Containment is tested on a whole module in
``tests/verify/test_containment.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vibrails.checks.vbr107_contract_unverified import contained_message, unverified_message
from vibrails.core.catalogue import Example

CODE = "VBR107"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_messages_say_why_and_what_to_do() -> None:
    text = unverified_message("total", "parameter 'values' has no type hint to draw values from")
    assert text.startswith("'total' was not verified: parameter 'values' has no type hint")
    assert "--timeout" in text
    text = contained_message("export", ["write /srv/total.txt"])
    assert text.startswith("verifying 'export' was contained: write /srv/total.txt;")
    assert "parameter" in text
