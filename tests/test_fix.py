"""``vibrails check --fix`` / ``--diff``: VBR304's safe autofix."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_examples import check_example

from vibrails.commands.cli import main
from vibrails.commands.fix import apply_fixes, fix_source
from vibrails.config import Config, validate
from vibrails.core.catalogue import load_catalogue
from vibrails.core.selection import Selection
from vibrails.discover import Discovered
from vibrails.engine.run import run


def _positions(tmp_path: Path, source: str) -> set[tuple[int, int]]:
    findings = check_example(tmp_path, source.encode(), "example.py", ("VBR304",), {})
    return {(f.line, f.column) for f in findings if f.code == "VBR304"}


def _functions(namespace: dict[str, Any]) -> dict[str, Any]:
    """Top-level functions and methods (bound to a fresh instance) by qualified name."""
    out: dict[str, Any] = {}
    for name, value in namespace.items():
        if inspect.isfunction(value) and value.__module__ == "example":
            out[name] = value
        elif inspect.isclass(value) and value.__module__ == "example":
            instance = value()
            for attr, member in vars(value).items():
                if inspect.isfunction(member):
                    out[f"{name}.{attr}"] = getattr(instance, attr)
    return out


def _call(function: Any) -> Any:
    """Call with ``{}`` for every required parameter; run coroutines."""
    signature = inspect.signature(function)
    args = [
        {} for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    result = function(*args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return result


def _exec(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "example"}
    exec(compile(source, "example.py", "exec"), namespace)  # the project's own examples
    return namespace


_VBR304_INVALID = [
    pytest.param(e.code, id=f"VBR304-invalid-{i}")
    for i, e in enumerate((e for e in load_catalogue()["VBR304"].examples if not e.valid), 1)
]


@pytest.mark.parametrize("source", _VBR304_INVALID)
def test_fixed_functions_behave_as_the_originals(tmp_path: Path, source: str) -> None:
    positions = _positions(tmp_path, source)
    fixed, count = fix_source(source, positions)
    lambdas = source.count("lambda")
    assert count == len(positions) - (1 if lambdas else 0)
    compile(fixed, "fixed.py", "exec")
    before, after = _functions(_exec(source)), _functions(_exec(fixed))
    assert before.keys() == after.keys()
    for name in before:
        # One call each, on fresh definitions: same result.
        assert _call(before[name]) == _call(after[name]), name
    # What the fix is for: a second call no longer sees the first one's object.
    for name, function in after.items():
        if inspect.iscoroutinefunction(function):
            continue
        first, second = _call(function), _call(function)
        if isinstance(first, (list, dict, set)) and first is not None:
            assert first is not second, name
    # Idempotent: the fixed source has nothing left to fix.
    again = _positions(tmp_path / "again", fixed)
    assert fix_source(fixed, again) == (fixed, 0)


def test_fix_keeps_comments_docstring_and_formatting(tmp_path: Path) -> None:
    source = (
        "def add(item,   basket=[],  # the basket\n"
        "        *, seen: set = set()) -> list:\n"
        '    """Add ``item``."""\n'
        "    # first a comment\n"
        "    basket.append(item)  # trailing\n"
        "    return basket\n"
    )
    fixed, count = fix_source(source, _positions(tmp_path, source))
    assert count == 2
    assert fixed == (
        "def add(item,   basket=None,  # the basket\n"
        "        *, seen: set | None = None) -> list:\n"
        '    """Add ``item``."""\n'
        "    if basket is None:\n"
        "        basket = []\n"
        "    if seen is None:\n"
        "        seen = set()\n"
        "    # first a comment\n"
        "    basket.append(item)  # trailing\n"
        "    return basket\n"
    )


def test_fix_annotations_that_admit_none_are_kept(tmp_path: Path) -> None:
    source = (
        "from typing import Optional\n"
        "def f(a: Optional[list] = [], b: 'list' = [], c: dict | None = {}, d: list[int] = []):\n"
        "    return a, b, c, d\n"
    )
    fixed, count = fix_source(source, _positions(tmp_path, source))
    assert count == 4
    assert "a: Optional[list] = None" in fixed
    assert "b: 'list' = None" in fixed
    assert "c: dict | None = None" in fixed
    assert "d: list[int] | None = None" in fixed
    assert _call(_exec(fixed)["f"]) == ([], [], {}, [])


def test_one_line_body_and_methods(tmp_path: Path) -> None:
    source = "class A:\n    def m(self, x=[]): return x  # note\n"
    fixed, count = fix_source(source, _positions(tmp_path, source))
    assert count == 1
    assert fixed == (
        "class A:\n    def m(self, x=None):  # note\n"
        "        if x is None:\n            x = []\n        return x\n"
    )


def test_lambdas_and_defaults_reading_locals_are_not_fixed(tmp_path: Path) -> None:
    source = (
        "size = 3\n"
        "handler = lambda e, sink=[]: sink.append(e)\n"
        "def f(size, buf=[0] * size):\n"
        "    return buf\n"
    )
    positions = _positions(tmp_path, source)
    assert len(positions) == 1  # the lambda's (``[0] * size`` is not a display)
    assert fix_source(source, positions) == (source, 0)
    source2 = "def g(x, y=[x for x in range(2)], z=list(range(1))):\n    x = 1\n    return y, z\n"
    fixed, count = fix_source(source2, _positions(tmp_path / "2", source2))
    assert count == 1  # ``y`` reads ``x``, which the body rebinds: moving it is not safe
    assert "y=[x for x in range(2)]" in fixed and "z=None" in fixed


# -- the command line --------------------------------------------------------------


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "vibrails.toml").write_text('select = ["VBR304"]\n', encoding="utf-8")
    return tmp_path


HEADER = "# @ai-generated\n"
BAD = HEADER + "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"


def _check(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.chdir(project)
    return CliRunner().invoke(main, ["check", "--no-cache", *args])


def test_fix_writes_reports_what_is_left_and_is_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = BAD + "f = lambda x, acc=[]: acc\n"
    project = _project(tmp_path, {"a.py": text})
    result = _check(project, monkeypatch, "--fix", "--format", "json")
    assert result.exit_code == 1  # the lambda's finding is left
    fixed = (project / "a.py").read_text(encoding="utf-8")
    assert "basket=None" in fixed and "acc=[]" in fixed
    assert '"line": 7' in result.stdout and '"line": 2' not in result.stdout  # re-checked after the fix
    again = _check(project, monkeypatch, "--fix")
    assert (project / "a.py").read_text(encoding="utf-8") == fixed
    assert again.exit_code == 1 and "fixed" not in again.stderr


def test_fix_exit_zero_when_everything_was_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, {"a.py": BAD})
    result = _check(project, monkeypatch, "--fix")
    assert result.exit_code == 0, result.output
    assert "fixed 1 finding" in result.stderr


def test_diff_prints_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path, {"a.py": BAD})
    result = _check(project, monkeypatch, "--diff")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/a.py\n+++ b/a.py\n")
    assert "-def add(item, basket=[]):" in result.stdout
    assert "+    if basket is None:" in result.stdout
    assert (project / "a.py").read_text(encoding="utf-8") == BAD
    (project / "a.py").write_text(HEADER + "def ok(x=None):\n    return x\n", encoding="utf-8")
    clean = _check(project, monkeypatch, "--diff")
    assert clean.exit_code == 0 and clean.stdout == ""


def test_fix_only_tagged_lines_and_unsuppressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "def human(x=[]):\n    return x\n\n"
        "# @ai-generated begin\n"
        "def machine(x=[]):\n    return x\n\n"
        "def kept(x=[]):  # noqa: VBR304 -- shared on purpose\n    return x\n"
        "# @ai-generated end\n"
    )
    untagged = "def other(x=[]):\n    return x\n"
    project = _project(tmp_path, {"a.py": text, "b.py": untagged})
    result = _check(project, monkeypatch, "--fix")
    assert result.exit_code == 0, result.output
    fixed = (project / "a.py").read_text(encoding="utf-8")
    assert "def human(x=[]):" in fixed
    assert "def machine(x=None):" in fixed
    assert "def kept(x=[]):" in fixed
    assert (project / "b.py").read_text(encoding="utf-8") == untagged


def test_a_file_changed_during_the_run_is_not_fixed(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(BAD, encoding="utf-8")
    values, _ = validate({"select": ["VBR304"]}, "test")
    settings = Config(root=tmp_path, source=None, values=values).settings()
    selection = Selection.build(["VBR304"], [], [], {})
    item = Discovered(path=path, display="a.py", project_path="a.py")
    findings = [f for r in run([item], settings, selection, jobs=1) for f in r.findings]
    assert findings
    changed = HEADER + "\n" + BAD.removeprefix(HEADER)  # the finding moved down a line
    path.write_text(changed, encoding="utf-8")
    outcome = apply_fixes([item], findings, settings, selection, write=True)
    assert path.read_text(encoding="utf-8") == changed
    assert outcome.fixed == 0
    assert any("changed during the run" in m for m in outcome.messages)
    assert outcome.findings == findings
