"""Configuration: ``[tool.vibrails]`` found upward from the checked path.

In each folder from the first checked path's up (the current directory when
no path is given), ``vibrails.toml`` (top-level keys, or
a ``[tool.vibrails]`` table and nothing else) is taken first, then
``pyproject.toml`` if it has a ``[tool.vibrails]`` table (one without is
passed over, as ruff does). ``--config FILE`` names a file of either shape.
Relative paths and globs in the file are relative to its folder (the
project root); with no file, the nearest folder holding ``.vibrails`` or
``.git`` is the root (else the checked path's folder).

Every key is checked: an unknown key (in a table too), a value of the wrong
type, an unknown rule code or prefix, an invalid marker expression, invalid
TOML (with its line and column), bytes that are not UTF-8 (a UTF-8 BOM is
fine) and a file that cannot be read all raise :class:`ConfigError`, whose
one-line message names the file and the key.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibrails.core.catalogue import load_catalogue
from vibrails.core.globs import GlobSet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", ".vibrails_cache", "__pypackages__", "_build",
    "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
)

LEVEL_NAMES = ("note", "warning", "error")
FAIL_ON = (*LEVEL_NAMES, "none")


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key.

    The message is always one line: control characters (a newline in a
    quoted TOML key, say) are written as escapes.
    """

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _key_name(key: str) -> str:
    """A key as TOML would write it: bare when it can be, quoted otherwise."""
    return key if _BARE_KEY.match(key) else json.dumps(key)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _kind(value: Any) -> str:
    for kind, name in _KINDS:
        if isinstance(value, kind):
            return name
    return "date/time"


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"),
    (list, "array"), (dict, "table"),
)


def _describe(value: Any) -> str:
    """A value's TOML type, with the value itself when it is short."""
    kind = _kind(value)
    if isinstance(value, (bool, int, float, str)):
        shown = json.dumps(value)
        return f"the {kind} {shown}" if len(shown) <= 40 else f"a {kind}"
    if isinstance(value, list):
        kinds = {_kind(v) for v in value}
        if not kinds:
            return "an empty array"
        return f"an array of {kinds.pop()}s" if len(kinds) == 1 else "an array of mixed types"
    return "a table" if kind == "table" else f"a {kind}"


def _list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _non_empty_strings(value: Any) -> bool:
    return _list_of_str(value) and all(v.strip() for v in value)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _table_of_lists(value: Any) -> bool:
    return isinstance(value, dict) and all(_list_of_str(v) for v in value.values())


# key: (check, description of the expected type, default)
_KEYS: dict[str, tuple[Any, str, Any]] = {
    "select": (_list_of_str, "a list of rule codes", None),
    "extend-select": (_list_of_str, "a list of rule codes", []),
    "ignore": (_list_of_str, "a list of rule codes", []),
    "per-file-ignores": (_table_of_lists, "a table of glob = [codes]", {}),
    "exclude": (_list_of_str, "a list of globs", list(DEFAULT_EXCLUDE)),
    "extend-exclude": (_list_of_str, "a list of globs", []),
    "ai-generated": (_list_of_str, "a list of globs", []),
    "assume-ai": (lambda v: isinstance(v, bool), "true or false", False),
    # None: the built-in signatures; a list replaces them with the project's patterns.
    "markers": (_list_of_str, "a list of regular expressions", None),
    "extend-markers": (_list_of_str, "a list of regular expressions", []),
    "git-trailers": (lambda v: isinstance(v, bool), "true or false", False),
    "fail-on": (lambda v: v in FAIL_ON, "one of " + ", ".join(FAIL_ON), "warning"),
    "ledger": (lambda v: isinstance(v, str) and v != "", "a path", ".vibrails/ledger.jsonl"),
    "max-file-bytes": (_positive_int, "a positive integer", 2_000_000),
    "timeout-per-file": (_positive_number, "a positive number of seconds", 20),
    "cache-dir": (lambda v: isinstance(v, str) and v != "", "a path", ".vibrails_cache"),
}
_TABLES: dict[str, dict[str, tuple[Any, str, Any]]] = {
    "contracts": {
        "decorators": (_list_of_str, "a list of qualified names", []),
        "validators": (_list_of_str, "a list of function names", []),
        "annotations": (lambda v: isinstance(v, bool), "true or false", False),
        "verifier": (lambda v: v in ("none", "crosshair"), '"none" or "crosshair"', "none"),
        "scope": (lambda v: v in ("implied", "public"), '"implied" or "public"', "implied"),
    },
    "invariants": {
        "decorators": (_list_of_str, "a list of qualified names", []),
        "scope": (lambda v: v in ("arithmetic", "stateful"), '"arithmetic" or "stateful"',
                  "arithmetic"),
        "methods": (
            _list_of_str,
            "a list of method names",
            ["__invariant__", "check_invariants", "_check_invariants", "_check_invariant",
             "_validate", "validate"],
        ),
    },
    "mutation": {
        "declaration-words": (
            _list_of_str,
            "a list of words",
            ["in place", "in-place", "mutates", "modifies", "updates"],
        ),
    },
    "state": {"process-calls": (_list_of_str, "a list of qualified names", [])},
    "provenance": {"required": (_list_of_str, "a list of field names", ["model", "prompt"])},
    "agents": {
        "feedback": (lambda v: v in ("block", "warn", "off"), '"block", "warn" or "off"', "block"),
        "max-rounds": (_positive_int, "a positive integer", 3),
    },
    "tagging": {
        "signatures": (lambda v: isinstance(v, bool), "true or false", True),
        "extra-assistants": (_non_empty_strings, "a list of names", []),
        "trailer-scope": (lambda v: v in ("file", "lines"), '"file" or "lines"', "file"),
    },
}
_CODE_LISTS = ("select", "extend-select", "ignore")
_CODE = re.compile(r"^(ALL|VBR[0-9]{0,3})$")


@dataclass
class Config:
    """The effective configuration of a run."""

    #: Folder that relative paths and globs in the configuration refer to.
    root: Path
    #: The file it came from, or ``None`` for the defaults.
    source: Path | None
    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    #: ``module:function`` of the project's console scripts (``[project.scripts]``
    #: and ``[project.gui-scripts]`` of the ``pyproject.toml`` in ``root``).
    console_scripts: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def exclude_globs(self) -> list[str]:
        """``exclude`` and ``extend-exclude`` together, as discovery takes them."""
        return [*self.values["exclude"], *self.values["extend-exclude"]]

    def settings(self) -> dict[str, Any]:
        """What the tagging stage and the rules read (picklable)."""
        settings = dict(self.values)
        settings.update(tagging_settings(self.values))
        globs = self.values["ai-generated"]
        settings["_ai_generated_matcher"] = GlobSet(globs) if globs else None
        settings["_console_scripts"] = tuple(self.console_scripts)
        return settings

    def fingerprint(self) -> str:
        """A stable text of the values (part of the cache key)."""
        return json.dumps([self.values, self.console_scripts], sort_keys=True, default=str)


def tagging_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The compiled marker patterns and assistants of validated ``values``.

    ``markers`` set by the project replaces the built-in signatures (as
    ``select`` replaces the default rules); ``extend-markers`` adds to them.
    """
    from vibrails.tagging.assistants import assistants
    from vibrails.tagging.thirdparty import compile_markers

    own = values["markers"]
    patterns = [*(own or ()), *values["extend-markers"]]
    tagging = values["tagging"]
    return {
        "_marker_patterns": compile_markers(patterns),
        "_signatures": own is None and tagging["signatures"],
        "_assistants": assistants(tuple(tagging["extra-assistants"])),
    }


def defaults() -> dict[str, Any]:
    values = {key: _copy(spec[2]) for key, spec in _KEYS.items()}
    for table, keys in _TABLES.items():
        values[table] = {key: _copy(spec[2]) for key, spec in keys.items()}
    return values


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def find_config(start: Path) -> Path | None:
    """The nearest ``vibrails.toml``, or ``pyproject.toml`` with ``[tool.vibrails]``.

    A ``pyproject.toml`` that cannot be read or parsed is returned, so that
    its error is reported rather than the file silently passed over.
    """
    for folder in (start, *start.parents):
        try:
            has_own = (folder / "vibrails.toml").is_file()
            has_pyproject = (folder / "pyproject.toml").is_file()
        except OSError as exc:  # a folder on the way up that cannot be read
            raise ConfigError(
                f"{folder}: cannot look for a configuration file: {exc.strerror or exc}"
            ) from exc
        candidate = folder / "vibrails.toml"
        if has_own:
            return candidate
        candidate = folder / "pyproject.toml"
        if has_pyproject:
            try:
                data = _read_toml(candidate, str(candidate))
            except ConfigError:
                return candidate
            tool = data.get("tool")
            if isinstance(tool, dict) and "vibrails" in tool:
                return candidate
    return None


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except IsADirectoryError as exc:
        raise ConfigError(f"{shown}: is a directory, not a configuration file") from exc
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read configuration: {exc.strerror or exc}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{shown}: configuration is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line})"
        ) from exc
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if message.endswith("(at end of document)"):
            lines = text.splitlines() or [""]
            where = f"line {len(lines)}, column {len(lines[-1]) + 1}"
            message = message.replace("(at end of document)", f"(at end of document, {where})")
        raise ConfigError(f"{shown}: invalid TOML: {message}") from exc
    return data


def _section(path: Path, data: dict[str, Any], shown: str) -> dict[str, Any]:
    """The vibrails settings of a parsed file.

    ``[tool.vibrails]`` when the file has it (in a ``vibrails.toml`` nothing
    else may be set then); otherwise, in a ``pyproject.toml`` nothing, and in
    any other file its top-level keys.
    """
    tool = data.get("tool")
    if isinstance(tool, dict) and "vibrails" in tool:
        section = tool["vibrails"]
        if not isinstance(section, dict):
            raise ConfigError(f"{shown}: key 'tool.vibrails' must be a table")
        if path.name != "pyproject.toml":
            for key in data:
                if key != "tool":
                    raise ConfigError(
                        f"{shown}: key '{_key_name(key)}' is outside [tool.vibrails]; "
                        "set every key in that table"
                    )
        return section
    if path.name == "pyproject.toml":
        return {}
    return data


def _shown(path: Path, cwd: Path) -> str:
    """How a configuration file is named in messages: relative to ``cwd`` when
    below it, absolute otherwise."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def load_config(
    path: Path | None = None, cwd: Path | None = None, start: Path | None = None
) -> Config:
    """Load ``path`` (from ``--config``, relative to ``cwd``) or the nearest
    configuration file at or above ``start`` (the first checked path, as ruff
    looks from the checked files; default ``cwd``).

    Without a configuration file, the project's root is the nearest folder at
    or above ``start`` that holds ``.vibrails`` (the ledger's folder) or
    ``.git``, else ``start`` itself: the ledger is found from the checked
    path, not from where the command runs.

    Raises :class:`ConfigError` for any problem with the file.
    """
    cwd = (cwd or Path.cwd()).resolve()
    if path is None:
        origin = (start or cwd).resolve()
        found = find_config(origin)
        if found is None:
            root = _project_root(origin)
            return Config(root=root, source=None, values=defaults(),
                          console_scripts=console_scripts(root))
        path = found
        shown = _shown(found, cwd)
    else:
        shown = str(path)
        path = cwd / path
        if path.is_dir():
            raise ConfigError(f"{shown}: is a directory, not a configuration file")
        if not os.path.lexists(path):
            raise ConfigError(f"{shown}: configuration file not found")
    data = _read_toml(path, shown)
    section = _section(path, data, shown)
    values, warnings = validate(section, shown)
    path = path.resolve()
    _inside(path.parent, values, shown)
    return Config(root=path.parent, source=path, values=values, warnings=warnings,
                  console_scripts=console_scripts(
                      path.parent, data if path.name == "pyproject.toml" else None))


def _project_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        try:
            if (folder / ".vibrails").is_dir() or (folder / ".git").exists():
                return folder
        except OSError:
            break
    return start


def search_start(paths: Sequence[Path], cwd: Path | None = None) -> Path:
    """Where to look for the configuration of a run over ``paths``: the first
    path's folder (itself when it is a folder), or ``cwd`` for none."""
    cwd = cwd or Path.cwd()
    if not paths:
        return cwd
    first = cwd / paths[0]
    try:
        return first if first.is_dir() else first.parent
    except OSError:
        return first.parent


def console_scripts(root: Path, data: Mapping[str, Any] | None = None) -> list[str]:
    """The ``module:function`` targets of ``root/pyproject.toml``'s scripts
    (``data`` is that file already parsed, when the configuration is in it).

    Read leniently: a missing or unreadable file, or one without the tables,
    gives none (the file's own problems are the configuration's to report).
    """
    if data is None:
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return []
    project = data.get("project")
    found: list[str] = []
    if isinstance(project, dict):
        for table in ("scripts", "gui-scripts"):
            scripts = project.get(table)
            if isinstance(scripts, dict):
                found += sorted(v for v in scripts.values() if isinstance(v, str))
    return found


def _inside(root: Path, values: Mapping[str, Any], where: str) -> None:
    """A configuration may not point vibrails at files outside its project.

    A scanned subproject's configuration is read as it is, so its
    ``cache-dir`` and ``ledger`` must stay below the folder it sits in (the
    command line's ``--cache-dir`` is the user's own choice and may go
    anywhere).
    """
    for key in ("cache-dir", "ledger"):
        target = (root / values[key]).resolve()
        if target != root and root not in target.parents:
            raise ConfigError(
                f"{where}: key '{key}' must name a path inside the project, not {values[key]!r}"
            )


def validate(section: Mapping[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """Check every key of a ``[tool.vibrails]`` table and fill in defaults.

    ``where`` names the file in messages. Returns the values and warnings
    (codes the SPEC reserves that this version does not implement yet).
    """
    values = defaults()
    warnings: list[str] = []
    for key, value in section.items():
        if key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{where}: key '{key}' must be a table, not {_describe(value)}"
                )
            for sub, subvalue in value.items():
                name = f"{key}.{_key_name(sub)}"
                spec = _TABLES[key].get(sub)
                if spec is None:
                    raise ConfigError(
                        f"{where}: unknown key '{name}' in table [{key}]"
                        + did_you_mean(str(sub), _TABLES[key], f"{key}.")
                    )
                if not spec[0](subvalue):
                    raise ConfigError(
                        f"{where}: key '{name}' must be {spec[1]}, not {_describe(subvalue)}"
                    )
                values[key][sub] = _copy(subvalue)
            continue
        spec = _KEYS.get(key)
        if spec is None:
            raise ConfigError(
                f"{where}: unknown key '{_key_name(key)}'" + did_you_mean(key, [*_KEYS, *_TABLES])
            )
        if not spec[0](value):
            if key == "per-file-ignores" and isinstance(value, dict):
                for glob, codes in value.items():
                    if not _list_of_str(codes):
                        raise ConfigError(
                            f"{where}: key 'per-file-ignores.{_key_name(glob)}' must be "
                            f"a list of rule codes, not {_describe(codes)}"
                        )
            raise ConfigError(f"{where}: key '{key}' must be {spec[1]}, not {_describe(value)}")
        values[key] = _copy(value)
    for key in _CODE_LISTS:
        if values[key] is not None:
            check_codes(values[key], where, key)
    for glob, codes in values["per-file-ignores"].items():
        check_codes(codes, where, f"per-file-ignores.{_key_name(glob)}")
    for key in ("markers", "extend-markers"):
        for pattern in values[key] or ():
            try:
                re.compile(pattern, re.IGNORECASE | re.MULTILINE)  # as compile_markers does
            except re.error as exc:
                raise ConfigError(
                    f"{where}: key '{key}' has an invalid regular expression {pattern!r}: {exc}"
                ) from exc
    return values, warnings


def check_codes(codes: list[str], where: str, key: str) -> None:
    """Raise for a code or prefix no rule of the catalogue has.

    ``ALL``, a full code or a prefix of one (``VBR``, ``VBR3``, ``VBR30``) is
    accepted when a rule of the catalogue has it.
    """
    known = load_catalogue()
    for code in codes:
        if _CODE.match(code) and (code == "ALL" or any(k.startswith(code) for k in known)):
            continue
        raise ConfigError(
            f"{where}: key '{key}' has an unknown rule code {code!r}" + _code_hint(code, known)
        )


def did_you_mean(given: str, choices: Iterable[str], prefix: str = "") -> str:
    """`` (did you mean 'X'?)`` for the closest of ``choices``, or ``""``."""
    import difflib  # only when a key or code is wrong

    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{prefix}{close[0]}'?)" if close else ""


def _code_hint(code: str, known: Mapping[str, Any]) -> str:
    """A code close to ``code`` (``VBR3O4`` -> ``VBR304``), or a rule's code
    given its name (``mutable-default-argument`` -> ``VBR304``)."""
    import difflib

    by_name = {info.name: found for found, info in known.items()}
    close = difflib.get_close_matches(code.lower(), list(by_name), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{by_name[close[0]]}', the code of {close[0]}?)"
    return did_you_mean(code.upper(), known)
