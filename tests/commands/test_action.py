"""The GitHub Action: linted by zizmor and check-jsonschema, and every
``run:`` step executed with a simulated runner environment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from util import REPO

yaml = pytest.importorskip("yaml")

ACTION_FILE = REPO / "action.yml"
WORKFLOWS = REPO / ".github" / "workflows"
EXAMPLE = REPO / "examples" / "billing"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
GIT = ["git", "-c", "user.name=vibrails tests", "-c", "user.email=tests@example.invalid",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    return data


def _tool(name: str) -> str:
    found = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


# -- static checks ---------------------------------------------------------------


def test_zizmor_finds_nothing() -> None:
    zizmor = _tool("zizmor")
    result = subprocess.run([zizmor, "--offline", "--no-progress", str(ACTION_FILE),
                             str(WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout


def test_action_metadata_is_valid() -> None:
    checker = _tool("check-jsonschema")
    for schema, files in (("vendor.github-actions", [ACTION_FILE]),
                          ("vendor.github-workflows", sorted(WORKFLOWS.glob("*.yml")))):
        assert files
        result = subprocess.run([checker, "--builtin-schema", schema, *map(str, files)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


def test_inputs_and_outputs() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    assert set(data["inputs"]) == {"paths", "args", "version", "fail-on", "sarif-file",
                                   "upload-sarif", "python-version", "only-changed", "report",
                                   "verify", "verify-args"}
    assert {"sarif-file", "findings", "exit-code", "report-file",
            "verify-sarif-file"} <= set(data["outputs"])
    assert "security-events: write" in (REPO / "docs" / "github-action.md").read_text()


def test_no_expression_inside_run_scripts() -> None:
    for step in action()["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"


def test_third_party_actions_are_pinned_by_sha() -> None:
    for step in action()["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


# -- a simulated runner ------------------------------------------------------------


class Runner:
    """Runs the action's steps as GitHub would, minus the ``uses:`` steps."""

    def __init__(self, tmp: Path, action_path: Path, workspace: Path,
                 env: Mapping[str, str] | None = None) -> None:
        self.tmp = tmp
        self.temp = tmp / "runner-temp"
        self.temp.mkdir(exist_ok=True)
        self.summary = tmp / "step-summary.md"
        self.workspace = workspace
        self.base_env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", str(tmp)),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "octo/shop",
            "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
            **(env or {}),
        }
        for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
                     "PIP_CONFIG_FILE", "PIP_CACHE_DIR", "PIP_NO_INDEX"):
            if name in os.environ:
                self.base_env[name] = os.environ[name]
        self.outputs: dict[str, dict[str, str]] = {}

    def evaluate(self, text: str, inputs: Mapping[str, str]) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return inputs[expression.removeprefix("inputs.")]
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
            assert step, f"the simulation does not know {expression!r}"
            return self.outputs.get(step.group(1), {}).get(step.group(2), "")

        return EXPRESSION.sub(one, text)

    def run_step(self, step: dict[str, Any], inputs: Mapping[str, str]
                 ) -> subprocess.CompletedProcess[str]:
        output = self.tmp / f"output-{len(self.outputs)}-{step.get('id', 'x')}.txt"
        output.write_text("", encoding="utf-8")
        env = dict(self.base_env, GITHUB_OUTPUT=str(output))
        for key, value in step.get("env", {}).items():
            env[key] = self.evaluate(str(value), inputs)
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600,
        )
        self.outputs[step.get("id", f"step{len(self.outputs)}")] = parse_output(output)
        return result

    def run(self, given: Mapping[str, str], only: tuple[str, ...] = ()
            ) -> dict[str, subprocess.CompletedProcess[str]]:
        """Run the ``run:`` steps (those named in ``only``, if given) in order;
        stop at the first that fails."""
        spec = action()
        inputs = {name: str(value.get("default", "")) for name, value in spec["inputs"].items()}
        inputs.update(given)
        results = {}
        for step in spec["runs"]["steps"]:
            if "uses" in step:
                if "setup-python" in step["uses"]:
                    self.outputs[step["id"]] = {"python-path": sys.executable}
                continue
            name = step.get("id", step["name"])
            if only and name not in only:
                continue
            results[name] = self.run_step(step, inputs)
            if results[name].returncode != 0:
                break
        return results


def parse_output(path: Path) -> dict[str, str]:
    """A ``$GITHUB_OUTPUT`` file, single-line and heredoc entries."""
    values: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, marker = line.split("<<", 1)
            body = []
            for item in lines:
                if item == marker:
                    break
                body.append(item)
            values[key] = "\n".join(body)
        elif line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


#: What the hooks and the action need of this checkout: the package and their manifests.
SNAPSHOT = frozenset({"src", "rules", "pyproject.toml", "README.md", "LICENSE",
                      ".pre-commit-hooks.yaml", "action.yml"})


def snapshot(dest: Path) -> Path:
    """The package and manifests of this checkout's working tree (tracked and
    untracked, not ignored files) at ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True, check=True)
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        if name.split("/", 1)[0] not in SNAPSHOT:
            continue
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The install step, run once: the action's checkout and the venv's Python."""
    tmp = tmp_path_factory.mktemp("action")
    action_path = snapshot(tmp / "action")
    runner = Runner(tmp, action_path, tmp)
    results = runner.run({}, only=("install",))
    result = results["install"]
    assert result.returncode == 0, result.stdout + result.stderr
    python = runner.outputs["install"]["python"]
    assert Path(python).is_file()
    assert python.startswith(str(runner.temp))  # a venv of its own, under RUNNER_TEMP
    assert "vibrails" in result.stdout  # --version
    # Installed from the action's checkout, not from the package index.
    where = subprocess.run([python, "-c", "import vibrails.commands.action as a; print(a.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    assert "site-packages" in where
    return action_path, python


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__",
                                                                   ".vibrails_cache"))
    return target


def _vibrails(python: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-m", "vibrails", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_check_step_writes_annotations_sarif_summary_and_outputs(
    installed: tuple[Path, str], workspace: Path, tmp_path: Path,
) -> None:
    action_path, python = installed
    runner = Runner(tmp_path, action_path, workspace)
    runner.outputs["install"] = {"python": python}
    results = runner.run({}, only=("check", "Verdict"))
    check = results["check"]
    assert check.returncode == 0, check.stdout + check.stderr
    outputs = runner.outputs["check"]
    assert outputs["exit-code"] == "1"
    sarif = Path(outputs["sarif-file"])
    assert sarif.parent == runner.temp and sarif.name == "vibrails.sarif"

    # One run, and its SARIF is byte for byte what --format sarif writes.
    expected_sarif = _vibrails(python, "check", "--no-cache", "--format", "sarif", cwd=workspace)
    assert sarif.read_text(encoding="utf-8") == expected_sarif.stdout
    # The annotations are the --format github lines.
    github = _vibrails(python, "check", "--no-cache", "--format", "github", cwd=workspace)
    annotations = [line for line in check.stdout.splitlines() if line.startswith("::")]
    assert annotations == github.stdout.splitlines()
    assert int(outputs["findings"]) == len(annotations) > 10

    summary = runner.summary.read_text(encoding="utf-8")
    assert len(summary.encode()) < 1024 * 1024
    assert summary.startswith("## vibrails\n")
    assert f"**{len(annotations)} findings**" in summary
    assert "### Findings per pillar" in summary and "| contracts |" in summary
    assert "### Findings per rule" in summary
    assert re.search(r"^\| \[VBR304\]\(https://\S+/docs/rules/VBR304\.md\) \| "
                     r"mutable-default-argument \| state \| warning \| \d+ \|$", summary, re.M)
    assert ("(https://github.com/octo/shop/blob/0123456789abcdef0123456789abcdef01234567/"
            "billing/discounts.py#L33)") in summary

    verdict = results["Verdict"]
    assert verdict.returncode == 1
    assert "at or above fail-on" in verdict.stderr


@pytest.mark.slow
def test_report_true_adds_the_coverage_report_to_the_summary_and_the_artifact(
    installed: tuple[Path, str], workspace: Path, tmp_path: Path,
) -> None:
    action_path, python = installed
    runner = Runner(tmp_path, action_path, workspace)
    runner.outputs["install"] = {"python": python}
    results = runner.run({"report": "true"}, only=("check",))
    assert results["check"].returncode == 0, results["check"].stderr
    report_file = Path(runner.outputs["check"]["report-file"])
    assert report_file == runner.temp / "vibrails-report.html"
    assert report_file.read_text(encoding="utf-8") == _vibrails(
        python, "report", "--format", "html", ".", cwd=workspace).stdout
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary.startswith("## vibrails\n")  # the check's summary, then the report's
    expected = _vibrails(python, "report", "--format", "markdown", ".", cwd=workspace).stdout
    assert summary.endswith("\n" + expected) and "## vibrails coverage: " in summary
    # The upload step is the pinned upload-artifact action, given that file.
    [upload] = [s for s in action()["runs"]["steps"] if s.get("name") == "Upload the coverage report"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "${{ steps.check.outputs.report-file }}"
    # Without the input, no report is made.
    (tmp_path / "plain").mkdir()
    plain = Runner(tmp_path / "plain", action_path, workspace)
    plain.outputs["install"] = {"python": python}
    assert plain.run({}, only=("check",))["check"].returncode == 0
    assert "report-file" not in plain.outputs["check"]
    assert "vibrails coverage" not in plain.summary.read_text(encoding="utf-8")


@pytest.mark.slow
def test_fail_on_none_passes_and_custom_sarif_path(
    installed: tuple[Path, str], workspace: Path, tmp_path: Path,
) -> None:
    action_path, python = installed
    runner = Runner(tmp_path, action_path, workspace)
    runner.outputs["install"] = {"python": python}
    results = runner.run({"fail-on": "none", "sarif-file": "reports/out.sarif",
                          "paths": "billing/invoice.py billing/ledger.py",
                          "args": "--select VBR3"},
                         only=("check", "Verdict"))
    assert results["check"].returncode == 0, results["check"].stderr
    outputs = runner.outputs["check"]
    assert outputs["exit-code"] == "0"
    assert outputs["sarif-file"] == "reports/out.sarif"
    log = json.loads((workspace / "reports/out.sarif").read_text())
    files = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
             for r in log["runs"][0]["results"]}
    assert files == {"billing/invoice.py", "billing/ledger.py"}
    assert {r["ruleId"][:4] for r in log["runs"][0]["results"]} == {"VBR3"}
    assert results["Verdict"].returncode == 0


@pytest.mark.slow
def test_inputs_are_never_run_by_a_shell(
    installed: tuple[Path, str], workspace: Path, tmp_path: Path,
) -> None:
    action_path, python = installed
    runner = Runner(tmp_path, action_path, workspace)
    runner.outputs["install"] = {"python": python}
    results = runner.run({"args": "--exit-zero; touch pwned-args",
                          "paths": "$(touch pwned-paths) `touch pwned-tick`"},
                         only=("check", "Verdict"))
    assert not list(workspace.glob("pwned*"))
    check = results["check"]
    assert check.returncode == 2  # vibrails refused the odd arguments: the step fails
    assert "::error title=vibrails::" in check.stdout
    assert "Verdict" not in results


@pytest.mark.slow
def test_only_changed_checks_the_files_the_pull_request_changed(
    installed: tuple[Path, str], tmp_path: Path,
) -> None:
    action_path, python = installed
    origin = tmp_path / "origin.git"
    clone = tmp_path / "clone"
    subprocess.run([*GIT, "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run([*GIT, "clone", "-q", str(origin), str(clone)], check=True,
                   capture_output=True)
    old = '# @ai-generated model=m prompt=p.md\n"""Old."""\n\n\ndef _old(x=[]):\n    return x\n'
    new = old.replace("_old", "_new").replace("Old", "New")
    (clone / "p.md").write_text("prompt\n")
    (clone / "pkg").mkdir()
    (clone / "pkg/old.py").write_text(old)
    (clone / "pyproject.toml").write_text('[tool.vibrails]\nselect = ["VBR3"]\n')

    def git(*args: str) -> None:
        subprocess.run([*GIT, *args], cwd=clone, check=True, capture_output=True)

    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("push", "-q", "origin", "HEAD:main")
    git("checkout", "-q", "-b", "feature")
    (clone / "pkg/new.py").write_text(new)
    # old.py gains a function: its old finding stays off the review, the new one is on it
    (clone / "pkg/old.py").write_text(old + "\n\ndef _later(y={}):\n    return y\n")
    (clone / "notes.txt").write_text("not python\n")
    git("add", "-A")
    git("commit", "-q", "-m", "feature")

    runner = Runner(tmp_path, action_path, clone, env={"GITHUB_BASE_REF": "main"})
    runner.outputs["install"] = {"python": python}
    results = runner.run({"only-changed": "true"}, only=("check",))
    check = results["check"]
    assert check.returncode == 0, check.stdout + check.stderr
    assert "2 changed Python file(s) since main" in check.stdout
    annotations = sorted(line for line in check.stdout.splitlines() if line.startswith("::"))
    assert len(annotations) == 2, annotations
    assert "file=pkg/new.py,line=5" in annotations[0]
    assert "file=pkg/old.py,line=9" in annotations[1]
    assert runner.outputs["check"]["findings"] == "2"

    # Nothing changed: no finding, and the SARIF is still there for the upload.
    git("checkout", "-q", "main")
    git("reset", "-q", "--hard", "origin/main")
    again = tmp_path / "again"
    again.mkdir()
    runner = Runner(again, action_path, clone, env={"GITHUB_BASE_REF": "main"})
    runner.outputs["install"] = {"python": python}
    results = runner.run({"only-changed": "true"}, only=("check",))
    assert results["check"].returncode == 0, results["check"].stderr
    assert runner.outputs["check"]["findings"] == "0"
    log = json.loads(Path(runner.outputs["check"]["sarif-file"]).read_text())
    assert log["runs"][0]["results"] == []
    assert "**No findings**" in runner.summary.read_text()


# -- the summary on its own ------------------------------------------------------------


def test_summary_stays_under_a_mebibyte() -> None:
    from vibrails.commands.action import summary

    rules = [{"id": "VBR304", "name": "mutable-default-argument",
              "helpUri": "https://example.invalid/VBR304.md",
              "defaultConfiguration": {"level": "warning"},
              "properties": {"tags": ["state"]}}]
    results = [
        {"ruleId": "VBR304", "ruleIndex": 0, "level": "warning",
         "message": {"text": "x | y " * 400},
         "locations": [{"physicalLocation": {
             "artifactLocation": {"uri": f"pkg/{'deep/' * 40}m{i}.py"},
             "region": {"startLine": i, "startColumn": 1}}}]}
        for i in range(1, 30_001)
    ]
    log = {"runs": [{"tool": {"driver": {"rules": rules}}, "results": results}]}
    text = summary(log, {}, 1)
    assert len(text.encode()) < 1024 * 1024
    assert "**30000 findings**" in text
    assert "29950 more" in text
    assert "x \\| y" in text  # table cells escaped


@pytest.mark.slow
def test_dogfood_workflow_inputs_work(installed: tuple[Path, str], tmp_path: Path) -> None:
    workflow = yaml.safe_load((WORKFLOWS / "vibrails.yml").read_text(encoding="utf-8"))
    step = next(s for s in workflow["jobs"]["dogfood"]["steps"] if s.get("uses") == "./")
    given = {k: str(v) for k, v in step["with"].items() if "${{" not in str(v)}
    workspace = tmp_path / "repo"
    shutil.copytree(EXAMPLE, workspace / "examples" / "billing",
                    ignore=shutil.ignore_patterns("__pycache__", ".vibrails_cache"))
    action_path, python = installed
    runner = Runner(tmp_path, action_path, workspace)
    runner.outputs["install"] = {"python": python}
    results = runner.run(given, only=("check", "Verdict"))
    assert results["check"].returncode == 0, results["check"].stdout + results["check"].stderr
    assert runner.outputs["check"]["exit-code"] == "0"  # fail-on: none
    assert int(runner.outputs["check"]["findings"]) > 10
    assert "file=examples/billing/billing/" in results["check"].stdout
    assert results["Verdict"].returncode == 0


@pytest.mark.slow
def test_verify_true_adds_the_verification_to_annotations_sarif_and_summary(
    installed: tuple[Path, str], tmp_path: Path,
) -> None:
    """``verify: true`` runs ``vibrails verify`` with the job's Python (here the
    test's own, where CrossHair, Hypothesis and icontract are installed)."""
    action_path, _python = installed
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "pay.py").write_text(
        "# @ai-generated model=claude-sonnet-4 prompt=none\nimport icontract\n\n\n"
        "@icontract.require(lambda amount: amount > 0)\n"
        "@icontract.ensure(lambda result: result >= 0)\n"
        "def withdraw(balance: int, amount: int) -> int:\n    return balance - amount\n",
        encoding="utf-8")
    (workspace / "pyproject.toml").write_text(
        '[tool.vibrails]\nignore = ["VBR4"]\n', encoding="utf-8")
    runner = Runner(tmp_path, action_path, workspace)
    runner.outputs["install"] = {"python": sys.executable}
    results = runner.run({"verify": "true", "verify-args": "--timeout 3 --no-cache"},
                         only=("check", "Verdict"))
    assert results["check"].returncode == 0, results["check"].stderr
    outputs = runner.outputs["check"]
    assert outputs["exit-code"] == "1" and outputs["findings"] == "1"
    verify_file = Path(outputs["verify-sarif-file"])
    assert verify_file == runner.temp / "vibrails-verify.sarif"
    [result] = json.loads(verify_file.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert result["ruleId"] == "VBR106"
    assert "::error file=pay.py,line=6" in results["check"].stdout
    assert "imports and runs the code under test" in results["check"].stdout
    summary = runner.summary.read_text(encoding="utf-8")
    assert "## vibrails verify\n" in summary and "VBR106" in summary
    assert results["Verdict"].returncode == 1
    # The second upload is the verification's own category.
    [upload] = [s for s in action()["runs"]["steps"]
                if s.get("name") == "Upload the verification's SARIF to code scanning"]
    assert upload["with"]["category"] == "vibrails-verify"


@pytest.mark.slow
def test_the_install_step_with_verify_brings_the_searches_and_sees_the_jobs_packages(
    tmp_path: Path,
) -> None:
    action_path = snapshot(tmp_path / "action")
    runner = Runner(tmp_path, action_path, tmp_path)
    result = runner.run({"verify": "true", "python-version": ""}, only=("install",))["install"]
    assert result.returncode == 0, result.stdout + result.stderr
    python = runner.outputs["install"]["python"]
    config = (Path(python).parent.parent / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "include-system-site-packages = true" in config
    found = subprocess.run([python, "-c", "import crosshair, hypothesis, vibrails"],
                           capture_output=True, text=True)
    assert found.returncode == 0, found.stderr


@pytest.mark.slow
def test_verify_with_only_changed_verifies_the_changed_functions(
    installed: tuple[Path, str], tmp_path: Path,
) -> None:
    action_path, _python = installed
    origin = tmp_path / "origin.git"
    clone = tmp_path / "clone"
    subprocess.run([*GIT, "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run([*GIT, "clone", "-q", str(origin), str(clone)], check=True,
                   capture_output=True)
    broken = ("import icontract\n\n\n@icontract.ensure(lambda result: result >= 0)\n"
              "def {name}(x: int) -> int:\n    return x\n")
    header = "# @ai-generated model=m prompt=none\n"
    (clone / "old.py").write_text(header + broken.format(name="kept"))
    (clone / "pyproject.toml").write_text('[tool.vibrails]\nignore = ["VBR4"]\n')

    def git(*args: str) -> None:
        subprocess.run([*GIT, *args], cwd=clone, check=True, capture_output=True)

    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("push", "-q", "origin", "HEAD:main")
    git("checkout", "-q", "-b", "feature")
    (clone / "old.py").write_text(header + broken.format(name="kept") + "\n\n"
                                  + broken.format(name="added").split("\n\n\n", 1)[1])
    git("commit", "-qam", "feature")
    runner = Runner(tmp_path, action_path, clone, env={"GITHUB_BASE_REF": "main"})
    runner.outputs["install"] = {"python": sys.executable}
    results = runner.run({"only-changed": "true", "verify": "true",
                          "verify-args": "--timeout 3 --no-cache"}, only=("check",))
    assert results["check"].returncode == 0, results["check"].stdout + results["check"].stderr
    [result] = json.loads(Path(runner.outputs["check"]["verify-sarif-file"]).read_text(
        encoding="utf-8"))["runs"][0]["results"]
    assert result["message"]["text"].startswith("added(x=-1) returns -1")  # not `kept`
