"""``vibrails verify`` as a command: cache, ``--diff-base``, suppressions,
budgets, formats, exit status, what it needs, and what it never does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from util import SARIF_SCHEMA, git, run_vibrails, write

HEADER = "# @ai-generated model=claude-sonnet-4 prompt=prompts/pay.md\n"
WITHDRAW = HEADER + """import icontract


@icontract.require(lambda amount: amount > 0)
@icontract.ensure(lambda result: result >= 0)
def withdraw(balance: int, amount: int) -> int:
    return balance - amount


@icontract.ensure(lambda result: result >= 0)
def size(values: list[int]) -> int:
    return len(values)
"""
PLAIN = """import icontract


@icontract.ensure(lambda result: result >= 0)
def broken(x: int) -> int:
    return x
"""


def project(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "proj"
    write(root, files or {"pay.py": WITHDRAW, "plain.py": PLAIN,
                          "pyproject.toml": "[tool.vibrails]\n"})
    return root


def verify(root: Path, *args: str, **kwargs: Any) -> Any:
    return run_vibrails("verify", "--timeout", "3", *args, cwd=root, **kwargs)


def in_process_options(path: Path) -> Any:
    """``vibrails verify PATH`` as click would parse it, for an in-process run."""
    from vibrails.commands.verify import VerifyOptions

    return VerifyOptions(paths=(path,), fmt="text", output=None, select=None, ignore=None,
                         assume_ai=None, config_path=None, jobs=1, no_cache=True, timeout=1,
                         budget=None, examples=10, memory=512, diff_base=None, fail_on=None,
                         exit_zero=False, quiet=False, debug=False)


def test_only_tagged_code_is_verified(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = verify(root, "--format", "json", "--no-cache", ".")
    assert result.returncode == 1, result.stderr
    [finding] = json.loads(result.stdout)
    assert (finding["path"], finding["line"], finding["code"]) == ("pay.py", 6, "VBR106")
    assert finding["message"].startswith(
        "withdraw(balance=0, amount=1) returns -1; violates 'result >= 0'")
    assert "2 contracted function(s) in 1 file(s): 1 violated, 0 not verified, 1 verified" in (
        result.stderr)
    assert "imported and run" in result.stderr


def test_results_are_cached_by_the_functions_source(tmp_path: Path) -> None:
    root = project(tmp_path)
    cold = verify(root, "--format", "json", ".")
    warm = verify(root, "--format", "json", ".")
    assert warm.stdout == cold.stdout
    assert "(2 from the cache)" in warm.stderr
    # Another function in the file changed: only it is verified again.
    (root / "pay.py").write_text(WITHDRAW.replace("return len(values)", "return len(values) + 0"),
                                 encoding="utf-8")
    again = verify(root, "--format", "json", ".")
    assert "(1 from the cache)" in again.stderr
    assert again.stdout == cold.stdout
    # A kept result that cannot be read is verified again, not trusted.
    for kept in (root / ".vibrails_cache" / "verify").glob("*.json"):
        kept.write_text("{not json", encoding="utf-8")
    broken = verify(root, "--format", "json", ".")
    assert "(0 from the cache)" in broken.stderr and broken.stdout == cold.stdout


def test_diff_base_verifies_only_the_functions_a_change_touched(tmp_path: Path) -> None:
    root = project(tmp_path)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "pay.py").write_text(WITHDRAW.replace("return len(values)", "return len(values) - 1"),
                                 encoding="utf-8")
    git(root, "commit", "-qam", "change size")
    result = verify(root, "--format", "json", "--no-cache", "--diff-base", "main", ".")
    assert result.returncode == 1, result.stderr
    [finding] = json.loads(result.stdout)
    assert finding["message"].startswith("size(values=[]) returns -1")
    assert "1 contracted function(s) in 1 file(s)" in result.stderr  # withdraw was not touched
    text = verify(root, "--no-cache", "--diff-base", "main", ".")
    assert "unchanged" not in text.stdout  # nothing was hidden: the others were not run
    bad = verify(root, "--diff-base", "no-such-rev", ".")
    assert bad.returncode == 2 and "no-such-rev" in bad.stderr


def test_a_reasoned_noqa_suppresses_and_sarif_keeps_the_reason(tmp_path: Path) -> None:
    code = WITHDRAW.replace("@icontract.ensure(lambda result: result >= 0)\ndef withdraw",
                            "@icontract.ensure(lambda result: result >= 0)  "
                            "# noqa: VBR106 -- overdrafts are allowed here\ndef withdraw")
    root = project(tmp_path, {"pay.py": code, "pyproject.toml": "[tool.vibrails]\n"})
    result = verify(root, "--format", "sarif", "--no-cache", ".")
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    [entry] = log["runs"][0]["results"]
    assert entry["suppressions"][0]["justification"] == "overdrafts are allowed here"


def test_sarif_validates_and_points_to_the_function(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = verify(root, "--format", "sarif", "--no-cache", ".")
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    run = log["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["VBR106", "VBR107"]
    [entry] = run["results"]
    assert entry["ruleId"] == "VBR106" and entry["level"] == "error"
    [related] = entry["relatedLocations"]
    assert related["physicalLocation"]["region"]["startLine"] == 7  # def withdraw
    assert related["message"]["text"] == "'withdraw', verified here"


@pytest.mark.parametrize(("args", "status"), [
    ((), 1), (("--exit-zero",), 0), (("--fail-on", "none"), 0), (("--ignore", "VBR106"), 0),
])
def test_exit_status(tmp_path: Path, args: tuple[str, ...], status: int) -> None:
    result = verify(project(tmp_path), "--no-cache", *args, ".")
    assert result.returncode == status, result.stderr


def test_the_total_budget_stops_the_run_and_says_so(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = verify(root, "--format", "json", "--no-cache", "--budget", "0.000001", ".")
    assert result.returncode == 0, result.stderr  # notes only
    findings = json.loads(result.stdout)
    assert {f["code"] for f in findings} == {"VBR107"}
    assert all("total budget" in f["message"] for f in findings)
    # Not kept: the next run verifies them.
    assert not list((root / ".vibrails_cache" / "verify").glob("*.json"))


def test_a_module_that_fails_to_import_is_reported_on_its_functions(tmp_path: Path) -> None:
    code = WITHDRAW + "\nraise RuntimeError('configuration missing')\n"
    root = project(tmp_path, {"pay.py": code, "pyproject.toml": "[tool.vibrails]\n"})
    result = verify(root, "--format", "json", "--no-cache", ".")
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == ["VBR107", "VBR107"]
    assert all("importing its module failed (RuntimeError: configuration missing)"
               in f["message"] for f in findings)
    # Not kept: the cause may be outside the function (a package installed later).
    kept = verify(root, "--format", "json", ".")
    assert kept.stdout == result.stdout
    assert not list((root / ".vibrails_cache" / "verify").glob("*.json"))


def test_check_runs_nothing_and_verify_contains_the_import(tmp_path: Path) -> None:
    marker = tmp_path / "imported.txt"
    code = WITHDRAW + f"\nopen({str(marker)!r}, 'w').write('imported')\n"
    root = project(tmp_path, {"pay.py": code, "pyproject.toml": "[tool.vibrails]\n"})
    checked = run_vibrails("check", "--no-cache", ".", cwd=root)
    assert checked.returncode in (0, 1) and not marker.exists()
    result = verify(root, "--format", "json", "--no-cache", ".")
    assert not marker.exists()  # imported, yes, but the write was refused
    messages = [f["message"] for f in json.loads(result.stdout)]
    assert messages and all(f"importing its module failed (PermissionError: vibrails verify: "
                            f"refused to write {marker})" in m for m in messages), messages


def test_without_type_hints_nothing_is_guessed_and_the_summary_counts_it(tmp_path: Path) -> None:
    code = HEADER + ("import icontract\n\n\n@icontract.ensure(lambda result: result >= 0)\n"
                     "def total(values):\n    return sum(values)\n")
    root = project(tmp_path, {"pay.py": code, "pyproject.toml": "[tool.vibrails]\n"})
    result = verify(root, "--format", "json", "--no-cache", ".")
    assert json.loads(result.stdout) == [] and result.returncode == 0
    assert "0 contracted function(s) in 0 file(s)" in result.stderr
    assert "1 skipped: nothing to draw a parameter's values from" in result.stderr


def test_a_constructor_without_hints_is_skipped_too(tmp_path: Path) -> None:
    code = HEADER + ("class Box:\n    def __init__(self, raw):\n        self.raw = raw\n"
                     "        self.n = 0\n\n    def check_invariants(self) -> None:\n"
                     "        assert self.n >= 0\n\n    def bump(self, k: int) -> None:\n"
                     "        self.n += k\n")
    root = project(tmp_path, {"pay.py": code, "pyproject.toml": "[tool.vibrails]\n"})
    result = verify(root, "--format", "json", "--no-cache", ".")
    assert json.loads(result.stdout) == [] and result.returncode == 0, result.stderr
    assert "0 contracted function(s) in 1 file(s)" in result.stderr
    # Box.bump (no hint for the object's `raw`), and Box.__init__ itself
    assert "2 skipped: nothing to draw a parameter's values from" in result.stderr


def test_test_code_is_never_verified(tmp_path: Path) -> None:
    test = ("def test_size() -> None:\n    assert len([1]) == 2\n\n\n"
            "class TestPay:\n    def test_pay(self) -> None:\n        assert 1 == 2\n")
    broken = PLAIN.replace("import icontract", HEADER + "import icontract")
    root = project(tmp_path, {"tests/check_pay.py": broken, "test_pay.py": broken,
                              "conftest.py": broken, "pay_test.py": broken,
                              "pay.py": HEADER + test, "pyproject.toml": "[tool.vibrails]\n"})
    result = verify(root, "--format", "json", "--no-cache", ".")
    assert json.loads(result.stdout) == [] and result.returncode == 0, result.stderr
    assert "0 contracted function(s)" in result.stderr


def test_without_the_searches_installed_it_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    from vibrails.commands.common import UsageError
    from vibrails.commands.verify import run_verify

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "crosshair" else real(name, *a))
    options = in_process_options(tmp_path)
    with pytest.raises(UsageError, match=r"pip install 'vibrails\[verify\]'"):
        run_verify(options)


def test_check_never_lists_the_verify_rules(tmp_path: Path) -> None:
    root = project(tmp_path)
    log = json.loads(run_vibrails("check", "--no-cache", "--format", "sarif", ".",
                                  cwd=root).stdout)
    ids = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert not ids & {"VBR106", "VBR107"}


def test_a_function_that_breaks_the_search_costs_only_itself(tmp_path: Path) -> None:
    """An exception outside ``Exception`` (CrossHair's internal errors are such)
    ends that function's search, not the worker: the next one is verified."""
    code = HEADER + """import icontract


class Boom(BaseException):
    pass


@icontract.ensure(lambda result: result >= 0)
def explode(n: int) -> int:
    raise Boom("out of the blue")


@icontract.ensure(lambda result: result >= 0)
def after(n: int) -> int:
    return abs(n)
"""
    root = project(tmp_path, {"pay.py": code, "pyproject.toml": "[tool.vibrails]\n"})
    result = verify(root, "--format", "json", "--no-cache", ".")
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "VBR107" and "'explode'" in finding["message"]
    assert "the search failed on it (Boom: out of the blue)" in finding["message"]
    assert "1 not verified, 1 verified" in result.stderr


def test_memory_is_capped_and_a_function_that_exhausts_it_is_reported(tmp_path: Path) -> None:
    code = HEADER + """import icontract


@icontract.ensure(lambda result: result >= 0)
def hog(n: int) -> int:
    blocks = []
    while True:
        blocks.append(bytearray(10**8))


@icontract.ensure(lambda result: result >= 0)
def fine(n: int) -> int:
    return abs(n)
"""
    root = project(tmp_path, {"pay.py": code, "pyproject.toml": "[tool.vibrails]\n"})
    result = verify(root, "--format", "json", "--no-cache", "--memory", "512", ".")
    assert result.returncode == 0, result.stderr
    messages = [f["message"] for f in json.loads(result.stdout)]
    assert any("hog(n=0) ran out of the worker's memory limit (--memory)" in m
               and "bound the size of its input with a precondition" in m for m in messages)
    assert all("'fine'" not in m for m in messages)
    assert ", 1 verified" in result.stderr


def test_without_posix_alarms_it_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import signal

    from vibrails.commands.common import UsageError
    from vibrails.commands.verify import run_verify

    monkeypatch.delattr(signal, "setitimer")
    options = in_process_options(tmp_path)
    with pytest.raises(UsageError, match="needs a POSIX system"):
        run_verify(options)
