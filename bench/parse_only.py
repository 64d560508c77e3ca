"""Baseline: read, decode and ``libcst.parse_module`` every Python file of a tree.

Usage: ``python bench/parse_only.py --procs N FOLDER``. This is the floor of
what a libcst-based linter must do (vibrails reads, decodes and parses each
tagged file the same way). With ``--procs 1`` the files are parsed in this
process, as ``vibrails --jobs 1`` does; otherwise a ``multiprocessing`` pool
(fork) of N processes parses them in chunks of 8 files.
Prints ``files lines errors`` on stdout.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import sys
import tokenize
from pathlib import Path

import libcst


def _files(top: str) -> list[str]:
    out = []
    for folder, dirs, names in os.walk(top):
        dirs.sort()
        out += [os.path.join(folder, n) for n in sorted(names) if n.endswith((".py", ".pyi"))]
    return out


def _parse(path: str) -> tuple[int, int]:
    """``(lines, errors)`` for one file."""
    data = Path(path).read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding == "utf-8-sig":
            encoding = "utf-8"
            data = data.removeprefix(b"\xef\xbb\xbf")
        text = data.decode(encoding)
        libcst.parse_module(text)
    except (SyntaxError, UnicodeDecodeError, LookupError, libcst.ParserSyntaxError):
        return data.count(b"\n"), 1
    return data.count(b"\n"), 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("folder")
    args = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    files = _files(args.folder)
    if args.procs <= 1:
        results = [_parse(f) for f in files]
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(args.procs) as pool:
            results = list(pool.imap_unordered(_parse, files, chunksize=8))
    print(len(files), sum(r[0] for r in results), sum(r[1] for r in results))


if __name__ == "__main__":
    main()
