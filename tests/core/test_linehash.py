"""``primaryLocationLineHash`` must equal what GitHub's upload-sarif computes.

Two references:

* a JavaScript port of upload-sarif's ``hash()`` (github/codeql-action
  ``src/fingerprints.ts``), run by node with the same ``long`` package and
  the same way of reading files (``fs.createReadStream(path, "utf8")``), on
  generated files with every awkward case we know of;
* a straightforward Python port of the same rolling hash, compared on random
  text by hypothesis.

The JavaScript check is skipped only when node/npm are missing or ``long``
cannot be installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from util import REPO

from vibrails.core.linehash import line_hashes
from vibrails.core.source import decode

# A port of upload-sarif's hash(): a window of the last BLOCK_SIZE code units
# read (spaces, tabs and the LF of a CRLF skipped, CR read as LF), a rolling
# base-37 hash over it in 64-bit Long arithmetic, and for every line, once
# the window has moved BLOCK_SIZE units past its first unit, "<hex>:<count>".
# After the input come the unit 65535 and then zeros until every line is out.
JS_PORT = r"""
"use strict";
const fs = require("fs");
const Long = require("long");

const BLOCK_SIZE = 100;
const BASE = Long.fromInt(37);
const TAB = 9, SPACE = 32, LF = 10, CR = 13, END_OF_FILE = 65535;

let outgoing = Long.ONE;
for (let i = 0; i < BLOCK_SIZE; i++) outgoing = outgoing.multiply(BASE);

async function hashFile(file) {
  const out = {};
  const ring = new Array(BLOCK_SIZE).fill(0);
  const startsLine = new Array(BLOCK_SIZE).fill(-1);
  const seen = new Map();
  let value = Long.ZERO;
  let slot = 0;
  let line = 0;
  let atLineStart = true;
  let afterCR = false;

  function emit() {
    const hex = value.toUnsigned().toString(16);
    const count = (seen.get(hex) || 0) + 1;
    seen.set(hex, count);
    out[startsLine[slot]] = hex + ":" + count;
    startsLine[slot] = -1;
  }

  function push(unit) {
    const leaving = ring[slot];
    ring[slot] = unit;
    value = BASE.multiply(value)
      .add(Long.fromInt(unit))
      .subtract(outgoing.multiply(Long.fromInt(leaving)));
    slot = (slot + 1) % BLOCK_SIZE;
  }

  function feed(unit) {
    if (unit === SPACE || unit === TAB || (afterCR && unit === LF)) {
      afterCR = false;
      return;
    }
    afterCR = unit === CR;
    if (afterCR) unit = LF;
    if (startsLine[slot] !== -1) emit();
    if (atLineStart) {
      atLineStart = false;
      line += 1;
      startsLine[slot] = line;
    }
    if (unit === LF) atLineStart = true;
    push(unit);
  }

  for await (const chunk of fs.createReadStream(file, "utf8")) {
    for (let i = 0; i < chunk.length; i++) feed(chunk.charCodeAt(i));
  }
  feed(END_OF_FILE);
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (startsLine[slot] !== -1) emit();
    push(0);
  }
  return out;
}

(async () => {
  const all = {};
  for (const file of process.argv.slice(2)) all[file] = await hashFile(file);
  process.stdout.write(JSON.stringify(all));
})();
"""


def _cases() -> dict[str, bytes]:
    """Generated files: name -> bytes."""
    text_cases = {
        "crlf": "a = 1\r\nb = 2\r\n\r\nc = 3\r\n",
        "lone_cr": "a = 1\rb = 2\r\rc = 3",
        "mixed_endings": "x\r\ny\rz\n\r\n\n\r\r\nend",
        "cr_space_lf": "a\r \nb\r\t\nc\r\r\n \r\n",
        "tabs_spaces": "\tdef f():\n\t\treturn 1\n    x = 1  \n \t \n\t\n   y\t=\t2\n",
        "blank_lines": "\n\n\n",
        "only_newline": "\n",
        "only_spaces": "   \t ",
        "repeated": "x = 1\n" * 60 + "y = 2\n" + "x = 1\n" * 3 + "\n" * 4,
        "long_lines": "a" * 250 + "\n" + "b" * 99 + "\n" + "c" * 100 + "\n" + "d" * 101
        + "\n" + "e " * 150 + "\n" + ("f" * 30 + "\n") * 6,
        "non_bmp": "s = '😀\U0001d518'\n" * 3 + "# " + "😀" * 70 + "\n" + "t = '\U0010fffd' + 'é'\n",
        "emoji_window_edge": "a" * 99 + "😀\n" + "b" * 98 + "😀😀\n",
        "empty": "",
        "no_final_newline": "x = 1\ny = 2",
        "ffff_and_nul": "a\uffffb\n\0\0\nc\n",
        "bom": "\ufeffx = 1\ny = 2\n",
        "unicode_lines": "x = '\u2028'\ny = '\x0c'\nz = '\x85'\n",
        "large_chunked": "π = '😀é'\n" * 15_000 + "end = 1\n",
    }
    cases = {name: text.encode("utf-8") for name, text in text_cases.items()}
    cases["invalid_utf8"] = b"x = '\xe9'\n\xed\xa0\x80 = 1\n\xc0\xaf\n\xe2\x82"
    cases["latin1_cookie"] = b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n"
    for source in ("core/linehash.py", "report/sarif.py", "core/catalogue.py", "commands/cli.py"):
        path = REPO / "src" / "vibrails" / source
        cases["src_" + source.replace("/", "_")] = path.read_bytes()
    return cases


@pytest.fixture(scope="session")
def node_hasher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the JS port and an installed ``long``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to run upload-sarif's hash")
    folder = tmp_path_factory.mktemp("upload-sarif-hash")
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--silent",
             "long@5"],
            cwd=folder, capture_output=True, text=True, timeout=300,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"npm install long failed: {exc}")
    if done.returncode != 0 or not (folder / "node_modules" / "long").is_dir():
        pytest.skip(f"npm install long failed: {done.stderr.strip()[-500:]}")
    (folder / "hash.js").write_text(JS_PORT, encoding="utf-8")
    return folder


def _run_node(folder: Path, files: list[Path]) -> dict[str, dict[int, str]]:
    node = shutil.which("node")
    assert node
    done = subprocess.run(
        [node, str(folder / "hash.js"), *map(str, files)],
        cwd=folder, capture_output=True, text=True, timeout=120, check=True,
    )
    raw = json.loads(done.stdout)
    return {name: {int(k): v for k, v in lines.items()} for name, lines in raw.items()}


def test_matches_upload_sarif(node_hasher: Path, tmp_path: Path) -> None:
    cases = _cases()
    files = {}
    for name, data in cases.items():
        path = tmp_path / f"{name}.py"
        path.write_bytes(data)
        files[name] = path
    expected = _run_node(node_hasher, list(files.values()))
    compared = 0
    for name, path in files.items():
        data = cases[name]
        theirs = expected[str(path)]
        # Every line of the file gets a value, and only those lines.
        assert sorted(theirs) == list(range(1, len(theirs) + 1)), name
        ours = line_hashes(data, range(1, len(theirs) + 20))
        assert ours == theirs, name
        # Text decoded as vibrails decodes source gives the same values,
        # except line 1 of a file with a BOM and non-UTF-8 files.
        if name not in ("bom", "invalid_utf8", "latin1_cookie"):
            assert line_hashes(decode(data), theirs) == theirs, name
        # Asking for some lines gives exactly those lines' values.
        some = set(list(theirs)[::3])
        assert line_hashes(data, some) == {n: theirs[n] for n in some}, name
        compared += len(theirs)
    assert compared > 15_000
    # Sanity of the reference itself: repeated lines count up.
    assert expected[str(files["repeated"])][1].endswith(":1")
    assert expected[str(files["repeated"])][5].endswith(":5")
    assert expected[str(files["empty"])] == {1: line_hashes(b"", [1])[1]}


# -- a straightforward Python port, for hypothesis ------------------------------

_MASK = (1 << 64) - 1


def reference_hashes(text: str) -> dict[int, str]:
    """upload-sarif's rolling hash, character by character, as written there."""
    data = text.encode("utf-16-le", "surrogatepass")
    units = [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]
    block = 100
    top = pow(37, block, 1 << 64)
    window = [0] * block
    line_at = [-1] * block
    value = 0
    index = 0
    line = 0
    line_start = True
    prev_cr = False
    counts: dict[str, int] = {}
    out: dict[int, str] = {}

    def emit() -> None:
        key = format(value, "x")
        counts[key] = counts.get(key, 0) + 1
        out[line_at[index]] = f"{key}:{counts[key]}"
        line_at[index] = -1

    def update(unit: int) -> None:
        nonlocal value, index
        begin = window[index]
        window[index] = unit
        value = (37 * value + unit - top * begin) & _MASK
        index = (index + 1) % block

    def process(unit: int) -> None:
        nonlocal line, line_start, prev_cr
        if unit in (32, 9) or (prev_cr and unit == 10):
            prev_cr = False
            return
        if unit == 13:
            unit = 10
            prev_cr = True
        else:
            prev_cr = False
        if line_at[index] != -1:
            emit()
        if line_start:
            line_start = False
            line += 1
            line_at[index] = line
        if unit == 10:
            line_start = True
        update(unit)

    for unit in units:
        process(unit)
    process(65535)
    for _ in range(block):
        if line_at[index] != -1:
            emit()
        update(0)
    return out


_PIECES = st.sampled_from(
    ["a", "b", "x = 1", " ", "  ", "\t", "\r", "\n", "\r\n", "😀", "é", "\uffff", "\0",
     "a" * 60, "b" * 120]
)
_TEXT = st.lists(st.one_of(_PIECES, st.characters(exclude_categories=("Cs",))),
                 max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_matches_reference_port(text: str) -> None:
    expected = reference_hashes(text)
    assert line_hashes(text, range(1, len(expected) + 5)) == expected
    assert line_hashes(text.encode("utf-8"), expected) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["x = 1", "  x = 1", "\tx=1", "", "y", "z" * 150]),
                max_size=40),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_repeated_lines_count_like_the_reference(lines: list[str], ending: str) -> None:
    text = ending.join(lines)
    expected = reference_hashes(text)
    assert line_hashes(text, range(1, len(expected) + 1)) == expected


def test_known_values() -> None:
    # Worked by hand from the definition: line 1 of "a" is the window
    # "a", EOF, then 98 zeros.
    value = (ord("a") * 37 + 65535) * pow(37, 98, 1 << 64) & _MASK
    assert line_hashes("a", [1]) == {1: f"{value:x}:1"}
    assert line_hashes("", [1]) == {1: f"{65535 * pow(37, 99, 1 << 64) & _MASK:x}:1"}
    assert line_hashes("x\n", [1, 2, 3]).keys() == {1, 2}
    assert line_hashes("x", []) == {}
