"""The standard library as a corpus: a fixed sample of at least 300 files.

The sample is every ``badsyntax*``/``bad_coding*`` file and everything under
``test/tokenizedata`` and ``lib2to3/tests/data`` (files written to be
broken), plus evenly spaced files of the rest of the running interpreter's
standard library. It is copied into a temporary tree (files that are not
``.py`` get a ``.py`` suffix) and checked with ``--assume-ai`` and every
rule on by default: no VBR000, exit 0 or 1, and every file CPython itself
cannot compile has VBR001 or VBR002. ``scripts/stdlib_run.py`` does the
same on the whole standard library.
"""

from __future__ import annotations

import json
import shutil
import sysconfig
import warnings
from pathlib import Path

import jsonschema
import pytest
from util import SARIF_SCHEMA, run_vibrails

pytestmark = pytest.mark.slow

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLE_SIZE = 320
#: ``python -m`` puts the current folder first on ``sys.path``, and the copied
#: tree holds ``importlib/``, ``json/``…: keep it out (Python 3.11's ``-P``).
SAFE_PATH = {"PYTHONSAFEPATH": "1"}
SCHEMA = json.loads(
    SARIF_SCHEMA.read_text("utf-8")
)


def _is_broken_on_purpose(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return (
        name.startswith(("badsyntax", "bad_coding"))
        or relative.startswith(("test/tokenizedata/", "lib2to3/tests/data/"))
    )


def sample_files() -> list[str]:
    """The sample, as paths relative to the stdlib (fixed for one interpreter)."""
    if not STDLIB.is_dir():
        return []
    every = sorted(
        p.relative_to(STDLIB).as_posix()
        for p in STDLIB.rglob("*")
        if p.is_file()
        and "site-packages" not in p.relative_to(STDLIB).parts
        and "__pycache__" not in p.parts
    )
    special = [r for r in every if _is_broken_on_purpose(r)]
    rest = [r for r in every if r.endswith(".py") and not _is_broken_on_purpose(r)]
    wanted = max(SAMPLE_SIZE - len(special), 0)
    step = max(len(rest) // max(wanted, 1), 1)
    return sorted(special + rest[::step][:wanted])


def build_sample(target: Path) -> list[str]:
    """Copy the sample under ``target``; returns the copies' relative paths."""
    copies = []
    for relative in sample_files():
        name = relative if relative.endswith(".py") else relative + ".py"
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STDLIB / relative, destination)
        copies.append(name)
    return copies


def cpython_compiles(path: Path) -> bool:
    try:
        data = path.read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("stdlib-sample")
    copies = build_sample(root)
    if len(copies) < 300:
        pytest.fail(f"the standard library at {STDLIB} gives only {len(copies)} files")
    return root, copies


def test_sample_holds_every_file_broken_on_purpose(sample: tuple[Path, list[str]]) -> None:
    _, copies = sample
    assert len(copies) >= 300
    broken = [c for c in copies if _is_broken_on_purpose(c)]
    assert any("/badsyntax" in c for c in broken)
    assert any("/bad_coding" in c for c in broken)
    assert any(c.startswith("test/tokenizedata/") for c in broken)


def test_stdlib_sample(sample: tuple[Path, list[str]]) -> None:
    root, copies = sample
    result = run_vibrails(
        "check", "--assume-ai", "--no-cache", "--jobs", "2", "--format", "sarif",
        "-o", "out.sarif", *copies, cwd=root, env=SAFE_PATH,
    )
    assert result.returncode == 1, result.stderr  # the sample has warnings
    assert "Traceback" not in result.stderr
    log = json.loads((root / "out.sarif").read_text("utf-8"))
    jsonschema.validate(log, SCHEMA)
    by_code: dict[str, set[str]] = {}
    for item in log["runs"][0]["results"]:
        uri = item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        by_code.setdefault(item["ruleId"], set()).add(uri)
    assert "VBR000" not in by_code, sorted(by_code["VBR000"])[:10]
    unreadable = by_code.get("VBR001", set()) | by_code.get("VBR002", set())
    rejected = [c for c in copies if not cpython_compiles(root / c)]
    assert len(rejected) >= 10, "the sample should hold files CPython rejects"
    missed = [c for c in rejected if c not in unreadable]
    assert not missed, f"CPython rejects these, vibrails reports neither VBR001 nor VBR002: {missed}"
    # And the tree rules found something in the well-formed part of the sample.
    assert len(by_code) >= 4, sorted(by_code)
