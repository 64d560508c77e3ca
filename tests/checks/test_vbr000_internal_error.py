"""VBR000 internal-error: its catalogue examples (one test each, generated from
``rules/VBR000.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr000_internal_error.py``; its page: ``docs/rules/VBR000.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from click.testing import CliRunner
from libcst.metadata import BatchableMetadataProvider
from util import SARIF_SCHEMA, write

from vibrails.checks import all_rules
from vibrails.commands.cli import main
from vibrails.config import Config, validate
from vibrails.core.catalogue import Example
from vibrails.engine.tree import check_tree
from vibrails.tagging import tag_file

CODE = "VBR000"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


SOURCE = """\
def total(items, acc=[]):
    acc.append(1)
    return sum(items)


class Basket:
    def add(self, item, seen={}):
        seen[item] = 1
"""


def _explode(self: object, node: object) -> None:
    raise KeyError("raised on purpose")


def _cli(tmp_path: Path, *args: str) -> Any:
    runner = CliRunner()
    return runner.invoke(
        main,
        ["check", "--no-cache", "--assume-ai", "--format", "json", *args, str(tmp_path)],
        catch_exceptions=False,
    )


def _codes(output: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in json.loads(output):
        found.setdefault(Path(finding["path"]).name, []).append(finding["code"])
    return found


def _settings(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    values, _ = validate({}, "test")
    values["assume-ai"] = True
    settings = Config(root=tmp_path, source=None, values=values).settings()
    settings.update(extra)
    return settings


class _FailingProvider(BatchableMetadataProvider[object]):
    def visit_Module(self, node: cst.Module) -> None:
        raise RuntimeError("provider")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_raising_rule_is_one_vbr000_per_file_and_the_run_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    write(tmp_path, {"a.py": SOURCE, "b.py": SOURCE})
    monkeypatch.setattr(all_rules()["VBR101"], "visit_FunctionDef", _explode)
    result = _cli(tmp_path, "--jobs", jobs)
    assert result.exit_code == 2
    findings = json.loads(result.stdout)
    internal = [f for f in findings if f["code"] == "VBR000"]
    assert [Path(f["path"]).name for f in internal] == ["a.py", "b.py"]
    for finding in internal:
        assert finding["name"] == "internal-error"
        assert finding["level"] == "error"
        assert "VBR101" in finding["message"] and "KeyError" in finding["message"]
        # On the node the rule failed on: the first def.
        assert (finding["line"], finding["column"]) == (1, 1)
        assert "Traceback" not in finding["message"]
    # The other rules still ran on both files; the failed rule reports nothing.
    assert _codes(result.stdout) == {
        "a.py": ["VBR000", "VBR304", "VBR301", "VBR304", "VBR301"],
        "b.py": ["VBR000", "VBR304", "VBR301", "VBR304", "VBR301"],
    }
    assert "internal error in 2 file(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_failed_rule_is_disabled_for_the_rest_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def explode_once(self: object, node: cst.FunctionDef) -> None:
        calls.append(node.name.value)
        raise ValueError("first def only")

    monkeypatch.setattr(all_rules()["VBR304"], "visit_FunctionDef", explode_once, raising=False)
    write(tmp_path, {"a.py": SOURCE})
    source = SOURCE
    tag = tag_file("a.py", source, _settings(tmp_path))
    assert tag is not None
    result = check_tree("a.py", source, tag, {"VBR304", "VBR301"}, _settings(tmp_path))
    assert calls == ["total"]  # not called again on Basket.add
    codes = [f.code for f in result.findings]
    assert codes.count("VBR000") == 1 and "VBR304" not in codes and "VBR301" in codes


def test_vbr000_ignores_the_selection_and_exit_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.py": SOURCE})
    monkeypatch.setattr(all_rules()["VBR301"], "visit_FunctionDef", _explode, raising=False)
    result = _cli(tmp_path, "--select", "VBR3", "--ignore", "VBR0", "--exit-zero")
    assert result.exit_code == 2
    assert "VBR000" in _codes(result.stdout)["a.py"]


def test_vbr000_in_sarif_is_valid_and_declares_the_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jsonschema

    write(tmp_path, {"a.py": SOURCE})
    monkeypatch.setattr(all_rules()["VBR301"], "visit_FunctionDef", _explode, raising=False)
    result = CliRunner().invoke(
        main,
        ["check", "--no-cache", "--assume-ai", "--select", "VBR301", "--format", "sarif",
         str(tmp_path)],
    )
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    schema = json.loads(
        SARIF_SCHEMA.read_text("utf-8")
    )
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    [result_000] = [r for r in run["results"] if r["ruleId"] == "VBR000"]
    assert ids[result_000["ruleIndex"]] == "VBR000"
    assert result_000["level"] == "error"


def test_a_rule_failing_in_its_constructor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_init(self: object, *args: object) -> None:
        raise TypeError("constructor")

    monkeypatch.setattr(all_rules()["VBR304"], "__init__", broken_init)
    tag = tag_file("a.py", SOURCE, _settings(tmp_path))
    assert tag is not None
    result = check_tree("a.py", SOURCE, tag, {"VBR304", "VBR301"}, _settings(tmp_path))
    [internal] = [f for f in result.findings if f.code == "VBR000"]
    assert (internal.line, internal.column) == (1, 1)
    assert "VBR304" in internal.message and "TypeError" in internal.message
    assert {f.code for f in result.findings} == {"VBR000", "VBR301"}


def test_a_failing_metadata_provider_fails_only_the_rules_that_need_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(all_rules()["VBR304"], "METADATA_DEPENDENCIES", (_FailingProvider,))
    tag = tag_file("a.py", SOURCE, _settings(tmp_path))
    assert tag is not None
    result = check_tree("a.py", SOURCE, tag, {"VBR301", "VBR304"}, _settings(tmp_path))
    [internal] = [f for f in result.findings if f.code == "VBR000"]
    assert "VBR304" in internal.message and "RuntimeError" in internal.message
    assert sorted(f.code for f in result.findings) == ["VBR000", "VBR301", "VBR301"]


def test_debug_prints_the_traceback_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(all_rules()["VBR304"], "visit_FunctionDef", _explode, raising=False)
    tag = tag_file("a.py", SOURCE, _settings(tmp_path))
    assert tag is not None
    quiet = check_tree("a.py", SOURCE, tag, {"VBR304"}, _settings(tmp_path))
    assert "Traceback" not in capsys.readouterr().err
    loud = check_tree("a.py", SOURCE, tag, {"VBR304"}, _settings(tmp_path, _debug=True))
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "raised on purpose" in err
    assert "_explode" in err
    # The output itself does not change with --debug.
    assert quiet.findings == loud.findings


def test_an_engine_failure_after_the_walk_is_vbr000_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vibrails.engine.tree

    def broken_locate(*args: object) -> None:
        raise IndexError("positions")

    monkeypatch.setattr(vibrails.engine.tree, "locate", broken_locate)
    tag = tag_file("a.py", SOURCE, _settings(tmp_path))
    assert tag is not None
    result = check_tree("a.py", SOURCE, tag, {"VBR304"}, _settings(tmp_path))
    [finding] = result.findings
    assert finding.code == "VBR000" and "engine" in finding.message
    assert "IndexError" in finding.message


def test_fingerprint_of_vbr000_is_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(all_rules()["VBR304"], "visit_FunctionDef", _explode, raising=False)
    tag = tag_file("a.py", SOURCE, _settings(tmp_path))
    assert tag is not None
    first = check_tree("a.py", SOURCE, tag, {"VBR304"}, _settings(tmp_path))
    moved = "\n\n" + SOURCE
    tag2 = tag_file("a.py", moved, _settings(tmp_path))
    assert tag2 is not None
    second = check_tree("a.py", moved, tag2, {"VBR304"}, _settings(tmp_path))
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in second.findings]


def test_a_failure_outside_the_rules_is_vbr000_for_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vibrails.engine.run

    original = vibrails.engine.run.apply_suppressions

    def broken(findings: Any, text: str, display: str, *args: Any) -> Any:
        if display.endswith("bad.py"):
            raise AttributeError("suppressions")
        return original(findings, text, display, *args)

    monkeypatch.setattr(vibrails.engine.run, "apply_suppressions", broken)
    write(tmp_path, {"bad.py": SOURCE, "good.py": SOURCE})
    result = _cli(tmp_path, "--jobs", "2")
    assert result.exit_code == 2
    found = _codes(result.stdout)
    assert found["bad.py"] == ["VBR000"]
    assert "VBR000" not in found["good.py"]
    assert {"VBR301", "VBR304"} <= set(found["good.py"])
    [finding] = [f for f in json.loads(result.stdout) if f["code"] == "VBR000"]
    assert "the engine" in finding["message"] and "AttributeError" in finding["message"]
