"""VBR403 provenance-drift: the file no longer has the content hash of the
ledger's latest event for it."""

from __future__ import annotations

from collections.abc import Iterator

from vibrails.checks.base import FileRule, Rule
from vibrails.checks.shared.provenance import FileProvenance


class ProvenanceDrift(FileRule, Rule):
    code = "VBR403"

    @classmethod
    def check_file(cls, facts: FileProvenance) -> Iterator[tuple[str, dict[str, object]]]:
        summary = facts.summary
        if summary is None or facts.prov is None:
            return
        where = f"{facts.prov.ledger_display}:{summary.line}"
        if summary.kind == "removed":
            yield "removed", {
                "what": "the file exists again",
                "event": f"removed, {summary.at}",
                "where": where,
                "command": facts.record_command(),
            }
            return
        if summary.sha256 == facts.current_sha256:
            return
        yield "changed", {
            "what": "content changed",
            "event": f"{summary.kind}, {summary.at}",
            "where": where,
            "command": facts.command("--event edited"),
        }
