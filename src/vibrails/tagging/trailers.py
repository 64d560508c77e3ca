"""Git trailers: files changed by commits whose message says an AI helped.

Opt-in (``git-trailers = true`` / ``--git-trailers``). One ``git log`` call per
run reads every such commit with the files it changed, filtered by git itself
(``--grep``), so the cost does not grow with the number of files checked.

Recognised, case-insensitively, on a line of their own anywhere in the message:

* ``Assisted-by: AGENT:MODEL [TOOL…]`` (the Linux kernel's form; the model is
  taken from it). A value without ``AGENT:MODEL`` counts only when it names a
  known assistant, so ``Assisted-by: Jane Doe`` does not tag anything;
* ``Generated-by: …``;
* ``Co-authored-by: NAME <EMAIL>`` when NAME is an assistant (``Claude``,
  ``Copilot``, ``Claude Opus 4.5``…) or EMAIL is an assistant's noreply address
  (``noreply@anthropic.com``, ``…+Copilot@users.noreply.github.com``…);
  a person who happens to be called Claude Dupont is not an assistant;
* the footer ``Generated with Claude Code`` (with or without its link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vibrails.ledger.repo import GitError, run_git

_GREP = r"assisted-by:|generated-by:|co-authored-by:|generated with"
_TRAILER = re.compile(
    r"^[ \t]*(?P<key>assisted-by|generated-by|co-authored-by)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FOOTER = re.compile(r"generated\s+with\s+\[?claude\s+code\b", re.IGNORECASE)
#: Names of assistants (the first word, or the whole name, of a co-author).
ASSISTANTS = frozenset(
    """claude copilot chatgpt codex gemini cursor devin aider openhands windsurf codeium
    tabnine amazon-q q-developer jules junie sweep gpt""".split()
)
_ASSISTANT_NAME = re.compile(
    r"^(?:github\s+)?(?:claude|copilot|chatgpt|openai\s+codex|codex|gemini(?:\s+code\s+assist)?|"
    r"cursor(?:\s+agent)?|devin(?:\s+ai)?|aider|openhands|windsurf|codeium|tabnine|"
    r"amazon\s+q(?:\s+developer)?|jules|junie)"
    r"(?:[\s-]+(?:opus|sonnet|haiku|code|\d[\w.]*|gpt[\w.-]*|pro|flash|agent|\(.*\)))*$",
    re.IGNORECASE,
)
_BOT_EMAIL = re.compile(
    r"(?:^noreply@anthropic\.com$|\+copilot@users\.noreply\.github\.com$|"
    r"^copilot@users\.noreply\.github\.com$|^noreply@aider\.chat$|^cursoragent@cursor\.com$|"
    r"^noreply@openai\.com$|copilot-swe-agent|devin-ai-integration|"
    r"^gemini-code-assist|^jules@google\.com$|^openhands@all-hands\.dev$)",
    re.IGNORECASE,
)
_CO_AUTHOR = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^>]*)>\s*$")


@dataclass(frozen=True)
class TrailerHit:
    """Why a file is tagged by a commit trailer."""

    reason: str
    #: The model named by ``Assisted-by: AGENT:MODEL``, if any.
    model: str = ""
    commit: str = ""


def ai_trailer(message: str) -> tuple[str, str] | None:
    """``(description, model)`` of the first AI trailer in ``message``, or ``None``."""
    for match in _TRAILER.finditer(message):
        key = match.group("key").lower()
        value = match.group("value")
        if key == "assisted-by":
            first = value.split()[0] if value.split() else ""
            agent, _, model = first.partition(":")
            if model or agent.lower() in ASSISTANTS:
                return f"Assisted-by {first}", model
        elif key == "generated-by":
            if value:
                return f"Generated-by {value.split()[0]}", ""
        else:
            found = _CO_AUTHOR.match(value)
            name, email = (found.group("name"), found.group("email")) if found else (value, "")
            if _ASSISTANT_NAME.match(name.strip()) or (email and _BOT_EMAIL.search(email)):
                return f"Co-authored-by {name.strip() or email}", ""
    if _FOOTER.search(message):
        return "Generated with Claude Code", ""
    return None


def parse_log(output: bytes) -> dict[str, TrailerHit]:
    """Parse ``git log -z --name-only --format=%x1e%H%x1f%B%x1f`` output (newest
    commit first): each file's newest AI commit."""
    hits: dict[str, TrailerHit] = {}
    text = output.decode("utf-8", "surrogateescape")
    for chunk in text.split("\x1e"):
        if not chunk:
            continue
        parts = chunk.split("\x1f", 2)
        if len(parts) != 3:
            continue
        commit, message, rest = parts
        found = ai_trailer(message)
        if found is None:
            continue
        description, model = found
        if rest.startswith("\0"):
            rest = rest[1:]
        if rest.startswith("\n"):
            rest = rest[1:]
        hit = TrailerHit(f"trailer:{description} ({commit[:10]})", model, commit)
        for name in rest.split("\0"):
            if name and name not in hits:
                hits[name] = hit
    return hits


def read_trailers(repo_root: Path) -> dict[str, TrailerHit]:
    """Every file of the repository changed by an AI-trailer commit (one git call)."""
    output = run_git(
        repo_root, "log", "-z", "--name-only", "--no-renames", "-i", "-E",
        f"--grep={_GREP}", "--format=%x1e%H%x1f%B%x1f", "HEAD", "--",
    )
    return parse_log(output)


__all__ = ["GitError", "TrailerHit", "ai_trailer", "parse_log", "read_trailers"]
