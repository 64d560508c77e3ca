"""The editor snippets of docs/editors.md parse vibrails' real output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from util import REPO, run_vibrails

DOC = REPO / "docs" / "editors.md"
EXAMPLE = REPO / "examples" / "billing"


def _blocks(language: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def _vscode_matcher() -> dict[str, object]:
    tasks = [json.loads(b) for b in _blocks("json") if "problemMatcher" in b]
    assert len(tasks) == 1
    matcher: dict[str, object] = tasks[0]["tasks"][0]["problemMatcher"]
    return matcher


@pytest.fixture(scope="module")
def output() -> tuple[str, list[dict[str, object]]]:
    """flake8-format lines and the JSON findings of the example project."""
    flake8 = run_vibrails("check", "--no-cache", "--format", "flake8", cwd=EXAMPLE)
    data = run_vibrails("check", "--no-cache", "--format", "json", cwd=EXAMPLE)
    assert flake8.stdout and data.stdout
    return flake8.stdout, json.loads(data.stdout)


def test_vscode_problem_matcher_parses_the_output(
    output: tuple[str, list[dict[str, object]]],
) -> None:
    matcher = _vscode_matcher()
    pattern = matcher["pattern"]
    assert isinstance(pattern, dict)
    # VS Code uses JavaScript regular expressions; this one is in the common subset.
    regexp = re.compile(pattern["regexp"])
    lines, findings = output
    parsed = []
    for line in lines.splitlines():
        match = regexp.match(line)
        assert match, line
        parsed.append({
            "path": match.group(pattern["file"]),
            "line": int(match.group(pattern["line"])),
            "column": int(match.group(pattern["column"])),
            "code": match.group(pattern["code"]),
            "message": match.group(pattern["message"]),
        })
    expected = [{k: f[k] for k in ("path", "line", "column", "code")} for f in findings]
    assert [{k: p[k] for k in expected[0]} for p in parsed] == expected
    assert [p["message"] for p in parsed] == [" ".join(str(f["message"]).split())
                                              for f in findings]
    assert matcher["fileLocation"] == ["relative", "${workspaceFolder}"]


def test_vscode_task_command_runs(tmp_path: Path) -> None:
    task = json.loads(next(b for b in _blocks("json") if "problemMatcher" in b))["tasks"][0]
    assert task["command"].startswith("vibrails check --format flake8")
    args = task["command"].split()[1:]
    result = run_vibrails(*args, "--no-cache", cwd=EXAMPLE)
    assert result.returncode == 0  # --exit-zero: findings are not a failed task
    assert result.stdout.count("VBR") > 5


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
def test_vim_errorformat_fills_the_quickfix_list(
    tmp_path: Path, output: tuple[str, list[dict[str, object]]],
) -> None:
    vim = next(b for b in _blocks("vim") if "errorformat" in b)
    setting = re.search(r"^set errorformat=(.*)$", vim, flags=re.M)
    assert setting
    lines, findings = output
    report = tmp_path / "out.txt"
    report.write_text(lines, encoding="utf-8")
    result_file = tmp_path / "qf.txt"
    script = tmp_path / "test.vim"
    script.write_text(
        f"set errorformat={setting.group(1)}\n"
        f"cd {EXAMPLE}\n"
        f"cgetfile {report}\n"
        "let s:out = []\n"
        "for e in getqflist()\n"
        "  call add(s:out, bufname(e.bufnr) . '|' . e.lnum . '|' . e.col . '|' . e.valid"
        " . '|' . e.text)\n"
        "endfor\n"
        f"call writefile(s:out, '{result_file}')\n"
        "qall!\n",
        encoding="utf-8",
    )
    subprocess.run(["vim", "-N", "-u", "NONE", "-i", "NONE", "-es", "-S", str(script)],
                   capture_output=True, timeout=60, check=False)
    rows = [row.split("|", 4) for row in result_file.read_text(encoding="utf-8").splitlines()]
    assert [(r[0], int(r[1]), int(r[2]), r[3]) for r in rows] == [
        (f["path"], f["line"], f["column"], "1") for f in findings
    ]
    assert [r[4].split()[0] for r in rows] == [f["code"] for f in findings]


def test_pycharm_output_filter_matches() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "$FILE_PATH$:$LINE$:$COLUMN$:.*" in text
    # PyCharm turns the macros into groups: path, line and column must be the
    # first three colon-separated fields of every line.
    lines = run_vibrails("check", "--no-cache", "--format", "flake8", cwd=EXAMPLE).stdout
    regexp = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+):.*$")
    assert all(regexp.match(line) for line in lines.splitlines())
