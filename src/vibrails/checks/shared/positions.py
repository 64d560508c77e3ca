"""Positions for reported nodes only, at a fraction of libcst's PositionProvider cost.

libcst nodes carry no positions. Its ``PositionProvider`` regenerates the
whole module while updating a line/column pair on every token and storing a
``CodeRange`` for every node, which costs more than twice the parse. Here the
module is regenerated once with a codegen state that records only *token
indices* at each syntactic start and end; line and column are then worked out
for the few nodes that were reported, by joining the tokens between them. The
semantics are exactly ``PositionProvider``'s (syntactic start and end, with the
same hoisting of start/end nodes), which a test checks on real code.
"""

from __future__ import annotations

import ast
import re
import types
from collections.abc import Iterable
from types import TracebackType

import libcst as cst
from libcst._nodes.internal import CodegenState

from vibrails.checks.shared.traverse import children
from vibrails.core.source import LINE_BREAK

Span = tuple[int, int, int, int]
"""(line, column, end_line, end_column): lines 1-based, columns 0-based code points."""


class _Recorder:
    __slots__ = ("end_node", "node", "spans", "start", "start_node", "tokens")

    def __init__(
        self,
        spans: dict[int, tuple[int, int, cst.CSTNode | None, cst.CSTNode | None]],
        tokens: list[str],
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self.spans = spans
        self.tokens = tokens
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.start = 0

    def __enter__(self) -> None:
        self.start = len(self.tokens)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.spans[id(self.node)] = (self.start, len(self.tokens), self.start_node, self.end_node)


class _IndexState(CodegenState):
    """A codegen state that records token indices of syntactic positions."""

    spans: dict[int, tuple[int, int, cst.CSTNode | None, cst.CSTNode | None]]
    starts: list[int]

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        # Whitespace-inclusive range, unless a syntactic one was recorded.
        start = self.starts.pop()
        key = id(node)
        if key not in self.spans:
            self.spans[key] = (start, len(self.tokens), None, None)

    def pop_trailing_newline(self) -> None:
        # The module drops its last newline token after the nodes that hold it
        # recorded their indices; keep it so those indices stay valid.
        pass

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _Recorder:
        return _Recorder(self.spans, self.tokens, node, start_node, end_node)


def compute_spans(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """Return ``{id(node): span}`` for ``nodes`` (which must belong to ``module``)."""
    wanted = list(nodes)
    if not wanted:
        return {}
    state = _IndexState(default_indent=module.default_indent, default_newline=module.default_newline)
    state.spans = {}
    state.starts = []
    module._codegen(state)
    spans = state.spans
    tokens = state.tokens

    def token_range(node: cst.CSTNode) -> tuple[int, int]:
        entry = spans.get(id(node))
        if entry is None:
            raise KeyError(f"{type(node).__name__} is not part of this module")
        start, end, start_node, end_node = entry
        if start_node is not None:
            start = token_range(start_node)[0]
        if end_node is not None:
            end = token_range(end_node)[1]
        return start, end

    indices: dict[int, tuple[int, int]] = {}
    for node in wanted:
        if id(node) not in indices:
            indices[id(node)] = token_range(node)
    # Walk the token list once, in order of the indices needed.
    needed = sorted({i for pair in indices.values() for i in pair})
    where: dict[int, tuple[int, int]] = {}
    line, column, previous = 1, 0, 0
    for index in needed:
        chunk = "".join(tokens[previous:index])
        breaks = LINE_BREAK.findall(chunk) if "\r" in chunk else None
        count = len(breaks) if breaks is not None else chunk.count("\n")
        if count:
            line += count
            last = max(chunk.rfind("\n"), chunk.rfind("\r"))
            column = len(chunk) - last - 1
        else:
            column += len(chunk)
        where[index] = (line, column)
        previous = index
    result: dict[int, Span] = {}
    for key, (start, end) in indices.items():
        start_line, start_col = where[start]
        end_line, end_col = where[end]
        result[key] = (start_line, start_col, end_line, end_col)
    return result


# -- the fast path: statements and definitions located through CPython's ast --

_STATEMENT = (cst.BaseSmallStatement, cst.BaseCompoundStatement)
_CONTAINERS = (
    cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite, cst.SimpleStatementLine,
    cst.Else, cst.Finally, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase,
    *_STATEMENT,
)
_DEF_HEAD = re.compile(r"(?:async\s+)?(?:def|class)\s+")
_DEF_LINE = re.compile(r"[ \t\f]*(?P<head>(?:async[ \t]+)?(?:def|class)[ \t]+)(?P<name>\w+)")


def _cst_statements(module: cst.Module) -> list[cst.CSTNode]:
    """Every statement of ``module`` in source order (expressions are not entered)."""
    out: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, _STATEMENT):
            out.append(node)
        kids = [c for c in children(node) if isinstance(c, _CONTAINERS)]
        kids.reverse()
        stack.extend(kids)
    return out


def locate(
    module: cst.Module,
    source: str,
    nodes: Iterable[cst.CSTNode],
    code: types.CodeType | None = None,
    definitions: list[cst.CSTNode] | None = None,
) -> dict[int, Span]:
    """Spans of ``nodes``, cheaply where possible.

    Rules mostly report definitions and statements. For definitions, the code
    object that the VBR001 check compiled already knows where each function
    and class starts (``co_firstlineno``): its nested code objects, in line
    order, pair up with libcst's definitions in source order, and the ``def``
    line is found from there. For statements, CPython's ``ast`` knows where
    every statement starts, and statements come in the same order in both
    trees. Start positions are exactly libcst's; the end of a definition is
    the end of its name, that of a compound statement the end of its last
    statement. Any other node, or a file where a pairing does not hold, falls
    back to :func:`compute_spans`. ``definitions``, every def and class of the
    module in source order, saves a walk when the caller has them at hand.
    """
    wanted = list(nodes)
    if not wanted:
        return {}
    names: dict[int, cst.CSTNode] = {}
    for node in wanted:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            names[id(node.name)] = node
    if code is not None and all(
        isinstance(n, (cst.FunctionDef, cst.ClassDef)) or id(n) in names for n in wanted
    ):
        found = _code_spans(module, source, wanted, names, code, definitions)
        if found is not None:
            return found
    if not all(isinstance(n, _STATEMENT) or id(n) in names for n in wanted):
        return compute_spans(module, wanted)
    try:
        spans = _ast_spans(module, source, wanted, names)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        spans = None
    return spans if spans is not None else compute_spans(module, wanted)


def _ast_spans(
    module: cst.Module,
    source: str,
    wanted: list[cst.CSTNode],
    names: dict[int, cst.CSTNode],
) -> dict[int, Span] | None:
    tree = ast.parse(source)
    found = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    statements = _cst_statements(module)
    if len(found) != len(statements):
        return None
    lines = LINE_BREAK.split(source)
    by_id = {id(node): stmt for node, stmt in zip(statements, found, strict=True)}
    result: dict[int, Span] = {}
    for node in wanted:
        key = id(node)
        if key in result:
            continue
        if key in names:
            owner = by_id.get(id(names[key]))
            if owner is None:
                return None
            line = lines[owner.lineno - 1]
            start = _column(line, owner.col_offset)
            head = _DEF_HEAD.match(line, start)
            name = node.value if isinstance(node, cst.Name) else ""
            if head is None or not line.startswith(name, head.end()):
                return None
            result[key] = (owner.lineno, head.end(), owner.lineno, head.end() + len(name))
            continue
        stmt = by_id.get(key)
        if stmt is None or stmt.end_lineno is None or stmt.end_col_offset is None:
            return None
        result[key] = (
            stmt.lineno,
            _column(lines[stmt.lineno - 1], stmt.col_offset),
            stmt.end_lineno,
            _column(lines[stmt.end_lineno - 1], stmt.end_col_offset),
        )
    return result


def _code_objects(code: types.CodeType) -> list[types.CodeType]:
    """Code objects of the functions and classes under ``code``, in line order."""
    out: list[types.CodeType] = []
    stack = [code]
    while stack:
        current = stack.pop()
        for const in current.co_consts:
            if isinstance(const, types.CodeType):
                if not const.co_name.startswith("<") and const.co_name != "__annotate__":
                    out.append(const)
                stack.append(const)
    out.sort(key=lambda c: c.co_firstlineno)
    return out


def _code_spans(
    module: cst.Module,
    source: str,
    wanted: list[cst.CSTNode],
    names: dict[int, cst.CSTNode],
    code: types.CodeType,
    definitions: list[cst.CSTNode] | None = None,
) -> dict[int, Span] | None:
    if definitions is None:
        definitions = [
            n for n in _cst_statements(module) if isinstance(n, (cst.FunctionDef, cst.ClassDef))
        ]
    defs = [d for d in definitions if isinstance(d, (cst.FunctionDef, cst.ClassDef))]
    codes = _code_objects(code)
    if [d.name.value for d in defs] != [c.co_name for c in codes]:
        return None  # e.g. a def in code the compiler removed (``if 0:``)
    first_line = {id(d): c.co_firstlineno for d, c in zip(defs, codes, strict=True)}
    lines = LINE_BREAK.split(source)
    result: dict[int, Span] = {}
    for node in wanted:
        owner = names.get(id(node), node)
        assert isinstance(owner, (cst.FunctionDef, cst.ClassDef))
        line = first_line[id(owner)]
        name = owner.name.value
        for number in range(line, min(line + 200, len(lines)) + 1):
            head = _DEF_LINE.match(lines[number - 1])
            if head is not None and head.group("name") == name:
                break
        else:
            return None
        if node is owner:
            result[id(node)] = (number, head.start("head"), number, head.end("name"))
        else:
            result[id(node)] = (number, head.start("name"), number, head.end("name"))
    return result


def _column(line: str, byte_offset: int) -> int:
    """A UTF-8 byte offset in ``line`` as a code-point column."""
    if line.isascii():
        return byte_offset
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))
