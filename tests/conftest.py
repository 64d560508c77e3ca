"""Shared pytest hooks."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how tagging scores on the tagging corpus (after every run, as
    the issue asks: a change to tagging shows its effect at once)."""
    if getattr(terminalreporter.config, "workerinput", None) is not None:
        return  # an xdist worker: the controller prints
    from tagging_corpus import summary

    terminalreporter.section("tagging corpus")
    for line in summary():
        terminalreporter.write_line(line)
