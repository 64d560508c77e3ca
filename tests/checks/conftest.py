"""The shared helpers of the per-rule tests (``tests/checks/test_vbrNNN_<name>.py``).

As Fixit generates a rule's tests from its VALID/INVALID examples, every
test module here names its rule (``CODE = "VBR304"``) and a test that takes
an ``example`` argument runs once per ``[[invalid]]``/``[[valid]]`` example of
``rules/VBR304.toml`` (ids such as ``invalid-2``): :func:`pytest_generate_tests`
below parametrizes it, and the ``catalogue_example`` fixture checks the
example as a file, with only its ``select`` codes (default: the rule's own)
and its ``config`` table. An invalid example must give exactly its
``expect`` findings, a valid one none. ``docs_example`` checks the rule's
documented "Example" (at least one finding) and "Use instead" (none).

The other fixtures check a snippet in process, as ``--assume-ai`` would:

* ``contract_findings`` / ``contract_lines`` (VBR1xx), with VBR101 in its
  ``public`` scope so that every contract form is seen (the default
  ``implied`` scope is tested in ``test_vbr101_missing_contract.py``);
* ``invariant_findings`` / ``invariant_lines`` (VBR2xx), with VBR201 in its
  ``stateful`` scope;
* ``state_findings`` / ``state_lines`` (VBR3xx), through the whole per-file
  pipeline (``util.check_example``);
* ``implied_found`` (a snippet as a module of a package, with ``in_tmp``);
* ``repo``, ``check_json``, ``record_event``, ``codes_of``: whole runs of the
  CLI on a git repository, for the provenance and suppression rules; a run's
  exit status is checked against its findings, exactly.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from util import (
    BASKET,
    check_diff_example,
    check_example,
    check_verify_example,
    positions,
    run_vibrails,
    write,
)

from vibrails.checks import all_rules
from vibrails.core.catalogue import Example, load_catalogue
from vibrails.core.finding import Finding

#: Rules whose docs example cannot be shown as plain code: VBR002 needs
#: exact bytes; the ledger rules need a ledger next to the file; VBR000 a
#: rule that raises.
DOCS_NOT_RUNNABLE = frozenset({"VBR000", "VBR002", "VBR403", "VBR404", "VBR405"})

Findings = Callable[..., list[tuple[str, int, str]]]
Lines = Callable[..., list[int]]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test with an ``example`` argument runs on each example of the module's rule."""
    if "example" not in metafunc.fixturenames:
        return
    info = load_catalogue()[metafunc.module.CODE]
    params, ids, counters = [], [], {"valid": 0, "invalid": 0}
    for example in info.examples:
        kind = "valid" if example.valid else "invalid"
        counters[kind] += 1
        params.append(example)
        ids.append(f"{kind}-{counters[kind]}")
    metafunc.parametrize("example", params, ids=ids)


@pytest.fixture
def catalogue_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, Example], None]:
    """Check one catalogue example of the rule ``code``: exactly its findings."""

    def check(code: str, example: Example) -> None:
        info = load_catalogue()[code]
        select = example.select or (code,)
        if code == "VBR000" and not example.valid:
            # VBR000 reports a rule that raises: make the selected tree rules raise.
            def explode(self: object, node: object) -> None:
                raise RuntimeError("raised on purpose by the example test")

            for selected in select:
                if selected in all_rules():
                    monkeypatch.setattr(all_rules()[selected], "visit_Module", explode,
                                        raising=False)
        if info.scope == "verify":  # run by `vibrails verify`, which imports the example
            findings = check_verify_example(tmp_path, example.code, example.filename, select)
        elif example.before is not None:  # a diff rule: the change from `before` to `code`
            findings = check_diff_example(tmp_path, example.before, example.code,
                                          example.filename, select, example.config)
        else:
            findings = check_example(tmp_path, example.content(), example.filename, select,
                                     example.config, example.ledger)
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
        got = positions(findings, code)
        if example.valid:
            assert got == [], f"valid example of {code} has findings:\n{example.code}"
        else:
            expected = sorted(example.expect, key=lambda p: tuple(int(n) for n in p.split(":")))
            assert got == expected, f"invalid example of {code}:\n{example.code}"

    return check


@pytest.fixture
def docs_example(tmp_path: Path) -> Callable[[str], None]:
    """The rule's documented example reports, its "Use instead" does not."""

    def check(code: str) -> None:
        info = load_catalogue()[code]
        if code in DOCS_NOT_RUNNABLE:
            pytest.skip(f"the docs example of {code} needs more than code (see conftest)")
        bad = info.docs["example"].strip() + "\n"
        good = info.docs["use-instead"].strip() + "\n"
        if info.scope == "verify":
            found = check_verify_example(tmp_path / "bad", bad, "example.py", (code,))
            assert positions(found, code), f"the docs example of {code} reports nothing"
            fixed = check_verify_example(tmp_path / "good", good, "example.py", (code,))
            assert positions(fixed, code) == [], f"the docs fix of {code} still reports"
            return
        if info.scope == "diff":
            before = info.docs["before"].strip() + "\n"
            config = {"assume-ai": False} if info.pillar == "provenance" else {}
            found = check_diff_example(tmp_path, before, bad, "example.py", (code,), config)
            assert positions(found, code), f"the docs example of {code} reports nothing"
            fixed = check_diff_example(tmp_path, before, good, "example.py", (code,), config)
            assert positions(fixed, code) == [], f"the docs fix of {code} still reports"
            return
        found = check_example(tmp_path / "bad", bad.encode(), "example.py", (code,), {})
        assert positions(found, code), f"the docs example of {code} reports nothing"
        fixed = check_example(tmp_path / "good", good.encode(), "example.py", (code,), {})
        assert positions(fixed, code) == [], f"the docs fix of {code} still reports"

    return check


def _tree_findings(scopes: dict[str, dict[str, Any]]) -> Findings:
    def findings(
        source: str, codes: tuple[str, ...], path: str = "example.py", **tables: dict[str, Any]
    ) -> list[tuple[str, int, str]]:
        """``(code, line, message)`` of each finding of ``codes`` in ``source``."""
        from vibrails.config import defaults
        from vibrails.engine.tree import check_tree
        from vibrails.tagging import Tag

        settings = defaults()
        for table, values in scopes.items():
            settings[table].update(values)
        for table, values in tables.items():
            settings[table].update(values)
        result = check_tree(path, textwrap.dedent(source), Tag("assume-ai"), set(codes), settings)
        return sorted((f.code, f.line, f.message) for f in result.findings if f.code in codes)

    return findings


def _lines(findings: Findings) -> Lines:
    def lines(source: str, code: str, path: str = "example.py", **tables: dict[str, Any]) -> list[int]:
        return [line for _, line, _ in findings(source, (code,), path, **tables)]

    return lines


@pytest.fixture
def contract_findings() -> Findings:
    return _tree_findings({"contracts": {"scope": "public"}})


@pytest.fixture
def contract_lines(contract_findings: Findings) -> Lines:
    return _lines(contract_findings)


@pytest.fixture
def invariant_findings() -> Findings:
    return _tree_findings({"invariants": {"scope": "stateful"}})


@pytest.fixture
def invariant_lines(invariant_findings: Findings) -> Lines:
    return _lines(invariant_findings)


@pytest.fixture
def state_findings(tmp_path: Path) -> Callable[..., list[Finding]]:
    def findings(code: str, source: str, config: dict[str, Any] | None = None,
                 root: Path | None = None) -> list[Finding]:
        text = textwrap.dedent(source).lstrip("\n")
        found = check_example(root or tmp_path, text.encode(), "m.py", (code,), config or {})
        return [f for f in found if f.code == code and f.suppressed is None]

    return findings


@pytest.fixture
def state_lines(state_findings: Callable[..., list[Finding]]) -> Lines:
    def lines(code: str, source: str, config: dict[str, Any] | None = None,
              root: Path | None = None) -> list[int]:
        return sorted(f.line for f in state_findings(code, source, config, root))

    return lines


# -- whole runs of the CLI (the provenance and suppression rules) --------------------

def run_json(root: Path, *args: str, cwd: Path | None = None) -> list[dict[str, Any]]:
    """The JSON findings of ``vibrails check ARGS`` run in ``cwd`` (default ``root``),
    with the exit status the findings call for: 1 when one is a warning or an
    error (``fail-on``'s default), else 0."""
    result = run_vibrails("check", "--format", "json", *args, cwd=cwd or root)
    assert "Traceback" not in result.stderr, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    failing = any(f["level"] in ("warning", "error") for f in data)
    assert result.returncode == (1 if failing else 0), result.stderr
    return data


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a project, a prompt file and an untagged ``src/billing.py``."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, {
        "pyproject.toml": "[tool.vibrails]\n",
        "prompts/billing.md": "Write the billing module.\n",
        "src/billing.py": BASKET,
    })
    return tmp_path


@pytest.fixture
def check_json() -> Callable[..., list[dict[str, Any]]]:
    """:func:`run_json`: ``check_json(root, *args, cwd=None)``."""
    return run_json


@pytest.fixture
def record_event() -> Callable[..., None]:
    """``record_event(root, *args, cwd=None)``: ``vibrails ledger record ARGS``, which must succeed."""

    def record(root: Path, *args: str, cwd: Path | None = None) -> None:
        result = run_vibrails("ledger", "record", *args, cwd=cwd or root)
        assert result.returncode == 0, result.stderr

    return record


@pytest.fixture
def codes_of() -> Callable[..., list[tuple[str, int, str]]]:
    """``codes_of(root, *args)``: ``(path, line, code)`` of each finding of a check of ``root``."""

    def codes(root: Path, *args: str) -> list[tuple[str, int, str]]:
        result = run_vibrails("check", "--no-cache", "--format", "json", *args, ".", cwd=root)
        assert "Traceback" not in result.stderr
        return [(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)]

    return codes


# -- a package around the snippet (entry points, VBR101's implied scope) -------------


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in ``tmp_path``: a finding's display path is relative to the current folder."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def implied_found(tmp_path: Path) -> Callable[..., list[Finding]]:
    """``implied_found(code, source, filename="pkg/m.py", config=None)``: the findings of
    ``code`` in ``source`` checked as a module of the package ``pkg``."""

    def found(code: str, source: str, filename: str = "pkg/m.py",
              config: dict[str, Any] | None = None) -> list[Finding]:
        (tmp_path / "pkg").mkdir(exist_ok=True)
        (tmp_path / "pkg" / "__init__.py").write_text("")
        text = textwrap.dedent(source).lstrip("\n")
        result = check_example(tmp_path, text.encode(), filename, (code,), config or {})
        return [f for f in result if f.code == code]

    return found
