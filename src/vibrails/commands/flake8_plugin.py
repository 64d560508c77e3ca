"""The flake8 plugin: vibrails' findings as flake8 ``VBR`` errors.

Registered under the ``flake8.extension`` entry point group with the code
prefix ``VBR``. For each file flake8 checks, the plugin runs the same per-file
pipeline as ``vibrails check`` (:func:`vibrails.engine.run.check_file`: tagging,
the rules, ``# noqa: VBR… -- reason`` suppressions) in flake8's own process,
with the ``[tool.vibrails]`` configuration found from the checked file's
folder upward, as the command line finds it (its ``select``/``ignore``/
``per-file-ignores``/``exclude``, the tagging keys), and the project's
provenance ledger, git trailers and attribution logs read once per project,
so that a file the ledger records is tagged and not reported as unrecorded. flake8's own
``--select``, ``--ignore``, ``--extend-ignore`` and ``# noqa`` then apply on
top, as for any plugin.

The plugin never raises into flake8: a file vibrails cannot parse is reported
as VBR001/VBR002 like on the command line, and anything unexpected (a broken
configuration, an internal error) becomes one VBR000 error on line 1.
"""

from __future__ import annotations

import ast
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vibrails import __version__

#: flake8's names for standard input.
_STDIN_NAMES = frozenset({"stdin", "-", "<stdin>"})

_configs: dict[str, Any] = {}


def _load(start: Path, cwd: str) -> Any:
    """The settings, selection and discoverer of the project of ``start`` (a
    checked file's folder): one load per configuration file per process."""
    from vibrails.config import find_config, load_config

    found = find_config(start.resolve())
    key = f"{found}\0{cwd}" if found is not None else f"\0{start}\0{cwd}"
    cached = _configs.get(key)
    if cached is None:
        from vibrails.core.selection import Selection
        from vibrails.discover import Discoverer
        from vibrails.provenance.context import prepare

        config = load_config(None, Path(cwd), start=start)
        values = config.values
        selection = Selection.from_config(values)
        discoverer = Discoverer(config.root, config.exclude_globs, True, Path(cwd))
        settings = prepare(config.settings(), config.root, Path(cwd))
        cached = (settings, selection, discoverer)
        _configs[key] = cached
    return cached


def _on_disk(path: Path, text: str) -> bool:
    """Whether the file at ``path`` holds ``text`` (flake8 may read standard input)."""
    from vibrails.core.source import decode

    try:
        return decode(path.read_bytes()).replace("\r\n", "\n") == text.replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
        return False


class VibrailsChecker:
    """A flake8 tree plugin (it asks only for ``filename`` and ``lines``)."""

    name = "vibrails"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        try:
            found = self._findings()
        except Exception as exc:  # never crash flake8
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            yield 1, 0, f"VBR000 vibrails could not check this file: {message}", type(self)
            return
        for line, col, text in found:
            yield line, col, text, type(self)

    def _findings(self) -> list[tuple[int, int, str]]:
        from vibrails.discover import Discovered
        from vibrails.engine.run import check_file

        cwd = os.getcwd()
        text = "".join(self.lines)
        name = self.filename
        path = Path(name)
        start = Path(cwd) if name in _STDIN_NAMES else (Path(cwd) / path).parent
        settings, selection, discoverer = _load(start, cwd)
        temporary: str | None = None
        if name not in _STDIN_NAMES and path.is_file():
            items = discoverer.discover([path])
            if not items:
                return []  # excluded by [tool.vibrails] exclude or .gitignore
            item = items[0]
        else:
            absolute = Path(os.path.abspath(name))
            item = Discovered(absolute, name, discoverer.project_path(absolute))
        try:
            if not _on_disk(item.path, text):
                # Standard input (or a buffer that differs from the file):
                # check what flake8 was given, under the file's name.
                handle, temporary = tempfile.mkstemp(suffix=".py")
                with os.fdopen(handle, "wb") as stream:
                    stream.write(text.encode("utf-8", "surrogatepass"))
                item = Discovered(Path(temporary), item.display, item.project_path)
            result = check_file(item, settings, selection)
        finally:
            if temporary is not None:
                os.unlink(temporary)
        out = []
        for finding in result.findings:
            if finding.suppressed is not None:
                continue
            message = " ".join(finding.message.split())
            out.append((finding.line, max(finding.column - 1, 0), f"{finding.code} {message}"))
        return out
