"""GitHub's ``primaryLocationLineHash``, computed as upload-sarif computes it.

upload-sarif (github/codeql-action ``src/fingerprints.ts``) hashes, for every
line, the first 100 characters from the start of that line with spaces and
tabs removed and line endings folded to ``\\n`` (UTF-16 code units, as
JavaScript counts them; the file ends with the code unit 65535 and then
zeros): a base-37 polynomial, wrapping at 64 bits, printed in hex, then
``:<n>`` where *n* counts the lines so far with the same hash. A value that
differs from GitHub's makes the upload warn, so this must match exactly.

upload-sarif reads the file as UTF-8 (invalid bytes become U+FFFD, a BOM is
kept as U+FEFF). Pass the file's raw bytes to get exactly its view; text
decoded as Python decodes source (BOM dropped, PEP 263 encodings honoured)
gives the same values except on files with a BOM (line 1) or in another
encoding than UTF-8.

The rolling hash of the original is replaced here by two cheaper steps: the
window text of every line (a string slice) is counted to get *n*, and the
polynomial is evaluated only for the lines that carry a finding. (The
original counts equal hash values, this counts equal windows: the same
unless two different windows collide in 64 bits.)
"""

from __future__ import annotations

from array import array
from collections.abc import Collection

BLOCK_SIZE = 100
_MASK = (1 << 64) - 1
_EOF = 65535
_STRIP = str.maketrans("", "", " \t")


def _units(text: str) -> str:
    """The UTF-16 code units JavaScript would see, one character each.

    Characters outside the BMP become their two surrogates (as lone
    surrogate characters); other text is returned unchanged.
    """
    if not text or max(text) < "\U00010000":
        return text
    units = array("H", text.encode("utf-16-le", "surrogatepass"))
    return "".join(map(chr, units))


def line_hashes(content: str | bytes, lines: Collection[int]) -> dict[int, str]:
    """``{line: "<hex>:<n>"}`` for each 1-based line in ``lines``.

    ``content`` is the file's bytes (best: read as upload-sarif reads them)
    or its text. Lines past the end of the file get no value.
    """
    if not lines:
        return {}
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    normal = text.replace("\r\n", "\n").replace("\r", "\n").translate(_STRIP)
    units = _units(normal)
    starts = [0]
    position = units.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = units.find("\n", position + 1)
    # The end-of-file marker starts a line of its own after a final newline,
    # and the window is padded with zeros beyond it.
    padded = units + chr(_EOF) + "\0" * BLOCK_SIZE
    wanted = set(lines)
    counts: dict[str, int] = {}
    result: dict[int, str] = {}
    for number, start in enumerate(starts, 1):
        window = padded[start : start + BLOCK_SIZE]
        seen = counts.get(window, 0) + 1
        counts[window] = seen
        if number in wanted:
            result[number] = f"{_hash(window):x}:{seen}"
    return result


def _hash(window: str) -> int:
    value = 0
    for unit in window:
        value = (value * 37 + ord(unit)) & _MASK
    return value
