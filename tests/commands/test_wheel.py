"""The built wheel works on its own: the catalogue ships inside it.

Builds the wheel (``python -m build --wheel``), installs it into a fresh
virtualenv outside the checkout (its dependencies come from the package
registry) and runs ``vibrails rules`` and ``vibrails explain VBR304`` from a
folder outside the checkout.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from util import REPO

from vibrails.core.catalogue import load_catalogue

ROOT = REPO

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _clean_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _build_wheel(outdir: Path, env: dict[str, str]) -> Path:
    args = [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir)]
    if importlib.util.find_spec("hatchling") is not None:
        args.append("--no-isolation")
    _run([*args, str(ROOT)], cwd=ROOT, env=env)
    wheels = sorted(outdir.glob("vibrails-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_ships_the_catalogue(tmp_path: Path) -> None:
    if importlib.util.find_spec("build") is None:
        pytest.fail("the 'build' package is missing: install the test extra")
    env = _clean_env()
    wheel = _build_wheel(tmp_path / "dist", env)

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for code in load_catalogue():
        assert f"vibrails/catalogue_data/{code}.toml" in names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=env)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, env=env)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    vibrails = str(bindir / "vibrails")

    where = _run(
        [str(python), "-c", "import vibrails.core.catalogue as c; print(c.catalogue_dir())"],
        cwd=outside,
        env=env,
    ).strip()
    assert Path(where).resolve().is_relative_to(venv.resolve()), where
    assert not Path(where).resolve().is_relative_to(ROOT), where

    explained = _run([vibrails, "explain", "VBR304"], cwd=outside, env=env)
    info = load_catalogue()["VBR304"]
    assert explained == info.markdown()
    assert "## Why is this bad?" in explained
    assert info.docs["why"].strip().splitlines()[0] in explained

    listed = _run([vibrails, "rules"], cwd=outside, env=env)
    for code, entry in load_catalogue().items():
        assert code in listed and entry.name in listed

    version = _run([vibrails, "--version"], cwd=outside, env=env)
    assert version.startswith("vibrails ")
