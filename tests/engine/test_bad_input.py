"""Bad input gets a clear finding or message; the run goes on, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from util import run_vibrails, write


def _check(root: Path, *extra: str) -> tuple[int, dict[str, list[str]], str]:
    result = run_vibrails(
        "check", "--no-cache", "--assume-ai", "--format", "json", *extra, ".", cwd=root
    )
    assert "Traceback" not in result.stderr, result.stderr
    by_path: dict[str, list[str]] = {}
    for finding in json.loads(result.stdout):
        by_path.setdefault(finding["path"], []).append(finding["code"])
    return result.returncode, by_path, result.stderr


def test_every_kind_of_bad_file_in_one_run(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "syntax.py": "def broken(:\n    pass\n",
            "compile_only.py": "x = 1\nfrom __future__ import annotations\n",
            "outside.py": "return 42\n",
            "undecodable.py": b"name = 'caf\xe9'\n",
            "nul.py": b"x = 1\x00\n",
            "bad_cookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
            "empty.py": "",
            "huge.py": "x = 1\n" * 900_000,
            "nested.py": "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
            "chain.py": "x = " + " + ".join(["1"] * 1000) + "\n",
            "indent.py": "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass\n",
            "x.py/inside.py": "def f(a=[]):\n    pass\n",
            "fine.py": "def f(a=[]):\n    pass\n",
        },
    )
    code, found, _ = _check(tmp_path)
    assert code == 1
    assert found == {
        "syntax.py": ["VBR001"],
        "compile_only.py": ["VBR001"],
        "outside.py": ["VBR001"],
        "undecodable.py": ["VBR002"],
        "nul.py": ["VBR002"],
        "bad_cookie.py": ["VBR002"],
        "huge.py": ["VBR002"],
        "nested.py": ["VBR001"],
        "indent.py": ["VBR001"],
        "x.py/inside.py": ["VBR304"],
        "fine.py": ["VBR304"],
    }


def test_a_file_slower_than_the_time_limit_is_reported_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    # A long operator chain is quadratic in the native parser.
    write(tmp_path, {"slow.py": "x = " + "+".join(["1"] * 6000) + "\n", "ok.py": "def f(a=[]): pass\n"})
    code, found, _ = _check(tmp_path, "--timeout-per-file", "0.5")
    assert code == 1
    assert found == {"slow.py": ["VBR002"], "ok.py": ["VBR304"]}


def test_untagged_bad_files_cost_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"syntax.py": "def broken(:\n", "nul.py": b"x\x00", "ok.py": "x = 1\n"})
    result = run_vibrails("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_unreadable_untagged_file_is_skipped_with_a_message(tmp_path: Path) -> None:
    write(tmp_path, {"link.py": ""})
    (tmp_path / "link.py").unlink()
    (tmp_path / "link.py").symlink_to(tmp_path / "missing-target.py")
    result = run_vibrails("check", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
