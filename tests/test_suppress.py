"""Suppressions: parsing, applying, and judging them (VBR003, VBR004)."""

from __future__ import annotations

import json
from pathlib import Path

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
