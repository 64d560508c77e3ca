"""Assistants' own footers and headers ("Generated with Claude Code", …).

Patterns are regular expressions, matched case-insensitively against the
header's comments and the module docstring only — never against string
literals in code. An assistant's name must stand as a word of its own, so a
tool named after it (``claude-manager``, ``copilot_utils``) does not match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vibrails.tagging.markers import Header

_ASSISTANTS = (
    r"Claude(?:\s+Code)?|ChatGPT|GPT-?\d[\w.]*|OpenAI\s+Codex|Codex|(?:GitHub\s+)?Copilot|"
    r"Gemini(?:\s+Code\s+Assist)?|Cursor|Windsurf|Codeium|Tabnine|Amazon\s+Q|"
    r"CodeWhisperer|Aider|Devin|Cody|Replit\s+Agent|an?\s+AI(?:\s+assistant)?"
)
_END = r"(?![\w-])"

DEFAULT_MARKERS: tuple[str, ...] = (
    r"Generated\s+with\s+Claude\s+Code",
    rf"(?:Generated|Written|Created|Authored|Produced)\s+(?:by|with|using)\s+(?:{_ASSISTANTS}){_END}",
    r"(?<![@\w-])AI[- ]generated(?![\w-])",
    rf"Co-Authored-By:\s*(?:{_ASSISTANTS}){_END}",
)


def compile_markers(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Compile marker patterns; raises ``re.error`` for a bad one."""
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def find_marker(header: Header, patterns: Iterable[re.Pattern[str]]) -> str | None:
    """The text of the first marker found in the header, or ``None``."""
    texts = [text for _, text in header.comments]
    if header.docstring:
        texts.append(header.docstring)
    for pattern in patterns:
        for text in texts:
            found = pattern.search(text)
            if found is not None:
                return " ".join(found.group(0).split())
    return None
