"""VBR303 process-state-mutation: its catalogue examples (one test each, generated from
``rules/VBR303.toml``), and the cases they do not show.

The rule: ``src/vibrails/checks/vbr303_process_state_mutation.py``; its page: ``docs/rules/VBR303.md``.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from util import run_vibrails, write

from vibrails.core.catalogue import Example, load_catalogue

CODE = "VBR303"


def test_catalogue_example(example: Example, catalogue_example: Callable[..., Any]) -> None:
    catalogue_example(CODE, example)


def test_docs_example_and_its_fix(docs_example: Callable[..., Any]) -> None:
    docs_example(CODE)


ENV = """
import os
import click

def configure():
    os.environ["TZ"] = "UTC"

def helper():
    os.chdir("/tmp")

@click.command()
def cli():
    os.umask(0o22)

def library():
    os.environ["MODE"] = "x"

def main():
    configure()

if __name__ == "__main__":
    main()
    os.environ["DEBUG"] = "1"
"""


FAMILIES = {
    "environ-store": ("import os\nos.environ['A'] = '1'\n", 2),
    "environ-alias": ("from os import environ as env\ndel env['A']\n", 2),
    "environ-method": ("import os as o\no.environ.update(A='1')\n", 2),
    "putenv": ("import os\nos.putenv('A', '1')\n", 2),
    "unsetenv": ("from os import unsetenv\nunsetenv('A')\n", 2),
    "chdir": ("import os\nos.chdir('/')\n", 2),
    "umask": ("import os\nos.umask(0)\n", 2),
    "sys-path-mutation": ("import sys as _sys\n_sys.path.append('x')\n", 2),
    "sys-path-rebinding": ("import sys\nsys.path = []\n", 2),
    "sys-modules": ("import sys\nsys.modules['x'] = None\n", 2),
    "stdout": ("import sys\nsys.stdout = None\n", 2),
    "stderr": ("import sys\nsys.stderr = sys.stdout\n", 2),
    "excepthook": ("import sys\nsys.excepthook = print\n", 2),
    "recursionlimit": ("import sys\nsys.setrecursionlimit(5000)\n", 2),
    "socket-timeout": ("import socket\nsocket.setdefaulttimeout(3)\n", 2),
    "logging-in-function": ("import logging\ndef f():\n    logging.basicConfig()\n", 3),
    "warnings-in-function": ("import warnings as w\ndef f():\n    w.simplefilter('ignore')\n", 3),
    "random-seed": ("import random\nrandom.seed(1)\n", 2),
    "numpy-seed": ("import numpy as np\nnp.random.seed(1)\n", 2),
    "numpy-seed-from": ("from numpy import random as npr\nnpr.seed(1)\n", 2),
    "setlocale": ("import locale\nlocale.setlocale(locale.LC_ALL, '')\n", 2),
    "signal": ("import signal\nsignal.signal(signal.SIGINT, print)\n", 2),
    "local-import": ("def f():\n    import os\n    os.chdir('/')\n", 3),
    "assignment-alias": ("import os\nenv = os.environ\nenv.clear()\n", 3),
    "configured": ("from app import knobs\nknobs.turn()\n", 2),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_process_state_family(tmp_path: Path, family: str, state_lines: Callable[..., Any]) -> None:
    source, line = FAMILIES[family]
    config = {"state": {"process-calls": ["app.knobs.turn"]}}
    assert state_lines("VBR303", source, config) == [line], family
    # Process state is VBR303's, never also VBR302's.
    wrapped = "def g():\n" + textwrap.indent(source.split("\n", 1)[1], "    ")
    wrapped = source.split("\n", 1)[0] + "\n" + wrapped
    assert state_lines("VBR302", wrapped, root=tmp_path / "302") == [], family


def test_module_level_logging_and_reads_are_not_process_mutations(
    tmp_path: Path,
    state_lines: Callable[..., Any],
) -> None:
    source = """
    import logging, os, sys, warnings
    logging.basicConfig()
    warnings.simplefilter("ignore")
    def f(random):
        random.seed(1)
        return os.environ.get("A"), sys.path[0], os.getcwd()
    """
    assert state_lines("VBR303", source) == []


def test_process_table_is_catalogue_data() -> None:
    entries = load_catalogue()["VBR303"].data["entries"]
    assert {"os.environ", "sys.path", "os.chdir", "random.seed", "signal.signal"} <= set(entries)
    assert all(entry["on"] and entry["effect"] for entry in entries.values())


@pytest.mark.usefixtures("in_tmp")
def test_vbr303_spares_entry_points_but_not_library_code(
    tmp_path: Path,
    implied_found: Callable[..., Any],
) -> None:
    lines = sorted(f.line for f in implied_found("VBR303", ENV))
    # configure() runs only from main(), main() only from the __main__ block,
    # cli() is a click command; helper() and library() are library code.
    assert lines == [8, 15]


@pytest.mark.usefixtures("in_tmp")
def test_vbr303_spares_scripts_and_console_script_entry_points(
    tmp_path: Path,
    implied_found: Callable[..., Any],
) -> None:
    source = "import os\n\ndef main():\n    os.environ['TZ'] = 'UTC'\n"
    assert [f.line for f in implied_found("VBR303", source)] == [4]
    assert implied_found("VBR303", source, filename="scripts/setup_env.py") == []
    assert implied_found("VBR303", "#!/usr/bin/env python3\n" + source) == []
    project = write(tmp_path / "proj", {
        "pyproject.toml": '[project]\nname = "p"\n[project.scripts]\np = "pkg.m:main"\n'
                          '[tool.vibrails]\nassume-ai = true\nselect = ["VBR303"]\n',
        "pkg/__init__.py": "",
        "pkg/m.py": source + "\ndef other():\n    os.chdir('/')\n",
    })
    result = run_vibrails("check", "--no-cache", "--format", "json", "pkg/m.py", cwd=project)
    assert [f["line"] for f in json.loads(result.stdout)] == [7]
