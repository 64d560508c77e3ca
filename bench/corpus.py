"""The pinned corpora: wheels fetched with ``pip download``, never executed.

``pip download --no-deps --only-binary=:all:`` fetches the wheel file only (no
dependency, no sdist whose build would run code); the harness checks the
wheel's SHA-256 against the pin, unpacks it with :mod:`zipfile` under
``bench/.corpus/<name>-<version>/`` (git-ignored) and keeps it for later
runs. Each tree root gets the configuration files that stop every tool's
upward search for a configuration, so that nothing of the checkout around it
(its ``pyproject.toml``, its ``.gitignore`` which ignores ``bench/.corpus/``)
changes what is measured:

- ``vibrails.toml`` (empty: the defaults),
- ``.flake8`` (an empty ``[flake8]`` section: the defaults),
- ``pyproject.toml`` with ``[tool.fixit] root = true`` (Fixit's default rules;
  the file also marks the project root for Fixit's file walker, which
  otherwise reads the checkout's ``.gitignore`` and skips every file).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from common import CORPUS_DIR, SetupError, log, run_setup


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


DJANGO = Pin("django", "5.1.4", "236e023f021f5ce7dee5779de7b286565fdea5f4ab86bae5338e3f7b69896cf0")
ATTRS = Pin("attrs", "24.2.0", "81921eb96de3191c8258c199618104dd27ac608d9366f5e35d011eae1867ede2")
CORPORA = {"django": DJANGO, "attrs": ATTRS}

ROOT_FILES = {
    "vibrails.toml": "# Benchmark tree: vibrails defaults.\n",
    ".flake8": "# Benchmark tree: flake8 defaults.\n[flake8]\n",
    "pyproject.toml": (
        "# Benchmark tree: the project root for Fixit's walker, Fixit defaults.\n"
        "[tool.fixit]\nroot = true\n"
    ),
}


@dataclass(frozen=True)
class Tree:
    """A folder of Python files that the tools are run on."""

    key: str
    label: str
    path: Path
    files: int
    lines: int


def count(path: Path) -> tuple[int, int]:
    """Python files (``.py``/``.pyi``, as vibrails discovers them) and their lines."""
    files = lines = 0
    for folder, dirs, names in os.walk(path):
        dirs.sort()
        for name in names:
            if name.endswith((".py", ".pyi")):
                data = Path(folder, name).read_bytes()
                files += 1
                lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return files, lines


def write_root_files(path: Path) -> None:
    """(Re)write the configuration files at the root of a tree (idempotent)."""
    for name, text in ROOT_FILES.items():
        target = path / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    (path / "fixit.toml").unlink(missing_ok=True)  # written by earlier harness versions


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _find_wheel(folder: Path, pin: Pin) -> Path | None:
    for wheel in sorted(folder.glob("*.whl")):
        parts = wheel.name.split("-")
        if _normalise(parts[0]) == _normalise(pin.name) and parts[1] == pin.version:
            return wheel
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(pin: Pin) -> Tree:
    """The unpacked tree of ``pin``, downloaded and unpacked on first use."""
    dest = CORPUS_DIR / f"{pin.name}-{pin.version}"
    complete = dest / ".bench-complete"
    if not complete.exists():
        wheels = CORPUS_DIR / "wheels"
        wheels.mkdir(parents=True, exist_ok=True)
        wheel = _find_wheel(wheels, pin)
        if wheel is None:
            log(f"downloading {pin.label} (wheel only, no dependencies)")
            run_setup([sys.executable, "-m", "pip", "download", "--quiet",
                       "--disable-pip-version-check", "--no-deps", "--only-binary=:all:",
                       "--dest", wheels, f"{pin.name}=={pin.version}"])
            wheel = _find_wheel(wheels, pin)
            if wheel is None:
                raise SetupError(f"pip download gave no wheel for {pin.label}")
        digest = _sha256(wheel)
        if digest != pin.sha256:
            raise SetupError(f"{wheel.name}: SHA-256 {digest} is not the pinned {pin.sha256}")
        log(f"unpacking {wheel.name}")
        staging = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(staging)  # zipfile drops absolute and '..' parts
        write_root_files(staging)
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)
        complete.write_text(f"{wheel.name} {digest}\n")
    write_root_files(dest)
    files, lines = count(dest)
    return Tree(pin.name, f"{pin.label} wheel", dest, files, lines)


def warm_page_cache(tree: Tree) -> None:
    """Read every file once so that no tool pays for the first disk read."""
    for folder, _dirs, names in os.walk(tree.path):
        for name in names:
            Path(folder, name).read_bytes()
