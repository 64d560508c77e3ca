"""Output formats, one module each; every one renders a sorted list of findings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vibrails.catalogue import RuleInfo
from vibrails.finding import Finding


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


Renderer = Callable[[list[Finding], ReportContext], str]


def renderer(name: str) -> Renderer:
    """The render function of format ``name``."""
    from vibrails.report import flake8, github, gitlab, json, sarif, text

    formats: dict[str, Renderer] = {
        "text": text.render,
        "flake8": flake8.render,
        "json": json.render,
        "sarif": sarif.render,
        "github": github.render,
        "gitlab": gitlab.render,
    }
    return formats[name]


FORMAT_NAMES = ("text", "flake8", "json", "sarif", "github", "gitlab")
