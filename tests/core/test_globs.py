"""Glob patterns of the configuration and of ``.gitignore`` (vibrails.core.globs)."""

from __future__ import annotations

import fnmatch
import pickle
import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vibrails.core.globs import GlobSet, parse, translate


def matches(pattern: str, path: str, is_dir: bool = False, below: bool = True) -> bool:
    return GlobSet([pattern])(path, is_dir, below) is not None


# -- anchoring -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["venv", "a/venv", "a/b/venv", "venv/x.py", "a/venv/b/c.py"])
def test_pattern_without_slash_matches_at_any_depth(path: str) -> None:
    assert matches("venv", path)


@pytest.mark.parametrize("path", ["venvs", "myvenv", "a/venv2/x.py", "a/xvenv"])
def test_pattern_without_slash_matches_whole_names_only(path: str) -> None:
    assert not matches("venv", path)


def test_leading_slash_anchors_at_the_root() -> None:
    assert matches("/setup.py", "setup.py")
    assert not matches("/setup.py", "pkg/setup.py")
    assert matches("/build", "build/lib/x.py")
    assert not matches("/build", "src/build/x.py")


def test_slash_in_the_middle_anchors_at_the_root() -> None:
    assert matches("src/gen", "src/gen/a.py")
    assert matches("src/gen", "src/gen")
    assert not matches("src/gen", "lib/src/gen/a.py")
    assert not matches("src/gen", "src/generated/a.py")


def test_leading_dot_slash_is_the_root() -> None:
    assert matches("./src/gen/**", "src/gen/a.py")
    assert not matches("./src/gen/**", "x/src/gen/a.py")
    assert matches("  venv  ", "a/venv/x.py")


def test_trailing_slash_alone_does_not_anchor_and_names_folders_only() -> None:
    assert matches("build/", "build", is_dir=True)
    assert matches("build/", "a/b/build", is_dir=True)
    assert not matches("build/", "build", is_dir=False)
    assert not matches("build/", "a/build", is_dir=False)
    # everything inside a matching folder is matched, file or not
    assert matches("build/", "a/build/x.py")
    assert matches("build/", "build/sub/x.py")


def test_folder_match_covers_everything_below() -> None:
    for path in ["node_modules/x.py", "a/node_modules/b/c/d.py"]:
        assert matches("node_modules", path)
    assert matches("src/*_pb2", "src/x_pb2/y/z.py")


def test_below_false_asks_about_the_path_itself() -> None:
    assert matches("venv", "a/venv", is_dir=True, below=False)
    assert not matches("venv", "a/venv/x.py", below=False)
    assert not matches("src/gen", "src/gen/x.py", below=False)
    assert matches("src/gen/**", "src/gen/x.py", below=False)


# -- wildcards -------------------------------------------------------------------


def test_star_stays_within_one_folder() -> None:
    assert matches("src/*.py", "src/a.py")
    assert not matches("src/*.py", "src/a/b.py")
    assert matches("*.py", "a/b/c.py")
    assert matches("*_pb2.py", "proto/x_pb2.py")
    assert not matches("*_pb2.py", "proto/x_pb3.py")


def test_question_mark_is_one_character_but_not_a_slash() -> None:
    assert matches("a?c.py", "abc.py")
    assert not matches("a?c.py", "ac.py")
    assert not matches("a?c.py", "abbc.py")
    assert not matches("src/a?b", "src/a/b")


def test_double_star_spans_folders() -> None:
    assert matches("**/gen", "gen")
    assert matches("**/gen", "x/y/gen/z.py")
    assert matches("src/**/gen", "src/gen")
    assert matches("src/**/gen", "src/a/b/gen/x.py")
    assert not matches("src/**/gen", "lib/src/a/gen")
    assert matches("src/**", "src/a/b/c.py")
    assert not matches("src/**", "src", is_dir=True, below=False)
    assert matches("src/**/*.py", "src/a.py")
    assert matches("src/**/*.py", "src/a/b/c.py")
    assert matches("**", "anything/at/all.py")


def test_double_star_inside_a_name_is_a_plain_star() -> None:
    assert matches("a**z", "abcz")
    assert not matches("/a**z", "ab/cz")
    assert matches("src/a**", "src/abc")
    assert not matches("src/a**", "src/ab/c", below=False)


def test_character_classes() -> None:
    assert matches("file[0-9].py", "file7.py")
    assert not matches("file[0-9].py", "filex.py")
    assert matches("[abc].py", "b.py")
    assert not matches("[abc].py", "d.py")
    assert matches("[!abc].py", "d.py")
    assert not matches("[!abc].py", "a.py")
    assert matches("[^abc].py", "d.py")
    assert matches("[]x].py", "].py")
    assert matches("[]x].py", "x.py")
    assert matches("[a-].py", "-.py")
    assert matches("[-a].py", "-.py")


def test_character_class_never_matches_a_slash() -> None:
    assert not matches("/a[/]b", "a/b")
    assert not matches("/a[!x]b", "a/b")
    assert not matches("/a[.-0]b", "a/b")  # '/' lies between '.' and '0'


def test_empty_or_reversed_range_matches_nothing_but_does_not_fail() -> None:
    assert not matches("x[z-a]", "xz")
    assert not matches("x[z-a]", "xa")
    assert matches("x[!z-a]", "xq")


def test_unclosed_bracket_is_literal() -> None:
    assert matches("a[b", "a[b")
    assert not matches("a[b", "ab")


def test_backslash_escapes() -> None:
    assert matches(r"\*.py", "*.py")
    assert not matches(r"\*.py", "x.py")
    assert matches(r"a\?", "a?")
    assert not matches(r"a\?", "ab")
    assert matches(r"\[x]", "[x]")


def test_regex_characters_are_literal() -> None:
    for name in ["a+b.py", "a(b).py", "a$b", "a^b", "a{1}b", "a|b", "a.b"]:
        assert matches(name, name)
    assert not matches("a.b", "axb")


@pytest.mark.parametrize("pattern", ["", "   ", "/", "./", "//"])
def test_empty_patterns_match_nothing(pattern: str) -> None:
    assert not matches(pattern, "a.py")
    assert not matches(pattern, "")
    assert not GlobSet([pattern])


# -- GlobSet -------------------------------------------------------------------


def test_globset_returns_the_first_matching_pattern() -> None:
    globs = GlobSet(["*.txt", "src/**", "*.py"])
    assert globs("src/a.py") == "src/**"
    assert globs("lib/a.py") == "*.py"
    assert globs("lib/a.md") is None
    assert GlobSet([])("a.py") is None
    assert not GlobSet([])
    assert GlobSet(["x"])


def test_globset_dir_only_pattern_is_skipped_for_files() -> None:
    globs = GlobSet(["gen/", "*"])
    assert globs("gen", is_dir=True) == "gen/"
    assert globs("gen", is_dir=False) == "*"


def test_globset_pickles() -> None:
    globs = GlobSet(["src/gen/**", "build/"])
    copy = pickle.loads(pickle.dumps(globs))
    assert copy.patterns == globs.patterns
    assert copy("src/gen/x.py") == "src/gen/**"
    assert copy("a/build/x.py") == "build/"


def test_translate_matches_the_path_and_below() -> None:
    assert translate("venv").fullmatch("a/venv/x.py")
    assert not translate("/venv").fullmatch("a/venv/x.py")
    assert translate("").fullmatch("a") is None


def test_parse_reports_anchoring_and_folder_only() -> None:
    glob = parse("src/gen/")
    assert glob is not None and glob.anchored and glob.dir_only
    glob = parse("gen/")
    assert glob is not None and not glob.anchored and glob.dir_only
    glob = parse("/gen")
    assert glob is not None and glob.anchored and not glob.dir_only
    assert parse("") is None


# -- properties ----------------------------------------------------------------

_NAME_CHARS = st.sampled_from("abcxyz019_-.")
names = st.text(_NAME_CHARS, min_size=1, max_size=8).filter(lambda n: n not in (".", ".."))
folders = st.lists(names, max_size=4)
_SPECIALS = "[]!^-*?\\/&~|.(){}+$"


@given(folders, names)
def test_star_py_matches_every_python_file_at_any_depth(parents: list[str], stem: str) -> None:
    path = "/".join([*parents, stem + ".py"])
    assert matches("*.py", path)
    assert not matches("*.py", path + "c", below=False)


@given(folders, names, st.lists(names, min_size=1, max_size=3))
def test_anchored_pattern_never_matches_a_deeper_copy(
    inner: list[str], name: str, prefix: list[str]
) -> None:
    target = "/".join([*inner, name])
    patterns = ["/" + target] + ([target] if inner else [])  # leading or middle slash
    deeper = "/".join([*prefix, target])
    for pattern in patterns:
        assert matches(pattern, target, is_dir=True, below=False)
        assert matches(pattern, target + "/below.py")
        assert not matches(pattern, deeper, is_dir=True, below=False)
        assert not matches(pattern, deeper + "/below.py") or deeper.startswith(target + "/")


@given(folders, names)
def test_unanchored_name_matches_its_copy_at_every_depth(parents: list[str], name: str) -> None:
    path = "/".join([*parents, name])
    assert matches(name, path, is_dir=True, below=False)
    assert matches(name, path + "/inside.py")


def _escape(name: str) -> str:
    return "".join("\\" + c if c in "[]*?\\!" else c for c in name)


@given(folders, st.text(st.sampled_from("ab.*?[]!\\"), min_size=1, max_size=8))
def test_an_escaped_name_matches_only_itself(parents: list[str], name: str) -> None:
    path = "/".join([*parents, name])
    assert matches(_escape(name), path, below=False)
    assert not matches(_escape(name), path + "x", below=False)


@settings(max_examples=300)
@given(
    st.text(st.sampled_from("ab.*?"), min_size=1, max_size=6),
    st.text(st.sampled_from("ab."), max_size=6),
)
def test_one_segment_agrees_with_fnmatch(pattern: str, name: str) -> None:
    # Within one name, '*' and '?' mean what fnmatch says they mean.
    assert matches(pattern, name, below=False) == fnmatch.fnmatchcase(name, pattern)


@settings(max_examples=300)
@given(st.text(st.sampled_from(_SPECIALS + "ab"), max_size=12))
def test_any_pattern_compiles_without_warnings(pattern: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        globs = GlobSet([pattern])
        globs("a/b.py")
        globs("a/b", is_dir=True, below=False)
        assert isinstance(translate(pattern), re.Pattern)
