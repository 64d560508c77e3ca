"""The rule catalogue: one TOML entry per rule under the top-level ``rules/``.

The catalogue is the single source of truth for a rule's metadata (code,
name, pillar, level, opt-in), its message, its documentation and its
examples. ``vibrails rules``, ``vibrails explain``, the SARIF rule
descriptors, the pages under ``docs/rules/`` and the example tests are all
derived from it. In a wheel it ships as ``vibrails/catalogue_data``; in a
checkout it is read from the repository's ``rules/`` folder.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

PILLARS = ("engine", "contracts", "invariants", "state", "provenance")
DOC_SECTIONS = (
    ("what", "What it does"),
    ("why", "Why is this bad?"),
    ("example", "Example"),
    ("use-instead", "Use instead"),
    ("options", "Options"),
)
DOCS_BASE_URL = "https://github.com/vibrails/vibrails/blob/main/docs/rules/"


@dataclass(frozen=True)
class Example:
    """A catalogue example: code, and for invalid ones the expected findings."""

    code: str
    valid: bool
    #: Expected findings of this rule as ``"line:column"`` (1-based).
    expect: tuple[str, ...] = ()
    #: Codes to select when running the example (default: the rule itself).
    select: tuple[str, ...] = ()
    #: Path the example is checked under (some rules look at file names).
    filename: str = "example.py"
    #: Extra ``[tool.vibrails]`` settings for the example.
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleInfo:
    """Everything the catalogue says about one rule."""

    code: str
    name: str
    pillar: str
    level: str
    opt_in: bool
    summary: str
    message: str
    tags: tuple[str, ...]
    docs: dict[str, str]
    examples: tuple[Example, ...]
    data: dict[str, Any]
    source: str

    @property
    def help_uri(self) -> str:
        return f"{DOCS_BASE_URL}{self.code}.md"

    def markdown(self) -> str:
        """The full documentation in ruff's shape, as markdown."""
        opt = " (opt-in)" if self.opt_in else ""
        parts = [
            f"# {self.code} {self.name}",
            "",
            f"Pillar: {self.pillar} · default level: {self.level}{opt}",
            "",
            self.summary,
        ]
        for key, title in DOC_SECTIONS:
            text = self.docs.get(key, "").strip()
            if not text:
                continue
            if key in ("example", "use-instead"):
                text = f"```python\n{text}\n```"
            parts += ["", f"## {title}", "", text]
        return "\n".join(parts) + "\n"

    def format_message(self, **args: object) -> str:
        return self.message.format(**args)


def catalogue_dir() -> Path:
    """Where the catalogue lives: inside the package, or the checkout's ``rules/``."""
    packaged = Path(__file__).resolve().parent / "catalogue_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def _parse_entry(path: Path) -> RuleInfo:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    examples: list[Example] = []
    for kind in ("invalid", "valid"):
        for item in raw.get(kind, []):
            examples.append(
                Example(
                    code=item["code"],
                    valid=kind == "valid",
                    expect=tuple(item.get("expect", ())),
                    select=tuple(item.get("select", ())),
                    filename=item.get("filename", "example.py"),
                    config=dict(item.get("config", {})),
                )
            )
    info = RuleInfo(
        code=raw["code"],
        name=raw["name"],
        pillar=raw["pillar"],
        level=raw["level"],
        opt_in=bool(raw.get("opt-in", False)),
        summary=raw["summary"].strip(),
        message=raw["message"],
        tags=tuple(raw.get("tags", ())),
        docs={k: str(v) for k, v in raw.get("docs", {}).items()},
        examples=tuple(examples),
        data=dict(raw.get("data", {})),
        source=path.name,
    )
    if info.pillar not in PILLARS:
        raise ValueError(f"{path.name}: unknown pillar {info.pillar!r}")
    if path.stem != info.code:
        raise ValueError(f"{path.name}: file name does not match code {info.code}")
    return info


@functools.cache
def load_catalogue() -> dict[str, RuleInfo]:
    """All catalogue entries by code, sorted by code."""
    entries = [_parse_entry(p) for p in sorted(catalogue_dir().glob("VBR*.toml"))]
    return {e.code: e for e in sorted(entries, key=lambda e: e.code)}


def rule_info(code: str) -> RuleInfo:
    return load_catalogue()[code]
