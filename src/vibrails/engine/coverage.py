"""How much of the AI-written code is guarded: the numbers of ``vibrails report``.

For one tagged file, :func:`measure` counts, on its tagged lines only:

* the **lines** tagged AI-written (the whole file, or its regions and the
  definitions under lone markers);
* the **public functions** that take a parameter (VBR101's candidates:
  public, not a stub, not a test, not a validator), and those with a
  contract (a contract decorator, a guard or ``assert`` on a parameter, a
  validator call; VBR101's definition);
* the **stateful classes** (a public method changes the instance's state;
  VBR201's definition), and those that declare an invariant;
* whether the file's **provenance is complete** (neither VBR401 nor VBR402
  would report it) and whether a **review** is recorded since its latest
  generation (VBR405 would not report it).

The analysis is the rules' own (:mod:`vibrails.checks.shared`): one walk of
the file's tree feeds the class tracker and the function facts, as in a
check. Nothing is run. :func:`measure_files` measures on the supervised
worker processes of a check (:mod:`vibrails.core.pool`): the native parser
that overflows its stack on a pathological file, or takes too long, costs
that file's numbers (it still counts as a tagged file), never the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from vibrails.checks.base import FileContext, InvariantRule, Report
from vibrails.checks.shared.functions import contract_candidate
from vibrails.checks.shared.provenance import provenance_findings
from vibrails.checks.shared.traverse import Dispatch, walk
from vibrails.core.source import LINE_BREAK
from vibrails.tagging import Tag

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


@dataclass
class Counts:
    """The report's numbers for a file, a package or a whole tree (they add up)."""

    files: int = 0
    lines: int = 0
    functions: int = 0
    contracted: int = 0
    classes: int = 0
    invariant: int = 0
    provenance: int = 0
    reviewed: int = 0
    findings: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        for item in fields(self):
            if item.name != "findings":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        for code, count in other.findings.items():
            self.findings[code] = self.findings.get(code, 0) + count

    def share(self, part: str, whole: str) -> float | None:
        """``part / whole`` (``None`` when there is nothing to divide)."""
        total: int = getattr(self, whole)
        return None if total == 0 else getattr(self, part) / total

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["findings"] = dict(sorted(self.findings.items()))
        return out


class _Collector(InvariantRule):
    """Counts functions and classes on tagged lines; never reports."""

    def __init__(self, context: FileContext, reports: list[Report], tag: Tag,
                 positions: Mapping[cst.CSTNode, Any], counts: Counts) -> None:
        super().__init__(context, reports)
        self.tag, self.positions, self.counts = tag, positions, counts
        self.markers = set(tag.def_markers)
        #: Lines of the definitions under lone markers (they count as tagged).
        self.marked: list[tuple[int, int]] = []
        #: Classes found tagged on the way in (their facts are complete on the way out).
        self.tagged_classes: set[int] = set()

    def _first_line(self, node: cst.FunctionDef | cst.ClassDef) -> int:
        first = self.positions[node].start.line
        if node.decorators:
            first = min(first, self.positions[node.decorators[0]].start.line)
        return int(first)

    def _enter(self, node: cst.FunctionDef | cst.ClassDef) -> bool:
        """Whether the definition is tagged; one under a lone marker (directly
        above it or its decorators) tags its lines, nested ones included."""
        line = int(self.positions[node].start.line)
        if self.tag.reason_at(line) is not None:
            return True
        if any(start <= line <= end for start, end in self.marked):
            return True
        first = self._first_line(node)
        if first - 1 in self.markers:
            self.marked.append((first, int(self.positions[node].end.line)))
            return True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        if not self._enter(node):
            return
        facts = contract_candidate(self.context, node)
        if facts is None or not facts.params:
            return
        self.counts.functions += 1
        self.counts.contracted += facts.has_contract

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        super().visit_ClassDef(node)
        if self._enter(node):
            self.tagged_classes.add(id(node))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        facts = self.tracker.finish_class(node)
        if facts is None or not facts.stateful or id(node) not in self.tagged_classes:
            return
        self.counts.classes += 1
        self.counts.invariant += facts.declares_invariant


def measure(
    display: str,
    project_path: str,
    data: bytes,
    text: str,
    tag: Tag,
    settings: Mapping[str, Any],
) -> Counts:
    """The counts of one tagged file (``text`` is its decoded ``data``)."""
    counts = Counts(files=1)
    problems = provenance_findings(display, project_path, data, text, tag,
                                   {"VBR401", "VBR402", "VBR405"}, settings)
    codes = {f.code for f in problems}
    counts.provenance = int(not codes & {"VBR401", "VBR402"})
    counts.reviewed = int("VBR405" not in codes)
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    marked: list[tuple[int, int]] = []
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        module = None  # no functions or classes to count; its lines still count
    if module is not None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        context = FileContext(path=display, source=text, module=module, settings=settings,
                              project_path=project_path)
        collector = _Collector(context, [], tag, wrapper.resolve(PositionProvider), counts)
        scopes = context.scopes
        walk(module, Dispatch([collector]), scopes.append, lambda node: _pop(scopes), _SCOPES)
        marked = collector.marked
    if tag.reason is not None:
        counts.lines = len(lines)
    else:
        tagged = {n for r in tag.regions for n in range(r.start, r.end + 1)}
        tagged.update(n for start, end in marked for n in range(start, end + 1))
        counts.lines = len(tagged)
    return counts


def _pop(scopes: list[cst.CSTNode]) -> None:
    scopes.pop()


#: One file to measure: shown path, project path, path to read.
Job = tuple[str, str, Path]
_settings: dict[str, Any] = {}


def _init(settings: Mapping[str, Any]) -> None:
    from vibrails.engine.tree import raise_recursion_limit

    raise_recursion_limit()
    _settings.clear()
    _settings.update(settings)


def _measure_job(job: Job) -> Counts:
    """Read, tag (as the check did) and measure one file, once."""
    from vibrails.engine.run import tag_text

    display, project_path, path = job
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
        tag = tag_text(project_path, text, _settings)
        if tag is None:  # changed since the check tagged it
            return Counts(files=1)
        return measure(display, project_path, data, text, tag, _settings)
    except (OSError, UnicodeDecodeError, RecursionError, MemoryError):
        return Counts(files=1)  # a tagged file whose code cannot be read or walked


def measure_files(jobs: Sequence[Job], settings: Mapping[str, Any], workers: int) -> list[Counts]:
    """The counts of each file, in order, measured on supervised workers."""
    from vibrails.core.pool import supervised_map

    results: list[Counts] = [Counts(files=1) for _ in jobs]
    for index, counts in supervised_map(
        _measure_job, list(jobs), workers, _init, (dict(settings),),
        float(settings["timeout-per-file"]), lambda job, problem: Counts(files=1),
    ):
        results[index] = counts
    return results
