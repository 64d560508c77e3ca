"""Which rules run on which file: select, extend-select, ignore, per-file-ignores.

Codes and prefixes are resolved as ruff resolves them: for each rule the
longest matching prefix decides, and on a tie ``ignore`` wins. ``ALL`` and
prefixes select the rules that are on by default; an opt-in rule is selected
only by its full code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vibrails.catalogue import load_catalogue
from vibrails.globs import GlobSet


def _longest(code: str, prefixes: Iterable[str], opt_in: bool) -> int:
    best = -1
    for prefix in prefixes:
        if prefix == code:
            return len(code)
        if opt_in:
            continue
        if prefix == "ALL":
            best = max(best, 0)
        elif code.startswith(prefix):
            best = max(best, len(prefix))
    return best


@dataclass(frozen=True)
class Selection:
    """The enabled codes, and the per-file ignores on top of them."""

    enabled: frozenset[str]
    per_file: tuple[tuple[GlobSet, tuple[str, ...]], ...] = ()

    @classmethod
    def build(
        cls,
        select: list[str] | None,
        extend_select: list[str],
        ignore: list[str],
        per_file_ignores: Mapping[str, list[str]],
    ) -> Selection:
        catalogue = load_catalogue()
        chosen = set()
        for code, info in catalogue.items():
            if select is None:
                picked = -1 if info.opt_in else 0
            else:
                picked = _longest(code, select, info.opt_in)
            picked = max(picked, _longest(code, extend_select, info.opt_in))
            dropped = _longest(code, ignore, False)
            if picked >= 0 and dropped < picked:
                chosen.add(code)
        per_file = tuple(
            (GlobSet([glob]), tuple(codes)) for glob, codes in sorted(per_file_ignores.items())
        )
        return cls(frozenset(chosen), per_file)

    def for_file(self, project_path: str) -> frozenset[str]:
        """The codes enabled for the file at ``project_path``."""
        enabled = self.enabled
        for globs, codes in self.per_file:
            if globs(project_path) is not None:
                enabled = frozenset(
                    c for c in enabled if not any(c.startswith(p) or p == "ALL" for p in codes)
                )
        return enabled
