"""``vibrails verify`` on the fixture of planted contract violations
(``tests/data/verify/shop``): every planted violation found, nothing else,
twice in a row with identical output; and every counterexample, replayed
with the contract libraries' own checks on, really violates the contract.

The fixture marks each line that must be reported with ``# expect: VBRnnn``:
16 planted violations (a sign, off-by-one bounds, postconditions over
lists, one against icontract's ``OLD`` snapshot, invariants broken by one
method of a class or by its constructor, a violation reachable on one
branch only; icontract, deal, asserts and invariant methods, asserting or
raising) beside 25 correct contracted functions, methods and constructors.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from util import DATA, run_vibrails

SHOP = DATA / "verify" / "shop"
EXPECT = re.compile(r"#\s*expect:\s*(VBR\d{3})")


def expected(root: Path) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = EXPECT.search(line)
            if match:
                found.add((path.relative_to(root).as_posix(), number, match.group(1)))
    return found


@pytest.fixture(scope="module")
def two_runs(deal_path: Path) -> list[subprocess.CompletedProcess[str]]:
    """Two cold runs (no cache), as JSON (deal importable: see conftest)."""
    return [run_vibrails("verify", "--no-cache", "--format", "json", "-j", "2", ".", cwd=SHOP,
                         env={"PYTHONPATH": str(deal_path)})
            for _ in range(2)]


def test_the_fixture_holds_enough_planted_and_correct_functions() -> None:
    planted = expected(SHOP)
    assert len(planted) >= 12
    defs = sum(len(re.findall(r"^\s*def (?!_)", p.read_text(encoding="utf-8"), re.M))
               for p in SHOP.rglob("*.py"))
    # every public def that is not an invariant method is contracted (see the fixture)
    assert defs - len(planted) - 1 >= 12  # (Inventory.check_invariants is no target)


def test_every_planted_violation_and_nothing_else(
        two_runs: list[subprocess.CompletedProcess[str]]) -> None:
    first = two_runs[0]
    assert first.returncode == 1, first.stderr
    findings = json.loads(first.stdout)
    got = {(f["path"], f["line"], f["code"]) for f in findings}
    assert got == expected(SHOP), first.stderr
    assert all(f["code"] == "VBR106" and f["level"] == "error" for f in findings)
    assert "16 violated, 0 not verified, 25 verified" in first.stderr


def test_twice_in_a_row_the_same_bytes(two_runs: list[subprocess.CompletedProcess[str]]) -> None:
    assert two_runs[0].stdout == two_runs[1].stdout


def _call_of(message: str) -> str:
    return re.split(r" (?:returns|raises|leaves) ", message, maxsplit=1)[0]


def test_every_counterexample_replayed_with_the_libraries_on_violates_the_contract(
        two_runs: list[subprocess.CompletedProcess[str]], tmp_path: Path, deal_path: Path) -> None:
    """Each finding's call, run as Python with icontract's and deal's own checks
    (and the class's invariant method) on, fails: the counterexample is real."""
    calls: list[dict[str, Any]] = []
    for finding in json.loads(two_runs[0].stdout):
        module = "contracted." + Path(finding["path"]).stem
        calls.append({"module": module, "call": _call_of(finding["message"])})
    script = tmp_path / "replay.py"
    script.write_text(REPLAY, encoding="utf-8")
    result = subprocess.run([sys.executable, str(script), json.dumps(calls)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": f"{SHOP}{os.pathsep}{deal_path}", "PATH": ""})
    assert result.returncode == 0, result.stderr
    verdicts = json.loads(result.stdout)
    assert len(verdicts) == 16
    assert all(verdict == "violated" for verdict in verdicts.values()), verdicts


#: Run each call in the fixture's module, contracts on; an AssertionError
#: (icontract's ViolationError, deal's ContractError, an assert) is a violation.
REPLAY = '''
import importlib, json, sys, traceback

verdicts = {}
for item in json.loads(sys.argv[1]):
    module = importlib.import_module(item["module"])
    scope = dict(vars(module))
    call = item["call"]
    if "; " not in call and ")." in call:  # Owner(...).method(...): keep the object
        made, _, rest = call.partition(").")
        call = f"obj = {made}); obj.{rest}"
    try:
        exec(call, scope)
        obj = scope.get("obj")
        if obj is not None and hasattr(obj, "check_invariants"):
            obj.check_invariants()
        verdicts[item["call"]] = "held"
    except AssertionError:
        verdicts[item["call"]] = "violated"
    except Exception as exc:  # an invariant method that raises, as Tank's does
        frames = traceback.extract_tb(exc.__traceback__)
        broken = any(frame.name == "check_invariants" for frame in frames)
        verdicts[item["call"]] = "violated" if broken else f"raised {exc!r}"
print(json.dumps(verdicts))
'''
