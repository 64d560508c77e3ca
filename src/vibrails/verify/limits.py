"""The limits of a verification, shared by the parent and its workers (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds a module may take to import in a worker.
IMPORT_SECONDS = 60.0
#: Seconds a worker gets beyond a function's budget before it is stopped.
GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Limits:
    #: Seconds of search per function.
    budget: float = 10.0
    #: Seconds for the whole run (``None``: no limit).
    total: float | None = None
    #: Bytes of memory a worker may use.
    memory: int | None = 2 << 30
    #: Hypothesis examples per function.
    examples: int = 200


def budget_spent(seconds: float) -> str:
    """Why a function is unverified when its time ran out (a hang and a slow
    search look alike; the words depend on neither, nor on when it stopped)."""
    return (f"it was not done within its {seconds:g} s budget (a search too slow for it, "
            "or a call that hangs)")
