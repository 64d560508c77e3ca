#!/usr/bin/env python3
"""Single-file latency, as an editor or a pre-commit hook sees it: vibrails against flake8.

One tagged file of the example project (``examples/billing/billing/discounts.py``,
60 lines, plus a small ``pyproject.toml``) is copied into a fresh folder and
checked again and again, the commands interleaved:

* ``flake8 one.py`` from the harness's clean flake8 venv (no vibrails plugin);
* ``vibrails check --no-cache one.py`` (cold: nothing cached);
* ``vibrails check one.py`` after one untimed run filled the cache (warm);
* ``vibrails --version`` (the interpreter and the command line alone);
* ``python -c pass`` and ``python -c 'import libcst'`` in vibrails' venv: the
  floors under any cold check, which must parse with libcst.

Wall time is measured per run (``time.perf_counter`` around the process);
the table gives the minimum and the median of ``--runs`` runs and the ratios
to flake8's median, against the targets of the first-hour issue: cold at most
1.2x flake8, warm at most 0.5x. ``--write`` puts the table into
``docs/performance.md`` between its ``latency`` markers. Not a test: a
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
from envs import peer_env, vibrails_env

SOURCE = ROOT / "examples" / "billing" / "billing" / "discounts.py"
START = "<!-- latency:start -->"
END = "<!-- latency:end -->"
TARGETS = {"vibrails cold": 1.2, "vibrails warm": 0.5}


def measure(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    flake8 = peer_env("flake8")
    vib = vibrails_env("auto")
    script = vib.script("vibrails")
    vibrails = [str(script)] if script.exists() else [str(vib.python), "-m", "vibrails"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copyfile(SOURCE, work / "one.py")
        (work / "pyproject.toml").write_text("[tool.vibrails]\n", "utf-8")
        cases = {
            "flake8": [str(flake8.script("flake8")), "one.py"],
            "vibrails cold": [*vibrails, "check", "--no-cache", "one.py"],
            "vibrails warm": [*vibrails, "check", "one.py"],
            "vibrails --version": [*vibrails, "--version"],
            # Floors no change to vibrails can go under: the interpreter alone,
            # and libcst's own import (its node classes are built at import).
            "python -c pass": [str(vib.python), "-c", "pass"],
            "python -c 'import libcst'": [str(vib.python), "-c", "import libcst"],
        }
        for argv in cases.values():  # warm-up: page cache, bytecode, the result cache
            measure(argv, work)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, argv in cases.items():
                times[name].append(measure(argv, work))
    base = statistics.median(times["flake8"])
    lines = [
        f"One file of {sum(1 for _ in SOURCE.open())} lines, {args.runs} interleaved runs "
        f"each; Python {sys.version.split()[0]}, flake8 {flake8.versions.get('flake8')}.",
        "",
        "| command | min (s) | median (s) | median / flake8 | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, values in times.items():
        ratio = statistics.median(values) / base
        target = TARGETS.get(name)
        verdict = "" if target is None else (
            f"≤ {target} ({'meets it' if ratio <= target else '**misses it**'})")
        lines.append(f"| {name} | {min(values):.3f} | {statistics.median(values):.3f} | "
                     f"{ratio:.2f} | {verdict} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        text = DOC.read_text("utf-8")
        if START not in text or END not in text:
            raise SystemExit(f"{DOC} lacks the {START} … {END} markers")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{START}\n{table}{END}{tail}", "utf-8")
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
