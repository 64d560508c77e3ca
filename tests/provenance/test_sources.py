"""The tagging sources provenance feeds (``src/vibrails/provenance/sources.py``):
a ledger event tags its file, a ``removed`` event untags it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from util import BASKET, run_vibrails, write


def _findings(root: Path) -> list[dict[str, object]]:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR304",
                          cwd=root)
    data: list[dict[str, object]] = json.loads(result.stdout)
    assert result.returncode == (1 if data else 0), result.stderr
    return data


def test_the_ledger_tags_a_file_and_a_removal_untags_it(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n",
                     "prompts/billing.md": "Write the billing module.\n", "src/billing.py": BASKET})
    assert _findings(tmp_path) == []
    recorded = run_vibrails("ledger", "record", "src/billing.py", "--model", "gpt-5.1",
                            "--prompt", "prompts/billing.md", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    [finding] = _findings(tmp_path)
    assert finding["tag"] == "ledger:1"
    removed = run_vibrails("ledger", "record", "src/billing.py", "--event", "removed", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert _findings(tmp_path) == []
