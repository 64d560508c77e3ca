"""SARIF 2.1.0, as GitHub code scanning reads it.

The log is built from sarif-om's classes (attrs classes with snake_case
fields) and serialised here: sarif-om ships no serialiser, and a naive one
writes ``null`` for unset fields (schema-invalid) or sarif-om's placeholder
defaults (``rank: -1``, ``index: -1``, ``ruleIndex: -1``). :func:`to_json`
skips ``None`` and values equal to the field's default, renames fields by
their ``schema_property_name`` metadata, and always keeps ``level`` (whose
sarif-om default, ``"warning"``, GitHub and the spec still want written).

GitHub's limits are kept: at most 25,000 results a run and 10 MB gzipped.
Beyond them the most severe results are kept (unsuppressed before
suppressed, then error > warning > note, then the original order) and the
run's invocation says how many were left out.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as om

from vibrails import __version__
from vibrails.core.catalogue import RuleInfo, load_catalogue
from vibrails.core.finding import Finding, level_rank
from vibrails.report import ReportContext

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/vibrails/vibrails"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "vibrails/v1"
LINE_HASH_KEY = "primaryLocationLineHash"

#: GitHub code scanning: results a run, and the gzipped size of a file.
MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10 * 1024 * 1024

#: GitHub's caps on rule descriptor texts and tags.
MAX_DESCRIPTION = 1024
MAX_TAGS = 20

_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}

#: Rules whose findings follow from syntax alone, or from exact records.
#: The others rest on heuristics (reading prose, guessing intent).
#: Fields written even when equal to sarif-om's default.
_ALWAYS_KEEP = frozenset({"level"})


# -- serialisation -----------------------------------------------------------


_NO_DEFAULT = object()


_FIELDS: dict[type, tuple[tuple[str, str, Any], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, str, Any], ...]:
    """``(attribute, JSON name, default)`` of an attrs class's fields.

    The default is ``_NO_DEFAULT`` for required fields and for those always
    written (``level``).
    """
    cached = _FIELDS.get(cls)
    if cached is not None:
        return cached
    out = []
    for field in attr.fields(cls):
        default = field.default
        if default is attr.NOTHING or field.name in _ALWAYS_KEEP:
            default = _NO_DEFAULT
        elif isinstance(default, attr.Factory):  # type: ignore[arg-type]
            default = default.factory()
        out.append((field.name, field.metadata.get("schema_property_name", field.name), default))
    _FIELDS[cls] = tuple(out)
    return _FIELDS[cls]


def _is_default(value: Any, default: Any) -> bool:
    if default is _NO_DEFAULT:
        return False
    if isinstance(value, bool) != isinstance(default, bool):
        return False
    return bool(value == default)


def _clean_text(value: str) -> str:
    """``value``, with lone surrogates (undecodable file names) made printable."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def to_json(value: Any) -> Any:
    """The JSON value of a sarif-om object (or of a dict/list holding them)."""
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for attribute, name, default in _fields(type(value)):
            item = getattr(value, attribute)
            if item is None or _is_default(item, default):
                continue
            out[name] = to_json(item)
        return out
    if isinstance(value, Mapping):
        return {_clean_text(str(k)): to_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, str):
        return _clean_text(value)
    return value


# -- rules -------------------------------------------------------------------


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _tags(rule: RuleInfo) -> list[str]:
    tags: list[str] = []
    for tag in (rule.pillar, *rule.tags):
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def descriptor(rule: RuleInfo) -> Any:
    """The ``reportingDescriptor`` of a catalogue rule."""
    markdown = rule.markdown()
    full = rule.docs.get("what", "").strip() or rule.summary
    return om.ReportingDescriptor(
        id=rule.code,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=_clip(rule.summary)),
        full_description=om.MultiformatMessageString(text=_clip(full)),
        help=om.MultiformatMessageString(text=markdown, markdown=markdown),
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(level=rule.level),
        properties={
            "tags": _tags(rule),
            "precision": rule.precision,
            "problem.severity": _PROBLEM_SEVERITY.get(rule.level, "warning"),
        },
    )


def _rule_table(findings: Iterable[Finding], context: ReportContext) -> list[Any]:
    """Descriptors of every rule that ran or reported, sorted by code."""
    catalogue = load_catalogue()
    codes = set(context.rules) | {f.code for f in findings}
    table = []
    for code in sorted(codes):
        rule = context.rules.get(code) or catalogue.get(code)
        if rule is not None:
            table.append(descriptor(rule))
        else:  # not in the catalogue: say what the finding says
            table.append(om.ReportingDescriptor(id=code))
    return table


# -- results -----------------------------------------------------------------


def artifact_uri(path: str) -> str:
    """``path`` (``/``-separated, relative) as a relative URI reference."""
    return quote(path.replace("\\", "/"), safe="/", errors="surrogateescape")


def root_uri(root: Path) -> str:
    """``%SRCROOT%``: the file URI of ``root``, ending in ``/``."""
    uri = str(root.resolve().as_uri())
    return uri if uri.endswith("/") else uri + "/"


def _result(finding: Finding, index: Mapping[str, int]) -> Any:
    start_line = max(finding.line, 1)
    start_column = max(finding.column, 1)
    end_line = max(finding.end_line, start_line)
    end_column = max(finding.end_column, 1)
    if end_line == start_line:
        end_column = max(end_column, start_column)
    fingerprints = {}
    if finding.line_hash:
        fingerprints[LINE_HASH_KEY] = finding.line_hash
    if finding.fingerprint:
        fingerprints[FINGERPRINT_KEY] = finding.fingerprint
    suppressions = None
    if finding.suppressed is not None:
        suppressions = [om.Suppression(kind="inSource", justification=finding.suppressed or None)]
    return om.Result(
        rule_id=finding.code,
        rule_index=index[finding.code],
        level=finding.level,
        message=om.Message(text=finding.message),
        locations=[
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=om.ArtifactLocation(
                        uri=artifact_uri(finding.path), uri_base_id=SRCROOT
                    ),
                    region=om.Region(
                        start_line=start_line,
                        start_column=start_column,
                        end_line=end_line,
                        end_column=end_column,
                    ),
                )
            )
        ],
        related_locations=_related(finding),
        partial_fingerprints=fingerprints or None,
        suppressions=suppressions,
    )


def _related(finding: Finding) -> list[Any] | None:
    """The finding's second location (VBR301's ``def``, VBR101's relying line)."""
    if not finding.related:
        return None
    line, column, end_line, end_column, text = finding.related
    line, column = max(line, 1), max(column, 1)
    end_line = max(end_line, line)
    end_column = max(end_column, column if end_line == line else 1)
    return [
        om.Location(
            id=1,
            physical_location=om.PhysicalLocation(
                artifact_location=om.ArtifactLocation(
                    uri=artifact_uri(finding.path), uri_base_id=SRCROOT
                ),
                region=om.Region(start_line=line, start_column=column,
                                 end_line=end_line, end_column=end_column),
            ),
            message=om.Message(text=text) if text else None,
        )
    ]


def _severity_order(findings: list[Finding]) -> list[int]:
    """Indexes of ``findings``, most important first (stable)."""

    def key(i: int) -> tuple[int, int, int]:
        f = findings[i]
        rank = level_rank(f.level) if f.level in ("note", "warning", "error") else 1
        return (f.suppressed is not None, -rank, i)

    return sorted(range(len(findings)), key=key)


def _keep(findings: list[Finding], count: int) -> list[Finding]:
    """The ``count`` most important findings, in their original order."""
    chosen = sorted(_severity_order(findings)[:count])
    return [findings[i] for i in chosen]


def _dump(log: dict[str, Any]) -> str:
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _gzip_size(text: str) -> int:
    return len(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))


def build_log(
    findings: list[Finding],
    context: ReportContext,
    max_results: int = MAX_RESULTS,
    max_gzip_bytes: int = MAX_GZIP_BYTES,
) -> str:
    """The SARIF text of ``findings``, within GitHub's limits."""
    rules = _rule_table(findings, context)
    index = {rule.id: i for i, rule in enumerate(rules)}
    base = om.SarifLog(
        schema_uri=SCHEMA_URI,
        version=SARIF_VERSION,
        runs=[
            om.Run(
                tool=om.Tool(
                    driver=om.ToolComponent(
                        name="vibrails",
                        version=__version__,
                        semantic_version=__version__,
                        information_uri=INFORMATION_URI,
                        rules=rules,
                    )
                ),
                original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=root_uri(context.root))},
                column_kind="unicodeCodePoints",
                results=[],
            )
        ],
    )
    skeleton = to_json(base)
    ordered = {"$schema": skeleton.pop("$schema"), "version": skeleton.pop("version")}
    ordered.update(skeleton)

    total = len(findings)
    kept = _keep(findings, max_results) if total > max_results else list(findings)
    results = [to_json(_result(f, index)) for f in kept]
    while True:
        notes = list(context.notes)
        if len(kept) < total:
            notes.append(
                f"{total - len(kept)} of {total} results were left out to stay within "
                f"GitHub code scanning's limits ({max_results:,} results a run, "
                f"{max_gzip_bytes:,} bytes gzipped); the most severe were kept"
            )
        run = ordered["runs"][0]
        run["invocations"] = [_invocation(context, notes)]
        run["results"] = results
        text = _dump(ordered)
        if not results:
            return text
        size = _gzip_size(text)
        if size <= max_gzip_bytes:
            return text
        # Too big: keep a proportionally smaller share of the most severe.
        count = min(len(kept) - 1, int(len(kept) * max_gzip_bytes / size * 0.95))
        chosen = set(_severity_order(kept)[: max(count, 0)])
        results = [r for i, r in enumerate(results) if i in chosen]
        kept = [f for i, f in enumerate(kept) if i in chosen]


def _invocation(context: ReportContext, notes: list[str]) -> dict[str, Any]:
    # No commandLine: it carries options that must not change the output
    # (``--jobs``, ``--output``, cache options), and the output is the same
    # bytes whatever they are.
    invocation = om.Invocation(
        execution_successful=True,
        tool_execution_notifications=[
            om.Notification(message=om.Message(text=note), level="warning") for note in notes
        ]
        or None,
    )
    result: dict[str, Any] = to_json(invocation)
    return result


def render(findings: list[Finding], context: ReportContext) -> str:
    return build_log(findings, context)
