"""Shared by the ``vibrails verify`` tests: the fixtures' own dependency deal.

The fixture of planted violations uses icontract (a test dependency) and
deal. deal is installed here, into a folder of its own put on the runs'
``PYTHONPATH``, not into the test environment: deal registers a flake8
plugin that fails on standard input (``flake8 -``), which would break the
flake8 tests of vibrails' own plugin.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEAL = "deal==4.24.6"


@pytest.fixture(scope="session")
def deal_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("deal-site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--disable-pip-version-check", "--target", str(target), DEAL],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return target
