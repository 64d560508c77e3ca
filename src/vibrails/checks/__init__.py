"""The rules, one module each (``vbrNNN_<name>.py``, the code and the name of
its catalogue entry ``rules/VBRNNN.toml``); adding such a module adds a rule.
Analysis that several rules share is in :mod:`vibrails.checks.shared`; the
rule base classes are in :mod:`vibrails.checks.base`."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from vibrails.checks.base import Rule


@functools.cache
def all_rules() -> dict[str, type[Rule]]:
    """Every tree rule class in this package, by code."""
    found: dict[str, type[Rule]] = {}
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("vbr"):
            continue  # base, shared
        mod = importlib.import_module(f"{__name__}.{module.name}")
        for value in vars(mod).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule:
                if value.__module__ == mod.__name__:
                    found[value.code] = value
    return dict(sorted(found.items()))
