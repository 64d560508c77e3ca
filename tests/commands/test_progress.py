"""The progress bar of long runs (``commands/check.py``: ``Progress``, ``wants_progress``)."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from util import write

from vibrails.commands.check import CheckOptions, Progress, wants_progress
from vibrails.engine.run import FileResult

OPTIONS = CheckOptions(
    paths=(), fmt="text", output=None, select=None, extend_select=None, ignore=None,
    assume_ai=None, git_trailers=None, config_path=None, jobs=None, no_cache=False,
    cache_dir=None, timeout_per_file=None, exit_zero=False, fail_on=None,
    show_statistics=False, force_exclude=False, fix=False, diff=False, baseline=None,
    quiet=False, colour="auto", stdin_filename=None, show_files=False, debug=False,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_drawn_in_the_first_second_then_done_total_and_tagged() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = Progress(10, stream, clock)
    for _ in range(3):
        clock.now += 0.2
        bar(FileResult(tagged=True))
    assert stream.getvalue() == ""  # 0.6 s: a quick run shows nothing
    bar.clear()
    assert stream.getvalue() == ""
    clock.now += 0.5
    bar(FileResult(tagged=False))
    assert stream.getvalue().endswith("] 4/10 files, 3 tagged")
    clock.now += 0.01
    bar(FileResult(tagged=True))  # within a tenth of a second: not redrawn
    assert "5/10" not in stream.getvalue()
    for _ in range(5):
        clock.now += 0.01
        bar(FileResult(tagged=True))
    assert stream.getvalue().endswith("] 10/10 files, 9 tagged")  # the last file always
    assert "[" + "#" * 30 + "]" in stream.getvalue()
    bar.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.parametrize(("change", "environ", "tty", "expected"), [
    ({}, {}, True, True),
    ({}, {}, False, False),  # a pipe, a file
    ({}, {"CI": "true"}, True, False),  # a CI log
    ({"fmt": "json"}, {}, True, False),  # machine formats
    ({"fmt": "sarif"}, {}, True, False),
    ({"fmt": "flake8"}, {}, True, False),
    ({"no_progress": True}, {}, True, False),
    ({"quiet": True}, {}, True, False),
])
def test_who_gets_a_bar(change: dict[str, Any], environ: dict[str, str], tty: bool,
                        expected: bool) -> None:
    assert wants_progress(replace(OPTIONS, **change), environ, tty) is expected


def _on_a_terminal(root: Path, *args: str) -> tuple[int, str, str]:
    """Run the CLI with standard error on a pseudo-terminal: (status, stdout, stderr)."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "FORCE_COLOR")}
    out = root.parent / f"{root.name}-stdout.txt"
    with out.open("wb") as stdout_file:  # a file, not a pipe: the report may be long
        process = subprocess.Popen([sys.executable, "-m", "vibrails", "check", *args],
                                   cwd=root, stdout=stdout_file, stderr=slave, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end of the terminal
                break
            if not data:
                break
            chunks.append(data)
        status = process.wait(timeout=300)
    os.close(master)
    stdout = out.read_text("utf-8")
    return status, stdout, b"".join(chunks).decode("utf-8", "replace")


def test_a_long_run_on_a_terminal_shows_the_bar_and_no_progress_hides_it(tmp_path: Path) -> None:
    body = "".join(f"def f{j}(x=[]):\n    x.append({j})\n    return x\n\n" for j in range(20))
    write(tmp_path, {f"m{i:03d}.py": "# @ai-generated\n" + body for i in range(300)})
    write(tmp_path, {"plain.py": "X = 1\n"})
    status, stdout, stderr = _on_a_terminal(tmp_path, "--no-cache", "--jobs", "1", ".")
    assert status == 1
    assert "301/301 files, 300 tagged" in stderr
    assert "301/301" not in stdout and "Found" in stdout  # the report stays clean
    status, _, stderr = _on_a_terminal(tmp_path, "--no-cache", "--jobs", "1", "--no-progress",
                                       ".")
    assert status == 1 and "files, " not in stderr
    status, _, stderr = _on_a_terminal(tmp_path, "--no-cache", "--jobs", "1", "--format",
                                       "json", ".")
    assert status == 1 and "files, " not in stderr
