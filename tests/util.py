"""Shared helpers of the test suite: run the real CLI in a subprocess, write
files, and check one file in process as ``vibrails check --assume-ai`` would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vibrails.core.finding import Finding

REPO = Path(__file__).resolve().parents[1]
#: Test data: the official SARIF schema, the agents' payloads.
DATA = REPO / "tests" / "data"
SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"
#: A function with a mutable default (VBR304) that mutates its argument (VBR301).
BASKET = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"


def run_vibrails(
    *args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m vibrails ARGS`` and capture its output."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env.pop("FORCE_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "vibrails", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (path → text or bytes) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def check_example(
    tmp_path: Path,
    content: bytes,
    filename: str,
    select: tuple[str, ...],
    config: dict[str, Any],
    ledger: bytes = b"",
) -> list[Finding]:
    """Check one file as ``vibrails check --assume-ai --select …`` would (with a
    ledger next to it, if given, and the ledger's own findings)."""
    from vibrails.checks.vbr404_ledger_integrity import ledger_findings
    from vibrails.config import Config, validate
    from vibrails.core.selection import Selection
    from vibrails.discover import Discovered
    from vibrails.engine.run import check_file
    from vibrails.provenance.context import prepare as prepare_provenance

    values, _ = validate(config, "example")
    values["assume-ai"] = True
    settings = Config(root=tmp_path, source=None, values=values).settings()
    if ledger:
        (tmp_path / values["ledger"]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / values["ledger"]).write_bytes(ledger)
    selection = Selection.build(list(select), [], [], values["per-file-ignores"])
    path = tmp_path / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    settings = prepare_provenance(settings, tmp_path, cwd=tmp_path)
    item = Discovered(path=path, display=filename, project_path=filename)
    result = check_file(item, settings, selection)
    assert result.tagged, "--assume-ai must tag every file"
    return result.findings + ledger_findings(settings, selection.enabled)


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` as a test author (no signing, ``main`` by default); its output."""
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.com",
         "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def check_diff_example(
    tmp_path: Path,
    before: str,
    after: str,
    filename: str,
    select: tuple[str, ...],
    config: dict[str, Any],
) -> list[Finding]:
    """What a diff rule finds in the change from ``before`` to ``after`` (the
    file as ``vibrails check --diff-base`` compares it, ``--assume-ai``
    unless ``config`` says otherwise), suppressions applied."""
    from vibrails.config import Config, validate
    from vibrails.engine.diff import file_weakening
    from vibrails.provenance.context import prepare as prepare_provenance

    values, _ = validate({"assume-ai": True, **config}, "example")
    settings = Config(root=tmp_path, source=None, values=values).settings()
    settings = prepare_provenance(settings, tmp_path, cwd=tmp_path)
    found = file_weakening(filename, filename, before, after, settings, select, "0123456789ab")
    return [finding for finding, _ in found]


def positions(findings: list[Finding], code: str) -> list[str]:
    """``"line:column"`` of the unsuppressed findings of ``code``, sorted."""
    return sorted(
        (f"{f.line}:{f.column}" for f in findings if f.code == code and f.suppressed is None),
        key=lambda p: tuple(int(n) for n in p.split(":")),
    )


def sarif_exit(log: dict[str, Any]) -> int:
    """The exit status a SARIF report calls for with the default ``fail-on``:
    1 when an unsuppressed result is a warning or an error, else 0."""
    results = [r for run in log["runs"] for r in run["results"]]
    failing = any(r.get("level", "warning") in ("warning", "error") and not r.get("suppressions")
                  for r in results)
    return 1 if failing else 0


def best_time(func: Any, *args: Any) -> float:
    """The best of three runs of ``func(*args)``, in seconds: a sanity bound on
    the work, not on the scheduler (a loaded machine can stall one run)."""
    import time

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        func(*args)
        best = min(best, time.perf_counter() - start)
    return best


def check_verify_example(tmp_path: Path, code: str, filename: str,
                         select: tuple[str, ...], timeout: float = 10.0) -> list[Finding]:
    """Run ``vibrails verify --assume-ai --select …`` on one file (it imports
    and runs the file, in the verification's contained workers)."""
    import json

    from vibrails.core.finding import Finding

    project = tmp_path / "project"
    write(project, {filename: code, "pyproject.toml": "[tool.vibrails]\n"})
    result = run_vibrails("verify", "--assume-ai", "--no-cache", "--format", "json",
                          "--timeout", str(timeout), "--select", ",".join(select), ".",
                          cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return [Finding.from_json(item) for item in json.loads(result.stdout)]
