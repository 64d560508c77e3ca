"""File discovery: exclusions, .gitignore, explicit paths, links (vibrails.discover)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vibrails.config import DEFAULT_EXCLUDE
from vibrails.discover import Discoverer, GitIgnore

PYTHON = sys.executable
HAS_GIT = shutil.which("git") is not None


def make(root: Path, *files: str, content: str = "x = 1\n") -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def found(
    root: Path,
    paths: list[str] | None = None,
    exclude: list[str] | None = None,
    force_exclude: bool = False,
    cwd: Path | None = None,
) -> list[str]:
    discoverer = Discoverer(
        root,
        list(DEFAULT_EXCLUDE) if exclude is None else exclude,
        force_exclude=force_exclude,
        cwd=cwd or root,
    )
    return [d.display for d in discoverer.discover([Path(p) for p in (paths or ["."])])]


# -- exclusions ------------------------------------------------------------------


def test_default_excludes_prune_folders(tmp_path: Path) -> None:
    make(
        tmp_path,
        "pkg/mod.py",
        "pkg/stub.pyi",
        "venv/lib/site.py",
        ".venv/x.py",
        "build/lib/gen.py",
        "dist/x.py",
        ".git/hooks/x.py",
        "node_modules/a/b.py",
        ".tox/py/x.py",
        "sub/.mypy_cache/x.py",
        "deep/er/venv/x.py",
        "notes.txt",
        "pkg/data.json",
    )
    assert found(tmp_path) == ["pkg/mod.py", "pkg/stub.pyi"]


def test_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    make(tmp_path, "venv/x.py", "gen/y.py", "a.py")
    assert found(tmp_path, exclude=["gen"]) == ["a.py", "venv/x.py"]


def test_extend_exclude_adds_to_the_defaults(tmp_path: Path) -> None:
    make(tmp_path, "venv/x.py", "gen/y.py", "src/gen/z.py", "a.py", "b_pb2.py")
    exclude = [*DEFAULT_EXCLUDE, "/gen", "*_pb2.py"]
    assert found(tmp_path, exclude=exclude) == ["a.py", "src/gen/z.py"]


def test_git_folder_is_never_walked(tmp_path: Path) -> None:
    make(tmp_path, ".git/x.py", "a.py")
    assert found(tmp_path, exclude=[]) == ["a.py"]


def test_anchored_exclude_is_relative_to_the_project_root(tmp_path: Path) -> None:
    make(tmp_path, "src/gen/a.py", "src/keep.py", "other/src/gen/b.py")
    got = found(tmp_path, exclude=["src/gen"], cwd=tmp_path / "src")
    assert got == ["keep.py"]  # the pattern is anchored at the root, not at the cwd
    got = found(tmp_path, paths=[str(tmp_path)], exclude=["src/gen"])
    assert got == ["other/src/gen/b.py", "src/keep.py"]


def test_exclude_glob_with_double_star(tmp_path: Path) -> None:
    make(tmp_path, "src/gen/a.py", "src/gen/sub/b.py", "src/c.py")
    assert found(tmp_path, exclude=["src/gen/**"]) == ["src/c.py"]


def test_folder_only_exclude_keeps_a_file_of_that_name(tmp_path: Path) -> None:
    make(tmp_path, "gen.py/inner.py", "lib/gen.py")
    assert found(tmp_path, exclude=["gen.py/"]) == ["lib/gen.py"]


# -- .gitignore ------------------------------------------------------------------


def gitignore(folder: Path, *lines: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_gitignore_basic_patterns(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "gen_a.py", "sub/gen_b.py", "sub/c.py", "out/d.py", "x/out/e.py")
    gitignore(tmp_path, "# a comment", "", "gen_*.py", "/out")
    assert found(tmp_path) == ["a.py", "sub/c.py", "x/out/e.py"]


def test_gitignore_negation(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "b.py", "keep.py")
    gitignore(tmp_path, "*.py", "!keep.py")
    assert found(tmp_path) == ["keep.py"]


def test_gitignore_last_matching_line_wins(tmp_path: Path) -> None:
    make(tmp_path, "keep.py")
    gitignore(tmp_path, "!keep.py", "*.py")
    assert found(tmp_path) == []


def test_gitignore_cannot_reinclude_inside_an_ignored_folder(tmp_path: Path) -> None:
    make(tmp_path, "logs/a.py", "logs/keep.py")
    gitignore(tmp_path, "logs/", "!logs/keep.py")
    assert found(tmp_path) == []
    gitignore(tmp_path, "logs/*", "!logs/keep.py")
    assert found(tmp_path) == ["logs/keep.py"]


def test_gitignore_folder_only_pattern(tmp_path: Path) -> None:
    make(tmp_path, "cache/a.py", "lib/cache/b.py", "lib/other.py")
    (tmp_path / "lib" / "cache.py").write_text("", encoding="utf-8")
    gitignore(tmp_path, "cache/", "cache.py/")
    assert found(tmp_path) == ["lib/cache.py", "lib/other.py"]


def test_gitignore_trailing_slash_only_is_not_anchored(tmp_path: Path) -> None:
    make(tmp_path, "a/tmp/x.py", "tmp/y.py", "z.py")
    gitignore(tmp_path, "tmp/")
    assert found(tmp_path) == ["z.py"]


def test_gitignore_slash_in_the_middle_anchors(tmp_path: Path) -> None:
    make(tmp_path, "doc/gen/a.py", "src/doc/gen/b.py")
    gitignore(tmp_path, "doc/gen")
    assert found(tmp_path) == ["src/doc/gen/b.py"]


def test_gitignore_double_star(tmp_path: Path) -> None:
    make(tmp_path, "a/b/gen/x.py", "gen/y.py", "src/a/b/t_test.py", "src/t_test.py", "src/u.py")
    gitignore(tmp_path, "**/gen", "src/**/*_test.py")
    assert found(tmp_path) == ["src/u.py"]


def test_nested_gitignore_is_relative_to_its_folder(tmp_path: Path) -> None:
    make(tmp_path, "gen.py", "pkg/gen.py", "pkg/sub/gen.py", "pkg/mod.py", "other/mod.py")
    gitignore(tmp_path / "pkg", "/gen.py", "mod.py")
    assert found(tmp_path) == ["gen.py", "other/mod.py", "pkg/sub/gen.py"]


def test_nested_gitignore_overrides_the_parent(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "pkg/b.py", "pkg/c.py")
    gitignore(tmp_path, "*.py")
    gitignore(tmp_path / "pkg", "!b.py")
    assert found(tmp_path) == ["pkg/b.py"]


def test_gitignore_escapes_and_trailing_spaces(tmp_path: Path) -> None:
    make(tmp_path, "#x.py", "!y.py", "z.py", "w.py")
    (tmp_path / ".gitignore").write_text("\\#x.py\n\\!y.py\nz.py   \n", encoding="utf-8")
    assert found(tmp_path) == ["w.py"]


def test_gitignore_with_crlf_line_ends(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "b.py")
    (tmp_path / ".gitignore").write_bytes(b"a.py\r\n")
    assert found(tmp_path) == ["b.py"]


def test_git_info_exclude_is_respected_with_lower_precedence(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "b.py", "c.py")
    info = tmp_path / ".git" / "info"
    info.mkdir(parents=True)
    (info / "exclude").write_text("a.py\nb.py\n", encoding="utf-8")
    gitignore(tmp_path, "!b.py")
    assert found(tmp_path) == ["b.py", "c.py"]


def test_gitignore_above_the_walked_folder_applies(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    make(tmp_path, "src/pkg/gen_a.py", "src/pkg/b.py", "src/pkg/sub/c.py")
    gitignore(tmp_path, "gen_*.py", "src/pkg/sub/")
    got = found(tmp_path, cwd=tmp_path / "src" / "pkg")
    assert got == ["b.py"]


def test_gitignore_of_the_repository_applies_to_a_project_in_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    gitignore(tmp_path, "generated/")
    project = tmp_path / "proj"
    make(project, "generated/a.py", "b.py")
    assert found(project) == ["b.py"]


def test_gitignore_object_decides() -> None:
    ignore = GitIgnore("/repo/sub", ["*.log", "!keep.log", "tmp/", "/top.py"])
    assert ignore.decide("/repo/sub/a.log", False) is True
    assert ignore.decide("/repo/sub/x/keep.log", False) is False
    assert ignore.decide("/repo/sub/tmp", True) is True
    assert ignore.decide("/repo/sub/tmp", False) is None
    assert ignore.decide("/repo/sub/top.py", False) is True
    assert ignore.decide("/repo/sub/x/top.py", False) is None
    assert ignore.decide("/repo/other/a.log", False) is None
    assert ignore.decide("/repo/subx/a.log", False) is None


# -- agreement with git itself ---------------------------------------------------

_TREE = [
    "a.py", "b.py", "keep.py", "gen_x.py", "doc/gen/d.py", "src/doc/gen/e.py",
    "src/a.py", "src/pkg/m.py", "src/pkg/gen_y.py", "src/pkg/deep/n.py", "logs/l.py",
    "logs/keep.py", "tmp/t.py", "x/tmp/u.py", "build.py", "lib/build/v.py",
    "c/d/e/f.py", "weird name.py", "sp ace/z.py",
]
_PATTERNS = [
    "*.py", "!keep.py", "gen_*", "/gen_x.py", "doc/gen", "**/gen", "logs/", "!logs/keep.py",
    "logs/*", "tmp/", "/tmp", "build/", "build*", "src/**/n.py", "src/pkg/", "!src/pkg/",
    "c/**", "!c/d/", "e/", "[ab].py", "?.py", "deep", "weird*", "sp ace/", "src/*",
    "!src/a.py", "**/deep/**",
]


def git_listing(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, check=True,
    ).stdout.decode()
    return sorted(p for p in out.split("\0") if p.endswith(".py"))


def init_repo(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    top=st.lists(st.sampled_from(_PATTERNS), max_size=6),
    nested=st.lists(st.sampled_from(_PATTERNS), max_size=3),
)
def test_agrees_with_git_on_which_files_are_ignored(
    tmp_path_factory: pytest.TempPathFactory, top: list[str], nested: list[str]
) -> None:
    root = tmp_path_factory.mktemp("repo")
    init_repo(root)
    make(root, *_TREE)
    gitignore(root, *top)
    gitignore(root / "src", *nested)
    assert found(root, exclude=[]) == git_listing(root)


@pytest.mark.skipif(not HAS_GIT, reason="git is not installed")
def test_agrees_with_git_on_a_rich_ignore_file(tmp_path: Path) -> None:
    init_repo(tmp_path)
    make(tmp_path, *_TREE)
    gitignore(tmp_path, "gen_*", "doc/gen", "logs/*", "!logs/keep.py", "tmp/", "c/**", "!c/d/")
    gitignore(tmp_path / "src", "/a.py", "deep/", "**/gen")
    (tmp_path / ".git" / "info" / "exclude").write_text("build*\n", encoding="utf-8")
    expected = git_listing(tmp_path)
    assert "logs/keep.py" in expected and "a.py" in expected  # the oracle is sane
    assert found(tmp_path, exclude=[]) == expected


# -- explicit paths ------------------------------------------------------------------


def test_explicit_files_are_checked_even_when_excluded(tmp_path: Path) -> None:
    make(tmp_path, "venv/x.py", "gen/y.py", "script", "notes.txt")
    gitignore(tmp_path, "gen/")
    got = found(tmp_path, paths=["venv/x.py", "gen/y.py", "script"])
    assert got == ["gen/y.py", "script", "venv/x.py"]


def test_force_exclude_skips_excluded_explicit_files(tmp_path: Path) -> None:
    make(tmp_path, "venv/x.py", "gen/y.py", "ign.py", "pkg/build/z.py", "ok.py", "m_pb2.py")
    gitignore(tmp_path, "gen/", "ign.py")
    exclude = [*DEFAULT_EXCLUDE, "*_pb2.py"]
    paths = ["venv/x.py", "gen/y.py", "ign.py", "pkg/build/z.py", "ok.py", "m_pb2.py"]
    assert found(tmp_path, paths=paths, exclude=exclude, force_exclude=True) == ["ok.py"]


def test_force_exclude_skips_an_excluded_explicit_folder(tmp_path: Path) -> None:
    make(tmp_path, "build/a.py", "src/b.py")
    assert found(tmp_path, paths=["build", "src"], force_exclude=True) == ["src/b.py"]
    assert found(tmp_path, paths=["build", "src"]) == ["build/a.py", "src/b.py"]


def test_force_exclude_honours_nested_gitignore_and_negation(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py", "pkg/b.py", "c.py")
    gitignore(tmp_path, "*.py")
    gitignore(tmp_path / "pkg", "!b.py")
    got = found(tmp_path, paths=["pkg/a.py", "pkg/b.py", "c.py"], force_exclude=True)
    assert got == ["pkg/b.py"]


def test_force_exclude_keeps_explicit_files_that_are_not_excluded(tmp_path: Path) -> None:
    make(tmp_path, "src/venv_helper.py", "src/build.py")
    got = found(tmp_path, paths=["src/venv_helper.py", "src/build.py"], force_exclude=True)
    assert got == ["src/build.py", "src/venv_helper.py"]


def test_walking_an_excluded_folder_named_explicitly(tmp_path: Path) -> None:
    make(tmp_path, "build/a.py", "build/sub/b.py", "build/venv/c.py")
    assert found(tmp_path, paths=["build"]) == ["build/a.py", "build/sub/b.py"]


def test_folder_named_like_a_python_file_is_walked(tmp_path: Path) -> None:
    make(tmp_path, "odd.py/inner.py", "odd.py/data.txt")
    assert found(tmp_path) == ["odd.py/inner.py"]
    assert found(tmp_path, paths=["odd.py"]) == ["odd.py/inner.py"]


def test_missing_path_raises(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    with pytest.raises(FileNotFoundError, match=r"nope\.py"):
        found(tmp_path, paths=["a.py", "nope.py"])


def test_duplicates_are_reported_once(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py")
    got = found(tmp_path, paths=["pkg/a.py", "./pkg/a.py", "pkg", ".", str(tmp_path / "pkg")])
    assert got == ["pkg/a.py"]


def test_paths_are_relative_to_cwd_and_root(tmp_path: Path) -> None:
    make(tmp_path, "src/pkg/a.py", "tests/t.py")
    discoverer = Discoverer(tmp_path, [], cwd=tmp_path / "src")
    items = discoverer.discover([Path("."), Path("../tests")])
    assert [(d.display, d.project_path) for d in items] == [
        ("../tests/t.py", "tests/t.py"),
        ("pkg/a.py", "src/pkg/a.py"),
    ]
    assert all(d.path.is_absolute() and d.path.is_file() for d in items)
    assert all("\\" not in d.display for d in items)


def test_output_is_sorted_and_deterministic(tmp_path: Path) -> None:
    names = ["b/z.py", "a-b/y.py", "a/x.py", "A.py", "a.py", "b.py", "a/b/c.py", "_u.py"]
    make(tmp_path, *names)
    first = found(tmp_path)
    assert first == sorted(first)
    assert sorted(first) == sorted(names)
    assert found(tmp_path, paths=["b", "a", "."]) == first


# -- links and special files ---------------------------------------------------------


def test_links_leading_outside_the_root_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    make(outside, "secret.py", "lib/mod.py")
    root = tmp_path / "root"
    make(root, "a.py", "real/b.py")
    (root / "file_link.py").symlink_to(outside / "secret.py")
    (root / "dir_link").symlink_to(outside / "lib", target_is_directory=True)
    (root / "inside_link.py").symlink_to(root / "a.py")
    (root / "inside_dir_link").symlink_to(root / "real", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    assert found(root) == ["a.py", "inside_link.py", "real/b.py"]


def test_dangling_link_is_passed_on_for_the_reader_to_report(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    assert found(tmp_path) == ["a.py", "gone.py"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_never_read(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    os.mkfifo(tmp_path / "pipe.py")
    assert found(tmp_path) == ["a.py"]


IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _as_nobody_possible() -> bool:
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run(
        [*_NOBODY, PYTHON, "-c", "import vibrails.discover"], capture_output=True, cwd="/"
    )
    return probe.returncode == 0


_UNREADABLE_SCRIPT = """
import json, sys
from pathlib import Path
from vibrails.discover import Discoverer
root = Path(sys.argv[1])
discoverer = Discoverer(root, [], cwd=root)
items = discoverer.discover([Path(".")])
print(json.dumps([[d.display for d in items], discoverer.messages]))
"""


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_folder_is_reported_and_skipped() -> None:
    shared = Path(tempfile.mkdtemp(prefix="vibrails-discover-"))
    try:
        shared.chmod(0o755)
        make(shared, "a.py", "locked/b.py")
        (shared / "locked").chmod(0)
        command = [PYTHON, "-c", _UNREADABLE_SCRIPT, str(shared)]
        if IS_ROOT:
            if not _as_nobody_possible():
                pytest.skip("running as root and cannot drop privileges")
            command = [*_NOBODY, *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/", timeout=60)
        assert result.returncode == 0, result.stderr
        displays, messages = json.loads(result.stdout)
        assert displays == ["a.py"]
        assert len(messages) == 1 and "locked" in messages[0]
    finally:
        (shared / "locked").chmod(0o755)
        shutil.rmtree(shared, ignore_errors=True)


# -- through the command line --------------------------------------------------------

MUTABLE_DEFAULT = "def f(x=[]):\n    return x\n"


def run_check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "vibrails", "check", "--assume-ai", "--no-cache", "--format", "json",
         "--select", "VBR304", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_cli_respects_exclusions_and_gitignore(tmp_path: Path) -> None:
    make(tmp_path, "src/a.py", "venv/b.py", "gen/c.py", "ign/d.py", "src/e_pb2.py",
         content=MUTABLE_DEFAULT)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.vibrails]\nextend-exclude = ["gen", "*_pb2.py"]\n', encoding="utf-8"
    )
    gitignore(tmp_path, "ign/")
    result = run_check(tmp_path / "src")
    assert result.returncode == 1, result.stderr
    assert [f["path"] for f in json.loads(result.stdout)] == ["a.py"]
    result = run_check(tmp_path)
    assert [f["path"] for f in json.loads(result.stdout)] == ["src/a.py"]
    result = run_check(tmp_path, "gen/c.py", "src/e_pb2.py")
    assert [f["path"] for f in json.loads(result.stdout)] == ["gen/c.py", "src/e_pb2.py"]
    result = run_check(tmp_path, "--force-exclude", "gen/c.py", "ign/d.py", "src/a.py")
    assert [f["path"] for f in json.loads(result.stdout)] == ["src/a.py"]


def test_cli_missing_path_exits_2(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    result = run_check(tmp_path, "a.py", "missing.py")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "missing.py" in lines[0]
    assert "Traceback" not in result.stderr
