"""Reading a file's text, or saying exactly why it cannot be read."""

from __future__ import annotations

import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

#: How much of an oversized file is read to look for a header marker.
HEAD_BYTES = 16_384


#: Line breaks as CPython and libcst count them: not form feeds, not U+2028
#: (which ``str.splitlines`` would also split at).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Source:
    """A file's bytes decoded, or the reason it could not be."""

    text: str | None
    #: Why the file cannot be checked (VBR002), if it cannot.
    problem: str | None = None
    #: Best-effort text of the file's start, for tagging an unreadable file.
    head: str = ""
    data: bytes = b""


def decode(data: bytes) -> str:
    """Decode as Python does (PEP 263 cookie or BOM, else UTF-8).

    Raises ``UnicodeDecodeError``/``SyntaxError``/``LookupError`` when the bytes
    do not decode.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if encoding == "utf-8-sig":
        encoding = "utf-8"
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
    return data.decode(encoding)


def read_source(path: Path, max_bytes: int) -> Source:
    """Read ``path``; never raises for a bad file."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            # A FIFO or a device would block or never end: never open one.
            return Source(None, "not a regular file")
        size = info.st_size
        if size > max_bytes:
            with path.open("rb") as fh:
                start = fh.read(HEAD_BYTES)
            return Source(
                None,
                f"file is {size:,} bytes, over max-file-bytes ({max_bytes:,})",
                start.decode("utf-8", "replace"),
            )
        data = path.read_bytes()
    except IsADirectoryError:
        return Source(None, "is a directory")
    except OSError as exc:
        return Source(None, f"cannot read file: {exc.strerror or exc}")
    head = data[:HEAD_BYTES].decode("utf-8", "replace")
    if b"\0" in data:
        offset = data.index(b"\0")
        line = data.count(b"\n", 0, offset) + 1
        return Source(None, f"file contains a NUL byte (line {line})", head, data)
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Source(
            None,
            f"cannot decode as {exc.encoding}: byte 0x{data[exc.start]:02x} on line {line}",
            head,
            data,
        )
    except (SyntaxError, LookupError) as exc:
        # detect_encoding rejects undecodable UTF-8 in the first two lines with a
        # SyntaxError of its own; say what is wrong with the bytes instead.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            line = data.count(b"\n", 0, bad.start) + 1
            return Source(
                None,
                f"cannot decode as utf-8: byte 0x{data[bad.start]:02x} on line {line}",
                head,
                data,
            )
        return Source(None, f"bad encoding declaration: {exc}", head, data)
    return Source(text, data=data)
