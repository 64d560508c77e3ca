"""The generated docs match the catalogue: they can never drift.

``docs/rules/<CODE>.md``, ``docs/rules/index.md`` and the README's rule
table are regenerated into a temporary folder and compared byte for byte
with the committed files. Run ``python -m vibrails.commands.docs`` to update them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from util import REPO

from vibrails.commands import docs
from vibrails.core.catalogue import load_catalogue

ROOT = REPO
FIX = "run `python -m vibrails.commands.docs` to regenerate"


def _regenerate(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    changed = docs.generate(tmp_path)
    assert (tmp_path / "docs" / "rules" / "index.md") in changed
    return tmp_path


def test_rule_pages_are_up_to_date(tmp_path: Path) -> None:
    generated = _regenerate(tmp_path) / "docs" / "rules"
    committed = ROOT / "docs" / "rules"
    names = sorted(p.name for p in generated.iterdir())
    assert names == [*sorted(f"{code}.md" for code in load_catalogue()), "index.md"]
    for name in names:
        assert (committed / name).is_file(), f"docs/rules/{name} is missing: {FIX}"
        assert (committed / name).read_bytes() == (generated / name).read_bytes(), (
            f"docs/rules/{name} is out of date: {FIX}"
        )
    stale = sorted(p.name for p in committed.glob("*.md") if p.name not in names)
    assert not stale, f"docs/rules has pages of no rule {stale}: {FIX}"


def test_readme_table_is_up_to_date(tmp_path: Path) -> None:
    regenerated = (_regenerate(tmp_path) / "README.md").read_text(encoding="utf-8")
    assert (ROOT / "README.md").read_text(encoding="utf-8") == regenerated, (
        f"README.md's rule table is out of date: {FIX}"
    )
    table = regenerated.split(docs.README_START, 1)[1].split(docs.README_END, 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| [VBR")]
    assert re.findall(r"^\| \[(VBR\d+)\]", table, re.MULTILINE) == list(load_catalogue())
    for row, info in zip(rows, load_catalogue().values(), strict=True):
        assert f"(docs/rules/{info.code}.md)" in row
        assert f"`{info.name}`" in row
        assert f"| {info.level} |" in row
        assert ("| opt-in |" in row) == info.opt_in


def test_rule_page_is_what_explain_prints() -> None:
    for code, info in load_catalogue().items():
        page = (ROOT / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")
        assert info.markdown() in page


def test_generate_removes_pages_of_removed_rules(tmp_path: Path) -> None:
    _regenerate(tmp_path)
    stale = tmp_path / "docs" / "rules" / "VBR999.md"
    stale.write_text("# VBR999 gone\n", encoding="utf-8")
    assert docs.generate(tmp_path, check=True) == [stale]
    assert stale.exists(), "--check must not write"
    assert docs.generate(tmp_path) == [stale]
    assert not stale.exists()
    assert docs.generate(tmp_path, check=True) == []


def test_readme_without_markers_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# project\n", encoding="utf-8")
    with pytest.raises(ValueError, match="rules-table:start"):
        docs.generate(tmp_path)
    assert docs.main(["--root", str(tmp_path)]) == 2


def test_module_entry_point_check(tmp_path: Path) -> None:
    _regenerate(tmp_path)
    args = [sys.executable, "-m", "vibrails.commands.docs", "--root", str(tmp_path), "--check"]
    clean = subprocess.run(args, capture_output=True, text=True, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    page = tmp_path / "docs" / "rules" / "VBR304.md"
    page.write_text(page.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    dirty = subprocess.run(args, capture_output=True, text=True, check=False)
    assert dirty.returncode == 1
    assert "docs/rules/VBR304.md" in dirty.stdout


def test_readme_setup_commands_are_true() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.DOTALL)
    main_job = (
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && "
        "(cd examples/billing && vibrails check)"
    )
    tests = (
        "python3 -m venv .venv && . .venv/bin/activate && "
        "pip install -e '.[test]' && python -m pytest -n 2"
    )
    assert blocks[:2] == [main_job, tests]
    assert (ROOT / "examples" / "billing" / "pyproject.toml").is_file()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pip install -e '.[test]' && python -m pytest -n 2" in ci
