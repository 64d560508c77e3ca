"""Changed-lines mode, ``vibrails check --diff-base REV`` (src/vibrails/suppress/changed.py),
on real git histories built here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from util import git as _git
from util import run_vibrails, write

HEADER = "# @ai-generated\n"
OLD = HEADER + (
    "def add(item, basket=[]):\n"        # 2: VBR304, untouched
    "    return basket\n"
    "\n"
    "\n"
    "def tally(name, counts={}):\n"      # 6: VBR304, this line changes below
    "    return counts\n"
)
INVARIANT = HEADER + (
    "class Account:\n"                   # 2: VBR201 is reported here
    "    def __init__(self):\n"
    "        self.balance = 0\n"
    "\n"
    "    def deposit(self, amount):\n"
    "        self.balance += amount\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """``main`` holds OLD and INVARIANT; the work continues on ``feature``."""
    _git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": '[tool.vibrails]\nignore = ["VBR401"]\n',
                     "app/basket.py": OLD, "app/account.py": INVARIANT})
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "main")
    _git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def _found(root: Path, *args: str, cwd: Path | None = None) -> tuple[list[tuple[str, int, str]], str]:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select",
                          "VBR201,VBR304", *args, cwd=cwd or root)
    assert "Traceback" not in result.stderr, result.stderr
    findings = json.loads(result.stdout)
    assert result.returncode == (1 if findings else 0), result.stderr
    return sorted((f["path"], f["line"], f["code"]) for f in findings), result.stderr


def test_only_findings_on_changed_lines_are_listed(repo: Path) -> None:
    write(repo, {"app/basket.py": OLD.replace("tally(name, counts={})", "tally(who, counts={})")
                 + "\n\ndef extend(items, extra=[]):\n    return items + extra\n"})
    _git(repo, "commit", "-qam", "change tally, add extend")
    everything, _ = _found(repo)
    assert ("app/basket.py", 2, "VBR304") in everything
    found, stderr = _found(repo, "--diff-base", "main")
    assert found == [("app/basket.py", 6, "VBR304"), ("app/basket.py", 10, "VBR304")]
    # add() in the changed file is counted; account.py, untouched, is not even checked
    assert ("1 finding(s) on lines unchanged since main not listed; "
            "1 unchanged file(s) not checked") in stderr
    text = run_vibrails("check", "--no-cache", "--select", "VBR201,VBR304",
                        "--diff-base", "main", cwd=repo)
    assert ("Found 2 findings (2 warnings; 1 more on lines unchanged since main, not shown; "
            "1 unchanged files not checked) in 1 tagged of 1 files checked.") in text.stdout


def test_uncommitted_edits_and_untracked_files_count(repo: Path) -> None:
    write(repo, {"app/new.py": HEADER + "def f(x=[]):\n    return x\n",
                 "app/basket.py": OLD.replace("    return counts\n", "    return dict(counts)\n")})
    found, _ = _found(repo, "--diff-base", "main")
    # the untracked file whole; tally's body changed, so its def's finding counts
    assert found == [("app/basket.py", 6, "VBR304"), ("app/new.py", 2, "VBR304")]


def test_a_class_finding_counts_when_its_body_changed(repo: Path) -> None:
    found, _ = _found(repo, "--diff-base", "main")
    assert found == []
    write(repo, {"app/account.py": INVARIANT + "\n    def withdraw(self, amount):\n"
                                               "        self.balance -= amount\n"})
    found, _ = _found(repo, "--diff-base", "main")
    assert found == [("app/account.py", 2, "VBR201")]


def test_a_renamed_file_has_only_its_edited_lines(repo: Path) -> None:
    _git(repo, "mv", "app/basket.py", "app/cart.py")
    _git(repo, "commit", "-qm", "rename")
    assert _found(repo, "--diff-base", "main")[0] == []
    write(repo, {"app/cart.py": (repo / "app/cart.py").read_text().replace(
        "add(item, basket=[])", "add(thing, basket=[])")})
    assert _found(repo, "--diff-base", "main")[0] == [("app/cart.py", 2, "VBR304")]


def test_from_a_folder_inside_the_repository(repo: Path) -> None:
    write(repo, {"app/new.py": HEADER + "def f(x=[]):\n    return x\n"})
    found, _ = _found(repo, "--diff-base", "main", ".", cwd=repo / "app")
    assert found == [("new.py", 2, "VBR304")]


def test_a_shallow_clone_without_the_merge_base_says_what_to_fetch(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for number in range(3):
        write(repo, {f"app/m{number}.py": HEADER + "X = 1\n"})
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", f"commit {number}")
    clone = tmp_path_factory.mktemp("clone") / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch",
                    f"file://{repo}", str(clone)], check=True, capture_output=True)
    result = run_vibrails("check", "--no-cache", "--diff-base", "origin/main", cwd=clone)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "shallow" in result.stderr and "git fetch --deepen" in result.stderr
    assert result.stdout == "", "never a silent full run"


@pytest.mark.parametrize(("rev", "message"), [
    ("no-such-branch", "unknown revision 'no-such-branch'"),
    ("--output=pwned", "'--output=pwned' is not a revision"),  # never passed to git
    ("", "'' is not a revision"),
])
def test_an_unknown_revision_is_an_error(repo: Path, rev: str, message: str) -> None:
    result = run_vibrails("check", "--no-cache", f"--diff-base={rev}", cwd=repo)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (repo / "pwned").exists()


def test_outside_a_repository_and_on_standard_input_it_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": HEADER + "def f(x=[]):\n    return x\n"})
    outside = run_vibrails("check", "--no-cache", "--diff-base", "main", cwd=tmp_path)
    assert outside.returncode == 2 and "not in a git repository" in outside.stderr
    piped = run_vibrails("check", "--diff-base", "main", "-", cwd=tmp_path)
    assert piped.returncode == 2 and "does not apply to standard input" in piped.stderr


@pytest.mark.parametrize("name", ['app/we"ird\\ café.py', "app/with space.py"])
def test_paths_git_quotes_are_read_back(repo: Path, name: str) -> None:
    """git C-quotes a path with a quote or a backslash, and ends the diff header
    with a tab when the path has a space."""
    write(repo, {name: HEADER + "def f(x=[]):\n    return x\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "odd name")
    write(repo, {name: HEADER + "def f(x=[]):\n    return x\n\n\ndef g(y={}):\n    return y\n"})
    found, _ = _found(repo, "--diff-base", "HEAD")
    assert found == [(name, 6, "VBR304")]


def test_deleted_lines_touch_the_file_and_the_definition_below_them(tmp_path: Path) -> None:
    from vibrails.suppress.changed import ChangedLines, _read_diff

    diff = (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -3 +2,0 @@\n-@require(lambda x: x > 0)\n"   # a decorator deleted above line 3
        "@@ -9,2 +8,0 @@\n-    check()\n-    log()\n"     # two lines deleted after line 8
        "diff --git a/old.py b/new.py\n--- a/old.py\n+++ b/new.py\n"
        "@@ -1 +1 @@\n-a\n+b\n"
    )
    changed = ChangedLines(tmp_path, "main", "0" * 40)
    _read_diff(diff, changed)
    assert changed.lines["m.py"] == set() and changed.gaps["m.py"] == {2, 8}
    assert changed.old_paths == {"m.py": "m.py", "new.py": "old.py"}
    (tmp_path / "m.py").write_text("")
    assert changed.touches(tmp_path / "m.py")  # deletions alone touch a file
    assert changed.changed("m.py", 3, 10, above=True)  # the def whose decorator went
    assert not changed.changed("m.py", 3, 5)  # ... but not its own first lines
    assert changed.changed("m.py", 7, 9)  # lines deleted between 8 and 9
    assert not changed.changed("m.py", 9, 12)


def test_hunk_lines_that_look_like_file_headers_are_content(tmp_path: Path) -> None:
    from vibrails.suppress.changed import ChangedLines, _read_diff

    diff = (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -2 +2 @@\n--- a removed docstring line\n+++ an added one\n"
        "@@ -9 +9,2 @@\n-x\n+y\n+z\n"
    )
    changed = ChangedLines(tmp_path, "main", "0" * 40)
    _read_diff(diff, changed)
    assert changed.lines == {"m.py": {2, 9, 10}}
    assert changed.old_paths == {"m.py": "m.py"} and changed.whole == set()


def test_a_deleted_file_and_a_merged_main_are_handled(repo: Path) -> None:
    # The branch deletes a file: nothing to check there, and no error.
    _git(repo, "rm", "-q", "app/account.py")
    _git(repo, "commit", "-qm", "drop account")
    found, stderr = _found(repo, "--diff-base", "main")
    assert found == [] and "Traceback" not in stderr
    # main moves on and is merged into the branch: the merge base is main's
    # new head, so main's own change is not the branch's to review.
    _git(repo, "checkout", "-q", "main")
    write(repo, {"app/other.py": HEADER + "def g(y={}):\n    return y\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main: other")
    _git(repo, "checkout", "-q", "feature")
    _git(repo, "merge", "-q", "--no-edit", "main")
    write(repo, {"app/basket.py": OLD.replace("tally(name, counts={})", "tally(who, counts={})")})
    found, _ = _found(repo, "--diff-base", "main")
    assert found == [("app/basket.py", 6, "VBR304")]
    # A merge commit as the revision works as well.
    merge = _git(repo, "rev-parse", "HEAD").strip()
    assert _found(repo, "--diff-base", merge)[0] == [("app/basket.py", 6, "VBR304")]
