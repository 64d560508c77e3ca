"""``vibrails report --format json``: every number, for other tools."""

from __future__ import annotations

import json

from vibrails.report.coverage import SHARES, CoverageReport, Snapshot


def _shares(snapshot: Snapshot) -> dict[str, float | None]:
    return {key: snapshot.total.share(part, whole) for key, _, part, whole in SHARES}


def render(report: CoverageReport) -> str:
    data = {
        "version": 1,
        "tool": {"name": "vibrails", "version": report.version},
        "project": report.project,
        "now": {**report.now.as_dict(), "shares": _shares(report.now),
                "pillars": report.by_pillar(report.now.total)},
        "trend": [{**s.as_dict(), "shares": _shares(s)} for s in report.trend],
        "notes": report.notes,
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"
