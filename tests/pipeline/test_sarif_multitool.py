"""vibrails' SARIF through Microsoft's SARIF multitool, with GitHub's rules.

``sarif-multitool validate --rule-kind "Sarif;Gh"`` checks a log against the
SARIF specification's own rules and against what GitHub code scanning
accepts. It exits 0 even when it finds problems, so the test reads its
report and fails on every result of level ``error`` or ``warning`` (or with
no level, which SARIF reads as ``warning``) and on error notifications.

The tool is found through ``VIBRAILS_SARIF_MULTITOOL`` (the path of the
binary; ``.ci/run`` installs it from the npm registry into ``.ci-cache/``
and sets it), else on ``PATH``. Without it the tests are skipped, except
when the variable is set: then a missing tool is a failure, so that CI
never skips them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from util import REPO, run_vibrails, sarif_exit

ENV = "VIBRAILS_SARIF_MULTITOOL"


def multitool() -> str:
    configured = os.environ.get(ENV)
    if configured:
        if not (Path(configured).is_file() and os.access(configured, os.X_OK)):
            pytest.fail(f"{ENV}={configured} is set but is not an executable file")
        return configured
    found = shutil.which("sarif-multitool") or shutil.which("Sarif.Multitool")
    if found is None:
        pytest.skip(f"the SARIF multitool is not installed (set {ENV})")
    return found


def problems(sarif: Path, workdir: Path) -> list[str]:
    """The multitool's error and warning results for ``sarif``."""
    report = workdir / "report.sarif"
    result = subprocess.run(
        [multitool(), "validate", str(sarif), "--rule-kind", "Sarif;Gh",
         "-o", str(report), "--log", "ForceOverwrite"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert report.is_file(), f"no report written:\n{result.stdout}{result.stderr}"
    log = json.loads(report.read_text("utf-8-sig"))
    found = []
    for run in log.get("runs", []):
        for item in run.get("results", []):
            level = item.get("level", "warning")
            if level in ("error", "warning"):
                message = item.get("message", {})
                text = message.get("text") or f"{message.get('id')} {message.get('arguments')}"
                found.append(f"{level} {item.get('ruleId')}: {text}")
        for invocation in run.get("invocations", []):
            for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
                for note in invocation.get(key, []):
                    if note.get("level", "warning") == "error":
                        found.append(f"tool error: {note.get('message', {}).get('text')}")
    return found


def _sarif_of(cwd: Path, *args: str) -> Path:
    out = cwd / "vibrails.sarif"
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "-o", str(out), *args,
                          cwd=cwd)
    assert result.returncode == sarif_exit(json.loads(out.read_text("utf-8"))), result.stderr
    return out


def test_example_project(tmp_path: Path) -> None:
    multitool()
    sarif = tmp_path / "billing.sarif"
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "-o", str(sarif),
                          cwd=REPO / "examples" / "billing")
    assert result.returncode == 1, result.stderr  # as the README shows
    data = json.loads(sarif.read_text("utf-8"))
    assert data["runs"][0]["results"], "the example project gives findings"
    assert problems(sarif, tmp_path) == []


def test_stdlib_sample(tmp_path: Path) -> None:
    multitool()
    from test_stdlib import SAFE_PATH, build_sample

    copies = build_sample(tmp_path / "tree")
    sarif = tmp_path / "stdlib.sarif"
    result = run_vibrails(
        "check", "--assume-ai", "--no-cache", "--jobs", "2", "--format", "sarif",
        "-o", str(sarif), *copies, cwd=tmp_path / "tree", env=SAFE_PATH,
    )
    assert result.returncode == 1, result.stderr  # the sample has warnings
    assert json.loads(sarif.read_text("utf-8"))["runs"][0]["results"]
    assert problems(sarif, tmp_path) == []


def test_the_validator_does_find_problems(tmp_path: Path) -> None:
    """The check can fail: a log with an absolute URI and a rule without a
    short description gives errors."""
    multitool()
    project = tmp_path / "p"
    project.mkdir()
    (project / "a.py").write_text("def f(a=[]):\n    pass\n", "utf-8")
    sarif = _sarif_of(project, "--assume-ai")
    data = json.loads(sarif.read_text("utf-8"))
    run = data["runs"][0]
    run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "/abs.py"
    del run["tool"]["driver"]["rules"][0]["shortDescription"]
    sarif.write_text(json.dumps(data), "utf-8")
    found = problems(sarif, tmp_path)
    assert any("GH" in p or "ShortDescription" in p for p in found), found
    assert any("Slash" in p or "SARIF1004" in p for p in found), found
