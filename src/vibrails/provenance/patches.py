"""The ``apply_patch`` format Codex CLI edits files with, read for the hooks.

Codex's ``PostToolUse`` payload carries no file path: the edit is the patch
itself, in ``tool_input.command``::

    *** Begin Patch
    *** Add File: src/new.py
    +def f():
    +    return 1
    *** Update File: src/app.py
    *** Move to: src/renamed.py
    @@ def total(items):
    -    return sum(items)
    +    return sum(items, 0)
    *** Delete File: src/old.py
    *** End Patch

:func:`parse_patch` gives each file the patch touches, and :func:`added_lines`
where an update's added lines are in the file after the edit: each hunk's
new side (context and added lines) is looked for in the file, and the added
lines are counted from where it is found (its first occurrence; a patch
names no line numbers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

BEGIN = "*** Begin Patch"
END = "*** End Patch"
_ADD = "*** Add File: "
_UPDATE = "*** Update File: "
_DELETE = "*** Delete File: "
_MOVE = "*** Move to: "
_END_OF_FILE = "*** End of File"


@dataclass
class Hunk:
    #: The new side of the hunk, one entry per line: (added?, text).
    lines: list[tuple[bool, str]] = field(default_factory=list)


@dataclass
class PatchedFile:
    #: ``add``, ``update`` or ``delete``.
    action: str
    #: The path the file has after the patch (``Move to`` for a moved file).
    path: str
    hunks: list[Hunk] = field(default_factory=list)
    #: The path a moved file had before the patch.
    moved_from: str | None = None


class PatchError(ValueError):
    """Text that is not an ``apply_patch`` patch."""


def find_patch(values: Iterable[object]) -> str | None:
    """The first string among ``values`` (or inside a list among them) that
    holds a patch, from its ``*** Begin Patch`` line."""
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and BEGIN in item:
                return item[item.index(BEGIN):]
    return None


def parse_patch(text: str) -> list[PatchedFile]:
    """The files ``text`` (an ``apply_patch`` patch) adds, updates or deletes."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != BEGIN:
        raise PatchError("the patch does not start with '*** Begin Patch'")
    files: list[PatchedFile] = []
    current: PatchedFile | None = None
    for line in lines[1:]:
        if line.strip() == END:
            return files
        if line.startswith((_ADD, _UPDATE, _DELETE)):
            action = "add" if line.startswith(_ADD) else (
                "update" if line.startswith(_UPDATE) else "delete")
            path = line.split(": ", 1)[1].strip()
            if not path:
                raise PatchError(f"no path in {line!r}")
            current = PatchedFile(action, path)
            if action == "add":
                current.hunks.append(Hunk())
            files.append(current)
        elif current is None:
            raise PatchError(f"a line before any file: {line!r}")
        elif line.startswith(_MOVE):
            destination = line[len(_MOVE):].strip()
            if destination and destination != current.path:
                current.moved_from, current.path = current.path, destination
        elif line.startswith("@@"):
            current.hunks.append(Hunk())
        elif line.strip() == _END_OF_FILE:
            continue
        elif current.action == "add":
            if not line.startswith("+"):
                raise PatchError(f"a line of an added file without '+': {line!r}")
            current.hunks[-1].lines.append((True, line[1:]))
        elif current.action == "update":
            if not current.hunks:
                current.hunks.append(Hunk())  # a first hunk without its "@@"
            if line.startswith("+"):
                current.hunks[-1].lines.append((True, line[1:]))
            elif line.startswith(" ") or line == "":
                current.hunks[-1].lines.append((False, line[1:]))
            elif not line.startswith("-"):
                raise PatchError(f"a hunk line without ' ', '-' or '+': {line!r}")
    raise PatchError("the patch does not end with '*** End Patch'")


def added_lines(text: str, hunks: list[Hunk]) -> list[int] | None:
    """``[first, last]`` lines of ``text`` (the file after the patch) that the
    hunks added, or None when none is found."""
    numbers: list[int] = []
    file_lines = text.splitlines()
    for hunk in hunks:
        new_side = [line for _, line in hunk.lines]
        if not any(added for added, _ in hunk.lines):
            continue
        start = _find_block(file_lines, new_side)
        if start is None:
            continue
        numbers.extend(start + 1 + offset for offset, (added, _) in enumerate(hunk.lines)
                       if added)
    return [min(numbers), max(numbers)] if numbers else None


def _find_block(lines: list[str], block: list[str]) -> int | None:
    """Index of the first place ``block`` appears in ``lines`` (trailing
    whitespace ignored, as ``apply_patch`` itself does when it matches)."""
    if not block:
        return None
    wanted = [line.rstrip() for line in block]
    stripped = [line.rstrip() for line in lines]
    for index in range(len(stripped) - len(wanted) + 1):
        if stripped[index:index + len(wanted)] == wanted:
            return index
    return None
