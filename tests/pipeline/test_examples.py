"""The example project under ``examples/billing``: it shows every implemented
rule, and nothing outside the tagged code.

(Each rule's catalogue examples are tested with the rule, in
``tests/checks/test_vbrNNN_<name>.py``.)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from util import REPO

from vibrails.checks import all_rules
from vibrails.commands.cli import main
from vibrails.config import Config, load_config, validate
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding
from vibrails.core.selection import Selection
from vibrails.discover import Discovered, Discoverer
from vibrails.engine.run import check_file, run

ROOT = REPO
BILLING = ROOT / "examples" / "billing"

def test_no_finding_outside_tagged_code(tmp_path: Path) -> None:
    """Without ``--assume-ai`` an untagged example file gives nothing at all."""
    info = load_catalogue()["VBR304"]
    example = next(e for e in info.examples if not e.valid)
    values, _ = validate({}, "example")
    settings = Config(root=tmp_path, source=None, values=values).settings()
    selection = Selection.build(["VBR304"], [], [], {})
    path = tmp_path / "example.py"
    path.write_bytes(example.content())
    item = Discovered(path=path, display="example.py", project_path="example.py")
    result = check_file(item, settings, selection)
    assert not result.tagged
    assert result.findings == []


# -- the example project -------------------------------------------------------


def _billing_findings(monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    """Every finding of ``examples/billing``, suppressed ones included."""
    monkeypatch.chdir(ROOT)
    config = load_config(BILLING / "pyproject.toml")
    values = config.values
    selection = Selection.build(
        values["select"], values["extend-select"], values["ignore"], values["per-file-ignores"]
    )
    items = Discoverer(config.root, [*values["exclude"], *values["extend-exclude"]]).discover(
        [BILLING]
    )
    results = run(items, config.settings(), selection, jobs=1)
    return [f for r in results for f in r.findings]


def test_billing_shows_every_implemented_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _billing_findings(monkeypatch)
    shown = Counter(f.code for f in findings if f.suppressed is None)
    implemented = set(all_rules()) | {"VBR001", "VBR002", "VBR003", "VBR004"}
    # (The diff rules need a history: tests/pipeline/test_pull_request.py shows them;
    # the verify rules run the code: tests/verify/ shows them.)
    implemented &= {code for code, info in load_catalogue().items()
                    if info.scope not in ("diff", "verify")}
    missing = sorted(implemented - set(shown))
    assert not missing, f"examples/billing shows no finding of {missing}"
    assert shown["VBR304"] >= 3
    suppressed = [f for f in findings if f.suppressed]
    assert suppressed, "examples/billing must show a suppression with a reason"
    assert all(f.suppressed.strip() for f in suppressed)


def test_billing_tags_each_way(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _billing_findings(monkeypatch)
    # Keyed by the path relative to examples/billing (``billing/__init__.py``
    # and ``billing/generated/__init__.py`` are different files).
    prefix = "examples/billing/"
    by_file: dict[str, set[str]] = {}
    for finding in findings:
        assert finding.path.startswith(prefix), finding.path
        kind = finding.tag.split(":", 1)[0]
        by_file.setdefault(finding.path.removeprefix(prefix), set()).add(kind)
    # Files written without a tag of any kind report nothing.
    assert "billing/legacy_export.py" not in by_file
    assert "billing/__init__.py" not in by_file
    # Tagged by the glob, recorded in the ledger and reviewed: clean.
    assert "billing/generated/__init__.py" not in by_file
    # The ledger's own finding (VBR404) is reported on the ledger.
    assert by_file[".vibrails/ledger.jsonl"] == {"ledger"}
    kinds = set().union(*by_file.values())
    assert {"header", "marker", "region", "glob", "ledger"} <= kinds


def test_billing_region_and_lone_marker_limit_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """In files tagged by a region or a lone marker, only those lines report."""
    findings = _billing_findings(monkeypatch)
    for name in ("payments.py", "reports.py"):
        path = BILLING / "billing" / name
        lines = path.read_text(encoding="utf-8").splitlines()
        mutable = [
            number
            for number, line in enumerate(lines, 1)
            if "=[]" in line.replace(" ", "") or "={}" in line.replace(" ", "")
        ]
        reported = {f.line for f in findings if f.path.endswith(f"billing/{name}")}
        assert reported, f"{name} reports nothing"
        assert set(mutable) - reported, f"{name} must have untagged code that is not reported"
        assert all(f.tag.startswith("region:") for f in findings if f.path.endswith(name))


def test_billing_cli_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "check",
            "--config",
            "examples/billing/pyproject.toml",
            "--no-cache",
            "--format",
            "json",
            "examples/billing",
        ],
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data, "no findings"
    ledger = "examples/billing/.vibrails/ledger.jsonl"
    assert all(
        item["path"].startswith("examples/billing/billing/")
        or (item["path"] == ledger and item["code"] == "VBR404")
        for item in data
    )
    assert any(item["path"] == ledger for item in data), "no VBR404 on the ledger"
    assert {item["code"] for item in data} >= BILLING_CODES
    keys = [(d["path"], d["line"], d["column"], d["code"]) for d in data]
    assert keys == sorted(keys)


#: Everything examples/billing reports, for the rules implemented when it was
#: last extended (rules added later add findings of their own, and
#: ``test_billing_shows_every_implemented_rule`` asks the example to show
#: them; these must stay as they are).
#: ``(path relative to examples/billing, line, code, suppressed)``;
#: examples/README.md lists them.
BILLING_EXPECTED = [
    (".vibrails/ledger.jsonl", 5, "VBR404", False),
    ("billing/currency.py", 1, "VBR402", False),
    ("billing/currency.py", 7, "VBR001", False),
    ("billing/discounts.py", 1, "VBR403", False),
    ("billing/discounts.py", 33, "VBR304", False),
    ("billing/discounts.py", 43, "VBR301", False),
    ("billing/discounts.py", 48, "VBR003", False),
    ("billing/discounts.py", 48, "VBR304", True),
    ("billing/generated/branch_offices.py", 1, "VBR002", False),
    ("billing/invoice.py", 55, "VBR304", False),
    ("billing/invoice.py", 66, "VBR304", False),
    ("billing/invoice.py", 72, "VBR301", False),
    ("billing/invoice.py", 79, "VBR304", True),
    ("billing/invoice.py", 84, "VBR301", False),
    ("billing/invoice.py", 88, "VBR004", False),
    ("billing/ledger.py", 1, "VBR405", False),
    ("billing/ledger.py", 25, "VBR201", False),
    ("billing/ledger.py", 32, "VBR203", False),
    ("billing/ledger.py", 39, "VBR103", False),
    ("billing/ledger.py", 76, "VBR305", False),
    ("billing/ledger.py", 99, "VBR202", False),
    ("billing/ledger.py", 104, "VBR102", False),
    ("billing/ledger.py", 109, "VBR104", False),
    ("billing/payments.py", 34, "VBR101", False),
    ("billing/payments.py", 41, "VBR304", False),
    ("billing/payments.py", 48, "VBR301", False),
    ("billing/reports.py", 31, "VBR304", False),
    ("billing/reports.py", 46, "VBR301", False),
    ("billing/statements.py", 1, "VBR401", False),
    ("billing/statements.py", 30, "VBR301", False),
    ("billing/statements.py", 41, "VBR303", False),
    ("billing/statements.py", 46, "VBR302", False),
]
BILLING_CODES = frozenset(
    {
        *("VBR001", "VBR002", "VBR003", "VBR004"),
        *("VBR101", "VBR102", "VBR103", "VBR104"),
        *("VBR201", "VBR202", "VBR203"),
        *("VBR301", "VBR302", "VBR303", "VBR304", "VBR305"),
        *("VBR401", "VBR402", "VBR403", "VBR404", "VBR405"),
    }
)


def test_billing_findings_are_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "examples/billing/"
    got = sorted(
        (f.path.removeprefix(prefix), f.line, f.code, f.suppressed is not None)
        for f in _billing_findings(monkeypatch)
        if f.code in BILLING_CODES
    )
    assert got == BILLING_EXPECTED
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    for name, line, code, suppressed in BILLING_EXPECTED:
        if not suppressed:
            # The README runs the check from inside examples/billing.
            assert re.search(rf"^{re.escape(name)}:{line}:\d+: {code} ", readme, re.M)


def test_billing_readme_shows_the_current_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's output block is exactly what its command prints."""
    monkeypatch.chdir(BILLING)
    result = CliRunner().invoke(main, ["check", "--no-cache"])
    assert result.exit_code == 1, result.output
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```text\n(.*?)^```$", readme, re.M | re.S)
    assert block, "examples/README.md has no output block"
    assert result.stdout.strip() == block.group(1).strip()
