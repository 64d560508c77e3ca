#!/usr/bin/env python3
"""Changed-lines mode on a pull request of one file in a repository of 1,000.

A git repository of ``--files`` tagged modules (copies of the example
project's ``billing/discounts.py`` under ``pkg<NN>/``) is committed; then
one function is added to one of them. Timed, interleaved, ``--runs`` times
each, with nothing cached (``--no-cache``) and two workers:

* ``vibrails check .`` — the full cold run;
* ``vibrails check --diff-base HEAD .`` — the review of the change, which
  checks only the file the change touched.

The table gives the medians and the ratio diff / full against the review
issue's target (at most 0.1). ``--write`` puts it into
``docs/performance.md`` between its ``diffmode`` markers. Not a test: a
timing is never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DOC, ROOT
from envs import vibrails_env

SOURCE = ROOT / "examples" / "billing" / "billing" / "discounts.py"
START = "<!-- diffmode:start -->"
END = "<!-- diffmode:end -->"
TARGET = 0.1
GIT = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com",
       "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]


def measure(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    vib = vibrails_env("auto")
    script = vib.script("vibrails")
    vibrails = [str(script)] if script.exists() else [str(vib.python), "-m", "vibrails"]
    text = SOURCE.read_text("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        (repo / "pyproject.toml").write_text("[tool.vibrails]\n", "utf-8")
        for number in range(args.files):
            package = repo / f"pkg{number // 100:02d}"
            package.mkdir(exist_ok=True)
            (package / f"m{number:04d}.py").write_text(text, "utf-8")
        subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
        subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
        subprocess.run([*GIT, "commit", "-q", "-m", "base"], cwd=repo, check=True)
        changed = repo / "pkg00" / "m0000.py"
        changed.write_text(text + "\n\ndef later(items, seen=[]):\n    return seen\n", "utf-8")
        cases = {
            "full cold run": [*vibrails, "check", "--no-cache", "--jobs", "2", "."],
            "--diff-base HEAD": [*vibrails, "check", "--no-cache", "--jobs", "2",
                                 "--diff-base", "HEAD", "."],
        }
        for argv in cases.values():  # warm-up: page cache, bytecode
            measure(argv, repo)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                times[name].append(measure(argv, repo))
        shutil.rmtree(repo / ".git", ignore_errors=True)
    full = statistics.median(times["full cold run"])
    diff = statistics.median(times["--diff-base HEAD"])
    ratio = diff / full
    verdict = "meets it" if ratio <= TARGET else "**misses it**"
    lines = [
        f"{args.files} tagged files of {sum(1 for _ in SOURCE.open())} lines, one changed; "
        f"{args.runs} interleaved runs each, `--no-cache --jobs 2`; Python "
        f"{sys.version.split()[0]}.",
        "",
        "| command | min (s) | median (s) |",
        "| --- | --- | --- |",
        *(f"| `vibrails check {name}` | {min(v):.3f} | {statistics.median(v):.3f} |"
          if name.startswith("--") else
          f"| {name} | {min(v):.3f} | {statistics.median(v):.3f} |"
          for name, v in times.items()),
        "",
        f"Diff mode / full cold run: **{ratio:.3f}** (target ≤ {TARGET}: {verdict}).",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        doc = DOC.read_text("utf-8")
        if START not in doc or END not in doc:
            raise SystemExit(f"{DOC} lacks the {START} … {END} markers")
        head, rest = doc.split(START, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{START}\n{table}{END}{tail}", "utf-8")
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
