"""Paths and small helpers shared by the benchmark modules."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CORPUS_DIR = BENCH / ".corpus"
VENVS_DIR = BENCH / ".venvs"
RESULTS_DIR = BENCH / "results"
DOC = ROOT / "docs" / "performance.md"

_STARTED = time.monotonic()


def log(message: str) -> None:
    """A progress line on stderr, with the time since the harness started."""
    elapsed = time.monotonic() - _STARTED
    print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


class SetupError(RuntimeError):
    """A setup step (download, install) failed; the message says which."""


def run_setup(cmd: Sequence[str | Path], cwd: Path | None = None) -> str:
    """Run a setup command; return its stdout, raise :class:`SetupError` on failure."""
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise SetupError(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    return proc.stdout
