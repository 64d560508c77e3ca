"""Where a program starts: scripts, ``__main__`` blocks and entry-point functions.

Configuring the process (VBR303) and taking raw input without a contract
(VBR101) are how programs start, not hidden effects of a library: the rules
ask this module whether the code they look at is an entry point.

* **Script files**: a shebang on the first line, the name ``__main__.py``, a
  folder named ``scripts``, ``bin``, ``tools``, ``examples`` or ``notebooks``
  on the path, or a ``if __name__ == "__main__":`` block in a file that is not
  part of a package (no ``__init__.py`` beside it, so nothing imports it as a
  module of the project).
* **``__main__`` blocks**: the module-level ``if __name__ == "__main__":``.
* **Entry functions**: module-level functions called from a ``__main__`` block
  and from nowhere else but other entry functions (to a fixed point);
  click/typer commands (``@click.command()``, ``@app.command()``,
  ``@cli.group()``, ``@app.callback()``); and the console-script entry points
  of the project's ``pyproject.toml`` (``[project.scripts]``,
  ``[project.gui-scripts]``), which the configuration passes in.

Everything is read from the tree (and one ``os.path`` look for the package's
``__init__.py``); nothing is imported or run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from vibrails.checks.shared.names import Names
from vibrails.checks.shared.traverse import descendants

SCRIPT_FOLDERS = frozenset({"scripts", "bin", "tools", "examples", "notebooks"})
#: Decorator callees (last name part) that make a function a CLI command.
_COMMAND_DECORATORS = frozenset({"command", "group", "callback", "main_command"})
_COMMAND_MODULES = ("click.", "typer.", "asyncclick.", "cloup.", "rich_click.")


def is_main_block(node: cst.CSTNode) -> bool:
    """``if __name__ == "__main__":`` (either operand order, any quotes)."""
    if not isinstance(node, cst.If) or not isinstance(node.test, cst.Comparison):
        return False
    test = node.test
    if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
    strings = [s for s in sides if isinstance(s, cst.SimpleString)
               and s.evaluated_value in ("__main__", b"__main__")]
    return len(names) == 1 and len(strings) == 1


def is_command(decorators: Iterable[cst.Decorator], names: Names) -> bool:
    """A click/typer command or group (``@click.command()``, ``@app.command()``, …)."""
    for decorator in decorators:
        expr = decorator.decorator
        func = expr.func if isinstance(expr, cst.Call) else expr
        if (names.qualify(func) or "").startswith(_COMMAND_MODULES):
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in _COMMAND_DECORATORS \
                and isinstance(expr, cst.Call):
            return True  # ``@app.command()`` on a typer/click application object
    return False


@dataclass
class EntryPoints:
    """The entry points of one module."""

    script: bool
    main_blocks: set[int] = field(default_factory=set)
    #: ``id`` of module-level ``FunctionDef`` nodes that are entry functions.
    functions: set[int] = field(default_factory=set)

    def covers(self, scopes: Sequence[cst.CSTNode], in_main_block: bool) -> bool:
        """Whether code in ``scopes`` (outermost first) is entry-point code:
        the outermost definition decides."""
        return self.script or in_main_block or (bool(scopes) and id(scopes[0]) in self.functions)


def _calls_in(node: cst.CSTNode) -> set[str]:
    """Names referred to (called or passed) under ``node``."""
    return {n.value for n in descendants([node]) if isinstance(n, cst.Name)}


def _module_of(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    if parts and parts[-1].endswith((".py", ".pyi")):
        parts[-1] = parts[-1].rsplit(".", 1)[0]
    return ".".join(p for p in parts if p not in ("", "."))


def _in_package(path: str) -> bool:
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.isfile(os.path.join(folder, "__init__.py"))


def find_entry_points(
    module: cst.Module, path: str, source: str, names: Names,
    console_scripts: Iterable[str] = (),
    location: str | None = None,
) -> EntryPoints:
    """The entry points of ``module`` at ``path`` (relative to the project root;
    ``location`` is where the file is on disk, if not there)."""
    parts = path.replace("\\", "/").split("/")
    script = source.startswith("#!") or parts[-1] == "__main__.py" \
        or any(p in SCRIPT_FOLDERS for p in parts[:-1])
    found = EntryPoints(script=script)
    functions: dict[str, cst.FunctionDef] = {}
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            functions[statement.name.value] = statement
            if is_command(statement.decorators, names):
                found.functions.add(id(statement))
        elif is_main_block(statement):
            found.main_blocks.add(id(statement))
    if found.main_blocks and not script and not _in_package(location or path):
        found.script = True
    module_name = _module_of(path)
    for spec in console_scripts:
        target, _, attr = spec.partition(":")
        target = target.strip()
        if attr and (module_name == target or module_name.endswith("." + target)):
            function = functions.get(attr.strip().split(".", 1)[0])
            if function is not None:
                found.functions.add(id(function))
    if found.script or not (found.main_blocks or found.functions):
        return found  # nothing to follow: no need to read who calls whom
    #: Function name → names of the module-level definitions that refer to it
    #: (``<module>`` for module-level code outside a ``__main__`` block).
    callers: dict[str, set[str]] = {}
    from_main: set[str] = set()
    for statement in module.body:
        if id(statement) in found.main_blocks:
            from_main |= _calls_in(statement)
            continue
        owner = statement.name.value if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) \
            else "<module>"
        for name in _calls_in(statement.body if isinstance(statement, cst.FunctionDef)
                              else statement):
            callers.setdefault(name, set()).add(owner)
    entry = {name for name, node in functions.items() if id(node) in found.functions}
    changed = True
    while changed:  # called from a __main__ block or entry functions, and from nothing else
        changed = False
        for name in functions:
            refs = callers.get(name, set()) - {name}
            if name not in entry and (name in from_main or refs) and refs <= entry:
                entry.add(name)
                changed = True
    found.functions |= {id(functions[name]) for name in entry}
    return found
