"""A clear message, never a traceback, for every bad input at the edges.

Covered elsewhere (docs/reliability.md lists them): a missing path
(``test_cli.py::test_missing_path_is_exit_2``), an unreadable configuration
(``test_config.py::test_cli_unreadable_config``), a configuration with a BOM
(``test_config.py::test_utf8_bom_is_accepted``) or invalid TOML
(``test_config.py::test_invalid_toml_gives_line_and_column``), output to a
file in a missing folder (``test_cli.py::test_unwritable_output_is_exit_2_with_one_line``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from util import run_vibrails, write

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
TAGGED = "# @ai-generated\ndef f(a=[]):\n    pass\n"


def _as_nobody_possible() -> bool:
    if not IS_ROOT or shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*NOBODY, sys.executable, "-c", "import vibrails.commands.cli"],
                           capture_output=True, cwd="/", timeout=60)
    return probe.returncode == 0


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder that ``nobody`` can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="vibrails-edges-", dir="/tmp"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _as_other_user(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user the file modes apply to (``nobody`` when we are root)."""
    command = [sys.executable, "-m", "vibrails", *args]
    if IS_ROOT:
        if not _as_nobody_possible():
            pytest.skip("running as root and cannot drop privileges")
        command = [*NOBODY, *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["HOME"] = str(root)
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120, env=env)


def _one_clean_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "vibrails: error: " in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_a_fifo_named_on_the_command_line(tmp_path: Path) -> None:
    write(tmp_path, {"ok.py": TAGGED})
    os.mkfifo(tmp_path / "pipe.py")
    result = run_vibrails("check", "--no-cache", "--format", "flake8", "pipe.py", "ok.py",
                          cwd=tmp_path)
    # Never opened (it would block): skipped with a message; ok.py is still checked.
    assert result.returncode == 1, result.stderr
    assert "ok.py:2:9: VBR304" in result.stdout
    assert "pipe.py: skipped: not a regular file" in result.stderr
    assert "pipe.py" in result.stderr and "Traceback" not in result.stderr
    if result.returncode == 1:
        assert "ok.py:2:9: VBR304" in result.stdout


def test_a_fifo_inside_a_scanned_folder_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"ok.py": TAGGED})
    os.mkfifo(tmp_path / "pipe.py")
    result = run_vibrails("check", "--no-cache", "--format", "flake8", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "ok.py:2:9: VBR304" in result.stdout
    assert "pipe.py" not in result.stdout and "Traceback" not in result.stderr


def test_a_device_file_as_path(tmp_path: Path) -> None:
    result = run_vibrails("check", "--no-cache", "/dev/null", cwd=tmp_path)
    # Skipped with a message, never read: nothing is checked.
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "dev/null: skipped: not a regular file" in result.stderr


def test_invalid_toml_on_the_command_line(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\nselect = [\"VBR3\"\n", "a.py": TAGGED})
    result = run_vibrails("check", "--no-cache", cwd=tmp_path)
    _one_clean_error(result, "pyproject.toml", "line 2, column 17")


def test_config_with_a_bom_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "vibrails.toml").write_bytes(b"\xef\xbb\xbfassume-ai = true\n")
    write(tmp_path, {"a.py": "def f(a=[]):\n    pass\n"})
    result = run_vibrails("check", "--no-cache", "--format", "flake8", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "a.py:1:9: VBR304" in result.stdout


def test_missing_config_file(tmp_path: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--config", "nope.toml", cwd=tmp_path)
    _one_clean_error(result, "nope.toml")


def test_output_to_a_directory(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": TAGGED})
    (tmp_path / "out").mkdir()
    result = run_vibrails("check", "--no-cache", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "out" in result.stderr


def test_output_to_a_read_only_file(shared_dir: Path) -> None:
    tmp_path = shared_dir
    write(tmp_path, {"a.py": TAGGED, "report.txt": "old\n"})
    (tmp_path / "report.txt").chmod(0o444)
    result = _as_other_user(tmp_path, "check", "--no-cache", "-o", "report.txt")
    _one_clean_error(result, "cannot write report.txt")
    assert (tmp_path / "report.txt").read_text("utf-8") == "old\n"


def test_read_only_cache_folder_warns_once_and_the_run_goes_on(shared_dir: Path) -> None:
    tmp_path = shared_dir
    write(tmp_path, {"a.py": TAGGED, "b.py": TAGGED})
    cache = tmp_path / "ro-cache"
    cache.mkdir()
    result = None
    try:
        if IS_ROOT:
            cache.chmod(0o555)
        else:
            cache.chmod(0o500)
        result = _as_other_user(tmp_path, "check", "--cache-dir", "ro-cache", "--format",
                                "flake8")
    finally:
        cache.chmod(0o755)
    assert result is not None
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("cache disabled") == 1
    assert result.stdout.count("VBR304") == 2
    assert list(cache.iterdir()) == []


def test_ledger_path_that_is_a_directory(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.vibrails]\nledger = "ledgerdir"\n', "a.py": TAGGED})
    (tmp_path / "ledgerdir").mkdir()
    result = run_vibrails("ledger", "record", "a.py", "--model", "m", "--prompt", "p",
                          cwd=tmp_path)
    _one_clean_error(result, "ledgerdir", "Is a directory")
