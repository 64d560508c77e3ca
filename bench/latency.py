#!/usr/bin/env python3
"""Single-file latency, as an editor or a pre-commit hook sees it: vibrails against flake8.

One tagged file of the example project (``examples/billing/billing/discounts.py``,
60 lines, plus a small ``pyproject.toml``) is copied into a fresh folder and
checked again and again, the commands interleaved:

* ``flake8 one.py`` from the harness's clean flake8 venv (no vibrails plugin);
* ``vibrails check --no-cache one.py`` (cold: nothing cached) and
  ``vibrails check one.py`` after one untimed run filled the cache (warm),
  each as a process of its own (``VIBRAILS_NO_SERVER=1``) and handed over to
  a check server (``vibrails server start``, in a folder of the harness);
* ``vibrails --version`` (the interpreter and the command line alone);
* ``python -c pass`` and ``python -c 'import libcst'`` in vibrails' venv: the
  floors under any check in a process of its own, which must parse with libcst.

Wall time is measured per run (``time.perf_counter`` around the process);
the table gives the minimum and the median of ``--runs`` runs and the ratios
to flake8's median, against the targets of the first-hour issue: cold at most
1.2x flake8, warm at most 0.5x. ``--write`` puts the table into
``docs/performance.md`` between its ``latency`` markers. Not a test: a
timing is never asserted.
"""

from __future__ import annotations

import argparse
import os
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
TARGETS = {"vibrails cold": 1.2, "vibrails warm": 0.5,
           "vibrails cold, server": 1.2, "vibrails warm, server": 0.5}


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
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
        work = Path(folder) / "project"
        work.mkdir()
        shutil.copyfile(SOURCE, work / "one.py")
        (work / "pyproject.toml").write_text("[tool.vibrails]\n", "utf-8")
        servers = Path(folder) / "servers"
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("VIBRAILS_")}
        alone = {**base_env, "VIBRAILS_NO_SERVER": "1"}
        served = {**base_env, "VIBRAILS_SERVER_DIR": str(servers)}
        cases = {
            "flake8": ([str(flake8.script("flake8")), "one.py"], alone),
            "vibrails cold": ([*vibrails, "check", "--no-cache", "one.py"], alone),
            "vibrails warm": ([*vibrails, "check", "one.py"], alone),
            "vibrails cold, server": ([*vibrails, "check", "--no-cache", "one.py"], served),
            "vibrails warm, server": ([*vibrails, "check", "one.py"], served),
            "vibrails --version": ([*vibrails, "--version"], alone),
            # Floors no change to vibrails can go under in a process of its own:
            # the interpreter alone, and libcst's import (its node classes are
            # built at import).
            "python -c pass": ([str(vib.python), "-c", "pass"], alone),
            "python -c 'import libcst'": ([str(vib.python), "-c", "import libcst"], alone),
        }
        started = subprocess.run([*vibrails, "server", "start"], env=served, cwd=work,
                                 capture_output=True, text=True, check=False)
        if started.returncode != 0:
            raise SystemExit(f"the check server did not start: {started.stderr}")
        try:
            for argv, env in cases.values():  # warm-up: page cache, bytecode, the result cache
                measure(argv, work, env)
            times: dict[str, list[float]] = {name: [] for name in cases}
            for _ in range(args.runs):
                for name, (argv, env) in cases.items():
                    times[name].append(measure(argv, work, env))
            status = subprocess.run([*vibrails, "server", "status"], env=served, cwd=work,
                                    capture_output=True, text=True, check=False).stdout
        finally:
            subprocess.run([*vibrails, "server", "stop"], env=served, cwd=work,
                           capture_output=True, check=False)
        served_runs = 2 * (args.runs + 1)
        if f"served={served_runs} " not in status:
            raise SystemExit(f"the server did not serve all {served_runs} runs: {status}")
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
