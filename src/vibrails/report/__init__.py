"""Output formats, one module each; every one renders a sorted list of findings."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vibrails.core.catalogue import RuleInfo
from vibrails.core.finding import Finding


@dataclass
class ReportContext:
    """What a format may need besides the findings."""

    #: Catalogue entries of the rules that ran, by code.
    rules: dict[str, RuleInfo]
    #: Folder that paths are relative to (SARIF's ``%SRCROOT%``).
    root: Path
    color: bool = False
    files_checked: int = 0
    files_tagged: int = 0
    #: Notes about the run itself (SARIF ``toolExecutionNotifications``).
    notes: list[str] = field(default_factory=list)
    command_line: str = "vibrails check"
    #: ``--diff-base REV``: REV, and how many findings were on lines the change
    #: did not touch (counted, not listed).
    diff_base: str | None = None
    unchanged: int = 0
    #: ``--diff-base``: files the change did not touch, not checked.
    unchecked: int = 0


Renderer = Callable[[list[Finding], ReportContext], str]


def markdown_cell(text: str) -> str:
    """``text`` on one line, safe in one markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


FORMAT_NAMES = ("text", "flake8", "json", "sarif", "github", "gitlab")


def renderer(name: str) -> Renderer:
    """The render function of format ``name`` (only that format's module is
    imported: the SARIF one brings sarif-om and attrs, a tenth of a cached run)."""
    if name not in FORMAT_NAMES:
        raise KeyError(name)
    module = importlib.import_module(f"vibrails.report.{name}")
    render: Renderer = module.render
    return render
