"""The command line through a real subprocess: options, exit codes, messages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from util import run_vibrails, write

from vibrails import __version__
from vibrails.commands.check import use_colour

TAGGED_BAD = "# @ai-generated model=m prompt=p.md\ndef add(item, basket=[]):\n    return basket\n"
TAGGED_OK = "# @ai-generated model=m prompt=p.md\ndef add(item, basket=None):\n    return basket\n"
#: These tests are about the command line, not the rules: they pin the rule set
#: so that a new default rule does not change what they see.
PINNED = 'select = ["VBR0", "VBR304"]\n'
CONFIG = "[tool.vibrails]\n" + PINNED


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {"bad.py": TAGGED_BAD, "ok.py": TAGGED_OK, "plain.py": "x = []\n", "pyproject.toml": CONFIG},
    )


def test_version() -> None:
    result = run_vibrails("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"vibrails {__version__}"


def test_findings_exit_1_and_flake8_lines(project: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--format", "flake8", ".", cwd=project)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "bad.py:2:22: VBR304 parameter 'basket' of 'add' defaults to a list, created once "
        "and shared by every call: default to None and build it in the body"
    ]


def test_clean_project_exits_0(tmp_path: Path) -> None:
    write(tmp_path, {"ok.py": TAGGED_OK, "pyproject.toml": CONFIG})
    result = run_vibrails("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert "All checks passed" in result.stdout


def test_default_path_is_current_folder(project: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--format", "json", cwd=project)
    assert result.returncode == 1
    assert [f["path"] for f in json.loads(result.stdout)] == ["bad.py"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--exit-zero"], 0),
        (["--fail-on", "error"], 0),
        (["--fail-on", "note"], 1),
        (["--fail-on", "none"], 0),
        (["--select", "VBR001"], 0),
        (["--ignore", "VBR3"], 0),
        (["--ignore", "VBR304"], 0),
        (["--select", "VBR3"], 1),
        (["--select", "VBR001", "--extend-select", "VBR304"], 1),
    ],
)
def test_exit_status_follows_selection_and_fail_on(
    project: Path, args: list[str], code: int
) -> None:
    result = run_vibrails("check", "--no-cache", *args, ".", cwd=project)
    assert result.returncode == code, result.stdout + result.stderr


def test_fail_on_from_config(project: Path) -> None:
    write(project, {"pyproject.toml": CONFIG + 'fail-on = "error"\n'})
    assert run_vibrails("check", "--no-cache", ".", cwd=project).returncode == 0


def test_assume_ai_tags_plain_files(project: Path) -> None:
    (project / "plain.py").write_text("def f(x={}):\n    return x\n", encoding="utf-8")
    result = run_vibrails("check", "--no-cache", "--assume-ai", "--format", "json", cwd=project)
    data = json.loads(result.stdout)
    assert {(f["path"], f["tag"]) for f in data} == {("bad.py", "header"), ("plain.py", "assume-ai")}


def test_output_file(project: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--format", "json", "-o", "out.json", cwd=project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert json.loads((project / "out.json").read_text(encoding="utf-8"))[0]["code"] == "VBR304"


def test_unwritable_output_is_exit_2_with_one_line(project: Path) -> None:
    result = run_vibrails("check", "--no-cache", "-o", "missing/dir/out.txt", cwd=project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_missing_path_is_exit_2(project: Path) -> None:
    result = run_vibrails("check", "--no-cache", "nope.py", cwd=project)
    assert result.returncode == 2
    assert "path not found: nope.py" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_on_the_command_line_is_exit_2(project: Path, flag: str) -> None:
    result = run_vibrails("check", "--no-cache", flag, "XYZ123", cwd=project)
    assert result.returncode == 2
    assert flag in result.stderr and "Traceback" not in result.stderr


def test_statistics(project: Path) -> None:
    write(project, {"more.py": "# @ai-generated\ndef f(a=[], b={}):\n    pass\n"})
    result = run_vibrails("check", "--no-cache", "--statistics", "--format", "flake8", cwd=project)
    assert result.stdout.splitlines()[-1].split() == ["3", "VBR304", "mutable-default-argument"]


def test_quiet_prints_findings_only(project: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--quiet", cwd=project)
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("bad.py:2:22: VBR304")


def test_text_summary_and_no_colour_when_piped(project: Path) -> None:
    result = run_vibrails("check", "--no-cache", cwd=project)
    assert "\x1b[" not in result.stdout
    summary, fixable = result.stdout.rstrip().splitlines()[-2:]
    assert summary.endswith("in 2 tagged of 3 files checked.")
    assert fixable == "[*] 1 fixable with `vibrails check --fix` (`--diff` to see the changes first)."


@pytest.mark.parametrize(
    ("option", "environ", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # empty: not set (no-color.org)
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, False, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_follows_the_option_then_no_color_then_force_color(
    option: str, environ: dict[str, str], tty: bool, expected: bool
) -> None:
    assert use_colour(option, environ, tty) is expected


def test_force_color_colours_a_pipe_and_no_color_and_never_do_not(project: Path) -> None:
    forced = run_vibrails("check", "--no-cache", cwd=project, env={"FORCE_COLOR": "1"})
    assert "\x1b[1m" in forced.stdout and "[*]" in forced.stdout
    for env, args in (({"FORCE_COLOR": "1", "NO_COLOR": "1"}, ()),
                      ({"FORCE_COLOR": "1"}, ("--color", "never"))):
        plain = run_vibrails("check", "--no-cache", *args, cwd=project, env=env)
        assert "\x1b[" not in plain.stdout
    always = run_vibrails("check", "--no-cache", "--color", "always", cwd=project,
                          env={"NO_COLOR": "1"})
    assert "\x1b[1m" in always.stdout
    # Other formats never carry colour codes.
    json_out = run_vibrails("check", "--no-cache", "--format", "json", "--color", "always",
                            cwd=project)
    assert "\x1b[" not in json_out.stdout


def test_noqa_with_reason_suppresses_and_without_reason_warns(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.py": "# @ai-generated\ndef f(a=[]):  # noqa: VBR304 -- memo on purpose\n    pass\n",
            "b.py": "# @ai-generated\ndef f(a=[]):  # noqa: VBR304\n    pass\n",
        },
    )
    result = run_vibrails(
        "check", "--no-cache", "--format", "json", "--ignore", "VBR401", cwd=tmp_path
    )
    data = json.loads(result.stdout)
    assert [(f["path"], f["code"]) for f in data] == [("b.py", "VBR003")]
    assert result.returncode == 1


def test_per_file_ignores(project: Path) -> None:
    write(project, {"pyproject.toml": CONFIG + 'per-file-ignores = {"bad.py" = ["VBR3"]}\n'})
    result = run_vibrails("check", "--no-cache", cwd=project)
    assert result.returncode == 0, result.stdout


def test_rules_lists_every_catalogue_code() -> None:
    from vibrails.core.catalogue import load_catalogue

    result = run_vibrails("rules")
    assert result.returncode == 0
    for code, info in load_catalogue().items():
        assert code in result.stdout and info.name in result.stdout
    data = json.loads(run_vibrails("rules", "--format", "json").stdout)
    assert [r["code"] for r in data] == sorted(load_catalogue())


@pytest.mark.parametrize("name", ["VBR304", "vbr304", "mutable-default-argument"])
def test_explain(name: str) -> None:
    result = run_vibrails("explain", name)
    assert result.returncode == 0
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Options"):
        assert f"## {heading}" in result.stdout


def test_explain_unknown_rule_is_exit_2() -> None:
    result = run_vibrails("explain", "VBR999")
    assert result.returncode == 2
    assert "unknown rule" in result.stderr


def test_cache_gives_the_same_output_and_is_invalidated_by_edits(project: Path) -> None:
    first = run_vibrails("check", "--format", "json", cwd=project)
    second = run_vibrails("check", "--format", "json", cwd=project)
    assert first.stdout == second.stdout
    assert (project / ".vibrails_cache").is_dir()
    (project / "bad.py").write_text(TAGGED_OK, encoding="utf-8")
    third = run_vibrails("check", "--format", "json", cwd=project)
    assert json.loads(third.stdout) == []
    write(project, {"pyproject.toml": CONFIG + "assume-ai = true\n"})
    (project / "plain.py").write_text("def f(x=[]):\n    pass\n", encoding="utf-8")
    fourth = run_vibrails("check", "--format", "json", cwd=project)
    assert [f["path"] for f in json.loads(fourth.stdout)] == ["plain.py"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_cache_folder_warns_once_and_runs(project: Path) -> None:
    cache = project / "ro-cache"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        result = run_vibrails("check", "--cache-dir", str(cache), cwd=project)
    finally:
        cache.chmod(0o700)
    assert result.returncode == 1
    assert result.stderr.count("cache disabled") == 1


def test_corrupt_cache_entry_is_a_miss(project: Path) -> None:
    run_vibrails("check", "--format", "json", cwd=project)
    for entry in (project / ".vibrails_cache").rglob("*.json"):
        entry.write_text("{not json", encoding="utf-8")
    result = run_vibrails("check", "--format", "json", cwd=project)
    assert [f["code"] for f in json.loads(result.stdout)] == ["VBR304"]
