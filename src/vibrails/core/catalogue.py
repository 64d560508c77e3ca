"""The rule catalogue: one TOML entry per rule under the top-level ``rules/``.

The catalogue is the single source of truth for a rule's metadata (code,
name, pillar, level, opt-in), its message, its documentation and its
examples. ``vibrails rules``, ``vibrails explain``, the SARIF rule
descriptors, the pages under ``docs/rules/`` and the example tests are all
derived from it. In a wheel it ships as ``vibrails/catalogue_data``; in a
checkout it is read from the repository's ``rules/`` folder.

An entry (``rules/VBR304.toml``; the file name is the code) holds:

* ``code``, ``name`` (kebab-case), ``pillar`` (one of :data:`PILLARS`),
  ``level`` (``error``, ``warning`` or ``note``), ``opt-in`` (bool),
  ``precision`` (:data:`PRECISIONS`: how often a finding is right, SARIF's
  ``properties.precision``), ``scope`` (:data:`SCOPES`: where the rule
  reports: on tagged lines only, anywhere in a tagged file, or on the
  ledger), ``file-rule`` (bool: the rule judges a whole tagged file from its
  provenance, without a tree),
  ``tags`` (SARIF ``properties.tags``), ``summary`` (one sentence),
  ``message`` (a :meth:`str.format` template filled with the arguments the
  rule passes to ``report``), and optionally ``[messages]``, other templates
  by key for a rule that reports in more than one mode;
* ``[docs]`` with ``what``, ``why``, ``example``, ``use-instead`` and
  ``options`` (markdown; ``example``/``use-instead`` are Python code), and
  optionally ``suppress``;
* optionally ``[data]``, free-form tables a rule reads;
* ``[[invalid]]`` and ``[[valid]]`` examples, each with ``code`` (or
  ``bytes``, see :func:`decode_bytes_field`), and optionally ``expect``
  (invalid only: the rule's findings as ``"line:column"``, 1-based),
  ``select`` (codes to run, default the rule's own), ``filename`` (default
  ``example.py``), ``config`` (a ``[tool.vibrails]`` table) and ``ledger``
  (JSON lines of a provenance ledger written next to the file). The example
  tests check each one with every file treated as AI-generated. The
  examples of a ``diff``-scope rule also give ``before``, the file at the
  diff base, and its ``[docs]`` a ``before`` for ``example``.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibrails.core import installation

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

PILLARS = ("engine", "contracts", "invariants", "state", "provenance")
#: SARIF's ``properties.precision`` values.
PRECISIONS = ("very-high", "high", "medium", "low")
#: ``tagged-lines``: findings only on the tagged lines of a file (a region of
#: AI code does not make vibrails judge the code around it); ``tagged-file``:
#: anywhere in a tagged file (the file could not be read or parsed, a
#: suppression, the file's provenance); ``ledger``: on the ledger's lines;
#: ``diff``: what a change did to a file since the diff base (changed-lines
#: mode only, ``vibrails check --diff-base``); ``verify``: what running the
#: code showed (``vibrails verify`` only; ``vibrails check`` runs nothing).
SCOPES = ("tagged-lines", "tagged-file", "ledger", "diff", "verify")
DOC_SECTIONS = (
    ("what", "What it does"),
    ("why", "Why is this bad?"),
    ("example", "Example"),
    ("use-instead", "Use instead"),
    ("options", "Options"),
)
#: Optional ``[docs]`` keys: ``suppress`` replaces the generic text on how to
#: silence the rule (for engine rules that a noqa comment cannot reach).
OPTIONAL_DOC_SECTIONS = (("suppress", "Suppressing it"),)
#: A ``diff``-scope rule's docs also give ``before``: the example's code at
#: the diff base (``example`` and ``use-instead`` are the code after the change).
DOCS_BASE_URL = "https://github.com/vibrails/vibrails/blob/main/docs/rules/"

_BYTE_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")


def decode_bytes_field(text: str) -> bytes:
    """The bytes an example's ``bytes`` field stands for.

    Every ``\\xNN`` (a backslash, ``x`` and two hex digits) is the single byte
    ``NN``; all other text is encoded as UTF-8. Write the field as a TOML
    *literal* string (``'…'`` or ``'''…'''``) so that TOML keeps the
    backslashes. To keep the text ``\\x41`` as four characters, write its
    backslash as ``\\x5c`` (``\\x5cx41``).
    """
    out = bytearray()
    pos = 0
    for match in _BYTE_ESCAPE.finditer(text):
        out += text[pos : match.start()].encode("utf-8")
        out.append(int(match.group(1), 16))
        pos = match.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


@dataclass(frozen=True)
class Example:
    """A catalogue example: code, and for invalid ones the expected findings.

    An example is written either as ``code`` (text, saved as UTF-8) or as
    ``bytes`` (see :func:`decode_bytes_field`) for files whose exact bytes
    matter, such as undecodable text or a NUL byte.
    """

    #: The example as written in the catalogue (for ``bytes`` examples, the
    #: field's text with its ``\\xNN`` escapes).
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
    #: The file's exact bytes, when the example gives ``bytes`` instead of ``code``.
    raw_bytes: bytes | None = None
    #: A provenance ledger written next to the example (``.vibrails/ledger.jsonl``),
    #: with ``\\xNN`` escapes as in ``bytes``; empty for none.
    ledger: bytes = b""
    #: For a ``diff``-scope rule: the file at the diff base (``code`` is the file now).
    before: str | None = None

    def content(self) -> bytes:
        """The bytes of the file the example is checked as."""
        return self.raw_bytes if self.raw_bytes is not None else self.code.encode("utf-8")


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
    #: Other message templates of the rule by key (``[messages]``), for a rule
    #: that reports in more than one mode (VBR101's ``public`` scope).
    messages: dict[str, str] = field(default_factory=dict)
    #: ``vibrails check --fix`` has a safe fix for the rule (``fixable = true``).
    fixable: bool = False
    #: How often a finding is right (:data:`PRECISIONS`).
    precision: str = "medium"
    #: Where the rule reports (:data:`SCOPES`).
    scope: str = "tagged-lines"
    #: The rule judges a whole tagged file from its provenance, without a tree.
    file_rule: bool = False

    @property
    def module(self) -> str:
        """The rule's module: ``vibrails.checks.vbr304_mutable_default_argument``."""
        return f"vibrails.checks.{self.code.lower()}_{self.name.replace('-', '_')}"

    @property
    def help_uri(self) -> str:
        return f"{DOCS_BASE_URL}{self.code}.md"

    def markdown(self) -> str:
        """The full documentation in ruff's shape, as markdown.

        ``vibrails explain`` prints it and ``docs/rules/<CODE>.md`` is it.
        """
        enabled = "opt-in" if self.opt_in else "on by default"
        parts = [
            f"# {self.code} {self.name}",
            "",
            f"Pillar: {self.pillar} · default level: {self.level} · {enabled}",
            "",
            self.summary,
        ]
        for key, title in DOC_SECTIONS:
            text = self.docs.get(key, "").strip()
            if not text:
                continue
            if key == "example" and "before" in self.docs:
                text = "The change under review (the diff base, then the change):\n\n" + (
                    f"```diff\n{self.example_diff()}```")
            elif key in ("example", "use-instead"):
                text = f"```python\n{text}\n```"
            parts += ["", f"## {title}", "", text]
        parts += ["", "## Enabling it", "", self._enabling_text()]
        suppress = self.docs.get("suppress", "").strip() or self._suppress_text()
        parts += ["", "## Suppressing it", "", suppress]
        return "\n".join(parts) + "\n"

    def example_diff(self) -> str:
        """A diff rule's documented example as a unified diff from ``before``."""
        import difflib

        before = self.docs["before"].strip().splitlines(keepends=True)
        after = self.docs["example"].strip().splitlines(keepends=True)
        lines = difflib.unified_diff([f"{s.rstrip()}\n" for s in before],
                                     [f"{s.rstrip()}\n" for s in after],
                                     "a/example.py", "b/example.py")
        return "".join(lines)

    def _enabling_text(self) -> str:
        if self.scope == "verify":
            return (
                "Reported by `vibrails verify` only, which imports and runs the code under "
                "test (`vibrails check` never does). Turn it off with "
                f'`ignore = ["{self.code}"]` in `[tool.vibrails]` or `--ignore {self.code}`.'
            )
        if self.scope == "diff":
            return (
                "On by default in changed-lines mode (`vibrails check --diff-base REV`), "
                "and only there. Turn it off with "
                f'`ignore = ["{self.code}"]` in `[tool.vibrails]` or `--ignore {self.code}`.'
            )
        if self.opt_in:
            return (
                f'Opt-in: select it by its full code, `extend-select = ["{self.code}"]` '
                f"in `[tool.vibrails]` or `--extend-select {self.code}`. Prefixes and "
                "`ALL` do not enable opt-in rules."
            )
        return (
            f'On by default. Turn it off with `ignore = ["{self.code}"]` in '
            f"`[tool.vibrails]`, `--ignore {self.code}`, or for some files with "
            "`per-file-ignores`."
        )

    def _suppress_text(self) -> str:
        return (
            f"Put `# noqa: {self.code} -- <reason>` at the end of the reported line. "
            "The reason is required (a suppression without one is reported as "
            "VBR003) and is carried into SARIF's `suppressions[].justification`."
        )

    def format_message(self, **args: object) -> str:
        return self.message.format(**args)

    def format_named(self, key: str | None, args: dict[str, object]) -> str:
        """The message ``key`` of ``[messages]`` (the main one for ``None``), filled in."""
        template = self.message if key is None else self.messages[key]
        return template.format(**args)


def catalogue_dir() -> Path:
    """Where the catalogue lives: inside the package, or the checkout's ``rules/``."""
    return Path(installation.catalogue_dir())


def _parse_entry(path: Path) -> RuleInfo:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    examples: list[Example] = []
    for kind in ("invalid", "valid"):
        for number, item in enumerate(raw.get(kind, []), 1):
            if ("code" in item) == ("bytes" in item):
                raise ValueError(
                    f"{path.name}: {kind} example {number} needs exactly one of 'code' and 'bytes'"
                )
            text = item["code"] if "code" in item else item["bytes"]
            examples.append(
                Example(
                    code=text,
                    valid=kind == "valid",
                    expect=tuple(item.get("expect", ())),
                    select=tuple(item.get("select", ())),
                    filename=item.get("filename", "example.py"),
                    config=dict(item.get("config", {})),
                    raw_bytes=decode_bytes_field(text) if "bytes" in item else None,
                    ledger=decode_bytes_field(item.get("ledger", "")),
                    before=item.get("before"),
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
        messages={k: str(v) for k, v in raw.get("messages", {}).items()},
        fixable=bool(raw.get("fixable", False)),
        precision=raw["precision"],
        scope=raw["scope"],
        file_rule=bool(raw.get("file-rule", False)),
    )
    if info.precision not in PRECISIONS:
        raise ValueError(f"{path.name}: precision must be one of {', '.join(PRECISIONS)}")
    if info.scope not in SCOPES:
        raise ValueError(f"{path.name}: scope must be one of {', '.join(SCOPES)}")
    if info.pillar not in PILLARS:
        raise ValueError(f"{path.name}: unknown pillar {info.pillar!r}")
    if (info.scope == "diff") != ("before" in info.docs):
        raise ValueError(f"{path.name}: [docs] 'before' goes with scope = \"diff\", and only there")
    for example in info.examples:
        if (info.scope == "diff") != (example.before is not None):
            raise ValueError(f"{path.name}: an example's 'before' goes with scope = \"diff\"")
    if path.stem != info.code:
        raise ValueError(f"{path.name}: file name does not match code {info.code}")
    return info


@functools.cache
def load_catalogue() -> dict[str, RuleInfo]:
    """All catalogue entries by code, sorted by code.

    Parsing the entries' TOML costs some 12 ms a run; like Python's bytecode,
    the parsed catalogue is kept in the package's ``__pycache__/`` under a
    name that digests every entry's name, size and modification time, so an
    edited entry is parsed again. A folder that cannot be written, or a kept
    copy that cannot be read, only means parsing.
    """
    folder = catalogue_dir()
    paths = sorted(folder.glob("VBR*.toml"))
    kept = _kept_path(folder, paths)
    if kept is not None:
        loaded = _read_kept(kept)
        if loaded is not None:
            return loaded
    entries = [_parse_entry(p) for p in paths]
    catalogue = {e.code: e for e in sorted(entries, key=lambda e: e.code)}
    if kept is not None:
        _write_kept(kept, catalogue)
    return catalogue


def _kept_path(folder: Path, paths: list[Path]) -> Path | None:
    import hashlib

    digest = hashlib.sha256(f"{sys.version_info[:2]}\0{_KEPT_FORMAT}\0".encode())
    try:
        for path in paths:
            info = path.stat()
            digest.update(f"{path.name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    except OSError:
        return None
    digest.update(str(folder).encode("utf-8", "surrogateescape"))
    return KEPT_FOLDER / f"catalogue-{digest.hexdigest()[:32]}.pickle"


#: Where the parsed catalogue is kept (the package's bytecode folder).
KEPT_FOLDER = Path(installation.PACKAGE) / "__pycache__"


#: Bumped when :class:`RuleInfo` or :class:`Example` change shape.
_KEPT_FORMAT = 3


def _read_kept(path: Path) -> dict[str, RuleInfo] | None:
    import pickle

    try:
        with path.open("rb") as fh:
            loaded = pickle.load(fh)
    except Exception:  # missing, truncated or from another version: parse instead
        return None
    if not isinstance(loaded, dict) or not all(
        isinstance(info, RuleInfo) and info.code == code for code, info in loaded.items()
    ):
        return None
    return loaded


def _write_kept(path: Path, catalogue: dict[str, RuleInfo]) -> None:
    import os
    import pickle
    import tempfile

    try:
        path.parent.mkdir(exist_ok=True)
        for old in path.parent.glob("catalogue-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".catalogue-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(catalogue, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only installation parses every time


def rule_info(code: str) -> RuleInfo:
    return load_catalogue()[code]
