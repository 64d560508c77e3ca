"""GitHub workflow annotations, GitLab Code Quality and flake8 lines."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding, fingerprint
from vibrails.report import ReportContext, renderer

FLAKE8_LINE = re.compile(r"^[^:]+:\d+:\d+: VBR\d{3} .+$")
ANNOTATION = re.compile(r"^::(error|warning|notice) ([^:\r\n]*)::([^\r\n]*)$")


def make(
    code: str = "VBR304",
    line: int = 1,
    *,
    path: str = "pkg/mod.py",
    column: int = 5,
    message: str | None = None,
    suppressed: str | None = None,
    fp: str | None = None,
) -> Finding:
    info = load_catalogue()[code]
    return Finding(
        path=path,
        line=line,
        column=column,
        end_line=line + 1,
        end_column=column + 2,
        code=code,
        name=info.name,
        level=info.level,
        message=message or f"{info.summary} (line {line})",
        tag="assume-ai",
        fingerprint=fingerprint(code, path, "", str(line), 0) if fp is None else fp,
        suppressed=suppressed,
    )


def ctx(root: Path) -> ReportContext:
    return ReportContext(rules=dict(load_catalogue()), root=root)


def _unescape(value: str) -> str:
    # Reverse of the toolkit's escaping; %25 last so that "%253A" stays "%3A".
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                         ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """``(command, properties, message)`` as the Actions runner reads a line."""
    match = ANNOTATION.match(line)
    assert match, line
    props = {}
    for item in match.group(2).split(","):
        key, _, value = item.partition("=")
        props[key] = _unescape(value)
    return match.group(1), props, _unescape(match.group(3))


# -- github ------------------------------------------------------------------


def test_github_escapes_message_and_properties(tmp_path: Path) -> None:
    message = "100% sure: a, b\r\nthen %0A literal\rend\n"
    finding = make(path="dir,with:odd/na%me,x.py", line=3, message=message)
    text = renderer("github")([finding], ctx(tmp_path))
    lines = text.splitlines()
    assert len(lines) == 1 and text.endswith("\n")
    line = lines[0]
    assert line == (
        "::warning file=dir%2Cwith%3Aodd/na%25me%2Cx.py,line=3,col=5,endLine=4,endColumn=7,"
        "title=VBR304 mutable-default-argument"
        "::100%25 sure: a, b%0D%0Athen %250A literal%0Dend%0A"
    )
    command, props, text_back = parse_annotation(line)
    assert command == "warning"
    assert props == {
        "file": "dir,with:odd/na%me,x.py",
        "line": "3",
        "col": "5",
        "endLine": "4",
        "endColumn": "7",
        "title": "VBR304 mutable-default-argument",
    }
    assert text_back == message


def test_github_command_follows_level(tmp_path: Path) -> None:
    findings = [make("VBR001", 1), make("VBR304", 2), make("VBR004", 3),
                make("VBR304", 4, suppressed="on purpose")]
    lines = renderer("github")(findings, ctx(tmp_path)).splitlines()
    assert [parse_annotation(line)[0] for line in lines] == ["error", "warning", "notice"]
    assert [parse_annotation(line)[1]["line"] for line in lines] == ["1", "2", "3"]


# -- gitlab ------------------------------------------------------------------


def check_gitlab(text: str) -> list[dict[str, Any]]:
    issues = json.loads(text)
    assert isinstance(issues, list)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    for issue in issues:
        assert issue["type"] == "issue"
        assert re.fullmatch(r"VBR\d{3}", issue["check_name"])
        assert issue["description"].startswith(issue["check_name"] + " ")
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["categories"] and all(isinstance(c, str) for c in issue["categories"])
        path = issue["location"]["path"]
        assert path and not path.startswith(("/", "./")) and "\\" not in path
        positions = issue["location"]["positions"]
        begin, end = positions["begin"], positions["end"]
        assert begin["line"] >= 1 and begin["column"] >= 1
        assert (end["line"], end["column"]) >= (begin["line"], begin["column"])
    return list(issues)


def test_gitlab_issues(tmp_path: Path) -> None:
    findings = [make("VBR001", 1, path="a.py"), make("VBR304", 2), make("VBR004", 3),
                make("VBR304", 9, suppressed="kept on purpose")]
    issues = check_gitlab(renderer("gitlab")(findings, ctx(tmp_path)))
    assert [i["severity"] for i in issues] == ["critical", "major", "minor"]
    assert [i["location"]["path"] for i in issues] == ["a.py", "pkg/mod.py", "pkg/mod.py"]
    assert [i["location"]["positions"]["begin"]["line"] for i in issues] == [1, 2, 3]
    assert issues[1]["fingerprint"] == findings[1].fingerprint


def test_gitlab_fingerprints_unique_even_when_findings_collide(tmp_path: Path) -> None:
    findings = [make("VBR304", 1, fp="same"), make("VBR304", 2, fp="same"),
                make("VBR304", 3, fp=""), make("VBR304", 3, column=9, fp=""),
                make("VBR304", 3, fp="")]
    issues = check_gitlab(renderer("gitlab")(findings, ctx(tmp_path)))
    assert len(issues) == 5
    assert issues[0]["fingerprint"] == "same"
    # Stable: the same findings give the same fingerprints.
    again = json.loads(renderer("gitlab")(findings, ctx(tmp_path)))
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]


# -- flake8 ------------------------------------------------------------------


def test_flake8_lines(tmp_path: Path) -> None:
    findings = [make("VBR001", 1, message="bad\nsyntax  here"), make("VBR304", 22, column=31),
                make("VBR304", 23, suppressed="ok")]
    text = renderer("flake8")(findings, ctx(tmp_path))
    lines = text.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert FLAKE8_LINE.match(line), line
    assert lines[0] == "pkg/mod.py:1:5: VBR001 bad syntax here"
    assert lines[1].startswith("pkg/mod.py:22:31: VBR304 ")


# -- through the command line ----------------------------------------------------


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("machine-formats")
    (root / "pyproject.toml").write_text("[tool.vibrails]\n", encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text(
        "def add(item, basket=[]):\n"
        "    return basket\n"
        "\n"
        "def merge(a, b, seen={}, *, extra=set()):  # noqa: VBR304\n"
        "    return a\n",
        encoding="utf-8",
    )
    (root / "pkg" / "odd, name.py").write_text("def f(x={}):\n    return x\n",
                                                encoding="utf-8")
    (root / "pkg" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    (root / "pkg" / "latin.py").write_bytes(b"x = '\xe9'\n")
    return root


def run_cli(root: Path, fmt: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "vibrails", "check", "--format", fmt, "--assume-ai",
         "--no-cache", "."],
        cwd=root, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


def test_cli_flake8(tree: Path) -> None:
    lines = run_cli(tree, "flake8").splitlines()
    assert lines
    for line in lines:
        assert FLAKE8_LINE.match(line), line
    codes = [line.split(": ", 1)[1].split()[0] for line in lines]
    # Two VBR304 that the bare noqa silences, and the VBR003 it earns.
    # (Other rules may report on this tree too; these must.)
    assert {"VBR001", "VBR002", "VBR003", "VBR304"} <= set(codes)
    assert codes.count("VBR304") == 2
    assert codes.count("VBR003") == 1


def test_cli_github(tree: Path) -> None:
    lines = run_cli(tree, "github").splitlines()
    parsed = [parse_annotation(line) for line in lines]
    files = {props["file"] for _, props, _ in parsed}
    assert "pkg/odd, name.py" in files
    catalogue = load_catalogue()
    commands = {"error": "error", "warning": "warning", "note": "notice"}
    titles = set()
    for command, props, message in parsed:
        assert (tree / props["file"]).is_file()
        code, name = props["title"].split(" ")
        assert name == catalogue[code].name
        assert command == commands[catalogue[code].level]
        assert message
        titles.add(props["title"])
    assert {"VBR001 syntax-error", "VBR002 unreadable-file",
            "VBR304 mutable-default-argument"} <= titles
    assert any("%2C" in line for line in lines)


def test_cli_gitlab(tree: Path) -> None:
    issues = check_gitlab(run_cli(tree, "gitlab"))
    assert len(issues) == len(run_cli(tree, "flake8").splitlines())
    for issue in issues:
        path = tree / issue["location"]["path"]
        assert path.is_file()
        line_count = max(1, len(path.read_bytes().splitlines()))
        assert issue["location"]["positions"]["begin"]["line"] <= line_count
