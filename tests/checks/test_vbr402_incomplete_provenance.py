"""VBR402 incomplete-provenance: its catalogue examples (one test each, generated from
``rules/VBR402.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr402_incomplete_provenance.py``; its page: ``docs/rules/VBR402.md``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from util import REPO, write

from vibrails.core.catalogue import Example

CODE = "VBR402"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


def test_prompts_resolve_from_the_config_folder_or_the_repository(
    tmp_path: Path,
    check_json: Callable[..., Any],
) -> None:
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
    found = check_json(tmp_path, "--no-cache", "--select", "VBR402", cwd=tmp_path / "app")
    assert sorted(str(f["path"]) for f in found) == ["pkg/escape.py", "pkg/missing.py"]
    assert all("does not exist in the repository" in str(f["message"]) for f in found)


def test_example_project_prompts_are_found(check_json: Callable[..., Any]) -> None:
    """The example's headers name prompts under examples/billing/prompts."""
    found = check_json(REPO, "--no-cache", "--select", "VBR402", "--config",
                   "examples/billing/pyproject.toml", "examples/billing")
    prompts = {p.name for p in (REPO / "examples/billing/prompts").iterdir()}
    for finding in found:
        message = str(finding["message"])
        if "does not exist" in message:
            assert not any(f"prompts/{name}'" in message for name in prompts), message
