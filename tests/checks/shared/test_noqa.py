"""Reading ``# noqa`` comments (``checks/shared/noqa.py``): codes, reasons, and what is not one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vibrails.suppress.noqa import parse_suppressions


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
