"""The layout reads as the pipeline (docs/architecture.md): one folder a stage,
and no module imports a later stage, not even for type checking."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from util import REPO

SRC = REPO / "src" / "vibrails"
#: The stages, earliest first: a module may import its own stage and earlier ones.
STAGES = ("core", "discover", "tagging", "provenance", "checks", "suppress", "engine",
          "verify", "report", "config", "commands")
#: Top-level modules outside the stages: the version, ``python -m vibrails``.
OUTSIDE = frozenset({"vibrails", "vibrails.__main__"})


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


def _stage(module: str) -> str:
    return module.split(".")[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found
            if name.startswith("vibrails.") and name not in OUTSIDE]


MODULES = sorted(p for p in SRC.rglob("*.py") if _module(p) not in OUTSIDE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module(p))
def test_no_module_imports_a_later_stage(path: Path) -> None:
    module = _module(path)
    assert _stage(module) in STAGES, f"{module} belongs to no stage"
    own = STAGES.index(_stage(module))
    later = [f"line {line}: {name}" for line, name in _imports(path)
             if STAGES.index(_stage(name)) > own]
    assert not later, f"{module} imports a later stage: {later}"


def test_rules_and_shared_analysis_import_no_rule() -> None:
    """In ``checks/``, shared analysis serves the rules and a rule serves no one:
    what two rules share is in ``checks/shared/``."""
    for path in sorted((SRC / "checks").rglob("*.py")):
        rules = [name for _, name in _imports(path) if name.startswith("vibrails.checks.vbr")]
        assert not rules, f"{_module(path)} imports rule modules {rules}"


def test_every_stage_is_a_folder_or_a_module() -> None:
    for stage in STAGES:
        assert (SRC / stage).is_dir() or (SRC / f"{stage}.py").is_file(), stage
