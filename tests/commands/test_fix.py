"""``vibrails check --fix`` / ``--diff``: VBR304's safe autofix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vibrails.commands.cli import main
from vibrails.commands.fix import apply_fixes
from vibrails.config import Config, validate
from vibrails.core.catalogue import load_catalogue
from vibrails.core.selection import Selection
from vibrails.discover import Discovered
from vibrails.engine.run import run

_VBR304_INVALID = [
    pytest.param(e.code, id=f"VBR304-invalid-{i}")
    for i, e in enumerate((e for e in load_catalogue()["VBR304"].examples if not e.valid), 1)
]


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
