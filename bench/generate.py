"""Generated trees for the scaling check: one 50,000-line tagged file, and
2,000 small tagged files (about 50,000 lines in all).

The code is deterministic (a seeded generator over a dozen templates) and
looks like what an assistant writes: functions with and without guards,
argument mutation, mutable defaults, stateful classes with and without
invariant methods, docstring contracts, process-state changes, dataclasses,
async code. Every file carries a header marker with provenance fields, so it
is tagged without ``--assume-ai``.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

from common import CORPUS_DIR, log
from corpus import Tree, count, write_root_files

#: Bump when the templates change, so that cached trees are regenerated.
VERSION = 1
BIG_LINES = 50_000
SMALL_FILES = 2_000

HEADER = (
    "# @ai-generated model=gpt-5.1 prompt=prompts/generated.md date=2026-11-20\n"
    '"""Generated for the vibrails scaling benchmark."""\n'
    "\n"
    "from __future__ import annotations\n"
    "\n"
    "import os\n"
    "from collections.abc import Iterable\n"
    "from dataclasses import dataclass, field\n"
    "\n"
    "_REGISTRY: dict[str, int] = {}\n"
    "_COUNTER = 0\n"
)

TEMPLATES = [
    '''

def compute_{n}(values: list[int], scale: float = 1.0) -> float:
    """Weighted sum of the values."""
    total = 0.0
    for index, value in enumerate(values):
        if value < 0:
            continue
        total += value * scale / (index + 1)
    return round(total, {k})
''',
    '''

def checked_{n}(amount: int, limit: int) -> int:
    assert amount >= 0, "amount must be non-negative"
    if limit <= 0:
        raise ValueError("limit must be positive")
    return min(amount, limit) + {k}
''',
    '''

def collect_{n}(items: list[str], extra: str) -> list[str]:
    items.append(extra)
    items.sort()
    seen = {{item.lower() for item in items}}
    return [item for item in items if item.lower() in seen]
''',
    '''

def defaults_{n}(key: str, cache: dict[str, int] = {{}}, tags=[]) -> int:
    cache[key] = cache.get(key, 0) + {k}
    tags.append(key)
    return cache[key]
''',
    '''

class Account{n}:
    """A balance that must never be negative."""

    def __init__(self, owner: str, balance: int = 0) -> None:
        self.owner = owner
        self.balance = balance
        self.history: list[int] = []

    def deposit(self, amount: int) -> None:
        self.balance += amount
        self.history.append(amount)

    def withdraw(self, amount: int) -> None:
        self.balance -= amount
        self.history.append(-amount)

    def report(self) -> str:
        return f"{{self.owner}}: {{self.balance}} ({{len(self.history)}} moves)"
''',
    '''

class Stack{n}:
    def __init__(self) -> None:
        self._items: list[object] = []
        self.size = 0

    def _check_invariants(self) -> None:
        assert self.size == len(self._items)

    def push(self, item: object) -> None:
        self._items.append(item)
        self.size += 1
        self._check_invariants()

    def pop(self) -> object:
        self.size -= 1
        return self._items.pop()
''',
    '''

def ratio_{n}(numerator: float, denominator: float) -> float:
    """Divide.

    pre: denominator != 0
    post: result * denominator == numerator
    """
    return numerator / denominator * {k}
''',
    '''

def configure_{n}(name: str, value: str) -> None:
    global _COUNTER
    os.environ[name.upper()] = value
    _REGISTRY[name] = len(value)
    _COUNTER += {k}
''',
    '''

@dataclass(frozen=True)
class Point{n}:
    x: float
    y: float
    tags: tuple[str, ...] = field(default=())

    def moved(self, dx: float, dy: float) -> Point{n}:
        return Point{n}(self.x + dx, self.y + dy, self.tags)
''',
    '''

async def fetch_all_{n}(urls: Iterable[str], retries: int = {k}) -> dict[str, int]:
    results: dict[str, int] = {{}}
    for url in urls:
        for attempt in range(retries):
            try:
                results[url] = len(url) * attempt
                break
            except (OSError, ValueError) as exc:
                print(f"retry {{attempt}} for {{url}}: {{exc}}")
    return results
''',
    '''

class Cache{n}:
    entries = {{}}

    def remember(self, key: str, value: int) -> None:
        self.entries[key] = value

    def recall(self, key: str) -> int | None:
        return self.entries.get(key)
''',
    '''

def pipeline_{n}(rows: list[dict[str, object]], column: str) -> list[object]:
    selected = [row[column] for row in rows if column in row]
    lookup = {{index: value for index, value in enumerate(selected)}}
    merged = sorted(lookup.items(), key=lambda pair: str(pair[1]))
    for row in rows:
        row.pop(column, None)
    return [value for _index, value in merged][: {k}]
''',
]


def _blocks(rng: random.Random, start: int) -> Iterator[str]:
    n = start
    while True:
        template = rng.choice(TEMPLATES)
        yield template.format(n=n, k=rng.randint(1, 9))
        n += 1


def big_file(rng: random.Random, lines: int) -> str:
    """One module of exactly ``lines`` lines."""
    parts = [HEADER]
    used = HEADER.count("\n")
    for block in _blocks(rng, 0):
        size = block.count("\n")
        if used + size > lines - 1:
            break
        parts.append(block)
        used += size
    parts.append("\n")
    used += 1
    parts += [f"_PAD_{i} = {i}\n" for i in range(lines - used)]
    return "".join(parts)


def small_file(rng: random.Random, index: int) -> str:
    blocks = _blocks(rng, index * 10)
    return HEADER + "".join(next(blocks) for _ in range(rng.randint(1, 2)))


def _prepare(path: Path) -> None:
    path.mkdir(parents=True)
    write_root_files(path)
    (path / "prompts").mkdir()
    (path / "prompts" / "generated.md").write_text("Write benchmark code.\n", encoding="utf-8")


def scaling_trees() -> tuple[Tree, Tree]:
    """The big-file tree and the many-small-files tree, generated once."""
    top = CORPUS_DIR / f"scaling-v{VERSION}"
    big, small = top / "big-file", top / "small-files"
    complete = top / ".bench-complete"
    if not complete.exists():
        log(f"generating the scaling trees under {top.name}/")
        shutil.rmtree(top, ignore_errors=True)
        rng = random.Random(20261120)
        _prepare(big)
        (big / "generated_big.py").write_text(big_file(rng, BIG_LINES), encoding="utf-8")
        _prepare(small)
        for index in range(SMALL_FILES):
            folder = small / f"pkg_{index // 100:02d}"
            folder.mkdir(exist_ok=True)
            (folder / f"mod_{index:04d}.py").write_text(small_file(rng, index), encoding="utf-8")
        complete.write_text("done\n")
    trees = []
    for key, path, label in (
        ("big-file", big, f"one generated file of {BIG_LINES:,} lines"),
        ("small-files", small, f"{SMALL_FILES:,} generated small files"),
    ):
        write_root_files(path)
        files, lines = count(path)
        trees.append(Tree(key, label, path, files, lines))
    return trees[0], trees[1]
