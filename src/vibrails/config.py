"""Configuration: ``[tool.vibrails]`` found upward from the current directory.

``vibrails.toml`` (top-level keys, or a ``[tool.vibrails]`` table) wins over
``pyproject.toml`` in the same folder; a ``pyproject.toml`` without a
``[tool.vibrails]`` table is passed over, as ruff does. Every key is checked:
an unknown key, a value of the wrong type or an unknown rule code raises
:class:`ConfigError` naming the file and the key.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibrails.catalogue import load_catalogue
from vibrails.globs import GlobSet
from vibrails.tagging.thirdparty import DEFAULT_MARKERS, compile_markers

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Codes the SPEC reserves; selecting one that is not implemented yet warns.
SPEC_CODES = frozenset(
    """VBR000 VBR001 VBR002 VBR003 VBR004 VBR101 VBR102 VBR103 VBR104 VBR201 VBR202
    VBR203 VBR301 VBR302 VBR303 VBR304 VBR305 VBR401 VBR402 VBR403 VBR404 VBR405""".split()
)

DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", ".vibrails_cache", "__pypackages__", "_build",
    "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
)

LEVEL_NAMES = ("note", "warning", "error")
FAIL_ON = (*LEVEL_NAMES, "none")


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


def _list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


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
    "markers": (_list_of_str, "a list of regular expressions", list(DEFAULT_MARKERS)),
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
    },
    "invariants": {
        "decorators": (_list_of_str, "a list of qualified names", []),
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

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def settings(self) -> dict[str, Any]:
        """What the tagging stage and the rules read (picklable)."""
        settings = dict(self.values)
        patterns = [*self.values["markers"], *self.values["extend-markers"]]
        settings["_marker_patterns"] = compile_markers(patterns)
        globs = self.values["ai-generated"]
        settings["_ai_generated_matcher"] = GlobSet(globs) if globs else None
        return settings

    def fingerprint(self) -> str:
        """A stable text of the values (part of the cache key)."""
        import json

        return json.dumps(self.values, sort_keys=True, default=str)


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
    """The nearest ``vibrails.toml`` or ``pyproject.toml`` with ``[tool.vibrails]``."""
    for folder in (start, *start.parents):
        candidate = folder / "vibrails.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = _read_toml(candidate)
            except ConfigError:
                return candidate  # report the error rather than skip the file
            if isinstance(data.get("tool"), dict) and "vibrails" in data["tool"]:
                return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: configuration is not UTF-8 ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def _section(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    tool = data.get("tool")
    if isinstance(tool, dict) and "vibrails" in tool:
        section = tool["vibrails"]
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [tool.vibrails] must be a table")
        return section
    if path.name == "pyproject.toml":
        return {}
    return {k: v for k, v in data.items() if k != "tool"}


def load_config(path: Path | None = None, cwd: Path | None = None) -> Config:
    """Load ``path`` (from ``--config``) or the nearest configuration file."""
    cwd = (cwd or Path.cwd()).resolve()
    if path is None:
        path = find_config(cwd)
        if path is None:
            return Config(root=cwd, source=None, values=defaults())
    elif not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    path = path.resolve()
    section = _section(path, _read_toml(path))
    values, warnings = validate(section, str(path))
    return Config(root=path.parent, source=path, values=values, warnings=warnings)


def validate(section: Mapping[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """Check every key of a ``[tool.vibrails]`` table and fill in defaults."""
    values = defaults()
    warnings: list[str] = []
    for key, value in section.items():
        if key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: key '{key}' must be a table")
            for sub, subvalue in value.items():
                spec = _TABLES[key].get(sub)
                if spec is None:
                    raise ConfigError(f"{where}: unknown key '{key}.{sub}'")
                if not spec[0](subvalue):
                    raise ConfigError(f"{where}: key '{key}.{sub}' must be {spec[1]}")
                values[key][sub] = subvalue
            continue
        spec = _KEYS.get(key)
        if spec is None:
            raise ConfigError(f"{where}: unknown key '{key}'")
        if not spec[0](value):
            raise ConfigError(f"{where}: key '{key}' must be {spec[1]}")
        values[key] = _copy(value)
    for key in _CODE_LISTS:
        if values[key] is not None:
            warnings += check_codes(values[key], where, key)
    for glob, codes in values["per-file-ignores"].items():
        warnings += check_codes(codes, where, f"per-file-ignores.{glob}")
    for key in ("markers", "extend-markers"):
        for pattern in values[key]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(
                    f"{where}: key '{key}' has an invalid regular expression {pattern!r}: {exc}"
                ) from exc
    return values, warnings


def check_codes(codes: list[str], where: str, key: str) -> list[str]:
    """Raise for an unknown code or prefix; warn for one not implemented yet."""
    known = load_catalogue()
    warnings = []
    for code in codes:
        if not _CODE.match(code):
            raise ConfigError(f"{where}: key '{key}' has an unknown rule code '{code}'")
        if code == "ALL" or any(k.startswith(code) for k in known):
            continue
        if any(k.startswith(code) for k in SPEC_CODES):
            warnings.append(f"{where}: key '{key}': {code} is not implemented in this version")
            continue
        raise ConfigError(f"{where}: key '{key}' has an unknown rule code '{code}'")
    return warnings
