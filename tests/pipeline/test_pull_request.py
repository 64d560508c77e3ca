"""A pull request that weakens AI-written code, reviewed with ``vibrails check --diff-base``.

The review issue's acceptance case, on a real git history: ``main`` holds a
tagged, contracted, recorded ``Account``; the ``weaken`` branch deletes a
``@require``, loosens ``if amount <= 0: raise`` to ``if amount < -100:
raise``, drops a ``check_invariants()`` call and edits a ledger line. The
review lists exactly VBR105 twice, VBR204 and VBR406, and nothing on the
lines the branch did not touch (the file has other findings there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from util import SARIF_SCHEMA, git, run_vibrails, write

ACCOUNT = '''\
# @ai-generated model=claude-sonnet-4 prompt=prompts/account.md
import icontract


class Account:
    def __init__(self, owner: str, balance: int) -> None:
        if not owner:
            raise ValueError("owner required")
        self.owner = owner
        self.balance = balance
        self.history: list[int] = []
        self.check_invariants()

    def check_invariants(self) -> None:
        if self.balance < 0:
            raise ValueError("balance went negative")

    @icontract.require(lambda amount: amount > 0)
    def deposit(self, amount: int) -> int:
        self.balance += amount
        self.check_invariants()
        return self.balance

    def withdraw(self, amount: int) -> int:
        if amount <= 0:
            raise ValueError("amount must be positive")
        if amount > self.balance:
            raise ValueError("insufficient funds")
        self.balance -= amount
        self.check_invariants()
        return self.balance

    def note(self, entry, seen=[]):
        self.history.append(entry)
        return seen
'''


def _weaken(text: str) -> str:
    for old, new in (
        ("    @icontract.require(lambda amount: amount > 0)\n", ""),
        ("        if amount <= 0:\n", "        if amount < -100:\n"),
        ("        self.balance += amount\n        self.check_invariants()\n",
         "        self.balance += amount\n"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    return text


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n",
                     "prompts/account.md": "Write an account with a balance.\n",
                     "bank/account.py": ACCOUNT})
    recorded = run_vibrails("ledger", "record", "bank/account.py", "--model", "claude-sonnet-4",
                            "--prompt", "prompts/account.md", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Account, recorded")
    git(tmp_path, "checkout", "-q", "-b", "weaken")
    account = tmp_path / "bank" / "account.py"
    account.write_text(_weaken(account.read_text()))
    ledger = tmp_path / ".vibrails" / "ledger.jsonl"
    line = ledger.read_text().splitlines()[0]
    event = json.loads(line)
    event["model"] = "a-person"  # the history rewritten: who wrote it
    ledger.write_text(json.dumps(event, separators=(",", ":")) + "\n")
    git(tmp_path, "commit", "-q", "-am", "Relax the checks")
    return tmp_path


def _review(root: Path, *args: str) -> tuple[list[dict[str, Any]], str]:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--diff-base", "main",
                          *args, ".", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    return findings, result.stderr


def test_the_weakening_pull_request_gets_exactly_its_four_findings(pull_request: Path) -> None:
    findings, _ = _review(pull_request)
    got = sorted((f["code"], f["path"], f["line"]) for f in findings)
    assert got == [
        ("VBR105", "bank/account.py", 18),  # def deposit: its @require is gone
        ("VBR105", "bank/account.py", 23),  # if amount < -100: the guard loosened
        ("VBR204", "bank/account.py", 18),  # deposit no longer checks the invariant
        ("VBR406", ".vibrails/ledger.jsonl", 1),
    ]
    messages = {(f["code"], f["line"]): f["message"] for f in findings}
    assert "'@icontract.require(lambda amount: amount > 0)'" in messages[("VBR105", 18)]
    assert "'amount > 0' widened to 'amount >= -100'" in messages[("VBR105", 23)]
    assert "no longer calls 'check_invariants()'" in messages[("VBR204", 18)]
    assert "'generated' of 'bank/account.py'" in messages[("VBR406", 1)]
    assert "changed since" in messages[("VBR406", 1)]


def test_the_untouched_lines_findings_are_counted_not_listed(pull_request: Path) -> None:
    full = run_vibrails("check", "--no-cache", "--format", "json", ".", cwd=pull_request)
    everywhere = json.loads(full.stdout)
    # The branch left findings on untouched lines (VBR304 on `note`, the
    # tampered ledger's hash, the file's drift from its recorded hash)...
    assert {"VBR304", "VBR404"} <= {f["code"] for f in everywhere}
    _, stderr = _review(pull_request)
    # ... which the review counts instead of listing.
    assert "finding(s) on lines unchanged since main not listed" in stderr


def test_the_text_report_and_sarif_carry_the_diff_rules(pull_request: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "--diff-base", "main", ".",
                          cwd=pull_request)
    sarif = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = list(Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
                  .iter_errors(sarif))
    assert errors == []
    rules = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"VBR105", "VBR204", "VBR406"} <= rules
    results = sorted(r["ruleId"] for r in sarif["runs"][0]["results"])
    assert results == ["VBR105", "VBR105", "VBR204", "VBR406"]
    plain = run_vibrails("check", "--no-cache", "--format", "sarif", ".", cwd=pull_request)
    plain_rules = {r["id"] for r in json.loads(plain.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert not {"VBR105", "VBR204", "VBR406"} & plain_rules  # only in changed-lines mode


def test_a_reasoned_noqa_suppresses_a_deliberate_loosening(pull_request: Path) -> None:
    account = pull_request / "bank" / "account.py"
    account.write_text(account.read_text().replace(
        "        if amount < -100:\n",
        "        if amount < -100:  # noqa: VBR105 -- overdraft up to 100 is the new policy\n"))
    findings, _ = _review(pull_request, "--extend-select", "VBR004")
    assert not [f for f in findings if f["code"] == "VBR105" and f["line"] == 23]
    assert not [f for f in findings if f["code"] in ("VBR003", "VBR004")]  # the noqa is used
    # Without a diff base the noqa has nothing to match, and is not called unused.
    plain = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR004", ".",
                         cwd=pull_request)
    assert json.loads(plain.stdout) == [], plain.stderr
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "--diff-base", "main", ".",
                          cwd=pull_request)
    [loosened] = [r for r in json.loads(result.stdout)["runs"][0]["results"]
                  if r["ruleId"] == "VBR105"
                  and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 23]
    assert loosened["suppressions"] == [
        {"kind": "inSource", "justification": "overdraft up to 100 is the new policy"}]


def test_ignoring_the_diff_rules_leaves_the_plain_findings(pull_request: Path) -> None:
    findings, _ = _review(pull_request, "--ignore", "VBR105,VBR204,VBR406")
    codes = sorted({f["code"] for f in findings})
    # Without the precise findings, the less precise ones they stood for come
    # back: deposit has no precondition left (VBR101), the ledger's hash is
    # broken (VBR404). (deposit's unchecked change, VBR202, is on a line the
    # branch did not touch: only VBR204 reports that the call was dropped.)
    assert codes == ["VBR101", "VBR404"]
