"""The rule catalogue (``rules/VBR*.toml``) against the SPEC and the code.

Every entry has every field and every docs section; codes, names, levels
and opt-in flags are those of SPEC section 2; every tree rule has an entry
and every entry is a tree rule or an engine rule.
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from util import REPO

from vibrails.checks import all_rules
from vibrails.core.catalogue import (
    DOC_SECTIONS,
    OPTIONAL_DOC_SECTIONS,
    PILLARS,
    PRECISIONS,
    SCOPES,
    catalogue_dir,
    decode_bytes_field,
    load_catalogue,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = REPO

#: SPEC section 2: code -> (name, pillar, default level, opt-in).
SPEC_RULES: dict[str, tuple[str, str, str, bool]] = {
    "VBR001": ("syntax-error", "engine", "error", False),
    "VBR002": ("unreadable-file", "engine", "error", False),
    "VBR003": ("suppression-without-reason", "engine", "warning", False),
    "VBR004": ("unused-suppression", "engine", "note", True),
    "VBR101": ("missing-contract", "contracts", "warning", False),
    "VBR102": ("missing-postcondition", "contracts", "note", True),
    "VBR103": ("unenforced-contract", "contracts", "warning", False),
    "VBR104": ("assert-only-contract", "contracts", "note", True),
    "VBR201": ("missing-class-invariant", "invariants", "warning", False),
    "VBR202": ("unchecked-state-change", "invariants", "warning", False),
    "VBR203": ("unasserted-invariant", "invariants", "warning", False),
    "VBR301": ("argument-mutation", "state", "warning", False),
    "VBR302": ("global-state-mutation", "state", "warning", False),
    "VBR303": ("process-state-mutation", "state", "warning", False),
    "VBR304": ("mutable-default-argument", "state", "warning", False),
    "VBR305": ("shared-mutable-class-attribute", "state", "warning", False),
    "VBR401": ("missing-provenance", "provenance", "warning", False),
    "VBR402": ("incomplete-provenance", "provenance", "warning", False),
    "VBR403": ("provenance-drift", "provenance", "warning", False),
    "VBR404": ("ledger-integrity", "provenance", "error", False),
    "VBR405": ("unreviewed-ai-code", "provenance", "note", True),
}
#: Named by the review issue (guardrail weakening, changed-lines mode only):
#: code -> (name, pillar, default level, opt-in); levels chosen here.
ISSUE_RULES: dict[str, tuple[str, str, str, bool]] = {
    "VBR105": ("contract-removed", "contracts", "warning", False),
    "VBR204": ("invariant-removed", "invariants", "warning", False),
    "VBR406": ("provenance-rewritten", "provenance", "error", False),
}
DIFF_CODES = frozenset(ISSUE_RULES)
#: Named by the verification issue (``vibrails verify`` only): "contract-violated"
#: and "contract-unverified" (a note), the next free VBR1xx codes.
VERIFY_RULES: dict[str, tuple[str, str, str, bool]] = {
    "VBR106": ("contract-violated", "contracts", "error", False),
    "VBR107": ("contract-unverified", "contracts", "note", False),
}
VERIFY_CODES = frozenset(VERIFY_RULES)
ISSUE_RULES = {**ISSUE_RULES, **VERIFY_RULES}
#: Reserved for the engine (internal errors); the SPEC names no rule.
RESERVED = frozenset({"VBR000"})
ENGINE_CODES = frozenset({"VBR000", "VBR001", "VBR002", "VBR003", "VBR004"})

REQUIRED_KEYS = ("code", "name", "pillar", "level", "opt-in", "precision", "scope", "tags",
                 "summary", "message", "docs")
TOP_LEVEL_KEYS = frozenset(
    {*REQUIRED_KEYS, "data", "messages", "fixable", "file-rule", "invalid", "valid"}
)
EXAMPLE_KEYS = frozenset(
    {"code", "bytes", "expect", "select", "filename", "config", "ledger", "before"})
OPTIONAL_DOCS = frozenset(key for key, _ in OPTIONAL_DOC_SECTIONS)
LEVELS = ("error", "warning", "note")
POSITION = re.compile(r"^[1-9][0-9]*:[1-9][0-9]*$")


def _raw_entries() -> list[Any]:
    paths = sorted(catalogue_dir().glob("VBR*.toml"))
    return [
        pytest.param(path, tomllib.loads(path.read_text("utf-8")), id=path.stem) for path in paths
    ]


def test_catalogue_is_the_checkout_folder() -> None:
    # The tests read the checkout's rules/, the wheel ships the same files.
    assert catalogue_dir().resolve() == (ROOT / "rules").resolve()
    assert load_catalogue(), "the catalogue is empty"


def test_spec_table_has_every_code() -> None:
    # Every code the SPEC names is a catalogue entry, and no entry is unknown to it.
    assert set(SPEC_RULES) | set(ISSUE_RULES) | RESERVED == set(load_catalogue())


@pytest.mark.parametrize(("path", "raw"), _raw_entries())
def test_entry_has_every_field(path: Path, raw: dict[str, Any]) -> None:
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    assert not missing, f"{path.name} lacks {missing}"
    unknown = sorted(set(raw) - TOP_LEVEL_KEYS)
    assert not unknown, f"{path.name} has unknown keys {unknown}"
    assert raw["code"] == path.stem
    assert re.fullmatch(r"VBR[0-9]{3}", raw["code"])
    assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*", raw["name"])
    assert raw["pillar"] in PILLARS
    assert raw["level"] in LEVELS
    assert isinstance(raw["opt-in"], bool)
    assert raw["precision"] in PRECISIONS
    assert raw["scope"] in SCOPES
    assert isinstance(raw.get("file-rule", False), bool)
    assert isinstance(raw["tags"], list) and raw["tags"]
    assert all(isinstance(t, str) and t for t in raw["tags"])
    assert len(raw["tags"]) <= 20  # GitHub reads at most 20
    summary = raw["summary"].strip()
    assert summary and "\n" not in summary, "the summary is one line"
    assert summary.endswith("."), "the summary is a sentence"
    assert len(summary) <= 1024  # SARIF shortDescription as GitHub reads it
    assert raw["message"].strip() and "\n" not in raw["message"]


@pytest.mark.parametrize(("path", "raw"), _raw_entries())
def test_entry_has_every_docs_section(path: Path, raw: dict[str, Any]) -> None:
    docs = raw["docs"]
    for key, _title in DOC_SECTIONS:
        assert isinstance(docs.get(key), str) and docs[key].strip(), f"{path.name}: docs.{key}"
    unknown = set(docs) - {key for key, _ in DOC_SECTIONS} - OPTIONAL_DOCS - {"before"}
    assert ("before" in docs) == (raw["scope"] == "diff"), f"{path.name}: docs.before"
    assert not unknown, f"{path.name}: unknown docs sections {sorted(unknown)}"


@pytest.mark.parametrize(("path", "raw"), _raw_entries())
def test_entry_examples(path: Path, raw: dict[str, Any]) -> None:
    assert raw.get("invalid"), f"{path.name} has no invalid example"
    assert raw.get("valid"), f"{path.name} has no valid example"
    catalogue = load_catalogue()
    for kind in ("invalid", "valid"):
        for number, example in enumerate(raw.get(kind, []), 1):
            where = f"{path.name} {kind} example {number}"
            unknown = set(example) - EXAMPLE_KEYS
            assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
            assert ("code" in example) != ("bytes" in example), f"{where}: code or bytes"
            if kind == "invalid":
                assert example.get("expect"), f"{where}: expect is required"
                assert all(POSITION.match(p) for p in example["expect"]), where
            else:
                assert "expect" not in example, f"{where}: a valid example expects nothing"
            for code in example.get("select", []):
                assert code in catalogue, f"{where}: select names unknown {code}"
            if example.get("select"):
                assert raw["code"] in example["select"], f"{where}: select must include the rule"
            filename = example.get("filename", "example.py")
            assert not filename.startswith("/") and ".." not in filename.split("/")


def test_entries_match_the_spec() -> None:
    for code, info in load_catalogue().items():
        if code in RESERVED:
            assert info.pillar == "engine"
            continue
        assert code in SPEC_RULES or code in ISSUE_RULES, f"{code} is not a SPEC code"
        name, pillar, level, opt_in = SPEC_RULES.get(code) or ISSUE_RULES[code]
        assert (info.scope == "diff") == (code in DIFF_CODES), code
        assert (info.scope == "verify") == (code in VERIFY_CODES), code
        assert (info.name, info.pillar, info.level, info.opt_in) == (name, pillar, level, opt_in), (
            code
        )


def test_every_rule_is_catalogued_and_every_entry_is_a_rule() -> None:
    catalogue = load_catalogue()
    rules = all_rules()
    for code, cls in rules.items():
        assert code in catalogue, f"tree rule {cls.__name__} has no catalogue entry"
        assert cls.code == code
    for code in catalogue:
        assert code in rules or code in ENGINE_CODES, f"{code} is neither a tree nor an engine rule"


@pytest.mark.parametrize("code", sorted(load_catalogue()))
def test_every_code_has_its_module_named_after_it(code: str) -> None:
    """A rule's code finds its code, docs and tests: ``rules/VBR304.toml``,
    ``src/vibrails/checks/vbr304_mutable_default_argument.py``,
    ``docs/rules/VBR304.md``, ``tests/checks/test_vbr304_mutable_default_argument.py``."""
    import importlib

    from vibrails.checks.base import FileRule, Rule

    info = load_catalogue()[code]
    stem = info.module.rpartition(".")[2]
    assert (ROOT / "src" / "vibrails" / "checks" / f"{stem}.py").is_file()
    assert (ROOT / "docs" / "rules" / f"{code}.md").is_file()
    assert (ROOT / "tests" / "checks" / f"test_{stem}.py").is_file()
    module = importlib.import_module(info.module)
    classes = [v for v in vars(module).values() if isinstance(v, type)
               and v.__module__ == module.__name__ and issubclass(v, (Rule, FileRule))]
    if code in ENGINE_CODES:
        assert not classes, "an engine rule is reported by a stage, not by a rule class"
    else:
        assert [c.code for c in classes] == [code]
        assert issubclass(classes[0], FileRule) == info.file_rule, "file-rule in the catalogue"


def test_scope_says_where_each_kind_of_rule_reports() -> None:
    for code, info in load_catalogue().items():
        if code in ENGINE_CODES or info.file_rule:
            assert info.scope == "tagged-file", code
        elif code == "VBR404":
            assert info.scope == "ledger"
        elif code in DIFF_CODES:
            assert info.scope == "diff"
        elif code in VERIFY_CODES:
            assert info.scope == "verify"
        else:
            assert info.scope == "tagged-lines", code


@pytest.mark.parametrize("code", sorted(load_catalogue()))
def test_message_is_a_format_template(code: str) -> None:
    message = load_catalogue()[code].message
    fields = [f for _, f, _, _ in string.Formatter().parse(message) if f is not None]
    assert all(re.fullmatch(r"[a-z_]+", f) for f in fields), fields


def test_explain_markdown_has_every_section() -> None:
    for info in load_catalogue().values():
        page = info.markdown()
        assert page.startswith(f"# {info.code} {info.name}\n")
        for key, title in DOC_SECTIONS:
            assert f"\n## {title}\n" in page
            if key == "example" and info.scope == "diff":
                # A diff rule's example is the change: a diff from `before`.
                assert f"```diff\n{info.example_diff()}```" in page
                assert "\n-" in info.example_diff() or "\n+" in info.example_diff()
                continue
            assert info.docs[key].strip() in page
        assert "\n## Suppressing it\n" in page
        assert ("· opt-in" if info.opt_in else "· on by default") in page.splitlines()[2]


def test_decode_bytes_field() -> None:
    assert decode_bytes_field("Z\\xfcrich") == b"Z\xfcrich"
    assert decode_bytes_field("a\\x00b") == b"a\x00b"
    assert decode_bytes_field("caf\u00e9") == "caf\u00e9".encode()
    assert decode_bytes_field("\\x5cx41") == b"\\x41"
    assert decode_bytes_field("\\xZZ") == b"\\xZZ"


def test_bytes_examples_are_loaded_as_bytes() -> None:
    examples = [e for e in load_catalogue()["VBR002"].examples if e.raw_bytes is not None]
    assert any(b"\x00" in e.content() for e in examples)
    undecodable = []
    for example in examples:
        try:
            example.content().decode("utf-8")
        except UnicodeDecodeError:
            undecodable.append(example)
    assert undecodable


def test_entry_needs_code_or_bytes(tmp_path: Path) -> None:
    from vibrails.core.catalogue import _parse_entry

    text = (ROOT / "rules" / "VBR304.toml").read_text("utf-8")
    bad = tmp_path / "VBR304.toml"
    bad.write_text(text + "\n[[valid]]\nfilename = 'x.py'\n", "utf-8")
    with pytest.raises(ValueError, match="exactly one of 'code' and 'bytes'"):
        _parse_entry(bad)


# -- the parsed catalogue kept between runs -----------------------------------


@pytest.fixture
def private_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the catalogue and an empty folder to keep its parsed form in."""
    import shutil

    import vibrails.core.catalogue as catalogue

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    monkeypatch.setattr(catalogue, "catalogue_dir", lambda: rules)
    monkeypatch.setattr(catalogue, "KEPT_FOLDER", tmp_path / "kept")
    load_catalogue.cache_clear()
    yield rules
    load_catalogue.cache_clear()


def _parsed(rules: Path) -> dict[str, Any]:
    from vibrails.core.catalogue import _parse_entry

    return {p.stem: _parse_entry(p) for p in sorted(rules.glob("VBR*.toml"))}


def test_kept_catalogue_equals_the_parsed_one(private_catalogue: Path) -> None:
    first = load_catalogue()
    kept = list((private_catalogue.parent / "kept").glob("catalogue-*.pickle"))
    assert len(kept) == 1
    load_catalogue.cache_clear()
    second = load_catalogue()  # read back from the kept copy
    assert second == first == _parsed(private_catalogue)


def test_edited_entry_is_parsed_again(private_catalogue: Path) -> None:
    load_catalogue()
    entry = private_catalogue / "VBR304.toml"
    entry.write_text(
        entry.read_text("utf-8").replace('name = "mutable-default-argument"', 'name = "edited"'),
        "utf-8",
    )
    load_catalogue.cache_clear()
    assert load_catalogue()["VBR304"].name == "edited"
    # the stale copy was replaced, not kept beside the new one
    assert len(list((private_catalogue.parent / "kept").glob("catalogue-*.pickle"))) == 1


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05N."])
def test_broken_kept_catalogue_is_parsed_again(private_catalogue: Path, content: bytes) -> None:
    load_catalogue()
    (kept,) = (private_catalogue.parent / "kept").glob("catalogue-*.pickle")
    kept.write_bytes(content)
    load_catalogue.cache_clear()
    assert load_catalogue() == _parsed(private_catalogue)


def test_unwritable_kept_folder_still_loads(
    private_catalogue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vibrails.core.catalogue as catalogue

    blocker = private_catalogue.parent / "file"
    blocker.write_text("", "utf-8")
    monkeypatch.setattr(catalogue, "KEPT_FOLDER", blocker / "kept")  # under a file: mkdir fails
    assert load_catalogue() == _parsed(private_catalogue)
    assert not list(private_catalogue.parent.glob("**/.catalogue-*"))
