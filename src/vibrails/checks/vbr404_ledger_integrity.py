"""VBR404 ledger-integrity: the ledger's own problems.

The ledger is read once per run (:mod:`vibrails.provenance.context`); its
findings are made by :func:`vibrails.checks.shared.provenance.ledger_findings` on
the ledger's lines, not per Python file. The class registers the rule.
"""

from __future__ import annotations

from vibrails.checks.base import Rule


class LedgerIntegrity(Rule):
    code = "VBR404"
