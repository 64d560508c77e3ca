"""Shared pytest hooks."""

from __future__ import annotations

import os
import tempfile
from typing import Any

# A check server the developer started must not answer the tests' runs: they
# get a folder of their own (tests/commands/test_server.py starts servers there).
os.environ["VIBRAILS_SERVER_DIR"] = tempfile.mkdtemp(prefix="vibrails-test-servers-")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how tagging scores on the tagging corpus (after every run, as
    the issue asks: a change to tagging shows its effect at once)."""
    if getattr(terminalreporter.config, "workerinput", None) is not None:
        return  # an xdist worker: the controller prints
    from tagging_corpus import summary

    terminalreporter.section("tagging corpus")
    for line in summary():
        terminalreporter.write_line(line)
