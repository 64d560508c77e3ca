"""GitHub's ``primaryLocationLineHash``, computed as upload-sarif computes it.

upload-sarif (github/codeql-action ``src/fingerprints.ts``) hashes, for every
line, the first 100 characters from the start of that line with spaces and
tabs removed and line endings folded to ``\\n`` (UTF-16 code units, as
JavaScript counts them; the file ends with the code unit 65535 and then
zeros): a base-37 polynomial, wrapping at 64 bits, printed in hex, then
``:<n>`` where *n* counts the lines so far with the same hash. A value that
differs from GitHub's makes the upload warn, so this must match exactly.

The rolling hash of the original is replaced here by two cheaper steps: the
window text of every line (a string slice) is counted to get *n*, and the
polynomial is evaluated only for the lines that carry a finding.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Sequence

BLOCK_SIZE = 100
_MASK = (1 << 64) - 1
_EOF = 65535
_STRIP = str.maketrans("", "", " \t")


def _units(text: str) -> Sequence[int] | str:
    """The code units JavaScript would see (a str when all are in the BMP)."""
    if not text or max(text) < "\U00010000":
        return text
    return array("H", text.encode("utf-16-le"))


def line_hashes(text: str, lines: Collection[int]) -> dict[int, str]:
    """``{line: "<hex>:<n>"}`` for each 1-based line in ``lines``."""
    if not lines:
        return {}
    normal = text.replace("\r\n", "\n").replace("\r", "\n").translate(_STRIP)
    units = _units(normal)
    is_str = isinstance(units, str)
    starts = [0]
    newline = "\n" if is_str else 10
    starts.extend(i + 1 for i, unit in enumerate(units) if unit == newline)
    # The end-of-file marker starts a line of its own after a final newline,
    # and the window is padded with zeros beyond it.
    padded: Sequence[int] | str
    if is_str:
        assert isinstance(units, str)
        padded = units + chr(_EOF) + "\0" * BLOCK_SIZE
    else:
        padded = array("H", units)
        padded.append(_EOF)
        padded.extend([0] * BLOCK_SIZE)
    wanted = set(lines)
    counts: dict[object, int] = {}
    result: dict[int, str] = {}
    for number, start in enumerate(starts, 1):
        window = padded[start : start + BLOCK_SIZE]
        key = window if is_str else window.tobytes()  # type: ignore[union-attr]
        seen = counts.get(key, 0) + 1
        counts[key] = seen
        if number in wanted:
            result[number] = f"{_hash(window):x}:{seen}"
    return result


def _hash(window: Sequence[int] | str) -> int:
    value = 0
    for unit in window:
        value = (value * 37 + (ord(unit) if isinstance(unit, str) else unit)) & _MASK
    return value
