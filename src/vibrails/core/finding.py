"""The finding: one reported problem, as every later stage sees it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

LEVELS: tuple[str, ...] = ("note", "warning", "error")
"""Levels from least to most severe, as SARIF names them."""


def level_rank(level: str) -> int:
    """Return the severity rank of ``level`` (note 0, warning 1, error 2)."""
    return LEVELS.index(level)


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found in one file.

    Lines and columns are 1-based; ``end_column`` is one past the last
    character, as in SARIF. Columns count Unicode code points.
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    level: str
    message: str
    tag: str
    fingerprint: str = ""
    #: Justification of the suppression that silenced this finding, if any.
    suppressed: str | None = None
    #: GitHub's ``primaryLocationLineHash`` of the first reported line.
    line_hash: str = field(default="", compare=False)
    #: A second location the finding refers to, as ``(line, column, end_line,
    #: end_column, message)`` (SARIF ``relatedLocations``); empty for none.
    related: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def with_changes(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of SPEC section 4 (key order is fixed)."""
        data: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "message": self.message,
            "tag": self.tag,
            "fingerprint": self.fingerprint,
        }
        if self.suppressed is not None:
            data["suppressed"] = True
            data["justification"] = self.suppressed
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            path=data["path"],
            line=data["line"],
            column=data["column"],
            end_line=data["end_line"],
            end_column=data["end_column"],
            code=data["code"],
            name=data["name"],
            level=data["level"],
            message=data["message"],
            tag=data["tag"],
            fingerprint=data.get("fingerprint", ""),
            suppressed=data.get("justification") if data.get("suppressed") else None,
            line_hash=data.get("line_hash", ""),
        )


def fingerprint(code: str, path: str, scope: str, text: str, occurrence: int) -> str:
    """The ``vibrails/v1`` fingerprint.

    A hash of the rule code, the path, the enclosing scope (``Class.method``)
    and the whitespace-normalised text of the flagged construct, plus how many
    identical constructs precede it in the same file. Line numbers are not part
    of it, so edits elsewhere in the file leave it unchanged.
    """
    normalised = " ".join(text.split())
    payload = "\0".join((code, path, scope, normalised, str(occurrence)))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def make_finding(
    path: str,
    code: str,
    message: str,
    tag: str,
    span: tuple[int, int, int, int],
    text: str = "",
    scope: str = "",
    occurrence: int = 0,
) -> Finding:
    """A finding at ``span`` (lines 1-based, columns 0-based code points)."""
    from vibrails.core.catalogue import rule_info

    info = rule_info(code)
    line, col, end_line, end_col = span
    return Finding(
        path=path,
        line=line,
        column=col + 1,
        end_line=end_line,
        end_column=end_col + 1,
        code=code,
        name=info.name,
        level=info.level,
        message=message,
        tag=tag,
        fingerprint=fingerprint(code, path, scope, text, occurrence),
    )
