"""VBR404 ledger-integrity: the ledger's own problems, on its lines.

The ledger is read once per run (:mod:`vibrails.provenance.context`, which
finds its problems: a broken hash chain, a torn line, an event git knows of
that is gone, a path that no longer exists); :func:`ledger_findings` makes
them findings on the ledger's lines, once per run, not per Python file. The
class registers the rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from vibrails.checks.base import Rule
from vibrails.core.catalogue import rule_info
from vibrails.core.finding import Finding, make_finding
from vibrails.core.linehash import line_hashes
from vibrails.provenance.context import KEY, Provenance


class LedgerIntegrity(Rule):
    code = "VBR404"


def ledger_findings(settings: Mapping[str, Any], enabled: Collection[str]) -> list[Finding]:
    """VBR404: the ledger's own problems, on its lines (once per run)."""
    prov = settings.get(KEY)
    if "VBR404" not in enabled or not isinstance(prov, Provenance) or not prov.ledger_exists:
        return []
    info = rule_info("VBR404")
    found = []
    for problem in prov.problems:
        width = max(len(problem.text), 1)
        message = info.format_message(problem=problem.message, fix=problem.fix)
        finding = make_finding(
            prov.ledger_display, "VBR404", message, "ledger",
            (problem.line, 0, problem.line, width), f"{problem.message}\0{problem.text}",
        )
        if problem.level != finding.level:
            finding = finding.with_changes(level=problem.level)
        found.append(finding)
    if found:
        try:
            data = Path(prov.ledger).read_bytes()
        except OSError:
            return found
        hashes = line_hashes(data, {f.line for f in found})
        found = [f.with_changes(line_hash=hashes.get(f.line, "")) for f in found]
    return found
