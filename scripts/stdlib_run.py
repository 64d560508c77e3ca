#!/usr/bin/env python3
"""Check the running interpreter's whole standard library with ``--assume-ai``.

Every ``.py`` file under ``sysconfig.get_paths()["stdlib"]`` (``site-packages``
left out) is checked with every rule on by default. The run must be clean
in the sense of docs/reliability.md: no VBR000 (internal error), and every
file that CPython itself cannot compile (``compile()``, never run) has a
VBR001 or VBR002 finding. Prints the wall time, the peak memory of the
largest process and the number of files with VBR001/VBR002.

    python scripts/stdlib_run.py [--jobs N] [--limit N] [--json-out FILE]

Exit status 0 when clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path


def stdlib_files(root: Path) -> list[Path]:
    """The stdlib's ``.py`` files, sorted, without third-party packages."""
    return sorted(
        p for p in root.rglob("*.py")
        if "site-packages" not in p.relative_to(root).parts
        and "dist-packages" not in p.relative_to(root).parts
        and p.is_file()
    )


def compiles(path: Path) -> bool:
    """Whether CPython compiles the file (its bytes, as the import system would)."""
    try:
        data = path.read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OSError):
        return False
    return True


def check(root: Path, relative: list[str], jobs: int | None, extra: list[str]) -> tuple[
        int, list[dict[str, object]], str, float]:
    """Run ``vibrails check --assume-ai --format json`` on ``relative`` paths under ``root``."""
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder)
        command = [sys.executable, "-m", "vibrails", "check", "--assume-ai", "--no-cache",
                   "--format", "json", "-o", str(listing / "out.json"), *extra]
        if jobs:
            command += ["--jobs", str(jobs)]
        started = time.perf_counter()
        result = subprocess.run([*command, *relative], cwd=root, capture_output=True, text=True)
        wall = time.perf_counter() - started
        out = listing / "out.json"
        findings = json.loads(out.read_text("utf-8")) if out.exists() else []
    return result.returncode, findings, result.stderr, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--limit", type=int, default=0, help="check only the first N files")
    parser.add_argument("--json-out", type=Path, help="write the summary as JSON here")
    args = parser.parse_args()

    root = Path(sysconfig.get_paths()["stdlib"])
    files = stdlib_files(root)
    if args.limit:
        files = files[: args.limit]
    relative = [p.relative_to(root).as_posix() for p in files]
    print(f"stdlib: {root} ({len(files)} files, Python {sys.version.split()[0]})", flush=True)
    code, findings, stderr, wall = check(root, relative, args.jobs, [])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

    by_code = Counter(str(f["code"]) for f in findings)
    files_by_code: dict[str, set[str]] = {}
    for finding in findings:
        files_by_code.setdefault(str(finding["code"]), set()).add(str(finding["path"]))
    unreadable = files_by_code.get("VBR001", set()) | files_by_code.get("VBR002", set())
    rejected = [rel for rel, path in zip(relative, files, strict=True) if not compiles(path)]
    missed = [rel for rel in rejected if rel not in unreadable]
    internal = sorted(files_by_code.get("VBR000", set()))

    print(f"wall time: {wall:.1f} s; peak memory (largest process): {peak_kib / 1024:.0f} MiB")
    print(f"exit status: {code}; findings: {len(findings)}")
    print(f"files with VBR001: {len(files_by_code.get('VBR001', ()))}; "
          f"with VBR002: {len(files_by_code.get('VBR002', ()))}; "
          f"CPython rejects: {len(rejected)}")
    print("findings per rule: " + ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())))
    rejected_set = set(rejected)
    for finding in findings:
        if finding["code"] == "VBR002":
            print(f"  VBR002 {finding['path']}: {finding['message']}")
        elif finding["code"] == "VBR001" and finding["path"] not in rejected_set:
            print(f"  VBR001 (CPython compiles it) {finding['path']}:{finding['line']}: "
                  f"{finding['message']}")
    problems = []
    if code not in (0, 1):
        problems.append(f"vibrails exited {code}: {stderr.strip()[-2000:]}")
    if internal:
        problems.append(f"VBR000 in {len(internal)} file(s): {internal[:10]}")
    if missed:
        problems.append(f"CPython rejects but vibrails passes: {missed[:10]}")
    if args.json_out:
        args.json_out.write_text(json.dumps({
            "python": sys.version.split()[0], "files": len(files), "wall_seconds": round(wall, 1),
            "peak_rss_mib": round(peak_kib / 1024), "findings": dict(sorted(by_code.items())),
            "files_vbr001": len(files_by_code.get("VBR001", ())),
            "files_vbr002": len(files_by_code.get("VBR002", ())),
            "cpython_rejects": len(rejected), "problems": problems,
        }, indent=2) + "\n", "utf-8")
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("OK: no VBR000, every file CPython rejects has VBR001/VBR002")
    return 1 if problems else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
