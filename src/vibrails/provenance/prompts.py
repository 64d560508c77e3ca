"""Durable prompts: the text an agent was given, kept content-addressed and redacted.

A prompt is stored once under ``.vibrails/prompts/<sha256>.md`` next to the
ledger, the name being the SHA-256 of the redacted text (the same prompt is
stored once, whoever records it). Ledger events name it in their ``prompt``
field, a repository path, so ``vibrails ledger show`` can print it and
VBR402 checks that it exists.

Before anything is written, secrets are replaced by ``[REDACTED:<kind>]``:
API keys and tokens of the common providers, private keys, JWTs, bearer
tokens, and the value of ``password=``/``token:``-style assignments. The
list (:data:`SECRET_PATTERNS`) is tested pattern by pattern; it errs on the
side of redacting.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

#: ``(kind, pattern)``: what is redacted, most specific first.
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("private-key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        ("anthropic-key", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
        ("openai-key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
        ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("stripe-key", r"\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}"),
        ("slack-token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        ("bearer-token", r"(?i)\bbearer\s+(?P<value>[A-Za-z0-9._~+/=-]{16,})"),
        ("url-password", r"://[^\s:/@]+:(?P<value>[^\s@/]+)@"),
        (
            "assigned-secret",
            r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|token|auth)"
            r"[\"']?\s{0,3}[:=]\s{0,3}[\"']?(?P<value>[^\s\"',;]{4,})",
        ),
    )
)


def redact(text: str) -> tuple[str, int]:
    """``text`` with every secret replaced, and how many were (a pattern with
    a ``value`` group replaces that group only: ``password=[REDACTED:…]``)."""
    count = 0
    for kind, pattern in SECRET_PATTERNS:
        marker = f"[REDACTED:{kind}]"

        def replace(found: re.Match[str], marker: str = marker) -> str:
            if "value" not in found.re.groupindex:
                return marker
            start, end = found.span("value")
            whole = found.group(0)
            offset = found.start()
            return whole[: start - offset] + marker + whole[end - offset :]

        text, replaced = pattern.subn(replace, text)
        count += replaced
    return text, count


def store_prompt(folder: Path, text: str) -> Path:
    """Store the redacted ``text`` in ``folder`` (once); its path."""
    clean, _ = redact(text)
    data = clean.encode("utf-8", "surrogatepass")
    path = folder / f"{hashlib.sha256(data).hexdigest()}.md"
    if path.is_file():
        return path  # content-addressed: the same text is there already
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".prompt-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)  # atomic: a reader never sees half a prompt
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path
