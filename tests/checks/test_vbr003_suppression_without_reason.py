"""VBR003 suppression-without-reason: its catalogue examples (one test each, generated from
``rules/VBR003.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr003_suppression_without_reason.py``; its page: ``docs/rules/VBR003.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR003"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_suppressions_outside_a_tagged_region_are_not_judged(
    tmp_path: Path,
    codes_of: Callable[..., Any],
) -> None:
    write(
        tmp_path,
        {
            "mixed.py": (
                "def human(a=[]):  # noqa: VBR304 -- hand-written, not ours to judge\n"
                "    return a\n"
                "def also_human(b={}):  # noqa: VBR304\n"
                "    return b\n"
                "# @ai-generated begin\n"
                "def _ai(c=[]):  # noqa: VBR304\n"
                "    return c\n"
                "# @ai-generated end\n"
            )
        },
    )
    # (VBR401 would report the region's missing provenance: not the subject here.)
    assert codes_of(tmp_path, "--extend-select", "VBR004", "--ignore", "VBR401") == [
        ("mixed.py", 6, "VBR003")
    ]


def test_reason_without_the_separator_suppresses_and_says_where_it_goes(tmp_path: Path) -> None:
    """flake8 honours '# noqa: CODE text' (it ignores the text): so do we, and
    VBR003 quotes the comment as it should be, with the line's own code."""
    write(tmp_path, {
        "pyproject.toml": "[tool.vibrails]\nassume-ai = true\n",
        "a.py": "def f(a={}):  # noqa: VBR304 because the caller validates\n    return a\n",
    })
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select",
                          "VBR003,VBR304", cwd=tmp_path)
    found = json.loads(result.stdout)
    assert [f["code"] for f in found] == ["VBR003"]
    assert found[0]["message"] == (
        "the reason must follow ' -- ': write '# noqa: VBR304 -- because the caller "
        "validates'; as written, the suppression holds but records no reason"
    )


def test_missing_reason_quotes_the_lines_own_codes(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.vibrails]\nassume-ai = true\n",
        "a.py": "def f(a={}):  # noqa\n    return a\n\n\nX = 1  # noqa: VBR101\n",
    })
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select",
                          "VBR003,VBR304,VBR101", cwd=tmp_path)
    messages = [f["message"] for f in json.loads(result.stdout) if f["code"] == "VBR003"]
    assert messages == [
        "suppression without a reason: add one after ' -- ', as in '# noqa: VBR304 -- <why>'",
        "suppression without a reason: add one after ' -- ', as in '# noqa: VBR101 -- <why>'",
    ]
