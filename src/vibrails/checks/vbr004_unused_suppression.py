"""VBR004 unused-suppression (opt-in): a ``# noqa`` names a VBR code that reported nothing there.

Reported by the suppress stage (:func:`vibrails.suppress.noqa.apply_suppressions`),
on tagged lines only, once per suppression, naming every unused code. The
codes of the diff rules (VBR105, VBR204, VBR406) are never called unused:
they report only against a diff base, which a file's own check does not see.
"""

from __future__ import annotations

from collections.abc import Collection

from vibrails.checks.shared.noqa import Suppression
from vibrails.core.catalogue import load_catalogue, rule_info


def unused_suppression(suppression: Suppression, silenced: Collection[str]) -> str | None:
    """The message for ``suppression`` (which silenced the codes ``silenced``), or None."""
    catalogue = load_catalogue()
    unused = [c for c in suppression.codes if c.startswith("VBR") and c not in silenced
              and (c not in catalogue or catalogue[c].scope not in ("diff", "verify"))]
    if not unused:
        return None
    return rule_info("VBR004").format_message(codes=", ".join(unused))
