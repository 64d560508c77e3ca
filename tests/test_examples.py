"""Every catalogue example, checked as a file; and the example project.

One case per ``[[invalid]]``/``[[valid]]`` example of ``rules/VBR*.toml``
(ids such as ``VBR304-invalid-2``). Each example is written to a temporary
folder under its ``filename`` and checked in-process as ``--assume-ai``
would, with only the example's ``select`` codes (default: the rule's own)
and its ``config`` table. An invalid example must give exactly its
``expect`` findings of the rule's code, a valid one none.

The docs' "Example" of a rule must give at least one finding of the rule
and its "Use instead" none.

The example project under ``examples/billing`` must show every implemented
rule, and nothing outside the tagged code.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vibrails.checks import all_rules
from vibrails.checks.shared.provenance import ledger_findings
from vibrails.commands.cli import main
from vibrails.config import Config, load_config, validate
from vibrails.core.catalogue import Example, RuleInfo, load_catalogue
from vibrails.core.finding import Finding
from vibrails.core.selection import Selection
from vibrails.discover import Discovered, Discoverer
from vibrails.engine.run import check_file, run
from vibrails.provenance.context import prepare as prepare_provenance

ROOT = Path(__file__).resolve().parents[1]
BILLING = ROOT / "examples" / "billing"

#: Rules whose docs example cannot be shown as plain code: VBR002 needs
#: exact bytes; the ledger rules need a ledger next to the file; VBR000 a
#: rule that raises (tests/test_reliability.py).
DOCS_NOT_RUNNABLE = frozenset({"VBR000", "VBR002", "VBR403", "VBR404", "VBR405"})


def check_example(
    tmp_path: Path,
    content: bytes,
    filename: str,
    select: tuple[str, ...],
    config: dict[str, Any],
    ledger: bytes = b"",
) -> list[Finding]:
    """Check one file as ``vibrails check --assume-ai --select …`` would (with the
    example's ledger, if it has one, and the ledger's own findings)."""
    values, _ = validate(config, "example")
    values["assume-ai"] = True
    settings = Config(root=tmp_path, source=None, values=values).settings()
    if ledger:
        (tmp_path / values["ledger"]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / values["ledger"]).write_bytes(ledger)
    selection = Selection.build(list(select), [], [], values["per-file-ignores"])
    path = tmp_path / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    settings = prepare_provenance(settings, tmp_path, cwd=tmp_path)
    item = Discovered(path=path, display=filename, project_path=filename)
    result = check_file(item, settings, selection)
    assert result.tagged, "--assume-ai must tag every file"
    return result.findings + ledger_findings(settings, selection.enabled)


def positions(findings: list[Finding], code: str) -> list[str]:
    """``"line:column"`` of the unsuppressed findings of ``code``, sorted."""
    return sorted(
        (f"{f.line}:{f.column}" for f in findings if f.code == code and f.suppressed is None),
        key=lambda p: tuple(int(n) for n in p.split(":")),
    )


def _example_cases() -> list[Any]:
    cases = []
    for info in load_catalogue().values():
        counters = {"valid": 0, "invalid": 0}
        for example in info.examples:
            kind = "valid" if example.valid else "invalid"
            counters[kind] += 1
            cases.append(pytest.param(info, example, id=f"{info.code}-{kind}-{counters[kind]}"))
    return cases


@pytest.mark.parametrize(("info", "example"), _example_cases())
def test_catalogue_example(
    tmp_path: Path, info: RuleInfo, example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    select = example.select or (info.code,)
    if info.code == "VBR000" and not example.valid:
        # VBR000 reports a rule that raises: make the selected tree rules raise.
        def explode(self: object, node: object) -> None:
            raise RuntimeError("raised on purpose by the example test")

        for code in select:
            if code in all_rules():
                monkeypatch.setattr(all_rules()[code], "visit_Module", explode, raising=False)
    findings = check_example(
        tmp_path, example.content(), example.filename, select, example.config, example.ledger
    )
    for finding in findings:
        # Every finding is well formed whatever the rule (the message was
        # formatted from the catalogue template without a KeyError).
        assert finding.name == load_catalogue()[finding.code].name
        # (VBR404 reports an event for a vanished path as a warning, per the SPEC.)
        assert finding.level == load_catalogue()[finding.code].level or (
            finding.code == "VBR404" and finding.level == "warning"
        )
        assert finding.message and "{" not in finding.message.replace("{{", "")
        assert finding.line >= 1 and finding.column >= 1
        assert (finding.end_line, finding.end_column) > (finding.line, finding.column)
        # (Provenance rules look at markers and the ledger: a header tags first.)
        assert finding.tag == "assume-ai" or info.pillar == "provenance"
        assert finding.fingerprint
    got = positions(findings, info.code)
    if example.valid:
        assert got == [], f"valid example of {info.code} has findings:\n{example.code}"
    else:
        expected = sorted(example.expect, key=lambda p: tuple(int(n) for n in p.split(":")))
        assert got == expected, f"invalid example of {info.code}:\n{example.code}"


def _docs_cases() -> list[Any]:
    return [
        pytest.param(info, id=info.code)
        for info in load_catalogue().values()
        if info.code not in DOCS_NOT_RUNNABLE
    ]


@pytest.mark.parametrize("info", _docs_cases())
def test_docs_example_and_fix(tmp_path: Path, info: RuleInfo) -> None:
    bad = info.docs["example"].strip() + "\n"
    good = info.docs["use-instead"].strip() + "\n"
    select = (info.code,)
    found = check_example(tmp_path / "bad", bad.encode(), "example.py", select, {})
    assert positions(found, info.code), f"the docs example of {info.code} reports nothing"
    fixed = check_example(tmp_path / "good", good.encode(), "example.py", select, {})
    assert positions(fixed, info.code) == [], f"the docs fix of {info.code} still reports"


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
    implemented &= set(load_catalogue())
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
