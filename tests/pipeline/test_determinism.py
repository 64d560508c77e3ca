"""Same input, byte-identical output, whatever --jobs and however often."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from util import REPO, run_vibrails, write

FORMATS = ["text", "flake8", "json", "sarif", "github", "gitlab"]


def _generated_tree(root: Path, count: int = 200) -> Path:
    rng = random.Random(20261124)
    files: dict[str, str | bytes] = {}
    for i in range(count):
        folder = f"pkg{i % 7}/sub{i % 3}"
        kind = rng.choice(["header", "region", "plain", "assume", "syntax", "noqa"])
        body = f"def f{i}(a, b=[], *, c={{}}):\n    return a\n\nx{i} = lambda d=set(): d\n"
        if kind == "header":
            text = f"# @ai-generated model=m{i} prompt=p.md\n{body}"
        elif kind == "region":
            text = f"def keep(a=[]):\n    pass\n# @ai-generated begin\n{body}# @ai-generated end\n"
        elif kind == "syntax":
            text = f"# @ai-generated\ndef broken{i}(:\n"
        elif kind == "noqa":
            text = f"# @ai-generated\ndef g(a=[]):  # noqa: VBR304\n    pass\n{body}"
        else:
            text = body
        files[f"{folder}/m{i:03}.py"] = text
    files["bad/undecodable.py"] = b"# @ai-generated\nx = '\xff'\n"
    return write(root, files)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generated_tree(tmp_path_factory.mktemp("tree"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_jobs_do_not_change_output_on_a_generated_tree(tree: Path, fmt: str) -> None:
    outputs = {
        jobs: run_vibrails("check", "--no-cache", "--format", fmt, "--jobs", jobs, ".", cwd=tree)
        for jobs in ("1", "2")
    }
    assert outputs["1"].returncode == outputs["2"].returncode == 1
    assert outputs["1"].stdout == outputs["2"].stdout
    assert outputs["1"].stdout.count("VBR304") > 100


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_jobs_do_not_change_output_on_the_example_project(fmt: str) -> None:
    example = REPO / "examples"
    assert example.is_dir()
    runs = [
        run_vibrails("check", "--no-cache", "--format", fmt, "--jobs", jobs, "examples", cwd=REPO)
        for jobs in ("1", "2", "2")
    ]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert runs[0].stdout.count("VBR304") >= 1


def test_cached_run_is_byte_identical(tree: Path, tmp_path: Path) -> None:
    args = ("check", "--format", "json", "--cache-dir", str(tmp_path / "cache"), ".")
    cold = run_vibrails(*args, cwd=tree)
    warm = run_vibrails(*args, "--jobs", "1", cwd=tree)
    assert cold.stdout == warm.stdout
    assert any((tmp_path / "cache").rglob("*.json"))
