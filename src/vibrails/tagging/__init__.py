"""Which code is AI-generated: the tagging stage (SPEC section 1).

Each source looks at a file's path and text (never its syntax tree) and may
tag the whole file or some of its lines. :func:`tag_file` asks every source
and combines what they say into one :class:`Tag`, or ``None`` when the file
is not tagged: such a file is never parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vibrails.tagging.markers import Header, scan_header, scan_lone_markers, scan_regions
from vibrails.tagging.thirdparty import find_marker


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class Tag:
    """Why a file is AI-generated, and which of its lines are."""

    #: Reason for the whole file, or ``None`` when only regions are tagged.
    reason: str | None
    regions: tuple[Region, ...] = ()
    #: Lines of lone ``# @ai-generated`` markers above a ``def``/``class``,
    #: resolved to regions by the engine once the tree is known.
    def_markers: tuple[int, ...] = ()
    #: ``key=value`` fields of the header marker (provenance).
    fields: Mapping[str, str] = field(default_factory=dict)
    #: Line of the header marker, if any.
    marker_line: int | None = None

    def reason_at(self, line: int) -> str | None:
        """Why ``line`` is tagged, or ``None`` when it is not."""
        if self.reason is not None:
            return self.reason
        for region in self.regions:
            if region.start <= line <= region.end:
                return region.reason
        return None


@dataclass(frozen=True)
class FileFacts:
    """What the sources look at."""

    path: str  # relative to the project root, '/'-separated
    text: str
    header: Header


#: A source says the whole file is tagged (a reason) or not (None).
WholeFileSource = Callable[[FileFacts, Mapping[str, Any]], "str | None"]


def _header_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    return "header" if facts.header.marker is not None else None


def _glob_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    matcher = settings.get("_ai_generated_matcher")
    if matcher is None:
        return None
    pattern: str | None = matcher(facts.path)
    return None if pattern is None else f"glob:{pattern}"


def _marker_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    patterns = settings.get("_marker_patterns", ())
    found = find_marker(facts.header, patterns)
    return None if found is None else f"marker:{found}"


def _assume_source(facts: FileFacts, settings: Mapping[str, Any]) -> str | None:
    return "assume-ai" if settings.get("assume-ai") else None


#: Whole-file sources in order of precedence (the first reason wins).
WHOLE_FILE_SOURCES: list[WholeFileSource] = [
    _header_source,
    _glob_source,
    _marker_source,
    _assume_source,
]


def tag_file(
    path: str,
    text: str,
    settings: Mapping[str, Any],
    extra_sources: Sequence[WholeFileSource] = (),
) -> Tag | None:
    """Tag ``text`` (the file at ``path``), or return ``None`` if untagged."""
    header = scan_header(text)
    facts = FileFacts(path, text, header)
    reason = None
    for source in (*WHOLE_FILE_SOURCES, *extra_sources):
        reason = source(facts, settings)
        if reason is not None:
            break
    regions: tuple[Region, ...] = ()
    def_markers: tuple[int, ...] = ()
    if "@ai-generated" in text:
        regions = tuple(
            Region(start, end, f"region:{start}-{end}")
            for start, end in scan_regions(text, header.end_line)
        )
        def_markers = tuple(scan_lone_markers(text, header.end_line))
    if reason is None and not regions and not def_markers:
        return None
    marker = header.marker
    return Tag(
        reason=reason,
        regions=regions,
        def_markers=def_markers,
        fields=dict(marker.fields) if marker else {},
        marker_line=marker.line if marker else None,
    )
