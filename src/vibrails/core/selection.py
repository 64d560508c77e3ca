"""Which rules run on which file: select, extend-select, ignore, per-file-ignores.

Codes and prefixes are resolved as ruff resolves them. A selector is ``ALL``,
a prefix (``VBR``, ``VBR3``, ``VBR30``) or a full code; for each rule the
most specific selector that names it decides (``ALL`` is the least specific,
then longer prefixes, then the full code), and between a selector of
``select``/``extend-select`` and one of ``ignore`` equally specific,
``ignore`` wins. ``ALL`` and prefixes select only the rules that are on by
default; an opt-in rule (``opt-in = true`` in the catalogue) is selected only
by its full code, but a prefix or ``ALL`` in ``ignore`` does drop it.

Selections can come in layers (the configuration file, then the command
line): a layer with a ``select`` starts afresh, one without changes the
rules the layers before it chose.

``per-file-ignores`` maps a glob (see :mod:`vibrails.core.globs`; relative to the
project root) to codes or prefixes that are switched off for the files it
matches; a glob starting with ``!`` applies to the files it does *not*
match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vibrails.core.catalogue import load_catalogue
from vibrails.core.globs import GlobSet


def specificity(selector: str, code: str) -> int:
    """How specifically ``selector`` names ``code``: -1 not at all, 0 for
    ``ALL``, else the length of the matching prefix."""
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


def _strongest(code: str, selectors: Iterable[str], opt_in: bool) -> int:
    """The specificity of the most specific selector naming ``code``.

    For an opt-in rule only its full code counts.
    """
    best = -1
    for selector in selectors:
        if opt_in and selector != code:
            continue
        best = max(best, specificity(selector, code))
    return best


@dataclass(frozen=True)
class Layer:
    """One source of selectors: the configuration file or the command line."""

    #: ``None``: keep what the layers before chose (the defaults, for the first).
    select: Sequence[str] | None = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()


def resolve(layers: Iterable[Layer], rules: Mapping[str, bool] | None = None) -> frozenset[str]:
    """The codes enabled by ``layers`` applied in order.

    ``rules`` maps every known code to whether it is opt-in (default: the
    catalogue). Before the first layer the rules that are on by default are
    enabled.
    """
    if rules is None:
        rules = {code: info.opt_in for code, info in load_catalogue().items()}
    enabled = {code for code, opt_in in rules.items() if not opt_in}
    for layer in layers:
        chosen = set() if layer.select is not None else set(enabled)
        selectors = [*(layer.select or ()), *layer.extend_select]
        for code, opt_in in rules.items():
            picked = _strongest(code, selectors, opt_in)
            dropped = _strongest(code, layer.ignore, False)
            if picked < 0 and dropped < 0:
                continue
            if picked > dropped:
                chosen.add(code)
            else:
                chosen.discard(code)
        enabled = chosen
    return frozenset(enabled)


@dataclass(frozen=True)
class Selection:
    """The enabled codes, and the per-file ignores on top of them."""

    enabled: frozenset[str]
    #: (glob, negated, codes or prefixes to switch off), in the file's order.
    per_file: tuple[tuple[GlobSet, bool, tuple[str, ...]], ...] = ()

    @classmethod
    def build(
        cls,
        select: Sequence[str] | None,
        extend_select: Sequence[str],
        ignore: Sequence[str],
        per_file_ignores: Mapping[str, Sequence[str]],
    ) -> Selection:
        """One layer of selectors (see :meth:`from_layers`)."""
        return cls.from_layers([Layer(select, tuple(extend_select), tuple(ignore))],
                               per_file_ignores)

    @classmethod
    def from_config(cls, values: Mapping[str, Any], *more: Layer) -> Selection:
        """The selection of validated configuration ``values`` (its ``select``,
        ``extend-select``, ``ignore`` and ``per-file-ignores``), then ``more``
        layers on top (the command line's)."""
        layer = Layer(values["select"], values["extend-select"], values["ignore"])
        return cls.from_layers([layer, *more], values["per-file-ignores"])

    @classmethod
    def from_layers(
        cls,
        layers: Iterable[Layer],
        per_file_ignores: Mapping[str, Sequence[str]] | None = None,
    ) -> Selection:
        """Layers in order (configuration file, then command line)."""
        per_file = []
        for glob, codes in (per_file_ignores or {}).items():
            negated = glob.startswith("!")
            pattern = glob[1:] if negated else glob
            per_file.append((GlobSet([pattern]), negated, tuple(codes)))
        return cls(resolve(layers), tuple(per_file))

    def for_file(self, project_path: str) -> frozenset[str]:
        """The codes enabled for the file at ``project_path`` (relative to the root)."""
        off: list[str] = []
        for globs, negated, codes in self.per_file:
            if (globs(project_path) is not None) != negated:
                off += codes
        if not off:
            return self.enabled
        return frozenset(
            c for c in self.enabled if not any(specificity(p, c) >= 0 for p in off)
        )
