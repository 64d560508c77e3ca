"""``--statistics``: how many findings of each rule, most frequent first."""

from __future__ import annotations

from collections import Counter

from vibrails.core.finding import Finding


def statistics(findings: list[Finding]) -> str:
    counts = Counter((f.code, f.name) for f in findings if f.suppressed is None)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    return "".join(f"{count:>6}  {code}  {name}\n" for (code, name), count in rows)
