"""Rule selection: select, extend-select, ignore, per-file-ignores (vibrails.core.selection).

Tests name only a few rules of the catalogue as examples (VBR001, VBR003,
VBR004 opt-in, VBR304); the rest is derived from the catalogue, which grows.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vibrails.core.catalogue import load_catalogue
from vibrails.core.selection import Layer, Selection, resolve

PYTHON = sys.executable

CATALOGUE = load_catalogue()
DEFAULT_ON = frozenset(code for code, info in CATALOGUE.items() if not info.opt_in)
OPT_IN = frozenset(code for code, info in CATALOGUE.items() if info.opt_in)


def enabled(
    select: list[str] | None = None,
    extend_select: list[str] | None = None,
    ignore: list[str] | None = None,
) -> frozenset[str]:
    return Selection.build(select, extend_select or [], ignore or [], {}).enabled


def test_examples_have_the_expected_defaults() -> None:
    assert {"VBR001", "VBR003", "VBR304"} <= DEFAULT_ON
    assert "VBR004" in OPT_IN


def test_default_is_every_rule_that_is_not_opt_in() -> None:
    assert enabled() == DEFAULT_ON


def test_all_selects_every_rule_that_is_not_opt_in() -> None:
    assert enabled(["ALL"]) == DEFAULT_ON


def test_prefix_selects_the_rules_under_it() -> None:
    assert enabled(["VBR0"]) == {c for c in DEFAULT_ON if c.startswith("VBR0")}
    assert enabled(["VBR30"]) == {c for c in DEFAULT_ON if c.startswith("VBR30")}
    assert enabled(["VBR"]) == DEFAULT_ON
    assert enabled(["VBR304"]) == {"VBR304"}
    assert enabled([]) == frozenset()


def test_opt_in_rule_only_by_its_full_code() -> None:
    assert "VBR004" not in enabled(["ALL"])
    assert "VBR004" not in enabled(["VBR0"])
    assert "VBR004" not in enabled(["VBR00"])
    assert "VBR004" not in enabled(extend_select=["VBR"])
    assert enabled(["VBR004"]) == {"VBR004"}
    assert enabled(extend_select=["VBR004"]) == DEFAULT_ON | {"VBR004"}


def test_extend_select_adds_to_select() -> None:
    assert enabled(["VBR001"], ["VBR304"]) == {"VBR001", "VBR304"}


def test_ignore_removes() -> None:
    assert enabled(ignore=["VBR304"]) == DEFAULT_ON - {"VBR304"}
    assert enabled(ignore=["VBR0"]) == {c for c in DEFAULT_ON if not c.startswith("VBR0")}
    assert enabled(ignore=["ALL"]) == frozenset()


def test_longest_prefix_wins() -> None:
    # a more specific select beats a broader ignore ...
    assert enabled(["VBR001"], ignore=["VBR0"]) == {"VBR001"}
    assert enabled(["VBR3"], ignore=["ALL"]) == {c for c in DEFAULT_ON if c.startswith("VBR3")}
    # ... and a more specific ignore beats a broader select
    assert enabled(["VBR0"], ignore=["VBR001"]) == {
        c for c in DEFAULT_ON if c.startswith("VBR0") and c != "VBR001"
    }
    got = enabled(["VBR"], ["VBR001"], ["VBR00"])
    assert "VBR001" in got and "VBR003" not in got and "VBR304" in got


def test_tie_goes_to_ignore() -> None:
    assert enabled(["VBR304"], ignore=["VBR304"]) == frozenset()
    assert enabled(["VBR0"], ignore=["VBR0"]) == frozenset()
    assert enabled(["ALL"], ignore=["ALL"]) == frozenset()
    assert "VBR004" not in enabled(["VBR004"], ignore=["VBR004"])


def test_ignore_by_prefix_drops_an_opt_in_rule_selected_less_specifically() -> None:
    # VBR004 is selected by its full code, more specific than the VBR0 ignore
    assert "VBR004" in enabled(["VBR004"], ignore=["VBR0"])
    assert "VBR004" not in enabled(extend_select=["VBR004"], ignore=["VBR004"])


def test_order_within_a_list_does_not_matter() -> None:
    assert enabled(["VBR304", "VBR0"], ignore=["VBR001", "VBR3"]) == enabled(
        ["VBR0", "VBR304"], ignore=["VBR3", "VBR001"]
    )


# -- layers (configuration file, then command line) ----------------------------


def test_a_later_layer_without_select_changes_the_earlier_choice() -> None:
    config = Layer(ignore=["VBR3"])
    cli = Layer(extend_select=["VBR304"])
    assert "VBR304" in resolve([config, cli])
    assert "VBR304" not in resolve([config])
    config = Layer(ignore=["VBR304"])
    cli = Layer(extend_select=["VBR3"])
    assert "VBR304" in resolve([config, cli])


def test_a_later_layer_with_select_starts_afresh() -> None:
    config = Layer(select=["VBR001"], extend_select=["VBR004"])
    cli = Layer(select=["VBR304"])
    assert resolve([config, cli]) == {"VBR304"}
    assert resolve([config, Layer(ignore=["VBR001"])]) == {"VBR004"}


def test_from_layers_matches_build_for_one_layer() -> None:
    one = Selection.build(["VBR0"], ["VBR004"], ["VBR001"], {})
    layered = Selection.from_layers([Layer(["VBR0"], ["VBR004"], ["VBR001"])])
    assert one.enabled == layered.enabled


def test_resolve_with_a_synthetic_catalogue() -> None:
    rules = {"VBR101": False, "VBR102": True, "VBR201": False}
    assert resolve([], rules) == {"VBR101", "VBR201"}
    assert resolve([Layer(select=["VBR1"])], rules) == {"VBR101"}
    assert resolve([Layer(select=["VBR102"])], rules) == {"VBR102"}
    assert resolve([Layer(extend_select=["VBR102"], ignore=["VBR1"])], rules) == {
        "VBR102", "VBR201"
    }


selectors = st.lists(
    st.sampled_from(["ALL", "VBR", "VBR0", "VBR00", "VBR001", "VBR003", "VBR004", "VBR3",
                     "VBR30", "VBR304"]),
    max_size=4,
)


@given(selectors, selectors, selectors)
def test_properties_of_one_layer(select: list[str], extend: list[str], ignore: list[str]) -> None:
    got = enabled(select, extend, ignore)
    assert got <= set(CATALOGUE)
    # a rule named by a full code in ignore and nowhere more specific is off
    for code in ignore:
        if code in CATALOGUE:
            assert code not in got
    # ignoring more never enables more
    assert enabled(select, extend, [*ignore, "VBR0"]) <= got
    # selecting more never disables
    assert got <= enabled(select, [*extend, "VBR304"], ignore)
    # an opt-in rule is on only when named by its full code
    for code in OPT_IN & got:
        assert code in select or code in extend


# -- per-file-ignores ----------------------------------------------------------------


def test_per_file_ignores_by_glob() -> None:
    selection = Selection.build(
        None,
        [],
        [],
        {"tests/**": ["VBR304"], "__init__.py": ["VBR0"], "/scripts/*.py": ["ALL"]},
    )
    assert selection.for_file("src/a.py") == DEFAULT_ON
    assert selection.for_file("tests/a/b.py") == DEFAULT_ON - {"VBR304"}
    assert selection.for_file("src/tests/b.py") == DEFAULT_ON
    assert selection.for_file("pkg/sub/__init__.py") == {
        c for c in DEFAULT_ON if not c.startswith("VBR0")
    }
    assert selection.for_file("scripts/run.py") == frozenset()
    assert selection.for_file("pkg/scripts/run.py") == DEFAULT_ON


def test_per_file_ignores_accumulate() -> None:
    selection = Selection.build(None, [], [], {"*.py": ["VBR001"], "tests/*": ["VBR304"]})
    assert selection.for_file("tests/t.py") == DEFAULT_ON - {"VBR001", "VBR304"}


def test_per_file_ignores_negated_glob() -> None:
    selection = Selection.build(None, [], [], {"!src/**": ["VBR304"]})
    assert "VBR304" in selection.for_file("src/a.py")
    assert "VBR304" not in selection.for_file("tests/a.py")


def test_per_file_ignores_never_enable() -> None:
    selection = Selection.build(["VBR001"], [], [], {"x.py": ["VBR304"]})
    assert selection.for_file("x.py") == {"VBR001"}


def test_selection_pickles() -> None:
    selection = Selection.build(["VBR0"], ["VBR004"], [], {"tests/**": ["VBR0"]})
    copy = pickle.loads(pickle.dumps(selection))
    assert copy.enabled == selection.enabled
    assert copy.for_file("tests/x.py") == frozenset()
    assert copy.for_file("src/x.py") == selection.for_file("src/x.py")


# -- through the command line ----------------------------------------------------------

MUTABLE_DEFAULT = "def _f(x=[]):\n    return x\n"  # private: only VBR304 applies
SYNTAX_ERROR = "def f(:\n"


def run_check(cwd: Path, *args: str) -> list[str]:
    result = subprocess.run(
        [PYTHON, "-m", "vibrails", "check", "--assume-ai", "--no-cache", "--format", "json",
         "--exit-zero", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return sorted({f"{f['path']}:{f['code']}" for f in json.loads(result.stdout)})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("pkg", "tests"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.py").write_text(MUTABLE_DEFAULT, encoding="utf-8")
        (tmp_path / folder / "bad.py").write_text(SYNTAX_ERROR, encoding="utf-8")
    return tmp_path


def test_cli_selection_from_config_and_flags(project: Path) -> None:
    every = ["pkg/a.py:VBR304", "pkg/bad.py:VBR001", "tests/a.py:VBR304", "tests/bad.py:VBR001"]
    assert run_check(project) == every
    assert run_check(project, "--select", "VBR304") == ["pkg/a.py:VBR304", "tests/a.py:VBR304"]
    assert run_check(project, "--ignore", "VBR3") == ["pkg/bad.py:VBR001", "tests/bad.py:VBR001"]
    assert run_check(project, "--select", "VBR0", "--extend-select", "VBR304",
                     "--ignore", "VBR001") == ["pkg/a.py:VBR304", "tests/a.py:VBR304"]
    (project / "pyproject.toml").write_text(
        '[tool.vibrails]\nselect = ["VBR3", "VBR00"]\nignore = ["VBR001"]\n'
        '[tool.vibrails.per-file-ignores]\n"tests/**" = ["VBR304"]\n',
        encoding="utf-8",
    )
    assert run_check(project) == ["pkg/a.py:VBR304"]
    assert run_check(project, "--ignore", "VBR304") == []
    # The command line is a layer of its own, as in ruff: its --extend-select
    # re-enables what the configuration's ignore dropped.
    assert run_check(project, "--extend-select", "VBR0") == [
        "pkg/a.py:VBR304", "pkg/bad.py:VBR001", "tests/bad.py:VBR001"
    ]


def test_cli_select_starts_afresh_over_the_configuration(project: Path) -> None:
    # As in ruff: a --select on the command line drops the file's ignore list,
    # and an --extend-select there overrides it.
    (project / "pyproject.toml").write_text(
        '[tool.vibrails]\nignore = ["VBR001"]\n', encoding="utf-8"
    )
    assert run_check(project, "--select", "VBR0") == ["pkg/bad.py:VBR001", "tests/bad.py:VBR001"]
    assert run_check(project, "--extend-select", "VBR001") == [
        "pkg/a.py:VBR304", "pkg/bad.py:VBR001", "tests/a.py:VBR304", "tests/bad.py:VBR001"
    ]
