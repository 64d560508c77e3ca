"""A content cache of per-file results, safe for concurrent runs.

The key hashes everything a file's findings depend on: its bytes, its paths,
the effective configuration, the rules enabled for it and the vibrails
version. One JSON file per key, written to a temporary name and renamed into
place, so two runs never see half a file. A cache that cannot be read or
written is ignored (one warning), never a reason to fail or to report stale
findings.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from vibrails import __version__
from vibrails.core.finding import Finding
from vibrails.core.installation import own_files

_FORMAT = 3


@functools.cache
def code_fingerprint() -> str:
    """A digest of vibrails' own files (name, size, modification time).

    The version alone is not enough: in a checkout, editing a rule must not
    leave its old findings in the cache. Reading ~100 ``stat`` results costs
    well under a millisecond.
    """
    digest = hashlib.sha256()
    for name, size, mtime_ns in own_files():
        digest.update(f"{name}\0{size}\0{mtime_ns}\0".encode())
    return digest.hexdigest()


def open_cache(folder: Path, fingerprint: str) -> tuple[Cache | None, str | None]:
    """A usable cache in ``folder`` (created, with a ``.gitignore``), or ``None``
    and the reason (one warning; the run goes on without it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
        gitignore = folder / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# Created by vibrails.\n*\n", encoding="utf-8")
    except OSError as exc:
        return None, f"cache disabled: cannot write to {folder}: {exc.strerror or exc}"
    return Cache(folder, fingerprint), None


class Cache:
    def __init__(self, folder: Path, config_fingerprint: str) -> None:
        self.folder = folder / f"v{_FORMAT}-{__version__}"
        self.salt = hashlib.sha256(
            f"{__version__}\0{_FORMAT}\0{code_fingerprint()}\0{config_fingerprint}".encode()
        ).digest()
        self.broken: str | None = None

    def key(self, display: str, project_path: str, enabled: Collection[str], data: bytes) -> str:
        digest = hashlib.sha256(self.salt)
        digest.update(f"{display}\0{project_path}\0{','.join(sorted(enabled))}\0".encode())
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[Finding] | None:
        if self.broken:
            return None
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        try:
            rows: list[list[Any]] = json.loads(raw)
            found = [Finding(*row) for row in rows]
        except (ValueError, KeyError, TypeError):
            return None  # a corrupt entry is a miss; it is rewritten below
        if not all(type(f.line) is int and type(f.path) is str for f in found):
            return None
        return found

    def put(self, key: str, findings: list[Finding]) -> None:
        if self.broken:
            return
        path = self._path(key)
        # Rows in the field order of Finding: the fastest form to load back.
        payload = [dataclasses.astuple(f) for f in findings]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, separators=(",", ":"))
            os.replace(tmp, path)
        except OSError as exc:
            self.broken = f"cache disabled: cannot write {self.folder}: {exc.strerror or exc}"
