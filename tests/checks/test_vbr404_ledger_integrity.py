"""VBR404 ledger-integrity: its catalogue examples (one test each, generated from
``rules/VBR404.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr404_ledger_integrity.py``; its page: ``docs/rules/VBR404.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import BASKET, SARIF_SCHEMA, run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR404"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)




def test_ledger_findings_in_sarif_are_schema_valid(
    repo: Path,
    record_event: Callable[..., Any],
) -> None:
    from jsonschema import Draft7Validator

    from vibrails.core.linehash import line_hashes

    record_event(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    ledger = repo / ".vibrails/ledger.jsonl"
    ledger.write_bytes(ledger.read_bytes() + b'{"event": "generated"\n')
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "--select", "VBR404",
                          cwd=repo)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    errors = list(Draft7Validator(schema).iter_errors(log))
    assert not errors, errors[:3]
    [res] = log["runs"][0]["results"]
    location = res["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ".vibrails/ledger.jsonl"
    assert location["region"]["startLine"] == 2
    expected = line_hashes(ledger.read_bytes(), {2})[2]
    assert res["partialFingerprints"]["primaryLocationLineHash"] == expected


def test_a_hand_written_event_without_chain_fields_still_counts(
    repo: Path,
    check_json: Callable[..., Any],
) -> None:
    from vibrails.provenance.events import normalised_sha256

    event = {"event": "generated", "path": "src/billing.py", "at": "2026-11-20T09:30:00Z",
             "sha256": normalised_sha256(BASKET.encode()).upper(), "model": "gpt-5.1",
             "prompt": "prompts/billing.md"}
    write(repo, {".vibrails/ledger.jsonl": json.dumps(event) + "\n"})
    found = check_json(repo, "--no-cache", "--select", "VBR304,VBR401,VBR402,VBR403,VBR404")
    assert sorted((f["code"], f["tag"]) for f in found) == [
        ("VBR304", "ledger:1"), ("VBR404", "ledger")
    ]
    [integrity] = [f for f in found if f["code"] == "VBR404"]
    assert "missing field 'prev'" in str(integrity["message"])
