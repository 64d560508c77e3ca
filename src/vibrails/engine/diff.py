"""The diff stage: what a change did to the guardrails (VBR105, VBR204, VBR406).

In changed-lines mode (``vibrails check --diff-base REV``) every file the
change touched is read twice: as it is, and as it was at the merge base
(one ``git cat-file --batch`` for all of them). The diff rules compare the
two (:func:`file_weakening`): a contract removed or loosened (VBR105), an
invariant removed (VBR204), an AI marker removed from code still
AI-written (VBR406); and the ledger's lines at the base with its lines now
(VBR406). Their findings are about the change itself, so they are kept
whatever lines they land on; a finding of another rule on the same
definition about the same loss gives way to them (:func:`supersede`).
Nothing is run: both versions are parsed only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vibrails.checks.base import Weakening
from vibrails.checks.shared.guardrails import guardrails
from vibrails.checks.shared.noqa import parse_suppressions
from vibrails.checks.vbr105_contract_removed import contract_removed
from vibrails.checks.vbr204_invariant_removed import invariant_removed
from vibrails.checks.vbr406_provenance_rewritten import ledger_rewritten, marker_removed
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding, make_finding
from vibrails.core.git import GitError, run_git
from vibrails.core.source import read_source
from vibrails.engine.run import tag_text
from vibrails.provenance.context import KEY as PROVENANCE_KEY
from vibrails.provenance.context import Provenance
from vibrails.suppress.noqa import mark_suppressed

if TYPE_CHECKING:
    from vibrails.core.selection import Selection
    from vibrails.discover import Discovered
    from vibrails.suppress.changed import ChangedLines

#: A diff rule's finding, and the codes whose findings on the same
#: definition (its ``extent``) say the same thing less precisely.
SUPERSEDES: Mapping[str, frozenset[str]] = {
    "VBR105": frozenset({"VBR101", "VBR102", "VBR104"}),
    "VBR204": frozenset({"VBR201", "VBR202"}),
    "VBR406": frozenset({"VBR404"}),
}


def diff_codes() -> frozenset[str]:
    """The codes of the diff rules (catalogue scope ``diff``)."""
    return frozenset(code for code, info in load_catalogue().items() if info.scope == "diff")


#: A diff rule's finding and the lines (first, last) of the definition it is about.
Weakened = tuple[Finding, "tuple[int, int] | None"]


def weakening(
    changed: ChangedLines,
    items: Iterable[Discovered],
    settings: Mapping[str, Any],
    selection: Selection,
) -> list[Weakened]:
    """The diff rules' findings on the touched ``items`` and on the ledger."""
    codes = diff_codes()
    base = changed.base[:12]
    jobs: list[tuple[Discovered, str, frozenset[str]]] = []
    for item in items:
        repo_path = changed.repo_path(item.path)
        if repo_path is None or repo_path in changed.whole or not changed.touches(item.path):
            continue  # a new file has no past to weaken
        enabled = selection.for_file(item.project_path) & codes
        if enabled:
            jobs.append((item, changed.old_paths.get(repo_path, repo_path), enabled))
    ledger = _ledger_job(changed, settings, selection)
    wanted = [old for _, old, _ in jobs] + ([ledger[1]] if ledger else [])
    blobs = read_blobs(changed.repo_root, changed.base, wanted)
    found: list[Weakened] = []
    for item, old_path, enabled in jobs:
        old = blobs.get(old_path)
        source = read_source(item.path, settings["max-file-bytes"])
        if old is None or source.text is None:
            continue
        try:
            old_text = old.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found += file_weakening(item.display, item.project_path, old_text, source.text,
                                settings, enabled, base)
    if ledger is not None:
        prov, old_path = ledger
        old = blobs.get(old_path)
        try:
            new = Path(prov.ledger).read_bytes()
        except OSError:
            new = None
        if old is not None and new is not None:
            found += [_finding(prov.ledger_display, w, "ledger")
                      for w in ledger_rewritten(old, new, old_path, base)]
    return found


def _ledger_job(
    changed: ChangedLines, settings: Mapping[str, Any], selection: Selection
) -> tuple[Provenance, str] | None:
    prov = settings.get(PROVENANCE_KEY)
    if not isinstance(prov, Provenance) or not prov.ledger_exists:
        return None
    if "VBR406" not in selection.for_file(prov.ledger_project_path):
        return None
    repo_path = changed.repo_path(Path(prov.ledger))
    if repo_path is None or repo_path in changed.whole or not changed.touches(Path(prov.ledger)):
        return None
    return prov, changed.old_paths.get(repo_path, repo_path)


def file_weakening(
    display: str,
    project_path: str,
    old_text: str,
    new_text: str,
    settings: Mapping[str, Any],
    enabled: Collection[str],
    base: str,
) -> list[Weakened]:
    """What the change from ``old_text`` to ``new_text`` weakened in one file."""
    old_tag = tag_text(project_path, old_text, settings)
    new_tag = tag_text(project_path, new_text, settings)
    found: list[Weakened] = []
    if "VBR406" in enabled:
        removed = marker_removed(old_text, new_text, old_tag, new_tag, base)
        if removed is not None:
            why = old_tag.first_reason if old_tag is not None else "marker"
            found.append(_finding(display, removed, why))
    if (old_tag is None and new_tag is None) or not {"VBR105", "VBR204"} & set(enabled):
        return _suppressed(found, new_text)
    before = guardrails(old_text, settings)
    after = guardrails(new_text, settings)
    if before is None or after is None:
        return _suppressed(found, new_text)
    weakened: list[Weakening] = []
    try:
        if "VBR105" in enabled:
            weakened += contract_removed(before, after, base)
        if "VBR204" in enabled:
            weakened += invariant_removed(before, after, base)
    except RecursionError:  # a condition nested past the interpreter's limit
        weakened = []
    for item in weakened:
        reason = new_tag.reason_at(item.span[0]) if new_tag is not None else None
        if reason is None and old_tag is not None:
            reason = old_tag.reason  # the whole file was AI-written at the base
        if reason is not None:
            found.append(_finding(display, item, reason))
    return _suppressed(found, new_text)


def _finding(path: str, item: Weakening, tag: str) -> Weakened:
    return make_finding(path, item.code, item.message(), tag, item.span, item.key), item.extent


def _suppressed(findings: list[Weakened], text: str) -> list[Weakened]:
    """Mark the findings a ``# noqa`` on their line covers (VBR003/VBR004 are
    the file's check's to report, not this stage's)."""
    if not findings:
        return findings
    marked, _ = mark_suppressed([finding for finding, _ in findings], parse_suppressions(text))
    return [(finding, extent) for finding, (_, extent) in zip(marked, findings, strict=True)]


def supersede(findings: Iterable[Finding], weakened: Iterable[Weakened]) -> list[Finding]:
    """``findings`` without those a diff rule's finding says more precisely:
    a VBR101 on a function whose contract VBR105 says was removed, a VBR202
    on a method VBR204 says no longer checks, a VBR404 on a ledger line
    VBR406 says was rewritten."""
    covered: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for finding, extent in weakened:
        if extent is None:
            continue
        for code in SUPERSEDES.get(finding.code, ()):
            covered.setdefault((finding.path, code), []).append(extent)
    return [f for f in findings
            if not any(first <= f.line <= last
                       for first, last in covered.get((f.path, f.code), ()))]


def read_blobs(root: Path, rev: str, paths: Iterable[str]) -> dict[str, bytes]:
    """The content of ``paths`` at ``rev`` (a path missing there is left out)."""
    wanted = sorted({p for p in paths if "\n" not in p})
    if not wanted:
        return {}
    request = "".join(f"{rev}:{path}\n" for path in wanted).encode("utf-8", "surrogateescape")
    try:
        out = run_git(root, "cat-file", "--batch", stdin=request)
    except GitError:
        return {}
    blobs: dict[str, bytes] = {}
    position = 0
    for path in wanted:
        end = out.index(b"\n", position)
        header = out[position:end].split(b" ")
        position = end + 1
        if len(header) != 3:
            continue  # "<name> missing": nothing follows
        size = int(header[2])
        if header[1] == b"blob":  # (a tree or a submodule's commit is not a file)
            blobs[path] = out[position:position + size]
        position += size + 1
    return blobs
