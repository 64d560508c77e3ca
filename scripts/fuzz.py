#!/usr/bin/env python3
"""A longer, nightly-style run of the property tests on generated modules.

Runs ``tests/pipeline/test_properties.py`` with more examples per strategy and a
random seed for the CLI batch (printed, so that a failure can be replayed):

    python scripts/fuzz.py [--examples 2000] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz: {args.examples} examples per strategy, batch seed {seed} "
          f"(replay with --seed {seed})", flush=True)
    env = dict(os.environ, VIBRAILS_FUZZ_EXAMPLES=str(args.examples),
               VIBRAILS_FUZZ_SEED=str(seed))
    command = [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
               "--hypothesis-show-statistics", "tests/pipeline/test_properties.py"]
    return subprocess.run(command, cwd=REPO, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
