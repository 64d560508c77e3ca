"""VBR401 missing-provenance: its catalogue examples (one test each, generated from
``rules/VBR401.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr401_missing_provenance.py``; its page: ``docs/rules/VBR401.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import BASKET, run_vibrails, write

from vibrails.core.catalogue import Example

CODE = "VBR401"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)




def test_missing_provenance_says_the_command(
    repo: Path,
    check_json: Callable[..., Any],
    record_event: Callable[..., Any],
) -> None:
    write(repo, {"src/billing.py": "# @ai-generated\n" + BASKET})
    [finding] = check_json(repo, "--no-cache", "--select", "VBR401")
    assert finding["line"] == 1 and finding["tag"] == "header"
    assert ("`vibrails ledger record src/billing.py --model MODEL --prompt PROMPT`"
            in str(finding["message"]))
    # From a subfolder, the command names the path as typed there.
    [finding] = check_json(repo, "--no-cache", "--select", "VBR401", cwd=repo / "src")
    assert "`vibrails ledger record billing.py --model" in str(finding["message"])
    record_event(repo, "src/billing.py", "--model", "gpt-5.1", "--prompt", "prompts/billing.md")
    assert check_json(repo, "--no-cache", "--select", "VBR401,VBR402,VBR403") == []


def test_a_file_that_does_not_parse_still_gets_its_provenance_findings(
    repo: Path,
    check_json: Callable[..., Any],
) -> None:
    write(repo, {"src/broken.py": "# @ai-generated\ndef f(:\n"})
    found = check_json(repo, "--no-cache", "--select", "VBR001,VBR401")
    assert sorted((f["path"], f["code"]) for f in found) == [
        ("src/broken.py", "VBR001"), ("src/broken.py", "VBR401")
    ]


def test_a_provenance_finding_can_be_suppressed_with_a_reason(repo: Path) -> None:
    write(repo, {"src/billing.py": "# @ai-generated  # noqa: VBR401 -- vendored, see NOTICE\n"
                 + BASKET})
    result = run_vibrails("check", "--no-cache", "--select", "VBR401,VBR003", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
