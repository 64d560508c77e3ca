"""VBR004 unused-suppression (opt-in): a ``# noqa`` names a VBR code that reported nothing there.

Reported by the suppress stage (:func:`vibrails.suppress.noqa.apply_suppressions`),
on tagged lines only, once per suppression, naming every unused code.
"""

from __future__ import annotations

from collections.abc import Collection

from vibrails.checks.shared.noqa import Suppression
from vibrails.core.catalogue import rule_info


def unused_suppression(suppression: Suppression, silenced: Collection[str]) -> str | None:
    """The message for ``suppression`` (which silenced the codes ``silenced``), or None."""
    unused = [c for c in suppression.codes if c.startswith("VBR") and c not in silenced]
    if not unused:
        return None
    return rule_info("VBR004").format_message(codes=", ".join(unused))
