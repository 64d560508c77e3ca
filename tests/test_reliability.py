"""Internal errors are contained (VBR000) and work per file is bounded.

A rule that raises on one file becomes one VBR000 finding naming the rule
and the exception type; the other rules on that file and every other file
still run, and the run exits 2 at the end. Deeply nested code and
pathological expressions give a finding (VBR001/VBR002), never a crash
or a hang.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from click.testing import CliRunner
from libcst.metadata import BatchableMetadataProvider
from util import run_vibrails, write

from vibrails.checks import all_rules
from vibrails.commands.cli import main
from vibrails.config import Config, validate
from vibrails.engine.tree import check_tree
from vibrails.tagging import tag_file

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


# -- VBR000 -----------------------------------------------------------------


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
        (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8")
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


class _FailingProvider(BatchableMetadataProvider[object]):
    def visit_Module(self, node: cst.Module) -> None:
        raise RuntimeError("provider")


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


# -- bounded work -------------------------------------------------------------


def _check(tmp_path: Path, *args: str) -> tuple[int, dict[str, list[tuple[str, str]]], str]:
    result = run_vibrails(
        "check", "--no-cache", "--assume-ai", "--format", "json", *args, ".", cwd=tmp_path
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for finding in json.loads(result.stdout or "[]"):
        found.setdefault(finding["path"], []).append((finding["code"], finding["message"]))
    return result.returncode, found, result.stderr


def test_ten_thousand_nested_parentheses_are_a_syntax_error(tmp_path: Path) -> None:
    n = 10_000
    write(tmp_path, {
        "parens.py": "x = " + "(" * n + "1" + ")" * n + "\n",
        "lists.py": "x = " + "[" * n + "]" * n + "\n",
        "calls.py": "x = " + "f(" * n + ")" * n + "\n",
        "ok.py": "def f(a=[]):\n    pass\n",
    })
    started = time.monotonic()
    code, found, stderr = _check(tmp_path)
    assert time.monotonic() - started < 60
    assert code == 1, stderr
    for name in ("parens.py", "lists.py", "calls.py"):
        [(rule, message)] = found[name]
        assert rule == "VBR001" and "too many nested parentheses" in message
    assert [c for c, _ in found["ok.py"]] == ["VBR304"]


@pytest.mark.parametrize("indent", [" ", "\t"])
def test_five_thousand_nested_ifs(tmp_path: Path, indent: str) -> None:
    depth = 5_000
    lines = [indent * level + "if x:" for level in range(depth)]
    lines.append(indent * depth + "pass")
    text = "\n".join(lines) + "\n"
    write(tmp_path, {"deep.py": text})
    # Over the default max-file-bytes (2 MB): reported without being parsed.
    code, found, _ = _check(tmp_path)
    [(rule, message)] = found["deep.py"]
    assert (code, rule) == (1, "VBR002") and "max-file-bytes" in message
    # Allowed in: CPython's tokenizer stops at 100 levels, so VBR001.
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\nmax-file-bytes = 20000000\n"})
    code, found, _ = _check(tmp_path)
    [(rule, message)] = found["deep.py"]
    assert (code, rule) == (1, "VBR001") and "too many levels of indentation" in message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("unary.py", "x = " + "-" * 10_000 + "1\n"),
        ("nots.py", "x = " + "not " * 10_000 + "a\n"),
        ("lambdas.py", "x = " + "lambda: " * 10_000 + "1\n"),
        ("ternary.py", "x = " + "1 if a else " * 10_000 + "1\n"),
        ("power.py", "x = " + "2**" * 10_000 + "2\n"),
    ],
)
def test_right_nested_expressions_are_a_finding(tmp_path: Path, name: str, text: str) -> None:
    """Nested without brackets: CPython's parser gives up (VBR001), no crash."""
    write(tmp_path, {name: text, "ok.py": "def f(a=[]):\n    pass\n"})
    code, found, stderr = _check(tmp_path)
    assert code == 1, stderr
    [(rule, _message)] = found[name]
    assert rule in ("VBR001", "VBR002")
    assert [c for c, _ in found["ok.py"]] == ["VBR304"]
    assert "Traceback" not in stderr


def test_a_pathological_chain_hits_the_time_limit(tmp_path: Path) -> None:
    """10,000 attribute accesses in a row: valid, but minutes in libcst."""
    write(tmp_path, {
        "chain.py": "x = a" + ".b" * 10_000 + "\n",
        "ok.py": "def f(a=[]):\n    pass\n",
    })
    started = time.monotonic()
    code, found, stderr = _check(tmp_path, "--timeout-per-file", "1", "--jobs", "2")
    assert time.monotonic() - started < 60
    assert code == 1, stderr
    [(rule, message)] = found["chain.py"]
    assert rule == "VBR002" and "timeout-per-file (1 s)" in message
    assert [c for c, _ in found["ok.py"]] == ["VBR304"]


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
