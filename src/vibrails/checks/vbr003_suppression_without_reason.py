"""VBR003 suppression-without-reason: a ``# noqa`` that silences vibrails without saying why.

Reported (by the suppress stage, :func:`vibrails.suppress.noqa.apply_suppressions`,
on tagged lines only) for a suppression with no reason after `` -- `` that
names a VBR code, or a bare one that silenced a vibrails finding: a bare
``# noqa`` that silenced nothing of ours belongs to other tools. A reason in
the wrong place (``# noqa: VBR101 because …``) gets the ``misplaced`` message.
"""

from __future__ import annotations

from collections.abc import Collection

from vibrails.checks.shared.noqa import Suppression
from vibrails.core.catalogue import rule_info


def suppression_without_reason(suppression: Suppression, silenced: Collection[str]) -> str | None:
    """The message for ``suppression`` (which silenced the codes ``silenced``), or None."""
    ours = [c for c in suppression.codes if c.startswith("VBR")]
    if suppression.reason or not (ours or silenced):
        return None
    named = ",".join(suppression.codes) or ",".join(sorted(silenced))
    example = f"# noqa: {named} -- {suppression.misplaced or '<why>'}"
    key = "misplaced" if suppression.misplaced else None
    return rule_info("VBR003").format_named(key, {"example": example})
