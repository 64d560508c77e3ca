"""The diff stage (src/vibrails/engine/diff.py): what it loads, and what it replaces."""

from __future__ import annotations

import subprocess
import sys

from vibrails.core.finding import Finding, make_finding
from vibrails.engine.diff import SUPERSEDES, supersede


def test_the_diff_stage_does_not_load_the_parser() -> None:
    # The parent of a review of one file must not pay libcst's import (over a
    # tenth of a second): the diff rules read code with ast.
    code = "import sys, vibrails.engine.diff; print('libcst' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_a_diff_finding_replaces_the_vaguer_one_on_its_definition_only() -> None:
    def finding(code: str, line: int, path: str = "m.py") -> Finding:
        return make_finding(path, code, f"{code} at {line}", "header", (line, 0, line, 3))

    vaguer = [finding("VBR101", 3), finding("VBR101", 20), finding("VBR304", 4),
              finding("VBR101", 3, "other.py")]
    weakened = [(finding("VBR105", 3), (3, 10))]
    kept = supersede(vaguer, weakened)
    assert [(f.path, f.code, f.line) for f in kept] == [
        ("m.py", "VBR101", 20), ("m.py", "VBR304", 4), ("other.py", "VBR101", 3)]
    assert set(SUPERSEDES) == {"VBR105", "VBR204", "VBR406"}
