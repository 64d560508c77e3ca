"""The provenance rules (VBR401 to VBR405) and what they share.

They judge a tagged file as a whole, from its header fields, its tag and the
run's provenance data (the ledger's summary of the file, its trailer and
attribution records), never from its syntax tree: they run in the per-file
pipeline (:func:`vibrails.engine.run.check_file`) next to the tree rules, on
files that do not parse too. Each rule class is also a :class:`Rule` (with no
tree handlers), so the rule registry, the catalogue checks and the selection
treat them like every other rule.

A file rule reports on the header marker's line when there is one, else on
line 1. VBR404 is about the ledger itself and is reported once per run on
the ledger's lines (:func:`ledger_findings`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from vibrails.checks.base import FileRule
from vibrails.core.catalogue import load_catalogue, rule_info
from vibrails.core.finding import Finding, make_finding
from vibrails.core.source import LINE_BREAK
from vibrails.provenance.attribution import Attribution
from vibrails.provenance.context import KEY, Provenance, shell_word
from vibrails.provenance.events import normalised_sha256
from vibrails.provenance.index import PathSummary
from vibrails.provenance.trailers import TrailerHit
from vibrails.tagging import Tag

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^(?:urn|mailto):")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}$")


def looks_like_path(value: str) -> bool:
    """A prompt value is taken as a path when it has no spaces and has a ``/``
    or ends with a file extension; other text is the prompt itself, inline."""
    if not value or any(c.isspace() for c in value) or _URL.match(value):
        return False
    return "/" in value or bool(_EXTENSION.search(value))


@dataclass
class FileProvenance:
    """What the provenance rules know about one tagged file."""

    #: As shown in findings and in the fix commands (relative to the current folder).
    display: str
    project_path: str
    data: bytes
    text: str
    tag: Tag
    prov: Provenance | None
    settings: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def repo_path(self) -> str:
        return self.prov.repo_path(self.project_path) if self.prov else self.project_path

    @cached_property
    def summary(self) -> PathSummary | None:
        return self.prov.paths.get(self.repo_path) if self.prov else None

    @cached_property
    def trailer(self) -> TrailerHit | None:
        return self.prov.trailers.get(self.repo_path) if self.prov else None

    @cached_property
    def attributions(self) -> tuple[Attribution, ...]:
        return self.prov.attributions.get(self.repo_path, ()) if self.prov else ()

    @cached_property
    def marker_fields(self) -> dict[str, str]:
        """Fields of every marker: the header, then regions and lone markers."""
        fields: dict[str, str] = {}
        for region in self.tag.regions:
            if not region.reason.startswith(("agent-trace:", "git-ai:")):
                fields.update({k: v for k, v in region.fields.items() if v})
        for values in self.tag.def_fields.values():
            fields.update({k: v for k, v in values.items() if v})
        fields.update({k: v for k, v in self.tag.fields.items() if v})
        return fields

    @property
    def has_marker_record(self) -> bool:
        return bool(self.tag.fields) or any(
            region.fields and not region.reason.startswith(("agent-trace:", "git-ai:"))
            for region in self.tag.regions
        ) or bool(self.tag.def_fields)

    @property
    def ledger_record(self) -> PathSummary | None:
        summary = self.summary
        return summary if summary is not None and summary.kind != "removed" else None

    @property
    def model_records(self) -> list[Attribution]:
        return [a for a in self.attributions if a.model]

    @property
    def assumed_only(self) -> bool:
        """Tagged by ``--assume-ai`` (``assume-ai = true``) and by nothing else.

        That switch says "check every file as if an AI wrote it", not that one
        did: VBR401 and VBR405 do not ask such a file for a record.
        """
        tag = self.tag
        return (
            tag.reason == "assume-ai"
            and not tag.regions
            and not tag.def_markers
            and self.summary is None
            and self.trailer is None
            and not self.attributions
        )

    def has_record(self) -> bool:
        """VBR401's test: a ledger event, an attribution record naming a model,
        or a marker with a field."""
        return self.ledger_record is not None or bool(self.model_records) or self.has_marker_record

    def known(self) -> dict[str, str]:
        """Every provenance field some record gives (header names)."""
        fields: dict[str, str] = {}
        for record in self.attributions:
            if record.model:
                fields.setdefault("model", record.model)
            if record.tool:
                fields.setdefault("tool", record.tool)
            if record.at:
                fields.setdefault("date", record.at)
        summary = self.ledger_record
        if summary is not None:
            fields["date"] = summary.at
            for name in ("model", "prompt", "tool", "params"):
                value = getattr(summary, name)
                if value:
                    fields[name] = value
            if summary.reviewed_by:
                fields["reviewed-by"] = summary.reviewed_by
        fields.update(self.marker_fields)
        return fields

    @property
    def model_hint(self) -> str:
        known = self.known().get("model") or (self.trailer.model if self.trailer else "")
        return known or "MODEL"

    def record_command(self, prompt: str = "PROMPT", event: str = "") -> str:
        kind = f" --event {event}" if event else ""
        return (
            f"vibrails ledger record {shell_word(self.display)}{kind} "
            f"--model {shell_word(self.model_hint)} --prompt {shell_word(prompt)}"
        )

    def command(self, options: str) -> str:
        return f"vibrails ledger record {shell_word(self.display)} {options}"

    @cached_property
    def current_sha256(self) -> str:
        return normalised_sha256(self.data)

    def report_span(self) -> tuple[int, int, int, int]:
        """The header marker's comment, else line 1."""
        line = self.tag.marker_line or 1
        lines = LINE_BREAK.split(self.text, maxsplit=line)
        text = lines[line - 1] if line - 1 < len(lines) else ""
        if self.tag.marker_line:
            start = text.find("#")
            start = max(start, 0)
            return line, start, line, max(len(text), start + 1)
        return line, 0, line, max(len(text.rstrip()), 1)


@functools.cache
def file_rules() -> list[type[FileRule]]:
    import importlib

    found: list[type[FileRule]] = []
    # Only these modules: libcst, which the tree rules import, stays out of a
    # run that parses nothing (a cached one).
    for info in load_catalogue().values():
        if not info.file_rule:
            continue
        module = importlib.import_module(info.module)
        found += [
            value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, FileRule) and value is not FileRule
            and value.__module__ == module.__name__
        ]
    return sorted(found, key=lambda cls: cls.code)


def provenance_findings(
    display: str,
    project_path: str,
    data: bytes,
    text: str,
    tag: Tag,
    enabled: Collection[str],
    settings: Mapping[str, Any],
) -> list[Finding]:
    """The file rules' findings for one tagged file."""
    rules = [cls for cls in file_rules() if cls.code in enabled]
    if not rules:
        return []
    prov = settings.get(KEY)
    facts = FileProvenance(
        display, project_path, data, text, tag, prov if isinstance(prov, Provenance) else None,
        settings,
    )
    span = facts.report_span()
    reason = tag.reason_at(span[0]) or tag.first_reason
    found = []
    for cls in rules:
        info = rule_info(cls.code)
        for key, args in cls.check_file(facts):
            message = info.format_message(**args)
            found.append(make_finding(display, cls.code, message, reason, span, key))
    return found
