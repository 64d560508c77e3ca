"""The flake8 plugin, run by the real flake8 in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from util import run_vibrails, write

pytest.importorskip("flake8")

# The blanket VBR101 scope, so that the plugin is seen to read the table too.
CONFIG = '[tool.vibrails]\nselect = ["VBR0", "VBR1", "VBR3"]\n' \
    'contracts = {scope = "public"}\n'

SOURCE = '''\
# @ai-generated model=gpt-5.1 prompt=prompts/x.md
"""Helpers."""


def remember(key, seen=[]):
    seen.append(key)
    return seen


def tally(name, counts={}):
    if not name:
        raise ValueError(name)
    return counts.get(name, 0)
'''


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--no-show-source", "--isolated", *args],
        cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"pyproject.toml": CONFIG, "pkg/mod.py": SOURCE})


def test_plugin_is_registered(project: Path) -> None:
    result = flake8("--version", cwd=project)
    assert "vibrails:" in result.stdout


def test_findings_in_flake8_format_match_vibrails(project: Path) -> None:
    result = flake8("--select", "VBR", "pkg/mod.py", cwd=project)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    ours = run_vibrails("check", "--no-cache", "--format", "flake8", "pkg/mod.py", cwd=project)
    assert result.stdout == ours.stdout
    assert result.stdout.splitlines()[:3] == [
        "pkg/mod.py:5:1: VBR101 public function 'remember(key, seen)' has no contract: add a "
        "precondition such as '@icontract.require(lambda key: key is not None)' or a guard clause",
        "pkg/mod.py:5:24: VBR304 parameter 'seen' of 'remember' defaults to a list, created once "
        "and shared by every call: default to None and build it in the body",
        "pkg/mod.py:6:5: VBR301 'remember' mutates its argument 'seen' (.append() on 'seen'): "
        "callers' data changes behind their back; copy it first or document the mutation",
    ]


def _codes_on(stdout: str, line: int) -> set[str]:
    return {entry.split()[1] for entry in stdout.splitlines()
            if entry.split(":")[1] == str(line)}


def test_noqa_is_honoured(project: Path) -> None:
    source = SOURCE.replace("counts={}):", "counts={}):  # noqa: VBR304")
    (project / "pkg/mod.py").write_text(source, encoding="utf-8")
    result = flake8("--select", "VBR", "pkg/mod.py", cwd=project)
    assert "VBR304" not in _codes_on(result.stdout, 10), result.stdout
    assert "VBR304" in _codes_on(result.stdout, 5)


def test_flake8_noqa_applies_on_top_of_vibrails(project: Path) -> None:
    # vibrails reports the reasonless suppression itself (VBR003); flake8's
    # own noqa, which names VBR003 too, hides that.
    source = SOURCE.replace("counts={}):", "counts={}):  # noqa: VBR304,VBR003")
    (project / "pkg/mod.py").write_text(source, encoding="utf-8")
    ours = run_vibrails("check", "--no-cache", "--format", "flake8", "pkg/mod.py", cwd=project)
    assert _codes_on(ours.stdout, 10) == {"VBR003"}
    result = flake8("--select", "VBR", "pkg/mod.py", cwd=project)
    assert _codes_on(result.stdout, 10) == set(), result.stdout
    shown = flake8("--select", "VBR", "--disable-noqa", "pkg/mod.py", cwd=project)
    assert _codes_on(shown.stdout, 10) == {"VBR003"}


def test_flake8_select_and_ignore_apply_on_top(project: Path) -> None:
    result = flake8("--select", "VBR304", "pkg/mod.py", cwd=project)
    assert {line.split()[1] for line in result.stdout.splitlines()} == {"VBR304"}
    result = flake8("--select", "VBR", "--extend-ignore", "VBR3", "pkg/mod.py", cwd=project)
    assert {line.split()[1] for line in result.stdout.splitlines()} == {"VBR101"}


def test_tool_vibrails_config_is_read(project: Path) -> None:
    write(project, {"pyproject.toml": CONFIG + 'ignore = ["VBR101", "VBR301"]\n'})
    result = flake8("--select", "VBR", "pkg/mod.py", cwd=project)
    assert {line.split()[1] for line in result.stdout.splitlines()} == {"VBR304"}
    write(project, {"pyproject.toml": CONFIG + 'exclude = ["pkg"]\n'})
    result = flake8("--select", "VBR", "pkg/mod.py", cwd=project)
    assert result.returncode == 0 and result.stdout == ""


def test_untagged_file_has_no_findings(project: Path) -> None:
    write(project, {"plain.py": "def remember(key, seen=[]):\n    return seen\n"})
    result = flake8("--select", "VBR", "plain.py", cwd=project)
    assert result.returncode == 0 and result.stdout == ""


def test_standard_input_is_checked_under_its_display_name(project: Path) -> None:
    result = flake8("--select", "VBR", "--stdin-display-name", "pkg/other.py", "-",
                    cwd=project, stdin=SOURCE)
    assert result.returncode == 1, result.stderr
    assert "pkg/other.py:5:24: VBR304 " in result.stdout


def test_file_vibrails_cannot_parse_does_not_crash_flake8(project: Path) -> None:
    # ast.parse accepts this (flake8 has no E999), CPython's compiler does not.
    source = '# @ai-generated model=m prompt=p\nimport os\nfrom __future__ import annotations\n'
    write(project, {"late.py": source})
    result = flake8("--select", "E,F,W,VBR", "late.py", cwd=project)
    assert "Traceback" not in result.stderr, result.stderr
    assert "E999" not in result.stdout
    assert "late.py:3:1: VBR001 cannot parse this file" in result.stdout


def test_broken_config_does_not_crash_flake8(project: Path) -> None:
    write(project, {"pyproject.toml": "[tool.vibrails]\nselect = 3\n"})
    result = flake8("--select", "VBR", "pkg/mod.py", cwd=project)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.startswith("pkg/mod.py:1:1: VBR000 vibrails could not check this file: ")
    assert "select" in result.stdout


def test_plugin_reads_the_ledger_as_the_command_line_does(tmp_path: Path) -> None:
    """A file the ledger records is tagged by it and not reported as unrecorded
    (VBR401), exactly as by ``vibrails check`` (issue 13)."""
    plain = "def remember(key, seen=[]):\n    seen.append(key)\n    return seen\n"
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n", "pkg/mod.py": plain,
                     "prompts/p.md": "remember keys\n"})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    recorded = run_vibrails("ledger", "record", "pkg/mod.py", "--model", "gpt-5.1",
                            "--prompt", "prompts/p.md", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    result = flake8("--select", "VBR", "pkg/mod.py", cwd=tmp_path)
    codes = {line.split()[1] for line in result.stdout.splitlines()}
    cli = run_vibrails("check", "--no-cache", "--format", "flake8", "pkg/mod.py", cwd=tmp_path)
    assert "VBR401" not in codes and "VBR304" in codes
    assert result.stdout == cli.stdout


def test_plugin_finds_the_config_from_the_file_not_the_current_folder(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    write(project, {"pyproject.toml": CONFIG + 'ignore = ["VBR101", "VBR301"]\n'})
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = flake8("--select", "VBR", str(project / "pkg" / "mod.py"), cwd=elsewhere)
    assert {line.split()[1] for line in result.stdout.splitlines()} == {"VBR304"}
