"""VBR405 unreviewed-ai-code: no review since the file's latest generation."""

from __future__ import annotations

from collections.abc import Iterator

from vibrails.checks.base import FileRule, Rule
from vibrails.checks.shared.provenance import FileProvenance


class UnreviewedAiCode(FileRule, Rule):
    code = "VBR405"

    @classmethod
    def check_file(cls, facts: FileProvenance) -> Iterator[tuple[str, dict[str, object]]]:
        if facts.assumed_only or facts.marker_fields.get("reviewed-by"):
            return
        summary = facts.ledger_record
        if summary is not None and summary.reviewed:
            return
        if summary is not None and summary.generation_line and facts.prov is not None:
            since = (
                f"its latest generation ({summary.generation_kind} on {summary.generation_at}, "
                f"{facts.prov.ledger_display}:{summary.generation_line})"
            )
        else:
            since = "it was generated (no reviewed event, no reviewed-by field)"
        yield "unreviewed", {
            "since": since,
            "command": facts.command("--event reviewed --by NAME"),
        }
