"""The engine: parse a tagged file once, run every enabled rule in one walk.

Stages for one file: CPython's compiler and libcst's parser decide whether
the file is valid Python (VBR001); the enabled rules are instantiated and
their handlers batched into one :mod:`~vibrails.checks.shared.traverse` walk; libcst
metadata is resolved only for the providers those rules declare; positions
are computed once, for the reported nodes only; findings outside the tagged
lines are dropped.
"""

from __future__ import annotations

import sys
import traceback
import types
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import BaseMetadataProvider, MetadataWrapper

from vibrails.checks import all_rules
from vibrails.checks.base import FileContext, Report, Rule
from vibrails.checks.shared.positions import locate
from vibrails.checks.shared.traverse import Dispatch, walk
from vibrails.checks.vbr000_internal_error import internal_finding
from vibrails.checks.vbr001_syntax_error import syntax_finding
from vibrails.core.catalogue import rule_info
from vibrails.core.finding import Finding, make_finding
from vibrails.core.source import LINE_BREAK
from vibrails.tagging import Region, Tag

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
#: Limits of the machine, not bugs: the file gets VBR002, not VBR000.
_RESOURCE_ERRORS = (RecursionError, MemoryError)


def compile_source(
    source: str, path: str
) -> tuple[types.CodeType | None, tuple[int, int, str] | None]:
    """Compile ``source`` (never run it): the code object, or the error.

    The error is ``(line, column, message)``. The code object is kept: it
    tells where every function and class starts (see :func:`locate`).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(source, path, "exec", dont_inherit=True), None
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = max((exc.offset or 1) - 1, 0)
        return None, (line, col, f"{exc.msg} (CPython)")
    except (ValueError, MemoryError, RecursionError) as exc:
        detail = str(exc) or "nested too deeply for CPython's parser"
        return None, (1, 0, f"{type(exc).__name__}: {detail}")


def syntax_error(source: str, path: str) -> tuple[int, int, str] | None:
    """``(line, column, message)`` if CPython rejects ``source``."""
    return compile_source(source, path)[1]


@dataclass(frozen=True)
class TreeResult:
    """The findings of one file, and which of its lines are tagged."""

    findings: list[Finding]
    #: Tagged line ranges, or ``None`` when the whole file is tagged.
    regions: tuple[Region, ...] | None

    def is_tagged(self, line: int) -> bool:
        if self.regions is None:
            return True
        return any(region.start <= line <= region.end for region in self.regions)


def check_tree(
    path: str,
    source: str,
    tag: Tag,
    enabled: Collection[str],
    settings: Mapping[str, Any],
    project_path: str | None = None,
) -> TreeResult:
    """Run the enabled tree rules on ``source``; VBR001 if it does not parse.

    ``project_path`` is the file's path relative to the project root (for
    what the path itself says, such as a ``scripts/`` folder); by default ``path``.
    """
    whole = None if tag.reason is not None else tuple(tag.regions)
    code, error = compile_source(source, path)
    module: cst.Module | None = None
    if error is None:
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            error = (exc.raw_line, exc.raw_column, f"{exc.message} (libcst)")
    if module is None:
        assert error is not None
        found = syntax_finding(path, source, tag, error) if "VBR001" in enabled else []
        return TreeResult(found, whole)

    failures: dict[str, Failure] = {}
    try:
        return _check_module(
            path, source, tag, enabled, settings, module, whole, failures, code,
            project_path or path,
        )
    except _RESOURCE_ERRORS:
        raise  # the caller reports VBR002 "nested too deeply"
    except Exception as exc:  # an engine bug: report it, never lose the file
        failures.setdefault("engine", Failure("engine", exc, None, traceback.format_exc()))
        return TreeResult(_failure_findings(path, source, module, tag, failures, settings), whole)


@dataclass(frozen=True)
class Failure:
    """A rule (or the engine) that raised on a file: VBR000."""

    #: The rule's code, or ``engine`` for the engine's own stages.
    code: str
    exc: Exception
    #: The node whose handler raised, if a handler did.
    node: cst.CSTNode | None
    traceback: str


def _check_module(
    path: str,
    source: str,
    tag: Tag,
    enabled: Collection[str],
    settings: Mapping[str, Any],
    module: cst.Module,
    whole: tuple[Region, ...] | None,
    failures: dict[str, Failure],
    code: types.CodeType | None = None,
    project_path: str = "",
) -> TreeResult:
    rule_classes = [cls for code, cls in all_rules().items() if code in enabled]
    reports: list[Report] = []
    context = FileContext(path=path, source=source, module=module, settings=settings,
                          project_path=project_path or path)
    providers: set[type[BaseMetadataProvider[Any]]] = set()
    for cls in rule_classes:
        providers.update(cls.METADATA_DEPENDENCIES)
    if providers:
        context.wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        context.metadata = _resolve(context.wrapper, providers, rule_classes, failures)
    rules: list[Rule] = []
    for cls in rule_classes:
        if cls.code in failures:
            continue
        try:
            rules.append(cls(context, reports))
        except _RESOURCE_ERRORS:
            raise
        except Exception as exc:
            failures[cls.code] = Failure(cls.code, exc, None, traceback.format_exc())
    dispatch = Dispatch(rules)

    def on_error(handler: Any, node: cst.CSTNode, exc: Exception) -> None:
        if isinstance(exc, _RESOURCE_ERRORS):
            raise exc
        rule = handler.__self__
        failures[rule.code] = Failure(rule.code, exc, node, traceback.format_exc())
        dispatch.remove(rule)  # disabled for the rest of this file

    #: Every def and class in source order (the walk is in source order).
    definitions: list[cst.CSTNode] = []
    scopes = context.scopes

    def enter(node: cst.CSTNode) -> None:
        scopes.append(node)
        if type(node) is not cst.Lambda:
            definitions.append(node)

    def leave(node: cst.CSTNode) -> None:
        scopes.pop()

    walk(module, dispatch, enter, leave, _SCOPES, on_error)
    if failures:
        # A rule that raised may have reported half a story: keep none of it.
        reports = [r for r in reports if r.code not in failures]
    defs = definitions if tag.def_markers else []
    if not reports and not defs and not failures:
        return TreeResult([], whole)
    spans = locate(
        module,
        source,
        [r.node for r in reports] + [r.end_node for r in reports]
        + [r.related for r in reports if r.related is not None],
        code,
        definitions,
    )
    lines = LINE_BREAK.split(source)
    regions = list(tag.regions)
    if defs:
        regions += _def_regions(module, defs, tag.def_markers, tag.def_fields, source)
    tagged = None if tag.reason is not None else tuple(regions)
    findings: list[Finding] = []
    seen: dict[tuple[str, str, str], int] = {}
    for report in reports:
        start = spans[id(report.node)]
        end = spans[id(report.end_node)]
        span = (start[0], start[1], end[2], end[3])
        if report.line_offset:
            number = start[0] + report.line_offset
            line_text = lines[number - 1] if number <= len(lines) else ""
            indent = len(line_text) - len(line_text.lstrip())
            span = (number, indent, number, max(len(line_text.rstrip()), indent))
        reason: str | None = tag.reason or _region_reason(regions, span[0])
        if reason is None and rule_info(report.code).scope == "tagged-lines":
            continue  # outside the tagged lines of a partly tagged file
        text = _slice(lines, span)
        if isinstance(report.node, cst.BaseCompoundStatement):
            text = text.split("\n", 1)[0]  # the header: the body is not the construct
        key = (report.code, report.scope, " ".join(text.split()))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        message = report.message
        related: tuple[Any, ...] = ()
        if report.related is not None:
            where = spans[id(report.related)]
            message = message.replace("{related_line}", str(where[0]))
            related = (where[0], where[1] + 1, where[2], where[3] + 1, report.related_message)
        finding = make_finding(
            path, report.code, message, reason or tag.first_reason, span,
            text, report.scope, occurrence,
        )
        findings.append(finding.with_changes(related=related) if related else finding)
    if failures:
        findings += _failure_findings(path, source, module, tag, failures, settings)
    return TreeResult(findings, tagged)


def _resolve(
    wrapper: MetadataWrapper,
    providers: set[type[BaseMetadataProvider[Any]]],
    rule_classes: list[type[Rule]],
    failures: dict[str, Failure],
) -> Mapping[type[BaseMetadataProvider[Any]], Mapping[cst.CSTNode, Any]]:
    """Resolve ``providers``; a provider that raises fails the rules needing it."""
    try:
        return wrapper.resolve_many(providers)
    except _RESOURCE_ERRORS:
        raise
    except Exception:
        pass
    resolved: dict[type[BaseMetadataProvider[Any]], Mapping[cst.CSTNode, Any]] = {}
    for provider in sorted(providers, key=lambda p: p.__name__):
        try:
            resolved.update(wrapper.resolve_many([provider]))
        except _RESOURCE_ERRORS:
            raise
        except Exception as exc:
            trace = traceback.format_exc()
            for cls in rule_classes:
                if provider in cls.METADATA_DEPENDENCIES and cls.code not in failures:
                    failures[cls.code] = Failure(cls.code, exc, None, trace)
    return resolved


def _failure_findings(
    path: str,
    source: str,
    module: cst.Module,
    tag: Tag,
    failures: Mapping[str, Failure],
    settings: Mapping[str, Any],
) -> list[Finding]:
    """One VBR000 per failed rule, on the node it failed on (else line 1).

    VBR000 is reported whatever the selection: an internal error means the
    results are incomplete, and the run exits 2. The traceback goes to
    stderr under ``--debug`` only (it would make the output depend on paths).
    """
    nodes = [f.node for f in failures.values() if f.node is not None]
    try:
        spans = locate(module, source, nodes) if nodes else {}
    except Exception:
        spans = {}
    out = []
    for code in sorted(failures):
        failure = failures[code]
        span = (1, 0, 1, 1)
        if failure.node is not None and id(failure.node) in spans:
            start_line, start_col, _, _ = spans[id(failure.node)]
            end_col = len(_line(LINE_BREAK.split(source), start_line))
            span = (start_line, start_col, start_line, max(end_col, start_col + 1))
        reason = tag.reason_at(span[0]) or tag.first_reason
        out.append(internal_finding(path, code, failure.exc, failure.traceback, reason, span,
                                     settings))
    return out


def _def_regions(
    module: cst.Module,
    defs: list[cst.CSTNode],
    markers: tuple[int, ...],
    fields: Mapping[int, Mapping[str, str]],
    source: str,
) -> list[Region]:
    """Regions of the defs and classes that sit directly under a lone marker."""
    starts: list[cst.CSTNode] = []
    for node in defs:
        decorators = getattr(node, "decorators", ())
        starts.append(decorators[0] if decorators else node)
    spans = locate(module, source, [*starts, *defs])
    lines = LINE_BREAK.split(source)
    marker_lines = set(markers)
    out = []
    for node, first in zip(defs, starts, strict=True):
        top = spans[id(first)][0]
        above = top - 1
        while (
            above >= 1
            and above not in marker_lines
            and lines[above - 1].strip().startswith("#")
        ):
            above -= 1
        if above in marker_lines:
            end = spans[id(node)][2]
            out.append(Region(top, end, f"region:{top}-{end}", fields.get(above, {})))
    return out


def _region_reason(regions: list[Region], line: int) -> str | None:
    for region in regions:
        if region.start <= line <= region.end:
            return region.reason
    return None


def _line(lines: list[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _slice(all_lines: list[str], span: tuple[int, int, int, int]) -> str:
    lines = all_lines[span[0] - 1 : span[2]]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][span[1] : span[3]]
    return "\n".join([lines[0][span[1] :], *lines[1:-1], lines[-1][: span[3]]])


def raise_recursion_limit(limit: int = 20_000) -> None:
    """Deep trees recurse in libcst's code generator; give it room."""
    if sys.getrecursionlimit() < limit:
        sys.setrecursionlimit(limit)
