"""The interpreters the benchmark runs: vibrails's own and one venv per peer.

Peers live in their own virtual environments under ``bench/.venvs/`` so that
the measured installs are clean (no vibrails flake8 plugin inside flake8's
run) and so that Fixit's ``click < 8.2`` pin cannot clash with vibrails's
click. Each venv records the requirements it was built from; a change of pin
or of the base interpreter rebuilds it.

vibrails itself runs from the checkout: with the current interpreter when it
already imports vibrails from this checkout's ``src/`` (an editable install),
otherwise from ``bench/.venvs/vibrails`` where the harness runs
``pip install -e <checkout>``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from common import ROOT, VENVS_DIR, SetupError, log, run_setup

#: Pinned peers. Fixit 2.2.1 pins ``click < 8.2``, hence a venv of its own.
PEERS: dict[str, list[str]] = {
    "flake8": ["flake8==7.5.0"],
    "fixit": ["fixit==2.2.1"],
}
#: Distributions whose versions are reported for each environment.
REPORTED: dict[str, list[str]] = {
    "vibrails": ["vibrails", "libcst", "click"],
    "flake8": ["flake8", "pyflakes", "pycodestyle", "mccabe"],
    "fixit": ["fixit", "libcst", "click"],
}

_VERSIONS_SCRIPT = """
import importlib.metadata as m, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = m.version(name)
    except m.PackageNotFoundError:
        out[name] = None
print(json.dumps(out))
"""


@dataclass
class Env:
    name: str
    python: Path
    #: Where the interpreter came from, for the doc.
    origin: str
    versions: dict[str, str | None] = field(default_factory=dict)

    def script(self, name: str) -> Path:
        """A console script installed next to the interpreter."""
        return self.python.parent / name


def _venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def versions(python: Path, names: list[str]) -> dict[str, str | None]:
    out = run_setup([python, "-c", _VERSIONS_SCRIPT, *names])
    data: dict[str, str | None] = json.loads(out)
    return data


def _pyproject_digest(project: Path) -> str:
    """Changes when the project's dependencies may have: reinstall then."""
    try:
        data = (project / "pyproject.toml").read_bytes()
    except OSError:
        return "pyproject=missing"
    return "pyproject=" + hashlib.sha256(data).hexdigest()


def _build_venv(name: str, requirements: list[str], editable: Path | None = None) -> Path:
    folder = VENVS_DIR / name
    python = _venv_python(folder)
    wanted = "\n".join(
        [f"base={sys.version.split()[0]} {Path(sys.base_prefix)}", *requirements]
        + ([f"editable={editable}", _pyproject_digest(editable)] if editable else [])
    )
    stamp = folder / ".bench-requirements"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    log(f"creating venv {folder.relative_to(ROOT)} ({', '.join(requirements) or editable})")
    if folder.exists():
        shutil.rmtree(folder)
    VENVS_DIR.mkdir(parents=True, exist_ok=True)
    run_setup([sys.executable, "-m", "venv", folder])
    pip: list[str | Path] = [python, "-m", "pip", "install", "--quiet",
                             "--disable-pip-version-check"]
    if requirements:
        run_setup([*pip, *requirements])
    if editable is not None:
        run_setup([*pip, "-e", editable])
    stamp.write_text(wanted)
    return python


def peer_env(name: str) -> Env:
    """The venv of peer ``name``, built if missing; raises :class:`SetupError`."""
    python = _build_venv(name, PEERS[name])
    return Env(name, python, f"bench/.venvs/{name} ({' '.join(PEERS[name])})",
               versions(python, REPORTED[name]))


def _imports_checkout(python: Path) -> bool:
    probe = "import vibrails, libcst; print(vibrails.__file__)"
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        return False
    location = Path(proc.stdout.strip()).resolve()
    return (ROOT / "src") in location.parents


def vibrails_env(choice: str) -> Env:
    """The interpreter that runs vibrails (and the libcst parse-only baseline).

    ``choice`` is ``auto`` (the current interpreter if it imports vibrails
    from this checkout, else the bench venv), ``venv`` (always the bench
    venv), or the path of a Python interpreter.
    """
    current = Path(sys.executable)
    if choice not in ("auto", "venv"):
        python = Path(choice)
        if not _imports_checkout(python):
            raise SetupError(f"{python} does not import vibrails from {ROOT / 'src'}")
        origin = f"{python} (given with --vibrails-python)"
    elif choice == "auto" and _imports_checkout(current):
        python = current
        origin = f"current interpreter {current} (vibrails editable from the checkout)"
    else:
        python = _build_venv("vibrails", [], editable=ROOT)
        origin = "bench/.venvs/vibrails (pip install -e <checkout>)"
    return Env("vibrails", python, origin, versions(python, REPORTED["vibrails"]))
