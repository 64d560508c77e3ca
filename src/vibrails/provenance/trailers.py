"""Git trailers: files changed by commits whose message says an AI helped.

Opt-in (``git-trailers = true`` / ``--git-trailers``). Two ``git log`` calls
per run, whatever the number of files: one reads every commit whose message
carries a trailer (filtered by git itself, ``--grep``), one every commit whose
author name ends in ``(aider)``; both list the files each changed.

Recognised, case-insensitively, on a line of their own anywhere in the message:

* ``Assisted-by: AGENT:MODEL [TOOL…]`` (the Linux kernel's form; the model is
  taken from it). A value without ``AGENT:MODEL`` counts only when it names a
  known assistant, so ``Assisted-by: Jane Doe`` does not tag anything;
* ``Generated-by: …``;
* ``Co-authored-by: NAME <EMAIL>`` when NAME is an assistant (``Claude``,
  ``Copilot``, ``Codex``, ``Cursor Agent``, ``aider (gpt-4o)``, ``Claude
  Opus 4.5``…) or EMAIL an assistant's address (``noreply@anthropic.com``,
  ``noreply@openai.com``, ``cursoragent@cursor.com``, ``noreply@aider.dev``,
  ``…+Copilot@users.noreply.github.com``…); a person who happens to be called
  Claude Dupont is not an assistant;
* the footer ``Generated with Claude Code`` (with or without its link);

and, in the author's name, aider's ``--attribute-author`` suffix ``(aider)``.
The names are those of :mod:`vibrails.tagging.assistants`, shared with the
signatures in files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vibrails.core.git import GitError, run_git
from vibrails.tagging.assistants import BOT_EMAIL, is_assistant_name

_GREP = r"assisted-by:|generated-by:|co-authored-by:|generated with"
_TRAILER = re.compile(
    r"^[ \t]*(?P<key>assisted-by|generated-by|co-authored-by)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FOOTER = re.compile(r"generated\s+with\s+\[?claude\s+code\b", re.IGNORECASE)
_CO_AUTHOR = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^>]*)>\s*$")
#: aider's ``--attribute-author``: "Jane Doe (aider)".
_AIDER_AUTHOR = re.compile(r"\(aider\)\s*$", re.IGNORECASE)
_AUTHOR_GREP = r"\(aider\)"


@dataclass(frozen=True)
class TrailerHit:
    """Why a file is tagged by a commit trailer."""

    reason: str
    #: The model named by ``Assisted-by: AGENT:MODEL``, if any.
    model: str = ""
    commit: str = ""


def ai_trailer(message: str, author: str = "") -> tuple[str, str] | None:
    """``(description, model)`` of the first AI trailer in ``message`` (or of
    aider's suffix on the ``author`` name), or ``None``."""
    for match in _TRAILER.finditer(message):
        key = match.group("key").lower()
        value = match.group("value")
        if key == "assisted-by":
            first = value.split()[0] if value.split() else ""
            agent, _, model = first.partition(":")
            if model or is_assistant_name(agent):
                return f"Assisted-by {first}", model
        elif key == "generated-by":
            if value:
                return f"Generated-by {value.split()[0]}", ""
        else:
            found = _CO_AUTHOR.match(value)
            name, email = (found.group("name"), found.group("email")) if found else (value, "")
            if is_assistant_name(name) or (email and BOT_EMAIL.search(email)):
                return f"Co-authored-by {name.strip() or email}", ""
    if _FOOTER.search(message):
        return "Generated with Claude Code", ""
    if _AIDER_AUTHOR.search(author):
        return f"Author {author.strip()}", ""
    return None


#: One commit: hash, committer time, author name, message, then the files.
LOG_FORMAT = "--format=%x1e%H%x1f%ct%x1f%an%x1f%B%x1f"


@dataclass(frozen=True)
class _Commit:
    commit: str
    time: int
    author: str
    message: str
    files: tuple[str, ...]


def _commits(output: bytes) -> list[_Commit]:
    """The commits of ``git log -z --name-only`` output in :data:`LOG_FORMAT`."""
    commits: list[_Commit] = []
    text = output.decode("utf-8", "surrogateescape")
    for chunk in text.split("\x1e"):
        parts = chunk.split("\x1f", 4)
        if len(parts) != 5:
            continue
        commit, time, author, message, rest = parts
        rest = rest.removeprefix("\0").removeprefix("\n")
        files = tuple(name for name in rest.split("\0") if name)
        commits.append(_Commit(commit, int(time) if time.isdigit() else 0, author, message, files))
    return commits


def parse_log(*outputs: bytes) -> dict[str, TrailerHit]:
    """Each file's newest AI commit, from one or more ``git log`` outputs in
    :data:`LOG_FORMAT` (a commit found by both is counted once)."""
    seen: dict[str, _Commit] = {}
    for output in outputs:
        for commit in _commits(output):
            seen.setdefault(commit.commit, commit)
    # Newest first; git's own order (also newest first) breaks ties.
    ordered = sorted(seen.values(), key=lambda commit: -commit.time)
    hits: dict[str, TrailerHit] = {}
    for commit in ordered:
        found = ai_trailer(commit.message, commit.author)
        if found is None:
            continue
        description, model = found
        hit = TrailerHit(f"trailer:{description} ({commit.commit[:10]})", model, commit.commit)
        for name in commit.files:
            hits.setdefault(name, hit)
    return hits


def ai_commits(*outputs: bytes) -> frozenset[str]:
    """Every AI commit (full hash) of ``git log`` outputs in :data:`LOG_FORMAT`."""
    return frozenset(
        commit.commit
        for output in outputs
        for commit in _commits(output)
        if ai_trailer(commit.message, commit.author) is not None
    )


_BLAME_HEADER = re.compile(rb"^([0-9a-f]{40}) \d+ (\d+)(?: (\d+))?$", re.MULTILINE)


def parse_blame(output: bytes) -> dict[int, str]:
    """``line: commit`` of ``git blame --porcelain`` output."""
    lines: dict[int, str] = {}
    for match in _BLAME_HEADER.finditer(output):
        lines[int(match.group(2))] = match.group(1).decode("ascii")
    return lines


def blame_regions(lines: dict[int, str], commits: frozenset[str]) -> list[tuple[int, int, str]]:
    """``(first, last, commit)`` of each run of lines written by one of ``commits``."""
    runs: list[tuple[int, int, str]] = []
    for line in sorted(lines):
        commit = lines[line]
        if commit not in commits:
            continue
        if runs and runs[-1][1] == line - 1 and runs[-1][2] == commit:
            runs[-1] = (runs[-1][0], line, commit)
        else:
            runs.append((line, line, commit))
    return runs


def blame(repo_root: Path, repo_path: str) -> dict[int, str]:
    """The commit of each line of the file as it is in the work tree (one git call;
    lines not committed yet get the all-zero hash)."""
    return parse_blame(run_git(repo_root, "blame", "--porcelain", "--", repo_path))


def read_trailers(repo_root: Path) -> dict[str, TrailerHit]:
    """Every file of the repository changed by an AI commit: one ``git log``
    for the trailers in messages, one for aider's author suffix."""
    return parse_log(*_logs(repo_root))


def read_trailer_commits(repo_root: Path) -> tuple[dict[str, TrailerHit], frozenset[str]]:
    """:func:`read_trailers` and the set of every AI commit (for blame), from
    the same two ``git log`` calls."""
    outputs = _logs(repo_root)
    return parse_log(*outputs), ai_commits(*outputs)


def _logs(repo_root: Path) -> tuple[bytes, bytes]:
    common = ("log", "-z", "--name-only", "--no-renames", LOG_FORMAT)
    by_message = run_git(repo_root, *common, "-i", "-E", f"--grep={_GREP}", "HEAD", "--")
    by_author = run_git(repo_root, *common, f"--author={_AUTHOR_GREP}", "HEAD", "--")
    return by_message, by_author


__all__ = [
    "LOG_FORMAT", "GitError", "TrailerHit", "ai_commits", "ai_trailer", "blame", "blame_regions",
    "parse_blame", "parse_log", "read_trailer_commits", "read_trailers",
]
