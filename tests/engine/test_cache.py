"""The content cache: keyed by everything a file's findings depend on."""

from __future__ import annotations

import os
from pathlib import Path

from vibrails.core.catalogue import catalogue_dir
from vibrails.engine.cache import Cache, code_fingerprint


def test_editing_vibrails_itself_changes_the_key(tmp_path: Path) -> None:
    entry = catalogue_dir() / "VBR304.toml"
    before = entry.stat()
    code_fingerprint.cache_clear()
    first = Cache(tmp_path, "config").key("a.py", "a.py", {"VBR304"}, b"x = 1\n")
    try:
        os.utime(entry, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        code_fingerprint.cache_clear()
        second = Cache(tmp_path, "config").key("a.py", "a.py", {"VBR304"}, b"x = 1\n")
    finally:
        os.utime(entry, ns=(before.st_atime_ns, before.st_mtime_ns))
        code_fingerprint.cache_clear()
    assert first != second


def test_key_depends_on_bytes_paths_rules_and_config(tmp_path: Path) -> None:
    cache = Cache(tmp_path, "config")
    base = cache.key("a.py", "a.py", {"VBR304"}, b"x = 1\n")
    assert base == cache.key("a.py", "a.py", {"VBR304"}, b"x = 1\n")
    assert base != cache.key("b.py", "a.py", {"VBR304"}, b"x = 1\n")
    assert base != cache.key("a.py", "b.py", {"VBR304"}, b"x = 1\n")
    assert base != cache.key("a.py", "a.py", {"VBR304", "VBR001"}, b"x = 1\n")
    assert base != cache.key("a.py", "a.py", {"VBR304"}, b"x = 2\n")
    assert base != Cache(tmp_path, "other").key("a.py", "a.py", {"VBR304"}, b"x = 1\n")


def test_round_trip_and_corrupt_entries(tmp_path: Path) -> None:
    from vibrails.core.finding import Finding

    cache = Cache(tmp_path, "config")
    finding = Finding("a.py", 1, 2, 1, 5, "VBR304", "mutable-default-argument", "warning",
                      "msg", "header", "f" * 32, None, "abc:1")
    key = cache.key("a.py", "a.py", {"VBR304"}, b"x")
    assert cache.get(key) is None
    cache.put(key, [finding])
    [back] = cache.get(key) or []
    assert back == finding and back.line_hash == "abc:1"
    for entry in tmp_path.rglob("*.json"):
        entry.write_text("[{", encoding="utf-8")
    assert cache.get(key) is None
