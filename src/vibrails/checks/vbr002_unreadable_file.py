"""VBR002 unreadable-file: a tagged file could not be read, decoded or analysed.

Reported by the engine (:mod:`vibrails.engine.run`) on line 1 of the file:
bytes that do not decode, a file nested too deeply to analyse, one that ran
out of time or crashed its worker.
"""

from __future__ import annotations

from vibrails.core.catalogue import rule_info
from vibrails.core.finding import Finding, make_finding


def unreadable_finding(display: str, problem: str, reason: str) -> Finding:
    """VBR002 for the file shown as ``display``, saying what went wrong."""
    message = rule_info("VBR002").format_message(problem=problem)
    return make_finding(display, "VBR002", message, reason, (1, 0, 1, 1), problem)
