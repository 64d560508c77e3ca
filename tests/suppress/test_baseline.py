"""``--baseline FILE``: findings of an earlier JSON or SARIF report are not reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from util import run_vibrails, write

CONFIG = '[tool.vibrails]\nselect = ["VBR3"]\n'

SOURCE = '''\
# @ai-generated model=gpt-5.1 prompt=prompts/x.md
"""Helpers."""


def remember(key, seen=[]):
    seen.append(key)
    return seen
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"pyproject.toml": CONFIG, "pkg/mod.py": SOURCE})


def _codes(stdout: str) -> list[tuple[str, str]]:
    """``(code, message)`` of each flake8 line."""
    out = []
    for line in stdout.splitlines():
        _, _, _, rest = line.split(":", 3)
        code, message = rest.strip().split(" ", 1)
        out.append((code, message))
    return out


def _baseline(project: Path, fmt: str) -> Path:
    name = "baseline.json" if fmt == "json" else "baseline.sarif"
    result = run_vibrails("check", "--no-cache", "--format", fmt, "-o", name, cwd=project)
    assert result.returncode == 1, result.stderr
    return project / name


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_baseline_hides_known_findings(project: Path, fmt: str) -> None:
    before = run_vibrails("check", "--no-cache", "--format", "flake8", cwd=project)
    assert {c for c, _ in _codes(before.stdout)} == {"VBR301", "VBR304"}
    baseline = _baseline(project, fmt)
    result = run_vibrails("check", "--no-cache", "--format", "flake8", "--baseline",
                          baseline.name, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_baseline_survives_lines_inserted_above(project: Path, fmt: str) -> None:
    baseline = _baseline(project, fmt)
    moved = SOURCE.replace('"""Helpers."""\n', '"""Helpers."""\n\nimport os\n\nLIMIT = 3\n\n')
    moved = moved.replace("    seen.append(key)\n", "    # remember it\n\n    seen.append(key)\n")
    (project / "pkg/mod.py").write_text(moved, encoding="utf-8")
    shifted = run_vibrails("check", "--no-cache", "--format", "json", cwd=project)
    lines = {f["line"] for f in json.loads(shifted.stdout)}
    assert lines and min(lines) > 5  # the findings really moved
    result = run_vibrails("check", "--no-cache", "--format", "flake8", "--baseline",
                          baseline.name, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_new_finding_of_same_rule_in_same_file_is_reported(project: Path, fmt: str) -> None:
    baseline = _baseline(project, fmt)
    grown = SOURCE + "\n\ndef tally(name, counts={}):\n    return counts.get(name, 0)\n"
    (project / "pkg/mod.py").write_text(grown, encoding="utf-8")
    result = run_vibrails("check", "--no-cache", "--format", "flake8", "--baseline",
                          baseline.name, cwd=project)
    assert result.returncode == 1
    found = _codes(result.stdout)
    assert [c for c, _ in found] == ["VBR304"]
    assert "'counts' of 'tally'" in found[0][1]
    assert result.stdout.startswith("pkg/mod.py:10:24: VBR304 ")


def test_baseline_in_every_output_format(project: Path) -> None:
    baseline = _baseline(project, "json")
    for fmt in ("json", "github", "gitlab"):
        result = run_vibrails("check", "--no-cache", "--format", fmt, "--baseline",
                              baseline.name, cwd=project)
        assert result.returncode == 0, (fmt, result.stderr)
        assert "remember" not in result.stdout
    sarif = json.loads(run_vibrails("check", "--no-cache", "--format", "sarif", "--baseline",
                                    baseline.name, cwd=project).stdout)
    assert sarif["runs"][0]["results"] == []


def test_suppressed_findings_are_not_part_of_a_sarif_baseline(project: Path) -> None:
    source = SOURCE.replace("seen=[]):", "seen=[]):  # noqa: VBR304 -- memo on purpose")
    (project / "pkg/mod.py").write_text(source, encoding="utf-8")
    baseline = _baseline(project, "sarif")
    results = json.loads(baseline.read_text())["runs"][0]["results"]
    assert any(r.get("suppressions") for r in results)
    # Without the suppression the finding is new: the baseline did not hold it.
    (project / "pkg/mod.py").write_text(SOURCE, encoding="utf-8")
    result = run_vibrails("check", "--no-cache", "--format", "flake8", "--baseline",
                          baseline.name, cwd=project)
    assert [c for c, _ in _codes(result.stdout)] == ["VBR304"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "not found"),
        ("{not json", "is not JSON"),
        ('{"a": 1}', "neither a vibrails JSON report"),
        ('[{"path": "x.py"}]', "has no 'fingerprint'"),
        ('{"runs": [{"results": [{"ruleId": "VBR304"}]}]}', "partialFingerprints"),
    ],
)
def test_bad_baseline_is_a_clear_error(project: Path, content: str | None, expected: str) -> None:
    if content is not None:
        (project / "base.json").write_text(content, encoding="utf-8")
    result = run_vibrails("check", "--no-cache", "--baseline", "base.json", cwd=project)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_empty_baseline_reports_everything(project: Path) -> None:
    (project / "base.json").write_text("[]\n", encoding="utf-8")
    result = run_vibrails("check", "--no-cache", "--format", "flake8", "--baseline",
                          "base.json", cwd=project)
    assert result.returncode == 1
    assert {c for c, _ in _codes(result.stdout)} == {"VBR301", "VBR304"}
