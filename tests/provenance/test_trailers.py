"""Tagging by git trailers: a real repository whose commits carry each form."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from util import git as _git
from util import run_vibrails, write

from vibrails.provenance.trailers import ai_trailer

BAD = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"


COMMITS = [
    ("assisted.py", "Add basket helper\n\nAssisted-by: claude:claude-opus-4-5 coccinelle sparse\n"),
    ("generated.py", "Add generated helper\n\nGenerated-by: gpt-5.1\n"),
    ("claude.py", "Add claude helper\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"),
    ("copilot.py", "Add copilot helper\n\nCo-authored-by: Copilot "
                   "<175728472+Copilot@users.noreply.github.com>\n"),
    ("footer.py", "Add footer helper\n\n\U0001f916 Generated with [Claude Code](https://claude.com/claude-code)\n"),
    ("codex.py", "Add codex helper\n\nCo-authored-by: Codex <noreply@openai.com>\n"),
    ("cursor.py", "Add cursor helper\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n"),
    ("aider_co.py", "Add aider helper\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) "
                    "<noreply@aider.dev>\n"),
    ("aider_author.py", "Add helper with aider's author attribution\n"),
    ("kernel.py", "Add kernel helper\n\nAssisted-by: Claude:claude-sonnet-4-5 coccinelle\n"),
    ("human.py", "Hand-written helper\n\nCo-authored-by: Claude Dupont <claude@dupont.fr>\n"
                 "Assisted-by: Jane Doe <jane@example.com>\n"),
    ("plain.py", "Another hand-written helper\n"),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n"})
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "project")
    for name, message in COMMITS:
        write(tmp_path, {f"src/{name}": BAD})
        _git(tmp_path, "add", "-A")
        # aider's --attribute-author appends " (aider)" to the author's name
        author = ["-c", "user.name=Jane Doe (aider)"] if name == "aider_author.py" else []
        _git(tmp_path, *author, "commit", "-q", "-m", message)
    return tmp_path


def _tags(result: subprocess.CompletedProcess[str]) -> dict[str, set[str]]:
    assert "Traceback" not in result.stderr, result.stderr
    tags: dict[str, set[str]] = {}
    for finding in json.loads(result.stdout):
        tags.setdefault(finding["path"].rsplit("/", 1)[-1], set()).add(finding["tag"])
    return tags


def test_every_trailer_form_tags_its_files(repo: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--git-trailers", "--format", "json",
                          "--select", "VBR304", cwd=repo)
    tags = _tags(result)
    assert set(tags) == {
        "assisted.py", "generated.py", "claude.py", "copilot.py", "footer.py", "codex.py",
        "cursor.py", "aider_co.py", "aider_author.py", "kernel.py",
    }
    [assisted] = tags["assisted.py"]
    assert assisted.startswith("trailer:Assisted-by claude:claude-opus-4-5 (")
    assert tags["claude.py"] == {next(iter(tags["claude.py"]))}
    assert next(iter(tags["claude.py"])).startswith("trailer:Co-authored-by Claude (")
    assert next(iter(tags["footer.py"])).startswith("trailer:Generated with Claude Code (")
    assert next(iter(tags["codex.py"])).startswith("trailer:Co-authored-by Codex (")
    assert next(iter(tags["cursor.py"])).startswith("trailer:Co-authored-by Cursor Agent (")
    assert next(iter(tags["aider_co.py"])).startswith(
        "trailer:Co-authored-by aider (anthropic/claude-sonnet-4) ("
    )
    assert next(iter(tags["aider_author.py"])).startswith("trailer:Author Jane Doe (aider) (")
    assert next(iter(tags["kernel.py"])).startswith(
        "trailer:Assisted-by Claude:claude-sonnet-4-5 ("
    )


def test_trailers_are_opt_in_and_config_turns_them_on(repo: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR304",
                          cwd=repo)
    assert json.loads(result.stdout) == []
    write(repo, {"pyproject.toml": "[tool.vibrails]\ngit-trailers = true\n"})
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR304",
                          cwd=repo)
    assert len(_tags(result)) == 10


def test_the_model_of_assisted_by_goes_into_the_fix(repo: Path) -> None:
    result = run_vibrails("check", "--no-cache", "--git-trailers", "--format", "json",
                          "--select", "VBR401", cwd=repo)
    messages = {f["path"]: f["message"] for f in json.loads(result.stdout)}
    assert ("vibrails ledger record src/assisted.py --model claude-opus-4-5 --prompt PROMPT"
            in messages["src/assisted.py"])
    assert "--model MODEL" in messages["src/claude.py"]


def test_two_git_calls_per_run_whatever_the_files(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    for index in range(20):
        write(repo, {f"src/more{index}.py": "x = 1\n"})
    shim = tmp_path_factory.mktemp("shim")
    log = shim / "calls.log"
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout
    script = shim / "git"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real.strip()}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    result = run_vibrails("check", "--no-cache", "--git-trailers", "--format", "json",
                          "--select", "VBR304", "-j", "2", cwd=repo, env=env)
    assert len(_tags(result)) == 10
    calls = log.read_text().splitlines()
    # one for the trailers in messages, one for aider's author suffix: never one per file
    assert len(calls) == 2 and all(" log " in f" {call} " for call in calls), calls


def test_outside_git_git_trailers_is_an_error(tmp_path: Path) -> None:
    """A git option that cannot work stops the run (exit 2), rather than
    passing silently with nothing tagged (issue 13)."""
    write(tmp_path, {"a.py": BAD})
    for args, config in ((("--git-trailers",), ""), ((), "[tool.vibrails]\ngit-trailers = true\n")):
        if config:
            write(tmp_path, {"pyproject.toml": config})
        result = run_vibrails("check", "--no-cache", *args, "--format", "json", cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert "is not in a git repository" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("x\n\nAssisted-by: claude:claude-3-opus coccinelle", ("Assisted-by claude:claude-3-opus",
                                                               "claude-3-opus")),
        ("x\n\nassisted-by: Copilot", ("Assisted-by Copilot", "")),
        ("x\n\nGenerated-by: Gemini 2.5 Pro", ("Generated-by Gemini", "")),
        ("x\n\nCo-authored-by: Claude Opus 4.5 <noreply@anthropic.com>",
         ("Co-authored-by Claude Opus 4.5", "")),
        ("x\n\nCo-authored-by: someone <123+Copilot@users.noreply.github.com>",
         ("Co-authored-by someone", "")),
        ("x\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>",
         ("Co-authored-by aider (gpt-4o)", "")),
        ("Generated with Claude Code", ("Generated with Claude Code", "")),
        ("x\n\nCo-authored-by: Claude Dupont <claude@dupont.fr>", None),
        ("x\n\nAssisted-by: Jane Doe <jane@example.com>", None),
        ("Mention Co-authored-by: Claude in prose", None),
        ("x\n\nReviewed-by: Claude <noreply@anthropic.com>", None),
        ("x\n\nCo-authored-by: Codex <noreply@openai.com>", ("Co-authored-by Codex", "")),
        ("x\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
         ("Co-authored-by Cursor Agent", "")),
        ("x\n\nCo-authored-by: Jane <cursoragent@cursor.com>", ("Co-authored-by Jane", "")),
        ("x\n\nCo-authored-by: aider (openai/gpt-4o) <noreply@aider.dev>",
         ("Co-authored-by aider (openai/gpt-4o)", "")),
        ("x\n\nCo-authored-by: GitHub Copilot <copilot@github.com>",
         ("Co-authored-by GitHub Copilot", "")),
        ("x\n\nCo-authored-by: Gemini <gemini@example.com>", ("Co-authored-by Gemini", "")),
        ("x\n\nAssisted-by: Codex:gpt-5-codex", ("Assisted-by Codex:gpt-5-codex", "gpt-5-codex")),
        ("x\n\nAssisted-by: Cursor", ("Assisted-by Cursor", "")),
        ("x\n\nCo-authored-by: claude-manager <bot@example.com>", None),
        ("x\n\nCo-authored-by: Cursor Telemetry Team <team@example.com>", None),
    ],
)
def test_trailer_forms(message: str, expected: tuple[str, str] | None) -> None:
    assert ai_trailer(message) == expected


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Jane Doe (aider)", ("Author Jane Doe (aider)", "")),
        ("Jane Doe", None),
        ("aider fan club", None),
    ],
)
def test_aider_author_suffix(author: str, expected: tuple[str, str] | None) -> None:
    assert ai_trailer("Refactor the parser\n", author) == expected


def test_trailer_scope_lines_tags_what_blame_gives_to_ai_commits(tmp_path: Path) -> None:
    """With trailer-scope = "lines", a file a person wrote and an assistant
    extended is checked in the assistant's lines only (git blame, real repo)."""
    _git(tmp_path, "init", "-q")
    human = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"
    ai = "\n\ndef tally(name, counts={}):\n    counts[name] = 1\n    return counts\n"
    write(tmp_path, {"pyproject.toml": (
        "[tool.vibrails]\ngit-trailers = true\n[tool.vibrails.tagging]\ntrailer-scope = \"lines\"\n"
    ), "src/mixed.py": human, "src/other.py": human})
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "Hand-written helpers")
    write(tmp_path, {"src/mixed.py": human + ai})
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "Add tally\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
    write(tmp_path, {"src/mixed.py": human + ai + "\n\ndef later(x=[]):\n    return x\n"})
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR304",
                          cwd=tmp_path)
    found = [(f["path"], f["line"], f["tag"]) for f in json.loads(result.stdout)]
    assert [(path, line) for path, line, _ in found] == [("src/mixed.py", 6)], found
    assert found[0][2].startswith("trailer:blame (")
    # The default scope tags the whole file, as before.
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\ngit-trailers = true\n"})
    whole = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR304",
                         cwd=tmp_path)
    assert sorted(f["line"] for f in json.loads(whole.stdout)) == [1, 6, 11]


def test_every_trailer_form_tags_lines_by_blame(repo: Path) -> None:
    write(repo, {"pyproject.toml": (
        "[tool.vibrails]\ngit-trailers = true\n[tool.vibrails.tagging]\ntrailer-scope = \"lines\"\n"
    )})
    result = run_vibrails("check", "--no-cache", "--format", "json", "--select", "VBR304",
                          cwd=repo)
    tags = _tags(result)
    assert set(tags) == {
        "assisted.py", "generated.py", "claude.py", "copilot.py", "footer.py", "codex.py",
        "cursor.py", "aider_co.py", "aider_author.py", "kernel.py",
    }
    assert all(tag.startswith("trailer:blame (") for found in tags.values() for tag in found)


def test_blame_is_cached_by_head_path_and_content(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _git(tmp_path, "init", "-q")
    write(tmp_path, {"pyproject.toml": (
        "[tool.vibrails]\ngit-trailers = true\n[tool.vibrails.tagging]\ntrailer-scope = \"lines\"\n"
    ), "src/a.py": BAD})
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "a\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
    shim = tmp_path_factory.mktemp("shim")
    log = shim / "calls.log"
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout
    script = shim / "git"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real.strip()}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}

    def blames(*args: str) -> int:
        log.write_text("")
        result = run_vibrails("check", "--format", "json", "--select", "VBR304", *args,
                              cwd=tmp_path, env=env)
        assert [f["tag"][:15] for f in json.loads(result.stdout)] == ["trailer:blame ("]
        return sum(" blame " in f" {line} " for line in log.read_text().splitlines())

    assert blames() == 1
    assert blames() == 0  # same HEAD, same content: from the cache
    assert blames("--no-cache") == 1
    write(tmp_path, {"src/a.py": BAD + "\nX = 1\n"})  # the content changed: blame again
    assert blames() == 1


def test_blame_runs_in_the_workers_one_per_file(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The parent reads the trailers (git log); each file an AI commit touched
    is blamed once, by the worker that checks it, never by the parent."""
    write(repo, {"pyproject.toml": (
        "[tool.vibrails]\ngit-trailers = true\n[tool.vibrails.tagging]\ntrailer-scope = \"lines\"\n"
    )})
    shim = tmp_path_factory.mktemp("shim")
    log = shim / "calls.log"
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout
    script = shim / "git"
    script.write_text(f'#!/bin/sh\necho "$PPID $@" >> "{log}"\nexec "{real.strip()}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}

    def run(*args: str) -> tuple[str, list[tuple[str, str]]]:
        log.write_text("")
        result = run_vibrails("check", "--format", "json", "--select", "VBR304", *args,
                              cwd=repo, env=env)
        assert "Traceback" not in result.stderr, result.stderr
        calls = []
        for line in log.read_text().splitlines():  # "PPID -C ROOT -c OPTION COMMAND ..."
            pid, *words = line.split()
            command = next((w for w in words if w in ("log", "blame")), words[0])
            calls.append((pid, command))
        return result.stdout, calls

    cold, calls = run("--jobs", "2")
    parent = {pid for pid, command in calls if command == "log"}
    blamers = [pid for pid, command in calls if command == "blame"]
    assert len(parent) == 1
    assert len(blamers) == 10  # the ten files of AI commits; human.py and plain.py are not blamed
    assert parent.isdisjoint(blamers)
    assert len(_tags_of(cold)) == 10
    # Cached blame: the parent tags from the blame cache and answers from the
    # result cache, with the same report; one worker gives the same report too.
    warm, calls = run("--jobs", "2")
    assert warm == cold and not [c for c in calls if c[1] == "blame"]
    single, _ = run("--jobs", "1", "--no-cache")
    assert single == cold


def _tags_of(report: str) -> set[str]:
    return {finding["path"] for finding in json.loads(report)}
