"""``vibrails init``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from util import run_vibrails, write

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPROJECT = """\
# Project metadata.  Comments, spacing and 'quotes' stay as they are.
[project]
name   = "shop"
version = '1.0'   # bumped by hand

[tool.ruff]
line-length = 100
"""


def test_appends_table_without_touching_the_rest(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": PYPROJECT})
    original = (tmp_path / "pyproject.toml").read_bytes()
    result = run_vibrails("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    after = (tmp_path / "pyproject.toml").read_bytes()
    assert after.startswith(original)  # byte-identical prefix
    assert after[len(original):].startswith(b"\n[tool.vibrails]\n")
    data = tomllib.loads(after.decode())
    assert data["project"] == {"name": "shop", "version": "1.0"}
    assert data["tool"]["ruff"] == {"line-length": 100}
    assert data["tool"]["vibrails"]["ledger"] == ".vibrails/ledger.jsonl"
    # The starter configuration is valid: check runs with it.
    check = run_vibrails("check", "--no-cache", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stderr == ""


def test_creates_ledger_and_git_attributes(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": PYPROJECT, ".gitattributes": "*.png binary"})
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = run_vibrails("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ledger = tmp_path / ".vibrails" / "ledger.jsonl"
    assert ledger.is_file() and ledger.read_bytes() == b""
    # The ledger design's attribute, next to the ledger (docs/ledger.md);
    # the project's own .gitattributes is left alone.
    attributes = (tmp_path / ".vibrails/.gitattributes").read_text().splitlines()
    assert "ledger.jsonl merge=union" in attributes
    assert (tmp_path / ".gitattributes").read_text() == "*.png binary"
    check = subprocess.run(["git", "check-attr", "merge", "--", ".vibrails/ledger.jsonl"],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert check.stdout == ".vibrails/ledger.jsonl: merge: union\n"


def test_prints_the_snippets(tmp_path: Path) -> None:
    from vibrails import __version__

    result = run_vibrails("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "- id: vibrails\n" in result.stdout
    assert "- id: vibrails-ledger-verify" in result.stdout
    assert f"rev: v{__version__}" in result.stdout
    assert f"uses: vibrails/vibrails@v{__version__}" in result.stdout
    assert "security-events: write" in result.stdout


def test_creates_pyproject_when_missing(tmp_path: Path) -> None:
    result = run_vibrails("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith("[tool.vibrails]\n")
    assert "vibrails" in tomllib.loads(text)["tool"]


def test_keeps_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    original = b'[project]\r\nname = "x"'
    (tmp_path / "pyproject.toml").write_bytes(original)
    assert run_vibrails("init", cwd=tmp_path).returncode == 0
    after = (tmp_path / "pyproject.toml").read_bytes()
    assert after.startswith(original + b"\r\n\r\n[tool.vibrails]\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")
    tomllib.loads(after.decode())


@pytest.mark.parametrize(
    "existing",
    [
        PYPROJECT + "\n[tool.vibrails]\nassume-ai = true\n",
        PYPROJECT + "\n[tool.vibrails.contracts]\nannotations = true\n",
        'tool.vibrails.fail-on = "error"\n',
    ],
)
def test_refuses_when_configured(tmp_path: Path, existing: str) -> None:
    write(tmp_path, {"pyproject.toml": existing})
    result = run_vibrails("init", cwd=tmp_path)
    assert result.returncode == 2
    assert "[tool.vibrails]" in result.stderr and "nothing changed" in result.stderr
    assert (tmp_path / "pyproject.toml").read_text() == existing
    assert not (tmp_path / ".vibrails").exists()


def test_refuses_with_vibrails_toml(tmp_path: Path) -> None:
    write(tmp_path, {"vibrails.toml": "assume-ai = true\n", "pyproject.toml": PYPROJECT})
    result = run_vibrails("init", cwd=tmp_path)
    assert result.returncode == 2
    assert "vibrails.toml" in result.stderr
    assert (tmp_path / "pyproject.toml").read_text() == PYPROJECT


def test_refuses_invalid_toml(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[project\n"})
    result = run_vibrails("init", cwd=tmp_path)
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr
    assert (tmp_path / "pyproject.toml").read_text() == "[project\n"


def test_existing_ledger_and_attribute_are_kept(tmp_path: Path) -> None:
    event = '{"event": "generated"}\n'
    attributes = "# ours\nledger.jsonl   merge=union\n"
    write(tmp_path, {".vibrails/ledger.jsonl": event, ".vibrails/.gitattributes": attributes})
    result = run_vibrails("init", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".vibrails/ledger.jsonl").read_text() == event
    assert (tmp_path / ".vibrails/.gitattributes").read_text() == attributes
    assert (tmp_path / "pyproject.toml").is_file()
