"""VBR302 global-state-mutation: its catalogue examples (one test each, generated from
``rules/VBR302.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr302_global_state_mutation.py``; its page: ``docs/rules/VBR302.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vibrails.core.catalogue import Example

CODE = "VBR302"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_global_state_scopes(tmp_path: Path, state_lines: Callable[..., Any]) -> None:
    source = """
    from pkg import REGISTRY as reg
    import pkg.mod as mod
    CACHE = {}

    def uses_local():
        CACHE = {}
        CACHE["a"] = 1

    def uses_global():
        CACHE["a"] = 1
        reg.append(1)
        mod.flag = True
        mod.helper.cache.clear()

    def outer():
        CACHE2 = []
        def inner():
            CACHE2.append(1)
        return inner

    def late():
        CACHE.update(a=1)
    """
    assert state_lines("VBR302", source) == [10, 11, 12, 13, 22]


def test_global_statement_and_shadowing_later_binding(
    tmp_path: Path,
    state_lines: Callable[..., Any],
) -> None:
    source = """
    counter = 0
    items = []

    def bump():
        global counter
        counter += 1
        del counter

    def later():
        for items in range(3):
            pass
        items.append(1)
    """
    assert state_lines("VBR302", source) == [6, 7]
