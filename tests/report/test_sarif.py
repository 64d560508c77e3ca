"""SARIF output: schema-valid, GitHub-ready, and faithful to the findings."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from jsonschema import Draft7Validator
from util import SARIF_SCHEMA

from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding, fingerprint
from vibrails.core.linehash import line_hashes
from vibrails.report import ReportContext, renderer
from vibrails.report.sarif import MAX_RESULTS, build_log, render

SCHEMA_PATH = SARIF_SCHEMA

# RFC 3986 characters of a URI reference (percent-encoded octets included).
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*$")


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def make(
    code: str = "VBR304",
    line: int = 1,
    *,
    path: str = "pkg/mod.py",
    column: int = 5,
    suppressed: str | None = None,
    message: str | None = None,
    line_hash: str = "",
) -> Finding:
    info = load_catalogue()[code]
    return Finding(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column + 3,
        code=code,
        name=info.name,
        level=info.level,
        message=message or f"{info.summary} (line {line})",
        tag="header marker",
        fingerprint=fingerprint(code, path, "", f"text {line} {column}", 0),
        suppressed=suppressed,
        line_hash=line_hash,
    )


def context(root: Path, codes: tuple[str, ...] = ("VBR001", "VBR003", "VBR304"),
            notes: tuple[str, ...] = ()) -> ReportContext:
    catalogue = load_catalogue()
    return ReportContext(rules={c: catalogue[c] for c in codes}, root=root, notes=list(notes),
                         command_line="vibrails check --format sarif .")


def walk(value: Any, where: str = "$") -> list[tuple[str, Any]]:
    """Every (json path, scalar value) of a JSON document, keys included."""
    out: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((f"{where}.<key>", key))
            out.extend(walk(item, f"{where}.{key}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(walk(item, f"{where}[{i}]"))
    else:
        out.append((where, value))
    return out


def check_log(text: str, validator: Draft7Validator, sample: int = 0) -> dict[str, Any]:
    """Parse ``text`` and assert everything that holds for every log we write.

    With ``sample``, the schema sees only that many results from each end
    (the rest are built the same way; validating 25,000 takes seconds).
    """
    assert text.endswith("}\n")
    log = json.loads(text)
    checked = log
    results = log["runs"][0]["results"]
    if sample and len(results) > 2 * sample:
        checked = json.loads(text)
        checked["runs"][0]["results"] = results[:sample] + results[-sample:]
    errors = sorted(validator.iter_errors(checked), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    for where, value in walk(log):
        assert value is not None, f"null at {where}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert value >= 0, f"placeholder {value} at {where}"
        if where.endswith("<key>"):
            assert value != "security-severity", where
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vibrails"
    assert driver["version"] and driver["semanticVersion"] and driver["informationUri"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(set(ids))
    for rule in driver["rules"]:
        assert rule["name"]
        assert rule["shortDescription"]["text"]
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(f"# {rule['id']} ")
        assert rule["helpUri"].endswith(f"{rule['id']}.md")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        props = rule["properties"]
        assert 0 < len(props["tags"]) <= 20
        assert props["precision"] in ("very-high", "high", "medium", "low")
        assert props["problem.severity"] in ("error", "warning", "recommendation")
    assert run["columnKind"] == "unicodeCodePoints"
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    for result in run["results"]:
        rule = driver["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        assert len(result["locations"]) == 1
        physical = result["locations"][0]["physicalLocation"]
        artifact = physical["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert URI_REFERENCE.match(artifact["uri"]), artifact["uri"]
        assert ":" not in artifact["uri"].split("/")[0]
        assert not artifact["uri"].startswith("/")
        region = physical["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= region.keys()
        assert "vibrails/v1" in result["partialFingerprints"]
    return log


def results_of(log: dict[str, Any]) -> list[dict[str, Any]]:
    return list(log["runs"][0]["results"])


def notifications(log: dict[str, Any]) -> list[str]:
    invocation = log["runs"][0]["invocations"][0]
    return [n["message"]["text"] for n in invocation.get("toolExecutionNotifications", [])]


# -- unit --------------------------------------------------------------------


def test_findings_map_to_results(tmp_path: Path, validator: Draft7Validator) -> None:
    findings = [
        make("VBR001", 1, column=1, path="pkg/bad.py"),
        make("VBR304", 3, line_hash="1a2b3c:1"),
        make("VBR304", 7, suppressed="shared on purpose"),
        make("VBR304", 9, suppressed=""),
        make("VBR002", 1, column=1, path="pkg/undecodable.py"),  # not in context.rules
    ]
    text = render(findings, context(tmp_path, notes=("cache disabled: read-only",)))
    log = check_log(text, validator)
    results = results_of(log)
    assert [r["ruleId"] for r in results] == ["VBR001", "VBR304", "VBR304", "VBR304", "VBR002"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["VBR001", "VBR002", "VBR003", "VBR304"]
    # ruleIndex 0 is a real index and is written.
    assert results[0]["ruleIndex"] == 0
    assert results[4]["ruleIndex"] == 1
    # level is written even where it equals sarif-om's default ("warning").
    assert [r["level"] for r in results] == ["error", "warning", "warning", "warning", "error"]
    assert rules[3]["defaultConfiguration"] == {"level": "warning"}

    second = results[1]
    assert second["message"]["text"] == findings[1].message
    assert second["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/mod.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 8},
    }
    assert second["partialFingerprints"] == {
        "primaryLocationLineHash": "1a2b3c:1",
        "vibrails/v1": findings[1].fingerprint,
    }
    assert "primaryLocationLineHash" not in results[0]["partialFingerprints"]
    assert "suppressions" not in second
    assert results[2]["suppressions"] == [
        {"kind": "inSource", "justification": "shared on purpose"}
    ]
    assert results[3]["suppressions"] == [{"kind": "inSource"}]

    # Rule descriptors come from the catalogue.
    vbr304 = load_catalogue()["VBR304"]
    descriptor = rules[3]
    assert descriptor["name"] == "mutable-default-argument"
    assert descriptor["shortDescription"]["text"] == vbr304.summary
    assert descriptor["help"]["markdown"] == vbr304.markdown()
    assert descriptor["helpUri"] == vbr304.help_uri
    assert descriptor["properties"]["tags"][0] == "state"
    assert set(vbr304.tags) <= set(descriptor["properties"]["tags"])
    assert descriptor["properties"]["problem.severity"] == "warning"
    assert rules[0]["properties"]["problem.severity"] == "error"

    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert notifications(log) == ["cache disabled: read-only"]
    # The command line would carry --jobs, --output...: the output must not.
    assert "commandLine" not in run["invocations"][0]
    # sarif-om's placeholder defaults never appear.
    for key in ("rank", "index", "language", "newlineSequences", "contents",
                "byteOffset", "charOffset", "enabled"):
        assert not any(where.endswith(f".{key}") for where, _ in walk(run)), key
    assert not any(where.endswith(".id") for where, _ in walk(run["results"]))
    assert not any("kind" in result for result in results)  # "fail" is the default


def test_note_level_and_recommendation(tmp_path: Path, validator: Draft7Validator) -> None:
    log = check_log(render([make("VBR004", 2)], context(tmp_path, codes=("VBR004",))),
                    validator)
    assert results_of(log)[0]["level"] == "note"
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["defaultConfiguration"]["level"] == "note"
    assert rule["properties"]["problem.severity"] == "recommendation"


def test_empty_run(tmp_path: Path, validator: Draft7Validator) -> None:
    log = check_log(render([], context(tmp_path)), validator)
    assert results_of(log) == []
    assert "toolExecutionNotifications" not in log["runs"][0]["invocations"][0]


def test_uri_is_percent_encoded(tmp_path: Path, validator: Draft7Validator) -> None:
    paths = ["pkg/a b,c:d%e#f?g.py", "dossier/été/😀.py", "c:/not-a-scheme.py", "../up/x.py"]
    findings = [make(path=p) for p in paths]
    log = check_log(render(findings, context(tmp_path)), validator)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results_of(log)]
    assert uris[0] == "pkg/a%20b%2Cc%3Ad%25e%23f%3Fg.py"
    assert uris[1] == "dossier/%C3%A9t%C3%A9/%F0%9F%98%80.py"
    assert uris[2] == "c%3A/not-a-scheme.py"
    assert uris[3] == "../up/x.py"
    assert [unquote(u) for u in uris] == paths


def test_long_text_is_clipped_and_unicode_kept(tmp_path: Path,
                                               validator: Draft7Validator) -> None:
    message = "défaut partagé 😀 " * 200
    log = check_log(render([make(message=message)], context(tmp_path)), validator)
    assert results_of(log)[0]["message"]["text"] == message
    text = render([make(message=message)], context(tmp_path))
    assert "😀" in text  # ensure_ascii=False


def test_output_is_deterministic(tmp_path: Path) -> None:
    findings = [make("VBR304", n, suppressed="r" if n % 2 else None) for n in range(1, 30)]
    first = render(findings, context(tmp_path))
    assert first == render(list(findings), context(tmp_path))
    assert "Time" not in first and "Utc" not in first
    assert renderer("sarif") is render


# -- GitHub's limits -----------------------------------------------------------


def test_truncation_keeps_the_most_severe(tmp_path: Path, validator: Draft7Validator) -> None:
    errors = [make("VBR001", 100_000 + n, column=1) for n in range(20)]
    warnings = [make("VBR304", 200_000 + n) for n in range(20)]
    notes = [make("VBR004", n) for n in range(1, MAX_RESULTS + 1)]
    # Severe findings scattered among the notes, in path/line order.
    findings = notes[:10] + errors[:10] + warnings + notes[10:] + errors[10:]
    text = render(findings, context(tmp_path, codes=("VBR001", "VBR004", "VBR304")))
    log = check_log(text, validator, sample=500)
    results = results_of(log)
    assert len(results) == MAX_RESULTS
    codes = [r["ruleId"] for r in results]
    assert codes.count("VBR001") == 20
    assert codes.count("VBR304") == 20
    assert codes.count("VBR004") == MAX_RESULTS - 40
    # The notes kept are the first ones; the original order is kept.
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    kept_notes = [line for line, code in zip(lines, codes, strict=True) if code == "VBR004"]
    assert kept_notes == list(range(1, MAX_RESULTS - 40 + 1))
    assert codes[10:20] == ["VBR001"] * 10 and codes[-10:] == ["VBR001"] * 10
    (message,) = notifications(log)
    assert message.startswith(f"40 of {MAX_RESULTS + 40} results were left out")
    assert "most severe" in message


def test_suppressed_results_go_before_unsuppressed(tmp_path: Path) -> None:
    findings = [make("VBR001", 1, suppressed="known"), make("VBR004", 2), make("VBR304", 3)]
    log = json.loads(build_log(findings, context(tmp_path, codes=("VBR001", "VBR004",
                                                                  "VBR304")), max_results=2))
    assert [r["ruleId"] for r in results_of(log)] == ["VBR004", "VBR304"]


def test_gzip_limit_drops_least_severe(tmp_path: Path, validator: Draft7Validator) -> None:
    # Random-looking messages so that gzip cannot squeeze them.
    import hashlib

    def noise(n: int) -> str:
        return "".join(hashlib.sha256(f"{n}-{i}".encode()).hexdigest() for i in range(8))

    findings = [make("VBR004", n, message=noise(n)) for n in range(1, 301)]
    findings += [make("VBR001", 1000 + n, column=1, message=noise(-n)) for n in range(5)]
    ctx = context(tmp_path, codes=("VBR001", "VBR004"))
    full = build_log(findings, ctx)
    full_size = len(gzip.compress(full.encode("utf-8")))
    limit = full_size // 2
    text = build_log(findings, ctx, max_gzip_bytes=limit)
    assert len(gzip.compress(text.encode("utf-8"))) <= limit
    log = check_log(text, validator)
    codes = [r["ruleId"] for r in results_of(log)]
    assert codes.count("VBR001") == 5
    assert 0 < codes.count("VBR004") < 300
    (message,) = notifications(log)
    assert f"of {len(findings)} results were left out" in message


# -- end to end ----------------------------------------------------------------


def test_cli_end_to_end(tmp_path: Path, validator: Draft7Validator) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.vibrails]\n", encoding="utf-8")
    (tmp_path / "p.md").write_text("Write a basket helper.\n", encoding="utf-8")
    pkg = tmp_path / "my pkg"
    pkg.mkdir()
    module = (
        "# @ai-generated model=gpt-5.1 prompt=p.md\n"
        "def add(item, basket=[]):\n"
        "    return basket\n"
        "\n"
        "def memo(key, cache={}):  # noqa: VBR304 -- shared cache on purpose\n"
        "    return cache\n"
    )
    (pkg / "mod.py").write_bytes(module.replace("\n", "\r\n").encode("utf-8"))
    (pkg / "broken.py").write_text("def total(items:\n    return sum(items)\n",
                                   encoding="utf-8")
    (pkg / "latin.py").write_bytes(b"name = 'caf\xe9'\n")
    done = subprocess.run(
        [sys.executable, "-m", "vibrails", "check", "--format", "sarif", "--assume-ai",
         "--no-cache", "."],
        cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert done.returncode == 1, done.stderr
    log = check_log(done.stdout, validator)
    results = results_of(log)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_rule.setdefault(result["ruleId"], []).append(result)
    # (Other rules may report on this tree too; these must.)
    assert {"VBR001", "VBR002", "VBR304"} <= set(by_rule), by_rule.keys()

    def location(result: dict[str, Any]) -> tuple[str, int, int]:
        physical = result["locations"][0]["physicalLocation"]
        region = physical["region"]
        return (physical["artifactLocation"]["uri"], region["startLine"], region["startColumn"])

    flagged, silenced = by_rule["VBR304"]
    assert location(flagged) == ("my%20pkg/mod.py", 2, 22)
    assert flagged["locations"][0]["physicalLocation"]["region"]["endColumn"] == 24
    assert "suppressions" not in flagged
    assert location(silenced) == ("my%20pkg/mod.py", 5, 21)
    assert silenced["suppressions"] == [
        {"kind": "inSource", "justification": "shared cache on purpose"}
    ]
    (syntax,) = by_rule["VBR001"]
    assert location(syntax)[0] == "my%20pkg/broken.py"
    assert syntax["level"] == "error"
    (unreadable,) = by_rule["VBR002"]
    assert location(unreadable) == ("my%20pkg/latin.py", 1, 1)
    assert unreadable["level"] == "error"

    # The line hashes are upload-sarif's, computed on the file's bytes.
    data = (pkg / "mod.py").read_bytes()
    expected = line_hashes(data, [2, 5])
    assert flagged["partialFingerprints"]["primaryLocationLineHash"] == expected[2]
    assert silenced["partialFingerprints"]["primaryLocationLineHash"] == expected[5]
    assert flagged["partialFingerprints"]["vibrails/v1"] != (
        silenced["partialFingerprints"]["vibrails/v1"])

    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert {"VBR001", "VBR002", "VBR003", "VBR304"} <= set(rules)

    # Same input, same bytes.
    again = subprocess.run(
        [sys.executable, "-m", "vibrails", "check", "--format", "sarif", "--assume-ai",
         "--no-cache", "--jobs", "2", "."],
        cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert again.stdout == done.stdout
