"""VBR305 shared-mutable-class-attribute: its catalogue examples (one test each, generated from
``rules/VBR305.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr305_shared_mutable_class_attribute.py``; its page: ``docs/rules/VBR305.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vibrails.core.catalogue import Example

CODE = "VBR305"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_shared_class_attribute_needs_a_mutation_through_self(
    tmp_path: Path,
    state_findings: Callable[..., Any],
    state_lines: Callable[..., Any],
) -> None:
    source = """
    class A:
        items = []
        names = []
        table = {}

        def add(self, x):
            self.items.append(x)
            return self.names

        @classmethod
        def reg(cls, k):
            cls.table[k] = 1
    """
    assert state_lines("VBR305", source) == [2]
    assert "'add' mutates it through 'self.items'" in state_findings("VBR305", source)[0].message
