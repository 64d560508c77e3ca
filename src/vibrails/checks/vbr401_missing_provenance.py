"""VBR401 missing-provenance: a tagged file with no provenance record at all."""

from __future__ import annotations

from collections.abc import Iterator

from vibrails.checks.base import FileRule, Rule
from vibrails.checks.shared.provenance import FileProvenance


class MissingProvenance(FileRule, Rule):
    code = "VBR401"

    @classmethod
    def check_file(cls, facts: FileProvenance) -> Iterator[tuple[str, dict[str, object]]]:
        if facts.assumed_only or facts.has_record():
            return
        tag = facts.tag.reason or facts.tag.first_reason
        yield "missing", {"tag": tag, "command": facts.record_command()}
