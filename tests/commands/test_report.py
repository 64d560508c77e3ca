"""``vibrails report`` (src/vibrails/commands/report.py) on a fixture repository
whose numbers are counted by hand below, with a real git history for the trend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from util import git, run_vibrails, write

# shop/cart.py: tagged whole, recorded with model and prompt, reviewed.
CART = """\
# @ai-generated
class Cart:
    def __init__(self):
        self.items = []
        self.total = 0

    def add(self, price):
        if price < 0:
            raise ValueError(price)
        self.items.append(price)
        self.total += price

    def clear(self):
        self.items = []
        self.total = 0


def checkout(cart, coupon):
    return cart.total - coupon
"""
# Counted: functions with a parameter: Cart.add (a guard: contracted), checkout
# (none); __init__ and clear take nothing. Stateful classes: Cart (add and
# clear store on self), no invariant. Lines: 19.

# shop/pay.py: tagged whole, not recorded (incomplete provenance).
PAY = """\
# @ai-generated
import icontract


@icontract.invariant(lambda self: self.balance >= 0)
class Wallet:
    def __init__(self, balance):
        self.balance = balance

    @icontract.require(lambda amount: amount > 0)
    def pay(self, amount):
        self.balance -= amount


def _helper(x):
    return x
"""
# Counted: Wallet.__init__ (no contract), Wallet.pay (a decorator); _helper is
# private. Stateful: Wallet, with an invariant. Lines: 16.

# util/mixed.py: one region of 3 lines (between the markers) is tagged.
MIXED = """\
def human(a):
    return a


# @ai-generated begin
def machine(a, b):
    assert a > b
    return a - b
# @ai-generated end
"""
# Counted: machine (an assert on a parameter: contracted); human is not tagged.
# Lines: 3. Not recorded: incomplete provenance, not reviewed.


def _record(root: Path, *args: str) -> None:
    done = run_vibrails("ledger", "record", *args, cwd=root)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three commits on main: cart (recorded); pay; mixed and cart's review."""
    git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n", "prompts/cart.md": "A cart.\n",
                     "shop/cart.py": CART, "util/plain.py": "def plain(x):\n    return x\n"})
    _record(tmp_path, "shop/cart.py", "--model", "claude-sonnet-4", "--prompt", "prompts/cart.md")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Cart")
    write(tmp_path, {"shop/pay.py": PAY})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Wallet")
    write(tmp_path, {"util/mixed.py": MIXED})
    _record(tmp_path, "shop/cart.py", "--event", "reviewed", "--by", "dana")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Mixed, cart reviewed")
    return tmp_path


def _report(root: Path, *args: str) -> dict[str, Any]:
    result = run_vibrails("report", "--format", "json", *args, cwd=root)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _numbers(counts: dict[str, Any]) -> tuple[int, ...]:
    return tuple(counts[k] for k in ("files", "lines", "functions", "contracted", "classes",
                                     "invariant", "provenance", "reviewed"))


def test_the_numbers_match_the_hand_count(project: Path) -> None:
    now = _report(project)["now"]
    #                    files lines funcs contr. classes inv. prov. reviewed
    assert _numbers(now["packages"]["shop"]) == (2, 35, 4, 2, 2, 1, 1, 1)
    assert _numbers(now["packages"]["util"]) == (1, 3, 1, 1, 0, 0, 0, 0)
    assert _numbers(now["total"]) == (3, 38, 5, 3, 2, 1, 1, 1)
    assert now["shares"] == {"contracts": 3 / 5, "invariants": 1 / 2, "provenance": 1 / 3,
                             "reviewed": 1 / 3}


def test_the_findings_are_those_of_vibrails_check(project: Path) -> None:
    now = _report(project)["now"]
    check = run_vibrails("check", "--no-cache", "--format", "json", ".", cwd=project)
    expected: dict[str, int] = {}
    for finding in json.loads(check.stdout):
        expected[finding["code"]] = expected.get(finding["code"], 0) + 1
    assert now["total"]["findings"] == dict(sorted(expected.items()))
    assert expected  # the fixture has findings (VBR201 on Cart, VBR401 on pay.py, ...)
    pillars = sum(now["pillars"].values())
    assert pillars == sum(expected.values())


def test_the_trend_follows_the_main_line(project: Path) -> None:
    trend = _report(project)["trend"]
    assert [p["subject"] for p in trend] == ["Cart", "Wallet", "Mixed, cart reviewed"]
    assert [_numbers(p["total"]) for p in trend] == [
        (1, 19, 2, 1, 1, 0, 1, 0),   # cart alone, not reviewed yet
        (2, 35, 4, 2, 2, 1, 1, 0),   # + pay.py
        (3, 38, 5, 3, 2, 1, 1, 1),   # + mixed.py, cart reviewed
    ]
    head = git(project, "rev-parse", "HEAD").strip()
    assert trend[-1]["commit"] == head and trend[-1]["label"] == head[:8]


def test_since_and_commits_choose_the_points(project: Path) -> None:
    second = git(project, "rev-parse", "HEAD~1").strip()
    assert [p["subject"] for p in _report(project, "--since", second)["trend"]] == [
        "Wallet", "Mixed, cart reviewed"]
    assert [p["subject"] for p in _report(project, "--commits", "2")["trend"]] == [
        "Wallet", "Mixed, cart reviewed"]
    assert _report(project, "--commits", "0")["trend"] == []
    bad = run_vibrails("report", "--since", "no-such-rev", cwd=project)
    assert bad.returncode == 2 and "unknown revision 'no-such-rev'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_commits_are_measured_once_and_kept(project: Path) -> None:
    first = _report(project)
    kept = sorted((project / ".vibrails_cache" / "report").glob("*.json"))
    assert len(kept) == 3
    # A kept file is used as it is (the numbers of a commit never change) ...
    data = json.loads(kept[0].read_text())
    assert _report(project) == first
    # ... and one that cannot be read is measured again, never trusted.
    for path in kept:
        path.write_text("{not json")
    assert _report(project) == first
    assert json.loads(kept[0].read_text()) == data


def test_uncommitted_work_is_in_the_work_tree_only(project: Path) -> None:
    (project / "shop" / "cart.py").write_text(CART.replace(
        "def checkout(cart, coupon):\n", "def checkout(cart, coupon):\n"
        "    if coupon < 0:\n        raise ValueError(coupon)\n"))
    data = _report(project)
    assert data["now"]["total"]["contracted"] == 4
    assert data["trend"][-1]["total"]["contracted"] == 3


def test_without_git_there_is_no_trend_and_a_note(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n", "m.py": CART})
    data = _report(tmp_path)
    assert data["trend"] == [] and data["now"]["total"]["files"] == 1
    assert data["notes"] == ["not in a git repository: the report has no trend"]


def test_markdown_is_the_default_and_has_the_tables(project: Path) -> None:
    result = run_vibrails("report", cwd=project)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("## vibrails coverage: ")
    assert "| shop | 2 | 35 | 50% (2/4) | 50% (1/2) | 50% (1/2) | 50% (1/2) |" in text
    assert "| **total** | 3 | 38 | 60% (3/5) | 50% (1/2) | 33% (1/3) | 33% (1/3) |" in text
    assert "### Trend on the main line" in text


def test_the_output_is_the_same_every_run(project: Path) -> None:
    runs = [run_vibrails("report", "--format", fmt, "-j", jobs, cwd=project).stdout
            for fmt in ("html", "markdown") for jobs in ("1", "2")]
    assert runs[0] == runs[1] and runs[2] == runs[3]


def test_a_subproject_s_history_reads_its_ledger_as_the_work_tree_does(tmp_path: Path) -> None:
    # The ledger names files from the repository's root (svc/shop/cart.py):
    # a commit's files, read outside git, must be matched the same way.
    git(tmp_path, "init", "-q")
    project = tmp_path / "svc"
    write(project, {"pyproject.toml": "[tool.vibrails]\n", "prompts/cart.md": "A cart.\n",
                    "shop/cart.py": CART})
    _record(project, "shop/cart.py", "--model", "claude-sonnet-4", "--prompt", "prompts/cart.md")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Cart")
    data = _report(project)
    assert data["now"]["total"]["provenance"] == 1
    [point] = data["trend"]
    assert point["total"] == data["now"]["total"]


def test_files_that_break_the_parser_cost_their_numbers_not_the_report(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n", "ok.py": CART,
                     "deep.py": "# @ai-generated\ny = " + "[" * 5000 + "]" * 5000 + "\n",
                     "syntax.py": "# @ai-generated\ndef f(:\n"})
    (tmp_path / "bytes.py").write_bytes(b"# @ai-generated\n\xff\xfe not text\n")
    result = run_vibrails("report", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    total = json.loads(result.stdout)["now"]["total"]
    assert total["files"] == 4  # every tagged file counts, measured or not
    assert (total["functions"], total["contracted"], total["classes"]) == (2, 1, 1)  # ok.py
    assert {"VBR001", "VBR002"} <= set(total["findings"])
