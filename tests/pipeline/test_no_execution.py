"""vibrails never imports or runs the code it scans, and stays inside the root.

Every module of the tree below writes a marker file when it is imported or
executed: a package ``__init__.py``, a helper module that a decorator comes
from through a relative import (the contract rules resolve it with astroid,
from source), a ``conftest.py``, a ``setup.py``, a ``__main__.py``, a
``.pth`` file, a C-extension-looking ``.so`` holding Python text, and
modules named like the libraries vibrails itself imports. After full runs
with every rule on (``--select ALL`` plus the opt-in rules by code) in
every output format, no marker exists.

Symlinks out of the scanned root are not followed (see also
``tests/discover/test_discover.py::test_links_leading_outside_the_root_are_not_followed``),
and the paths in JSON and SARIF output stay inside the root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vibrails.core.catalogue import load_catalogue

OPT_IN = ",".join(code for code, info in load_catalogue().items() if info.opt_in)
VIBRAILS = Path(sys.executable).with_name("vibrails")

PAYLOAD = "import pathlib; pathlib.Path({marker!r}).write_text('executed: ' + __file__)\n"

CONTRACTS = """\
{payload}

def require(check):
    def wrap(function):
        return function
    return wrap


def positive(function):
    return function
"""

SERVICE = """\
{payload}
from . import contracts
from .contracts import positive, require


@positive
def pay(amount, history=[]):
    history.append(amount)
    return amount


@require(lambda amount: amount > 0)
def refund(amount, log={{}}):
    log[amount] = True
    return amount


@contracts.require(lambda x: x)
def charge(x):
    return x
"""


def _tree(root: Path, markers: Path) -> list[str]:
    """Write the booby-trapped tree; returns the names of its markers."""
    names: list[str] = []

    def trap(relative: str, template: str = "{payload}\nx = 1\n") -> None:
        name = relative.replace("/", "__")
        names.append(name)
        payload = PAYLOAD.format(marker=str(markers / name))
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(payload=payload), encoding="utf-8")

    trap("app/__init__.py")
    trap("app/contracts.py", CONTRACTS)
    trap("app/service.py", SERVICE)
    trap("app/sub/__init__.py")
    trap("app/sub/deep.py", "{payload}\nfrom ..contracts import positive\n\n@positive\n"
         "def f(a):\n    return a\n")
    trap("conftest.py")
    trap("setup.py")
    trap("__main__.py")
    trap("sitecustomize.py")
    trap("usercustomize.py")
    trap("evil.pth", "{payload}")
    trap("app/fast.cpython-311-x86_64-linux-gnu.so")
    trap("app/fast.abi3.so")
    trap("app/fast.pyd")
    # Modules named like what vibrails imports: only a bad sys.path would load them.
    for module in ("click.py", "libcst/__init__.py", "astroid/__init__.py", "json/__init__.py",
                   "tomllib.py", "sarif_om.py", "hypothesis.py", "typing_extensions.py"):
        trap(module)
    # A .pth that would run on interpreter start if this were a site folder.
    (root / "zz.pth").write_text(
        "import pathlib; pathlib.Path({!r}).write_text('pth')\n".format(str(markers / "zz.pth")),
        encoding="utf-8",
    )
    names.append("zz.pth")
    (root / "pyproject.toml").write_text("[tool.vibrails]\nassume-ai = true\n", "utf-8")
    return names


@pytest.fixture
def trapped(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    markers = tmp_path / "markers"
    root.mkdir()
    markers.mkdir()
    _tree(root, markers)
    return root, markers


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _all_rules(fmt: str) -> list[str]:
    return ["check", "--no-cache", "--assume-ai", "--select", "ALL", "--extend-select", OPT_IN,
            "--format", fmt, "--jobs", "2"]


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "github", "gitlab"])
def test_no_scanned_code_runs(trapped: tuple[Path, Path], fmt: str) -> None:
    root, markers = trapped
    result = _run([str(VIBRAILS), *_all_rules(fmt), "."], cwd=root)
    assert result.returncode == 1, result.stderr  # the trap's code has findings
    assert sorted(p.name for p in markers.iterdir()) == []
    if fmt == "json":
        paths = {f["path"] for f in json.loads(result.stdout)}
        # The rules did look at the decorated functions.
        assert "app/service.py" in paths


def test_no_scanned_code_runs_with_fix_and_diff(trapped: tuple[Path, Path]) -> None:
    root, markers = trapped
    result = _run([str(VIBRAILS), *_all_rules("json"), "--diff", "."], cwd=root)
    assert result.returncode == 1, result.stderr  # the trap's code has findings
    assert list(markers.iterdir()) == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="-P is new in Python 3.11")
def test_no_scanned_code_runs_through_python_dash_p_m(trapped: tuple[Path, Path]) -> None:
    """``python -m`` puts the current folder on ``sys.path``; ``-P`` does not."""
    root, markers = trapped
    result = _run([sys.executable, "-P", "-m", "vibrails", *_all_rules("sarif"), "."], cwd=root)
    assert result.returncode == 1, result.stderr  # the trap's code has findings
    assert list(markers.iterdir()) == []


def test_no_scanned_code_runs_through_the_check_server(
    trapped: tuple[Path, Path], tmp_path: Path
) -> None:
    """A check handed over to ``vibrails server`` runs in a child of the server,
    in the scanned folder: it imports nothing from there either."""
    root, markers = trapped
    servers = tmp_path / "servers"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIBRAILS_"))}
    env["VIBRAILS_SERVER_DIR"] = str(servers)
    started = subprocess.run([str(VIBRAILS), "server", "start", "--idle-timeout", "120"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    try:
        result = subprocess.run([str(VIBRAILS), *_all_rules("json"), "."], cwd=root, env=env,
                                capture_output=True, text=True, timeout=300)
        status = subprocess.run([str(VIBRAILS), "server", "status"], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60).stdout
    finally:
        subprocess.run([str(VIBRAILS), "server", "stop"], env=env, cwd=tmp_path,
                       capture_output=True, timeout=60)
    assert " served=1 " in status
    assert result.returncode == 1, result.stderr  # the trap's code has findings
    assert "app/service.py" in {f["path"] for f in json.loads(result.stdout)}
    assert list(markers.iterdir()) == []


def test_no_scanned_code_runs_in_the_report_nor_its_history(trapped: tuple[Path, Path]) -> None:
    root, markers = trapped
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for args in (["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.com",
                                 "-c", "commit.gpgsign=false", "commit", "-q", "-m", "trap"]):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    for fmt in ("html", "json", "markdown"):
        result = _run([str(VIBRAILS), "report", "--no-cache", "--format", fmt, "."], cwd=root)
        assert result.returncode == 0, result.stderr
        assert list(markers.iterdir()) == []
    trend = json.loads(_run([str(VIBRAILS), "report", "--format", "json", "."], cwd=root).stdout)
    assert len(trend["trend"]) == 1 and trend["trend"][0]["total"]["files"] > 0


def test_every_file_kind_was_present(trapped: tuple[Path, Path]) -> None:
    """The traps are real: importing one does write its marker."""
    root, markers = trapped
    probe = _run([sys.executable, "-c", "import app.service"], cwd=root)
    assert probe.returncode == 0, probe.stderr
    written = sorted(p.name for p in markers.iterdir())
    assert {"app____init__.py", "app__contracts.py", "app__service.py"} <= set(written)


def test_symlinks_out_of_the_root_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "project"
    outside = tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.py").write_text("def f(a=[]):\n    pass\n", "utf-8")
    (root / "pkg" / "ok.py").write_text("def g(b=[]):\n    pass\n", "utf-8")
    (root / "pkg" / "link.py").symlink_to(outside / "secret.py")
    (root / "pkg" / "linked_dir").symlink_to(outside, target_is_directory=True)
    result = _run([str(VIBRAILS), "check", "--no-cache", "--assume-ai", "--format", "json", "."],
                  cwd=root)
    assert result.returncode == 1, result.stderr
    assert sorted({f["path"] for f in json.loads(result.stdout)}) == ["pkg/ok.py"]


def test_paths_stay_inside_the_root_when_scanning_a_subfolder(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.vibrails]\nassume-ai = true\n", "utf-8")
    (root / "src" / "pkg" / "a.py").write_text("def f(a=[]):\n    pass\n", "utf-8")
    (root / "top.py").write_text("def f(a=[]):\n    pass\n", "utf-8")
    for fmt in ("json", "sarif"):
        result = _run([str(VIBRAILS), "check", "--no-cache", "--format", fmt, "src/pkg"],
                      cwd=root)
        assert result.returncode == 1, result.stderr
        data = json.loads(result.stdout)
        if fmt == "json":
            paths = [f["path"] for f in data]
        else:
            paths = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                     for r in data["runs"][0]["results"]]
        assert paths == ["src/pkg/a.py"], (fmt, paths)


def test_subproject_config_cannot_reach_outside_the_repository(tmp_path: Path) -> None:
    """A scanned subproject's globs with ``../`` do not reach files beyond it."""
    repo = tmp_path / "repo"
    sub = repo / "vendor" / "sub"
    sub.mkdir(parents=True)
    (repo / ".git").mkdir()
    outside = tmp_path / "outside.py"
    outside.write_text("def f(a=[]):\n    pass\n", "utf-8")
    (repo / "sibling.py").write_text("def f(a=[]):\n    pass\n", "utf-8")
    (sub / "mod.py").write_text("def f(a=[]):\n    pass\n", "utf-8")
    (sub / "pyproject.toml").write_text(
        '[tool.vibrails]\nai-generated = ["../**", "../../**", "../../../**", "/**"]\n'
        'exclude = ["../**"]\nper-file-ignores = { "../**" = ["VBR3"] }\n', "utf-8")
    result = _run([str(VIBRAILS), "check", "--no-cache", "--format", "json", "."], cwd=sub)
    # The globs apply inside the project only: mod.py is tagged (by "/**"),
    # nothing outside it is checked or named.
    assert result.returncode == 1, result.stderr
    paths = {f["path"] for f in json.loads(result.stdout)}
    assert paths == {"mod.py"}, paths
    assert outside.read_text("utf-8").startswith("def f")
