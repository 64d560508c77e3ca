"""The pre-commit hooks, tested with the real pre-commit.

``pre-commit try-repo`` clones this checkout (its working tree, committed into
a temporary repository) and pip-installs it into the hook's environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from util import REPO, run_vibrails

pytest.importorskip("pre_commit")

GIT = ["git", "-c", "user.name=vibrails tests", "-c", "user.email=tests@example.invalid",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]

TAGGED = '''\
# @ai-generated model=gpt-5.1 prompt=prompts/cache.md
"""A cache."""


def _remember(key, seen=[]):
    return [*seen, key]
'''

FIXED = TAGGED.replace("seen=[]", "seen=()")


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run([*GIT, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout


#: What the hooks and the action need of this checkout: the package and their manifests.
SNAPSHOT = frozenset({"src", "rules", "pyproject.toml", "README.md", "LICENSE",
                      ".pre-commit-hooks.yaml", "action.yml"})


def snapshot(dest: Path) -> Path:
    """The package and manifests of this checkout's working tree (tracked and
    untracked, not ignored files),
    committed into a new repository at ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO, capture_output=True, check=True)
    dest.mkdir(parents=True)
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        if name.split("/", 1)[0] not in SNAPSHOT:
            continue
        source = REPO / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot")
    return dest


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_manifest_is_valid(tmp_path: Path) -> None:
    result = pre_commit("validate-manifest", str(REPO / ".pre-commit-hooks.yaml"),
                        cwd=REPO, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_hooks() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    main = hooks["vibrails"]
    assert main["language"] == "python"
    assert main["types_or"] == ["python", "pyi"]
    assert main["require_serial"] is True
    assert main["entry"] == "vibrails check --force-exclude"
    ledger = hooks["vibrails-ledger-verify"]
    assert ledger["pass_filenames"] is False
    assert ledger["entry"] == "vibrails ledger verify"
    pattern = re.compile(ledger["files"])
    assert pattern.search(".vibrails/ledger.jsonl")
    assert not pattern.search("src/ledger.jsonl") and not pattern.search("x.py")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot(tmp_path_factory.mktemp("hooks") / "vibrails")


def _ledger_command_exists() -> bool:
    return run_vibrails("ledger", "verify", "--help").returncode == 0


@pytest.mark.slow
def test_try_repo_fails_on_finding_then_passes_when_fixed(
    hook_repo: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "cache.py").write_text(TAGGED, encoding="utf-8")
    (project / "prompts").mkdir()
    (project / "prompts/cache.md").write_text("Write a cache.\n", encoding="utf-8")
    # Excluded in the configuration: pre-commit passes it, --force-exclude skips it.
    (project / "pyproject.toml").write_text(
        '[tool.vibrails]\nselect = ["VBR3"]\nextend-exclude = ["vendored"]\n', encoding="utf-8")
    (project / "vendored").mkdir()
    (project / "vendored/old.py").write_text(TAGGED, encoding="utf-8")
    (project / ".vibrails").mkdir()
    (project / ".vibrails/ledger.jsonl").write_bytes(b"")
    _git(project, "add", "-A")
    home = tmp_path / "pre-commit-home"

    failed = pre_commit("try-repo", str(hook_repo), "vibrails", "--all-files",
                        cwd=project, home=home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "cache.py:5:25: VBR304 " in failed.stdout
    assert "vendored" not in failed.stdout

    (project / "cache.py").write_text(FIXED, encoding="utf-8")
    _git(project, "add", "-A")
    # Each try-repo installs the hooks afresh: the second run covers both
    # hooks in one go when the ledger command is there.
    hook = [] if _ledger_command_exists() else ["vibrails"]
    passed = pre_commit("try-repo", str(hook_repo), *hook, "--all-files",
                        cwd=project, home=home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^vibrails\.+Passed$", passed.stdout, flags=re.M), passed.stdout
    if not hook:
        assert re.search(r"^vibrails ledger verify\.+Passed$", passed.stdout, flags=re.M)
