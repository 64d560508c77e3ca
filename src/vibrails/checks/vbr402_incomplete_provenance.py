"""VBR402 incomplete-provenance: a record lacks a required field, has a
malformed value, or names a prompt file the repository does not have."""

from __future__ import annotations

from collections.abc import Iterator

from vibrails.checks.base import FileRule, Rule
from vibrails.checks.shared.provenance import FileProvenance, looks_like_path
from vibrails.provenance.context import shell_word
from vibrails.provenance.events import parse_time

#: Fields a ledger event can record, and the ``ledger record`` option for each.
_OPTIONS = {"model": "--model", "prompt": "--prompt", "params": "--params", "tool": "--tool"}


class IncompleteProvenance(FileRule, Rule):
    code = "VBR402"

    @classmethod
    def check_file(cls, facts: FileProvenance) -> Iterator[tuple[str, dict[str, object]]]:
        if not facts.has_record():
            return  # VBR401's finding
        known = facts.known()
        provenance = facts.settings.get("provenance", {})
        required = list(provenance.get("required", ["model", "prompt"]))
        missing = [name for name in required if not known.get(name)]
        if missing:
            yield "missing:" + ",".join(missing), {
                "problem": "provenance record lacks " + ", ".join(missing),
                "fix": _fix_missing(facts, missing, known),
            }
        date = facts.marker_fields.get("date")
        if date is not None and parse_time(date) is None:
            yield "date", {
                "problem": f"date={date!r} is not an ISO 8601 date",
                "fix": "write it as date=2026-11-20 (or 2026-11-20T09:30:00Z) on the marker line",
            }
        prompts = []
        header_prompt = facts.marker_fields.get("prompt", "")
        if header_prompt:
            prompts.append((header_prompt, "the marker's prompt= field"))
        summary = facts.ledger_record
        if summary is not None and summary.prompt and summary.prompt != header_prompt:
            prompts.append((summary.prompt, f"the ledger (line {summary.line})"))
        for prompt, where in prompts:
            if facts.prov is None or not looks_like_path(prompt):
                continue
            if facts.prov.prompt_exists(prompt):
                continue
            if where.startswith("the ledger"):
                fix = (
                    "add the prompt file to the repository, or record the right one with "
                    f"`{facts.record_command(prompt='PROMPT')}`"
                )
            else:
                fix = "add the prompt file to the repository, or correct prompt= on the marker line"
            yield f"prompt:{prompt}", {
                "problem": f"prompt {prompt!r} in {where} does not exist in the repository",
                "fix": fix,
            }


def _fix_missing(facts: FileProvenance, missing: list[str], known: dict[str, str]) -> str:
    options: list[str] = []
    for name in ("model", "prompt", *missing):
        option = _OPTIONS.get(name)
        if option is None or option in (o.split()[0] for o in options):
            continue
        if name in missing or name in ("model", "prompt"):
            value = known.get(name) or ("MODEL" if name == "model" else name.upper())
            if name == "model":
                value = facts.model_hint
            options.append(f"{option} {shell_word(value)}")
    others = [name for name in missing if name not in _OPTIONS and name != "date"]
    fix = f"record it with `{facts.command(' '.join(options))}`"
    if "reviewed-by" in others:
        others.remove("reviewed-by")
        fix += f", and after a review `{facts.command('--event reviewed --by NAME')}`"
    if others:
        fix += " and add " + ", ".join(f"{name}=…" for name in others) + " to the marker line"
    return fix
