"""Which code is AI-generated: the tagging stage (SPEC section 1).

Each source looks at a file's path and text (never its syntax tree) and may
tag the whole file or some of its lines. :func:`tag_file` asks every source
and combines what they say into one :class:`Tag`, or ``None`` when the file
is not tagged: such a file is never parsed.

Sources come in two kinds, each a list that later sources (the ledger, git
trailers, attribution logs) join, or that a caller extends per call:

* whole-file sources (:data:`WHOLE_FILE_SOURCES`, ``extra_sources``) return
  a reason or ``None``; the first reason wins;
* line-range sources (:data:`REGION_SOURCES`, ``extra_region_sources``)
  return :class:`Region` objects; all are kept.

Lone ``# @ai-generated`` comments above a ``def``/``class`` are a third
kind: only the syntax tree knows where the def ends, so the tag carries
their lines (:attr:`Tag.def_markers`) and the engine turns them into
regions after parsing.

Cost for an untagged file: reading its first 30 lines (the header), one
regular-expression search per third-party pattern over those lines, one
glob match of the path and one substring search of ``@ai-generated`` over
the text. Only a file that contains ``@ai-generated`` is lexed for region
and lone markers (see :mod:`vibrails.tagging.markers`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from vibrails.tagging.assistants import Assistants, assistants
from vibrails.tagging.markers import (
    MARKER_TEXT,
    CodeMarkers,
    Header,
    pair_regions,
    scan_code_markers,
    scan_header,
)
from vibrails.tagging.signatures import Signature, find_signature
from vibrails.tagging.thirdparty import find_marker_at


@dataclass(frozen=True)
class Region:
    """Lines ``start``…``end`` (1-based, inclusive) are AI-generated."""

    start: int
    end: int
    reason: str
    #: Provenance fields of the record that tagged the lines (a region
    #: marker's ``begin`` line, an attribution record), if any.
    fields: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Tag:
    """Why a file is AI-generated, and which of its lines are."""

    #: Reason for the whole file, or ``None`` when only regions are tagged.
    reason: str | None
    regions: tuple[Region, ...] = ()
    #: Lines of lone ``# @ai-generated`` markers above a ``def``/``class``,
    #: resolved to regions by the engine once the tree is known.
    def_markers: tuple[int, ...] = ()
    #: ``key=value`` fields of each lone marker that has any, by line.
    def_fields: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    #: ``key=value`` fields of the header marker (provenance).
    fields: Mapping[str, str] = field(default_factory=dict)
    #: Line of the header marker, if any.
    marker_line: int | None = None
    #: Line of the text that tagged the whole file (a marker, a signature), if any.
    evidence_line: int | None = field(default=None, compare=False)

    def reason_at(self, line: int) -> str | None:
        """Why ``line`` is tagged, or ``None`` when it is not (lone markers
        are not known here: the engine resolves them)."""
        if self.reason is not None:
            return self.reason
        for region in self.regions:
            if region.start <= line <= region.end:
                return region.reason
        return None

    @property
    def first_reason(self) -> str:
        """A reason for findings about the whole file (VBR001, VBR002, …)."""
        if self.reason is not None:
            return self.reason
        if self.regions:
            return self.regions[0].reason
        return "region"


class FileFacts:
    """What the sources look at: the path, the text and what is derived
    from it, each computed once and only when a source asks."""

    def __init__(self, path: str, text: str) -> None:
        #: Relative to the project root, ``/``-separated.
        self.path = path
        self.text = text
        #: Line of the text that gave each reason, set by the sources that know it.
        self.evidence: dict[str, int] = {}

    @cached_property
    def header(self) -> Header:
        """The whole header (no line limit; the ``# @ai-generated`` header
        marker is still looked for in its first 30 lines only)."""
        return scan_header(self.text, None)

    @cached_property
    def code_markers(self) -> CodeMarkers:
        """``# @ai-generated`` comments in code (empty without any)."""
        if MARKER_TEXT not in self.text:
            return CodeMarkers((), 0)
        return scan_code_markers(self.text)


#: A source says the whole file is tagged (a reason) or not (None).
WholeFileSource = Callable[[FileFacts, Mapping[str, Any]], "str | None"]
#: A source names the tagged lines of a file (no region: not tagged).
RegionSource = Callable[[FileFacts, Mapping[str, Any]], Iterable[Region]]


def _header_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    return "header" if facts.header.marker is not None else None


def _glob_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    matcher = settings.get("_ai_generated_matcher")
    if matcher is None:
        return None
    pattern: str | None = matcher(facts.path)
    return None if pattern is None else f"glob:{pattern}"


def _marker_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    """The project's own ``markers``/``extend-markers`` patterns, in the header."""
    patterns = settings.get("_marker_patterns", ())
    found = find_marker_at(facts.header, patterns) if patterns else None
    return None if found is None else _marker_reason(facts, found)


def _signature_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    """An assistant's signature anywhere in the file's comments, module
    docstring or module metadata (see :mod:`vibrails.tagging.signatures`)."""
    if not settings.get("_signatures", True):
        return None
    names: Assistants = settings.get("_assistants") or assistants()
    found = find_signature(facts.text, facts.header, names)
    return None if found is None else _marker_reason(facts, found)


def _marker_reason(facts: FileFacts, found: Signature) -> str:
    """``marker:<the text>``, its line kept as the evidence of the tag."""
    reason = f"marker:{found.text}"
    facts.evidence[reason] = found.line
    return reason


def _assume_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    return "assume-ai" if settings.get("assume-ai") else None


def _region_marker_source(facts: FileFacts, settings: Mapping[str, Any]) -> Iterable[Region]:
    found = facts.code_markers
    for start, end, fields in pair_regions(found.markers, found.line_count):
        yield Region(start, end, f"region:{start}-{end}", fields)


#: Whole-file sources in order of precedence (the first reason wins).
WHOLE_FILE_SOURCES: list[WholeFileSource] = [
    _header_source,
    _glob_source,
    _marker_source,
    _signature_source,
    _assume_source,
]

#: Line-range sources; their regions are all kept, in this order.
REGION_SOURCES: list[RegionSource] = [
    _region_marker_source,
]


def tag_file(
    path: str,
    text: str,
    settings: Mapping[str, Any],
    extra_sources: Sequence[WholeFileSource] = (),
    extra_region_sources: Sequence[RegionSource] = (),
) -> Tag | None:
    """Tag ``text`` (the file at ``path``), or return ``None`` if untagged."""
    facts = FileFacts(path, text)
    reason = None
    for source in (*WHOLE_FILE_SOURCES, *extra_sources):
        reason = source(facts, settings)
        if reason is not None:
            break
    regions = tuple(
        region
        for region_source in (*REGION_SOURCES, *extra_region_sources)
        for region in region_source(facts, settings)
    )
    header_end = facts.header.end_line
    lone = [
        marker
        for marker in facts.code_markers.markers
        if marker.line in facts.code_markers.above_def and marker.line > header_end
    ]
    if reason is None and not regions and not lone:
        return None
    marker = facts.header.marker
    return Tag(
        reason=reason,
        regions=regions,
        def_markers=tuple(m.line for m in lone),
        def_fields={m.line: m.fields for m in lone if m.fields},
        fields=dict(marker.fields) if marker else {},
        marker_line=marker.line if marker else None,
        evidence_line=facts.evidence.get(reason) if reason else None,
    )
