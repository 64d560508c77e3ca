"""The tagging corpus (``tests/tagging/corpus.jsonl``) and how tagging scores on it.

Each case is a text that says an assistant wrote its file ("signed") or one
that looks as if it might and does not ("not-signed"). ``origin`` says where
it comes from: ``pypi`` (a real file of a published package: package,
version, project URL, path and line kept, the lines around it as they are;
cut by ``scripts/tagging_corpus.py``) or ``field-report`` (a form quoted in
the tagging issue or the field notes, written into a small file of ours:
the form is real, the file around it is not).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vibrails.tagging import tag_file

CORPUS = Path(__file__).parent / "tagging" / "corpus.jsonl"


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


def as_file(case: dict[str, Any]) -> str:
    """The excerpt at its own lines, after a first statement unless it starts the file."""
    first = case["first_line"]
    return case["text"] if first == 1 else "...\n" + "\n" * (first - 2) + case["text"]


def tagged(case: dict[str, Any]) -> bool:
    tag = tag_file(case["path"], as_file(case), {})
    return tag is not None and tag.reason is not None


@dataclass
class Score:
    signed: int = 0
    not_signed: int = 0
    true_positives: int = 0
    false_positives: int = 0

    @property
    def recall(self) -> float:
        return self.true_positives / self.signed if self.signed else 1.0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0


def score(cases: list[dict[str, Any]]) -> tuple[Score, list[dict[str, Any]]]:
    """The score on ``cases`` and the cases tagging gets wrong."""
    result = Score()
    wrong = []
    for case in cases:
        got = tagged(case)
        if case["expect"] == "signed":
            result.signed += 1
            result.true_positives += got
        else:
            result.not_signed += 1
            result.false_positives += got
        if got != (case["expect"] == "signed"):
            wrong.append(case)
    return result, wrong


def summary() -> list[str]:
    """Lines that say how tagging scores, overall and by origin."""
    cases = load()
    lines = []
    for origin in (None, "pypi", "field-report"):
        chosen = [c for c in cases if origin is None or c["origin"] == origin]
        result, wrong = score(chosen)
        lines.append(
            f"{origin or 'all':>12}: {result.signed} signed, {result.not_signed} not signed; "
            f"recall {result.recall:.3f}, precision {result.precision:.3f}, {len(wrong)} wrong"
        )
    return lines
