"""The apply_patch reader behind Codex CLI's hooks (src/vibrails/provenance/patches.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vibrails.provenance.patches import PatchError, added_lines, find_patch, parse_patch


def test_every_action_of_a_patch() -> None:
    files = parse_patch(
        "*** Begin Patch\n"
        "*** Add File: a.py\n+x = 1\n+y = 2\n"
        "*** Update File: b.py\n*** Move to: c.py\n@@ def f():\n-    return 1\n+    return 2\n"
        " \n@@\n+z = 3\n*** End of File\n"
        "*** Delete File: d.py\n"
        "*** End Patch"
    )
    assert [(f.action, f.path, f.moved_from) for f in files] == [
        ("add", "a.py", None), ("update", "c.py", "b.py"), ("delete", "d.py", None)]
    assert [h.lines for h in files[0].hunks] == [[(True, "x = 1"), (True, "y = 2")]]
    assert [h.lines for h in files[1].hunks] == [[(True, "    return 2"), (False, "")],
                                                 [(True, "z = 3")]]


def test_find_patch_in_a_string_or_an_argument_list() -> None:
    patch = "*** Begin Patch\n*** Delete File: a.py\n*** End Patch\n"
    assert find_patch(["cat <<'EOF' | apply_patch\n" + patch]) == patch
    assert find_patch([["apply_patch", patch], "/work"]) == patch
    assert find_patch([["rg", "x"], 3, None]) is None


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        files = parse_patch("*** Begin Patch\n" + text)
    except PatchError:
        return
    assert all(f.action in ("add", "update", "delete") and f.path for f in files)


@given(
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=3),
)
def test_added_lines_are_where_the_hunk_put_them(
    before: int, after: int, count: int, context: int
) -> None:
    old = [f"old {i}" for i in range(before + after)]
    new_lines = [f"new {i}" for i in range(count)]
    text = "\n".join(old[:before] + new_lines + old[before:]) + "\n"
    hunk = [f" {line}" for line in old[max(0, before - context):before]]
    hunk += [f"+{line}" for line in new_lines]
    hunk += [f" {line}" for line in old[before:before + context]]
    [patched] = parse_patch("\n".join(
        ["*** Begin Patch", "*** Update File: f.py", "@@", *hunk, "*** End Patch"]))
    assert added_lines(text, patched.hunks) == [before + 1, before + count]


def test_a_hunk_not_found_gives_no_lines() -> None:
    [patched] = parse_patch("*** Begin Patch\n*** Update File: f.py\n@@\n+gone\n*** End Patch")
    assert added_lines("something else\n", patched.hunks) is None


@pytest.mark.parametrize("text", ["", "not a patch", "*** Begin Patch\n*** Add File: \n"])
def test_not_a_patch(text: str) -> None:
    with pytest.raises(PatchError):
        parse_patch(text)
