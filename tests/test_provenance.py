"""The provenance rules VBR401-VBR405 end to end, the ledger as a tagging
source, and the cache keyed on each file's provenance."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from util import REPO, run_vibrails, write

BAD = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"


def _check(root: Path, *args: str, cwd: Path | None = None) -> list[dict[str, object]]:
    result = run_vibrails("check", "--format", "json", *args, cwd=cwd or root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


def _record(root: Path, *args: str, cwd: Path | None = None) -> None:
    result = run_vibrails("ledger", "record", *args, cwd=cwd or root)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, {
        "pyproject.toml": "[tool.vibrails]\n",
        "prompts/billing.md": "Write the billing module.\n",
        "src/billing.py": BAD,
    })
    return tmp_path


def test_missing_provenance_says_the_command(repo: Path) -> None:
    write(repo, {"src/billing.py": "# @ai-generated\n" + BAD})
    [finding] = _check(repo, "--no-cache", "--select", "VBR401")
    assert finding["line"] == 1 and finding["tag"] == "header"
    assert ("`vibrails ledger record src/billing.py --model MODEL --prompt PROMPT`"
            in str(finding["message"]))
    # From a subfolder, the command names the path as typed there.
    [finding] = _check(repo, "--no-cache", "--select", "VBR401", cwd=repo / "src")
    assert "`vibrails ledger record billing.py --model" in str(finding["message"])
    _record(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    assert _check(repo, "--no-cache", "--select", "VBR401,VBR402,VBR403") == []


def test_the_ledger_tags_a_file_and_a_removal_untags_it(repo: Path) -> None:
    assert _check(repo, "--no-cache", "--select", "VBR304") == []
    _record(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    [finding] = _check(repo, "--no-cache", "--select", "VBR304")
    assert finding["tag"] == "ledger:1"
    _record(repo, "src/billing.py", "--event", "removed")
    assert _check(repo, "--no-cache", "--select", "VBR304") == []


def test_drift_after_an_edit_and_its_fix(repo: Path) -> None:
    _record(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    assert _check(repo, "--no-cache", "--select", "VBR403") == []
    # Newline style is not a change.
    (repo / "src/billing.py").write_bytes(BAD.replace("\n", "\r\n").encode())
    assert _check(repo, "--no-cache", "--select", "VBR403") == []
    (repo / "src/billing.py").write_text(BAD + "# tweak\n")
    [finding] = _check(repo, "--no-cache", "--select", "VBR403")
    assert finding["level"] == "warning" and finding["line"] == 1
    message = str(finding["message"])
    assert "generated" in message and ".vibrails/ledger.jsonl:1" in message
    assert "`vibrails ledger record src/billing.py --event edited`" in message
    _record(repo, "src/billing.py", "--event", "edited", "--by", "alice")
    assert _check(repo, "--no-cache", "--select", "VBR403") == []


def test_unreviewed_is_opt_in_and_a_regeneration_asks_again(repo: Path) -> None:
    _record(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    assert all(f["code"] != "VBR405" for f in _check(repo, "--no-cache"))  # opt-in
    [finding] = _check(repo, "--no-cache", "--select", "VBR405")
    assert finding["level"] == "note"
    assert "--event reviewed --by NAME" in str(finding["message"])
    _record(repo, "src/billing.py", "--event", "reviewed", "--by", "bob")
    assert _check(repo, "--no-cache", "--select", "VBR405") == []
    _record(repo, "src/billing.py", "--event", "edited")
    assert _check(repo, "--no-cache", "--select", "VBR405") == []
    _record(repo, "src/billing.py", "--event", "regenerated", "--model", "gpt-5.2",
            "--prompt", "prompts/billing.md")
    assert len(_check(repo, "--no-cache", "--select", "VBR405")) == 1


def test_prompts_resolve_from_the_config_folder_or_the_repository(tmp_path: Path) -> None:
    """Like examples/billing: the configuration is in a subfolder of the repository."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, {
        "docs/prompts/shared.md": "shared\n",
        "app/pyproject.toml": "[tool.vibrails]\n",
        "app/prompts/local.md": "local\n",
        "app/pkg/local.py": "# @ai-generated model=m prompt=prompts/local.md\nx = 1\n",
        "app/pkg/shared.py": "# @ai-generated model=m prompt=docs/prompts/shared.md\nx = 1\n",
        "app/pkg/missing.py": "# @ai-generated model=m prompt=prompts/nope.md\nx = 1\n",
        "app/pkg/escape.py": "# @ai-generated model=m prompt=../../../etc/hostname\nx = 1\n",
        "app/pkg/url.py": "# @ai-generated model=m prompt=https://example.com/p/1\nx = 1\n",
        "app/pkg/inline.py": '# @ai-generated model=m prompt="Sum the basket"\nx = 1\n',
    })
    found = _check(tmp_path, "--no-cache", "--select", "VBR402", cwd=tmp_path / "app")
    assert sorted(str(f["path"]) for f in found) == ["pkg/escape.py", "pkg/missing.py"]
    assert all("does not exist in the repository" in str(f["message"]) for f in found)


def test_example_project_prompts_are_found() -> None:
    """The example's headers name prompts under examples/billing/prompts."""
    found = _check(REPO, "--no-cache", "--select", "VBR402", "--config",
                   "examples/billing/pyproject.toml", "examples/billing")
    prompts = {p.name for p in (REPO / "examples/billing/prompts").iterdir()}
    for finding in found:
        message = str(finding["message"])
        if "does not exist" in message:
            assert not any(f"prompts/{name}'" in message for name in prompts), message


def test_a_file_that_does_not_parse_still_gets_its_provenance_findings(repo: Path) -> None:
    write(repo, {"src/broken.py": "# @ai-generated\ndef f(:\n"})
    found = _check(repo, "--no-cache", "--select", "VBR001,VBR401")
    assert sorted((f["path"], f["code"]) for f in found) == [
        ("src/broken.py", "VBR001"), ("src/broken.py", "VBR401")
    ]


def test_a_provenance_finding_can_be_suppressed_with_a_reason(repo: Path) -> None:
    write(repo, {"src/billing.py": "# @ai-generated  # noqa: VBR401 -- vendored, see NOTICE\n"
                 + BAD})
    result = run_vibrails("check", "--no-cache", "--select", "VBR401,VBR003", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_ledger_change_invalidates_only_that_files_cache_entry(repo: Path) -> None:
    write(repo, {"src/other.py": BAD})
    _record(repo, "src/billing.py", "src/other.py", "--model", "gpt-5.1",
            "--prompt", "prompts/billing.md")
    cache = repo / ".vibrails_cache"
    select = ("--select", "VBR304,VBR403")
    first = _check(repo, *select)
    entries = {p.name for p in cache.rglob("*.json")}
    assert len(entries) == 2
    assert _check(repo, *select) == first
    assert {p.name for p in cache.rglob("*.json")} == entries  # all hits
    # Edit billing.py: drift; then record the edit: one new key each time, for billing.py only.
    (repo / "src/billing.py").write_text(BAD + "# tweak\n")
    drifted = _check(repo, *select)
    assert [(f["path"], f["code"]) for f in drifted if f["code"] == "VBR403"] == [
        ("src/billing.py", "VBR403")
    ]
    after_edit = {p.name for p in cache.rglob("*.json")}
    assert len(after_edit - entries) == 1
    _record(repo, "src/billing.py", "--event", "edited")
    fixed = _check(repo, *select)
    assert all(f["code"] != "VBR403" for f in fixed)
    after_record = {p.name for p in cache.rglob("*.json")}
    assert len(after_record - after_edit) == 1


def test_ledger_findings_in_sarif_are_schema_valid(repo: Path) -> None:
    from jsonschema import Draft7Validator

    from vibrails.core.linehash import line_hashes

    _record(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    ledger = repo / ".vibrails/ledger.jsonl"
    ledger.write_bytes(ledger.read_bytes() + b'{"event": "generated"\n')
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "--select", "VBR404",
                          cwd=repo)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    schema = json.loads((Path(__file__).parent / "data/sarif-schema-2.1.0.json").read_text())
    errors = list(Draft7Validator(schema).iter_errors(log))
    assert not errors, errors[:3]
    [res] = log["runs"][0]["results"]
    location = res["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ".vibrails/ledger.jsonl"
    assert location["region"]["startLine"] == 2
    expected = line_hashes(ledger.read_bytes(), {2})[2]
    assert res["partialFingerprints"]["primaryLocationLineHash"] == expected


def test_a_hand_written_event_without_chain_fields_still_counts(repo: Path) -> None:
    from vibrails.provenance.events import normalised_sha256

    event = {"event": "generated", "path": "src/billing.py", "at": "2026-11-20T09:30:00Z",
             "sha256": normalised_sha256(BAD.encode()).upper(), "model": "gpt-5.1",
             "prompt": "prompts/billing.md"}
    write(repo, {".vibrails/ledger.jsonl": json.dumps(event) + "\n"})
    found = _check(repo, "--no-cache", "--select", "VBR304,VBR401,VBR402,VBR403,VBR404")
    assert sorted((f["code"], f["tag"]) for f in found) == [
        ("VBR304", "ledger:1"), ("VBR404", "ledger")
    ]
    [integrity] = [f for f in found if f["code"] == "VBR404"]
    assert "missing field 'prev'" in str(integrity["message"])
