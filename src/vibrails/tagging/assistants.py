"""Who counts as an assistant: names and addresses, shared by every tagging source.

One list, used by the signatures in files (:mod:`.signatures`) and by commit
trailers (:mod:`.trailers`), so that both recognise the same assistants:
Claude and Claude Code, ChatGPT, GPT and OpenAI Codex, GitHub Copilot,
Cursor, Gemini, Aider, Windsurf and Codeium, DeepSeek, Grok, Qwen, Amazon Q,
Devin and a few more, plus what a project adds with
``[tool.vibrails.tagging] extra-assistants``.

A name is an assistant's only when it stands as a name:

* not inside a longer word or a tool's name: ``claude-manager``,
  ``copilot_utils``, ``cursor.execute``, ``ClaudeFast``, ``Jean-Claude``;
* not followed by a capitalised word that is not a model or product word:
  ``Claude Shannon``, ``ChatGPT Extractor Contributors``, ``Cursor Telemetry
  Team`` are not assistants, ``Claude Sonnet 4.5`` and ``GitHub Copilot
  Chat`` are;
* not a possessive (``Claude Code's settings`` speaks about the product).

Only the exact product forms ``claude-code``, ``claude_code``, ``gemini-cli``
and ``codex-cli`` are accepted with a hyphen or underscore, as a project
writes them in ``__author__ = "Jane Doe, claude-code"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Words that may follow a name as part of it (models, editions, products).
_SUFFIX_WORDS = (
    r"Code|Sonnet|Opus|Haiku|Instant|Desktop|Agent|Agents|Assistant|AI|CLI|Chat|Pro|Plus|"
    r"Flash|Ultra|Nano|Mini|Turbo|Coder|Composer|Max|Cascade|Developer|Workspace|"
    r"Code\s+Assist|Assist|Reasoner|Thinking|Preview|Experimental|Lite|High|Medium|Low|"
    r"\d[\w.]*|[vV]\d[\w.]*|[oO]\d\w*"
)
#: At most six (``Claude Code Opus 4.5 Thinking``): bounded, so that a line of a
#: hundred thousand such words is refused at once instead of backtracked.
_SUFFIXES = rf"(?:[\s-]+(?:{_SUFFIX_WORDS})(?![\w-])){{0,6}}"

#: Assistants recognised by default, as regular expressions (case-insensitive).
DEFAULT_ASSISTANTS: tuple[str, ...] = (
    r"(?:Anthropic(?:['’]s)?\s+)?Claude(?:[-_]code)?",
    r"claude\.ai",
    r"(?:OpenAI(?:['’]s)?\s+)?(?:ChatGPT|GPT(?:-?\d[\w.]*)?|Codex(?:-cli)?)",
    r"(?:GitHub[\s-])?Copilot",
    r"Cursor",
    r"(?:Google(?:['’]s)?\s+)?Gemini(?:-cli)?",
    r"Aider",
    r"Windsurf|Codeium|Tabnine|Amazon\s+Q|CodeWhisperer",
    r"DeepSeek|Grok|Qwen(?:\d[\w.]*)?|Codestral",
    r"Devin|Cline|Roo\s+Code|OpenHands|Replit\s+(?:Agent|AI|Ghostwriter)",
    r"JetBrains\s+AI",
)

#: "AI" or "an AI assistant" as an author: accepted in fields and statements only.
GENERIC = (
    r"(?:an?\s+)?(?:AI|LLM|artificial\s+intelligence)"
    r"(?:[\s-]+(?:coding\s+|code\s+)?(?:assistant|model|agent|tool|pair[\s-]programmer))?"
)

#: After a whole name: no longer word, no tool name, no possessive, no surname.
_AFTER = r"(?![\w-]|\.\w|['’]s\b)(?!\s+(?-i:[A-Z][a-z]))"
#: Before a name: not inside a word or a hyphenated name (``Jean-Claude``).
_BEFORE = r"(?<![\w-])"

#: Names of assistants that are also people's first names.
_AMBIGUOUS = r"(?:Claude|Devin)"
#: What makes such a name a person's: nothing after it that says "assistant"
#: (``Author: Devin`` in a header template is a person; ``Claude Code``,
#: ``Claude 3.7``, ``Claude (Anthropic)``, ``Devin AI``, the kernel's
#: ``Claude:claude-3-opus`` are assistants).
_UNQUALIFIED = (
    rf"(?![\s-]+(?:{_SUFFIX_WORDS})(?![\w-])|[-_]code\b|\.ai\b|:\w|"
    r"\s*\([^)\n]{0,40}?(?:anthropic|cognition|\bai\b|assistant|model|llm|agent|bot|"
    r"opus|sonnet|haiku|claude\.ai|code)\b)"
)

#: Addresses assistants commit or sign with.
BOT_EMAIL = re.compile(
    r"(?:^noreply@anthropic\.com$|\+copilot@users\.noreply\.github\.com$|"
    r"^copilot@users\.noreply\.github\.com$|^noreply@aider\.(?:chat|dev)$|"
    r"^cursoragent@cursor\.com$|^noreply@openai\.com$|^codex@openai\.com$|copilot-swe-agent|"
    r"devin-ai-integration|^gemini-code-assist|^jules@google\.com$|^openhands@all-hands\.dev$|"
    r"@(?:anthropic|openai|cursor)\.com$)",
    re.IGNORECASE,
)


class Assistants:
    """The assistant names of a run, compiled once."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.extra = tuple(extra)
        alternatives = [*DEFAULT_ASSISTANTS, *(re.escape(name) for name in self.extra)]
        #: One assistant name, with its model or product words, guarded.
        self.name = rf"{_BEFORE}(?:{'|'.join(alternatives)}){_SUFFIXES}{_AFTER}"
        #: A name, where a bare first name (``Claude``, ``Devin``) needs a
        #: qualifier to be an assistant's: a model or product word, a vendor,
        #: or a note in parentheses that says so ("Claude (Anthropic)").
        self.strict_name = rf"(?!{_AMBIGUOUS}{_UNQUALIFIED}){self.name}"
        #: :attr:`strict_name` or the generic "AI"/"an AI assistant".
        self.any_strict_name = rf"(?:{self.strict_name}|{_BEFORE}{GENERIC}{_AFTER})"
        # Each name, and each way "AI" can be the author, holds one of these
        # (lower-case); a text without any holds no signature.
        stems = [
            "claude", "gpt", "codex", "copilot", "cursor", "gemini", "aider", "windsurf",
            "codeium", "tabnine", "amazon q", "codewhisperer", "deepseek", "grok", "qwen",
            "codestral", "devin", "cline", "roo code", "openhands", "replit", "jetbrains ai",
            "anthropic", "openai", "ai-", "ai gen", "ai writ", "ai assist", "ai agent",
            "by ai", "by an ai", "with ai", "with an ai", "using ai", "llm", ": ai", ":ai",
            "artificial intelligence",
            *(name.lower() for name in self.extra),
        ]
        #: The stems, looked for with ``in`` (much faster than a regular expression).
        self.stems = tuple(dict.fromkeys(stems))
        self.name_only = re.compile(rf"\s*{self.name}\s*$", re.IGNORECASE)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Assistants) and other.extra == self.extra

    def __hash__(self) -> int:
        return hash(self.extra)

    def __reduce__(self) -> tuple[object, tuple[tuple[str, ...]]]:
        # Rebuilt from the cache in a worker process, not recompiled per file.
        return assistants, (self.extra,)

    def has_stem(self, text: str) -> bool:
        """``text`` holds a stem (case-insensitive)."""
        lower = text.lower()
        return any(stem in lower for stem in self.stems)


@lru_cache(maxsize=16)
def assistants(extra: tuple[str, ...] = ()) -> Assistants:
    """The assistants, default and ``extra``, compiled once per list."""
    return Assistants(extra)


def is_assistant_name(name: str, extra: tuple[str, ...] = ()) -> bool:
    """``name`` is an assistant's name as a whole (``Claude Opus 4.5``, ``aider (gpt-4o)``)."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name.strip())
    return bool(name) and assistants(extra).name_only.match(name) is not None
