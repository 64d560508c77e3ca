#!/usr/bin/env python3
"""``vibrails verify`` on the fixture of planted violations: time per contracted function, cold and warm.

The fixture is ``tests/data/verify/shop`` (39 contracted functions,
methods and constructors, 15 of them with a planted violation). Timed, interleaved,
``--runs`` times each, with two workers and the default budget (10 s a
function):

* ``vibrails verify --no-cache`` — cold: every function searched;
* ``vibrails verify`` — warm: the outcomes kept by a first, untimed run;
* the named peer, CrossHair's own command line on the same package
  (``crosshair check --analysis_kind=icontract,deal,asserts
  --per_condition_timeout=5``), which searches the icontract and deal
  conditions (not guard clauses or invariant methods) and reports without
  replaying.

The table gives the medians, the time per contracted function, the warm /
cold ratio and each command's findings. ``--write`` puts it into
``docs/performance.md`` between its ``verify`` markers. Not a test: a
timing is never asserted.
"""

from __future__ import annotations

import argparse
import json
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

SHOP = ROOT / "tests" / "data" / "verify" / "shop"
START = "<!-- verify:start -->"
END = "<!-- verify:end -->"


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr}")
    return time.perf_counter() - started, done.stdout, done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    crosshair = Path(sys.executable).with_name("crosshair")
    with tempfile.TemporaryDirectory() as folder:
        shop = Path(folder) / "shop"
        shutil.copytree(SHOP, shop)
        # The fixture's deal, beside the environment (as the tests install it).
        deal = Path(folder) / "deal-site"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(deal), "deal==4.24.6"], check=True)
        env = {**os.environ, "PYTHONPATH": str(deal)}
        vibrails = [sys.executable, "-m", "vibrails", "verify", "--jobs", "2",
                    "--format", "json", "."]
        cases = {
            "`vibrails verify --no-cache` (cold)": [*vibrails, "--no-cache"],
            "`vibrails verify` (warm)": vibrails,
            "`crosshair check` (peer)": [str(crosshair), "check",
                                         "--analysis_kind=icontract,deal,asserts",
                                         "--per_condition_timeout=5", "contracted"],
        }
        measure(cases["`vibrails verify` (warm)"], shop, env)  # fills the cache the warm runs read
        times: dict[str, list[float]] = {name: [] for name in cases}
        found: dict[str, int] = {}
        functions = 0
        for _ in range(args.runs):
            for name, argv in cases.items():
                seconds, out, err = measure(argv, shop, env)
                times[name].append(seconds)
                if name.startswith("`vibrails"):
                    found[name] = len(json.loads(out))
                    functions = int(err.split("vibrails verify: ", 1)[1].split()[0])
                else:
                    found[name] = sum(1 for line in out.splitlines() if ": error:" in line)
    planted = sum(text.count("# expect: VBR106") for text in
                  (path.read_text("utf-8") for path in SHOP.rglob("*.py")))
    cold = statistics.median(times["`vibrails verify --no-cache` (cold)"])
    warm = statistics.median(times["`vibrails verify` (warm)"])
    lines = [
        f"{functions} contracted functions and methods in 3 modules "
        f"(`tests/data/verify/shop`, {planted} planted violations); {args.runs} interleaved "
        f"runs each, "
        f"2 workers, `--timeout 10`; Python {sys.version.split()[0]}.",
        "",
        "| command | min (s) | median (s) | per function (s) | findings |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {name} | {min(v):.2f} | {statistics.median(v):.2f} | "
          f"{statistics.median(v) / functions:.3f} | {found[name]} |"
          for name, v in times.items()),
        "",
        f"Warm / cold: **{warm / cold:.3f}**. Cold, a contracted function costs "
        f"{cold / functions * 2:.2f} s of a worker's time.",
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
