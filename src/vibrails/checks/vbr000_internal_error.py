"""VBR000 internal-error: a rule (or the engine) raised on this file.

Reported by the engine (:mod:`vibrails.engine.tree` for a rule that raised,
:mod:`vibrails.engine.run` for a failure outside the rules), whatever the
selection: the results for the file are incomplete, and the run exits 2.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Mapping
from typing import Any

from vibrails.core.catalogue import load_catalogue, rule_info
from vibrails.core.finding import Finding, make_finding


def internal_finding(
    path: str,
    code: str,
    exc: BaseException,
    trace: str,
    reason: str,
    span: tuple[int, int, int, int],
    settings: Mapping[str, Any],
) -> Finding:
    """VBR000 naming the failed rule (or the engine) and the exception type.

    The traceback goes to stderr under ``--debug`` only: in the report it
    would make the output depend on the machine.
    """
    where = "the engine"
    if code in load_catalogue():
        where = f"rule {code} ({rule_info(code).name})"
    detail = " ".join(str(exc).split())
    if len(detail) > 200:
        detail = detail[:197] + "..."
    exception = type(exc).__name__ + (f": {detail}" if detail else "")
    message = rule_info("VBR000").format_message(where=where, exception=exception)
    if settings.get("_debug"):
        print(f"vibrails: internal error in {where} on {path}:\n{trace}",
              file=sys.stderr, flush=True)
    return make_finding(path, "VBR000", message, reason, span, code)


def internal_error(path: str, exc: Exception, settings: Mapping[str, Any]) -> Finding:
    """VBR000 for a file whose check failed outside the rules (line 1)."""
    trace = "".join(traceback.format_exception(exc))
    reason = "assume-ai" if settings.get("assume-ai") else "unknown"
    return internal_finding(path, "engine", exc, trace, reason, (1, 0, 1, 1), settings)
