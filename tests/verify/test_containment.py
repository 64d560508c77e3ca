"""Containment: ``vibrails verify`` runs code that hangs, exits, writes, removes,
starts processes, dials out or kills its own process, and each of these is
reported on its function (VBR107) while the module's other functions are
still verified, and nothing is written or removed outside the workers'
temporary folders (``tests/data/verify/unsafe``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_fixture import expected
from util import DATA, run_vibrails

UNSAFE = DATA / "verify" / "unsafe"
#: The run, the project, the file outside it, the project's files before, the run's TMPDIR.
Contained = tuple[subprocess.CompletedProcess[str], Path, Path, dict[str, bytes], Path]


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def contained(tmp_path_factory: pytest.TempPathFactory) -> Contained:
    outside = tmp_path_factory.mktemp("outside")
    victim = outside / "report.txt"
    victim.write_text("kept\n", encoding="utf-8")
    project = tmp_path_factory.mktemp("unsafe") / "unsafe"
    shutil.copytree(UNSAFE, project)
    before = _tree(project)
    scratch = tmp_path_factory.mktemp("scratch")  # the run's temporary folders: its own
    result = run_vibrails("verify", "--no-cache", "--format", "json", "--timeout", "3", ".",
                          cwd=project, env={"RISKY_EXPORT": str(victim), "TMPDIR": str(scratch)})
    return result, project, victim, before, scratch


def test_each_risky_function_is_reported_and_the_others_verified(
        contained: Contained) -> None:
    result = contained[0]
    assert result.returncode == 0, result.stderr  # notes do not fail the run
    findings = json.loads(result.stdout)
    got = {(f["path"], f["line"], f["code"]) for f in findings}
    assert got == expected(UNSAFE)
    # `harmless`, verified after all the others in the same module: no finding.
    assert "0 violated, 9 not verified, 1 verified" in result.stderr, result.stderr


@pytest.mark.parametrize(("function", "says"), [
    ("spin", "not done within its 3 s budget"),
    ("stubborn", "not done within its 3 s budget"),
    ("shutdown", "called sys.exit("),
    ("export", "write "),
    ("remove_report", "remove "),
    ("crash", "worker process ended while verifying it (exit status 3"),
    ("shell", "start a process (subprocess)"),
    ("split", "start a process (os.fork)"),
    ("dial", "look up a host name"),
])
def test_what_each_finding_says(
        contained: Contained,
        function: str, says: str) -> None:
    findings = json.loads(contained[0].stdout)
    [message] = [f["message"] for f in findings if f"'{function}'" in f["message"]]
    assert says in message, message


def test_nothing_is_written_or_removed_outside_the_temporary_folder(
        contained: Contained) -> None:
    _result, project, victim, before, _scratch = contained
    assert victim.read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in victim.parent.iterdir()) == ["report.txt"]
    assert _tree(project) == before  # no bytecode, no .hypothesis, no output


def test_no_worker_is_left_running_and_no_folder_left_behind(contained: Contained) -> None:
    scratch = contained[4]
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(scratch) not in running  # the stopped workers (a hang, a fork) are gone
    assert list(scratch.iterdir()) == []


def test_the_workers_temporary_folders_are_removed(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(UNSAFE, project)
    (project / "risky" / "effects.py").write_text(
        "import icontract\n\n\n@icontract.ensure(lambda result: result >= 0)\n"
        "def keep(n: int) -> int:\n    open('left-here.txt', 'w').write('x')\n    return abs(n)\n",
        encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = run_vibrails("verify", "--no-cache", ".", cwd=project, env={"TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr
    assert "1 verified" in result.stderr
    assert list(scratch.iterdir()) == []  # the write went to the worker's folder, now gone
    assert not (project / "left-here.txt").exists()
