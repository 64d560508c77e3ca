"""``vibrails check --show-files``: every file, tagged or not, and why."""

from __future__ import annotations

from pathlib import Path

from util import run_vibrails, write

from vibrails.commands.showfiles import describe, line_for
from vibrails.tagging import Region, Tag

BAD = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"


def test_every_file_with_its_reason_and_the_text_that_tagged_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.vibrails]\nai-generated = ["src/gen/**"]\n',
        "src/billing.py": '"""Billing.\n\nAuthor: Claude Code (backend)\n"""\n' + BAD,
        "src/footer.py": BAD + "\n# Generated with Claude Code\n",
        "src/meta.py": '__author__ = "Jane Doe, claude-code"\n' + BAD,
        "src/gen/made.py": BAD,
        "src/header.py": "# @ai-generated model=m\n" + BAD,
        "src/region.py": "x = 1\n# @ai-generated begin\ny = 2\n# @ai-generated end\n",
        "src/plain.py": BAD,
        "src/person.py": "# Author: Claude Shannon\n" + BAD,
        "src/broken.py": b"\xff\xfe\x00garbage",
    })
    result = run_vibrails("check", "--show-files", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "src/billing.py:3: tagged by signature \"Author: Claude Code (backend)\"",
        "src/broken.py: not tagged, skipped (cannot be read: "
        + result.stdout.split("src/broken.py: not tagged, skipped (cannot be read: ")[1]
        .splitlines()[0],
        "src/footer.py:5: tagged by signature \"Generated with Claude Code\"",
        "src/gen/made.py: tagged by config glob \"src/gen/**\" (ai-generated)",
        "src/header.py:1: tagged by header marker # @ai-generated",
        "src/meta.py:1: tagged by signature \"__author__: Jane Doe, claude-code\"",
        "src/person.py: not tagged, skipped (no marker, signature or record)",
        "src/plain.py: not tagged, skipped (no marker, signature or record)",
        "src/region.py: partly tagged: lines 3-3 by # @ai-generated begin … end",
        "9 files: 6 tagged (checked), 3 not tagged (skipped)",
    ]


def test_show_files_checks_nothing_and_honours_assume_ai(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": BAD})
    result = run_vibrails("check", "--show-files", "--assume-ai", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "a.py: tagged by assume-ai\n1 file: 1 tagged (checked), 0 not tagged (skipped)\n"
    assert "VBR304" not in result.stdout


def test_show_files_includes_trailers(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=T", "-c",
                        "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    write(tmp_path, {"a.py": BAD, "b.py": BAD})
    git("add", "a.py")
    git("commit", "-q", "-m", "a\n\nCo-authored-by: Codex <noreply@openai.com>")
    git("add", "b.py")
    git("commit", "-q", "-m", "b")
    result = run_vibrails("check", "--show-files", "--git-trailers", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a.py: tagged by commit trailer Co-authored-by Codex (")
    assert lines[1] == "b.py: not tagged, skipped (no marker, signature or record)"


def test_describe_and_line_for_each_kind_of_reason() -> None:
    assert describe("trailer:Assisted-by claude:opus (abc)") == (
        "commit trailer Assisted-by claude:opus (abc)"
    )
    assert describe("ledger:3") == "ledger event (line 3 of the ledger)"
    assert describe("agent-trace") == "agent-trace"
    tag = Tag(reason=None, regions=(Region(2, 4, "agent-trace"),), def_markers=(7,))
    assert line_for("m.py", tag, None) == (
        "m.py: partly tagged: lines 2-4 by agent-trace; "
        "the defs under the # @ai-generated comments on lines 7"
    )
