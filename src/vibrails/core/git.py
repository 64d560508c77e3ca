"""The repository: its root (found without running git) and one-shot git calls."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def find_repo_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder or a
    worktree's file), or ``None``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def git_dir(root: Path) -> Path | None:
    """The git directory of the work tree at ``root`` (follows ``gitdir:`` files)."""
    dot = root / ".git"
    if dot.is_dir():
        return dot
    try:
        text = dot.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if text.startswith("gitdir:"):
        target = Path(text[len("gitdir:"):].strip())
        return target if target.is_absolute() else (root / target).resolve()
    return None


def has_ref(root: Path, ref: str) -> bool:
    """Whether ``ref`` (``refs/notes/ai``) exists, read from the files (no git call)."""
    gdir = git_dir(root)
    if gdir is None:
        return False
    common = gdir
    try:
        commondir = (gdir / "commondir").read_text(encoding="utf-8").strip()
        common = (gdir / commondir).resolve()
    except (OSError, UnicodeDecodeError):
        pass
    for base in {gdir, common}:
        if (base / ref).is_file():
            return True
        try:
            with (base / "packed-refs").open("rb") as fh:
                wanted = b" " + ref.encode() + b"\n"
                if any(line.endswith(wanted) for line in fh):
                    return True
        except OSError:
            continue
    return False


class GitError(Exception):
    pass


def run_git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run ``git -C root args…``; its standard output. Raises :class:`GitError`."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "-c", "core.quotepath=off", *args],
            input=stdin,
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout
