"""What the commands share: the usage error, the output, code lists."""

from __future__ import annotations

import sys
from pathlib import Path


class UsageError(Exception):
    """A problem with what the user asked for (exit 2)."""


def write_output(text: str, output: Path | None) -> None:
    """``text`` to standard output, or to the file ``output`` (``-o``)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


def parse_codes(value: str | None) -> list[str] | None:
    """``"vbr101, VBR3"`` → ``["VBR101", "VBR3"]``; ``None`` when the option is absent."""
    if value is None:
        return None
    return [c.strip().upper() for c in value.split(",") if c.strip()]
