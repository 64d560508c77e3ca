"""Suppressions: parsing, applying, and judging them (VBR003, VBR004)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from util import run_vibrails, write

from vibrails.suppress import parse_suppressions


def test_parse_codes_and_reason() -> None:
    [s] = parse_suppressions("x = []  # noqa: VBR304,E501 -- shared on purpose\n")
    assert (s.line, s.column, s.codes, s.reason) == (1, 8, ("VBR304", "E501"), "shared on purpose")


def test_bare_noqa_covers_every_code() -> None:
    [s] = parse_suppressions("x = 1  # NOQA\n")
    assert s.codes == () and s.covers("VBR304") and s.reason == ""


def test_noqa_in_a_string_is_not_a_suppression() -> None:
    assert parse_suppressions('text = "# noqa: VBR304 -- no"\n') == []


def test_noqa_in_a_multiline_string_is_not_a_suppression() -> None:
    assert parse_suppressions('text = """\n# noqa: VBR304\n"""\n') == []


@given(
    codes=st.lists(st.from_regex(r"VBR[0-9]{3}", fullmatch=True), min_size=1, max_size=4),
    reason=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40
    ).map(str.strip),
    separator=st.sampled_from([",", ", ", " "]),
)
def test_parse_round_trip(codes: list[str], reason: str, separator: str) -> None:
    comment = f"# noqa: {separator.join(codes)}" + (f" -- {reason}" if reason else "")
    [s] = parse_suppressions(f"x = 1  {comment}\n")
    assert s.codes == tuple(codes)
    assert s.reason == reason


@given(st.text(max_size=200))
def test_parser_never_raises(text: str) -> None:
    parse_suppressions(text)


def _codes(root: Path, *args: str) -> list[tuple[str, int, str]]:
    result = run_vibrails("check", "--no-cache", "--format", "json", *args, ".", cwd=root)
    assert "Traceback" not in result.stderr
    return [(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)]


def test_suppressions_outside_a_tagged_region_are_not_judged(tmp_path: Path) -> None:
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
    assert _codes(tmp_path, "--extend-select", "VBR004", "--ignore", "VBR401") == [
        ("mixed.py", 6, "VBR003")
    ]


def test_unused_suppression_is_reported_only_when_selected(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "# @ai-generated\nx = None  # noqa: VBR304 -- stale\n"})
    assert _codes(tmp_path, "--ignore", "VBR401") == []
    assert _codes(tmp_path, "--extend-select", "VBR004", "--ignore", "VBR401") == [
        ("a.py", 2, "VBR004")
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


@pytest.mark.parametrize(
    ("comment", "codes", "reason", "misplaced"),
    [
        ("# noqa: VBR101 -- caller validates", ("VBR101",), "caller validates", ""),
        ("# noqa: VBR101 because x", ("VBR101",), "", "because x"),
        ("# noqa because x", (), "", "because x"),
        ("# noqa: VBR101  # type: ignore", ("VBR101",), "", ""),
        ("# noqa:VBR101,VBR304", ("VBR101", "VBR304"), "", ""),
        ("# noqa: VBR304 --", ("VBR304",), "", ""),
    ],
)
def test_parse_reason_and_misplaced_text(
    comment: str, codes: tuple[str, ...], reason: str, misplaced: str
) -> None:
    [found] = parse_suppressions(f"x = 1  {comment}\n")
    assert (found.codes, found.reason, found.misplaced) == (codes, reason, misplaced)
