"""The tree rules, one module each. Adding a module here adds a rule."""

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
        if module.name == "base":
            continue
        mod = importlib.import_module(f"{__name__}.{module.name}")
        for value in vars(mod).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule:
                if value.__module__ == mod.__name__:
                    found[value.code] = value
    return dict(sorted(found.items()))
