"""The coverage report (``vibrails report``): its numbers, and one module per format.

A :class:`CoverageReport` holds a :class:`Snapshot` of the work tree (in
total and per package) and the snapshots of the main line's recent commits
(the trend). :func:`render` writes it as ``json``, ``markdown`` (the
GitHub job summary) or ``html`` (one self-contained page, inline SVG
charts, no script).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vibrails.engine.coverage import Counts

#: The shares the report follows: key, label, part, whole.
SHARES = (
    ("contracts", "public functions with a contract", "contracted", "functions"),
    ("invariants", "stateful classes with an invariant", "invariant", "classes"),
    ("provenance", "files with complete provenance", "provenance", "files"),
    ("reviewed", "files reviewed since generated", "reviewed", "files"),
)
FORMATS = ("markdown", "json", "html")


@dataclass
class Snapshot:
    """The numbers of one tree: the work tree, or a commit's."""

    label: str
    commit: str = ""
    date: str = ""
    subject: str = ""
    total: Counts = field(default_factory=Counts)
    packages: dict[str, Counts] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "commit": self.commit, "date": self.date,
            "subject": self.subject, "total": self.total.as_dict(),
            "packages": {name: c.as_dict() for name, c in sorted(self.packages.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            label=data["label"], commit=data["commit"], date=data["date"],
            subject=data["subject"], total=_counts(data["total"]),
            packages={name: _counts(c) for name, c in data["packages"].items()},
        )


def _counts(data: Mapping[str, Any]) -> Counts:
    return Counts(**{**data, "findings": dict(data["findings"])})


@dataclass
class CoverageReport:
    now: Snapshot
    #: The main line's commits, oldest first.
    trend: list[Snapshot] = field(default_factory=list)
    #: Rule code → pillar, for the findings per pillar.
    pillars: dict[str, str] = field(default_factory=dict)
    project: str = ""
    version: str = ""
    notes: list[str] = field(default_factory=list)

    def by_pillar(self, counts: Counts) -> dict[str, int]:
        out: dict[str, int] = {}
        for code, number in counts.findings.items():
            pillar = self.pillars.get(code, "engine")
            out[pillar] = out.get(pillar, 0) + number
        return out


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def render(fmt: str, report: CoverageReport) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    module = importlib.import_module(f"{__name__}.{fmt}_format")
    text: str = module.render(report)
    return text
