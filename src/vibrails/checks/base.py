"""What a rule is: a small visitor class with a code, run by the engine.

Every rule base class is here: :class:`Rule` (a tree rule),
:class:`StatementRule` (one finding per simple statement, VBR302/VBR303),
:class:`InvariantRule` (the VBR2xx rules, fed by one shared class tracker)
and :class:`FileRule` (a rule that judges a whole tagged file, VBR4xx).

A rule subclasses :class:`Rule`, sets ``code`` to its catalogue code and
defines ``visit_<Node>`` / ``leave_<Node>`` methods named after libcst node
classes, as in libcst's batched visitors and Fixit. The engine calls every
enabled rule's methods from one shared traversal of the file; a rule never
walks the tree itself. It reports with :meth:`Rule.report`, passing the node
and the arguments of its catalogue message.

A rule that needs libcst metadata lists the providers in
``METADATA_DEPENDENCIES``; the engine resolves only the providers that the
enabled rules ask for, and none at all when none do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from vibrails.core.catalogue import RuleInfo, rule_info

if TYPE_CHECKING:  # libcst loads when a file is parsed, not when vibrails starts
    import libcst as cst
    from libcst.metadata import BaseMetadataProvider, MetadataWrapper

    from vibrails.checks.shared.entrypoints import EntryPoints
    from vibrails.checks.shared.names import Names
    from vibrails.checks.shared.provenance import FileProvenance


@dataclass
class FileContext:
    """What the rules of one file share: the source, the tree, the settings."""

    path: str
    source: str
    module: cst.Module
    #: ``[tool.vibrails]`` settings (validated), shared by all rules.
    settings: Mapping[str, Any]
    #: Enclosing ``FunctionDef``/``ClassDef``/``Lambda`` nodes, innermost last.
    scopes: list[cst.CSTNode] = field(default_factory=list)
    #: The path relative to the project root (``path`` is as the user named it).
    project_path: str = ""
    wrapper: MetadataWrapper | None = None
    metadata: Mapping[type[BaseMetadataProvider[Any]], Mapping[cst.CSTNode, Any]] = field(
        default_factory=dict
    )
    #: What shared analysis works out once per file (function facts, the class
    #: tracker, local contract helpers), by key.
    memo: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> Mapping[str, Any]:
        """A table of the settings (``contracts``, ``invariants``…), empty if absent."""
        value = self.settings.get(name)
        return value if isinstance(value, Mapping) else {}

    @cached_property
    def names(self) -> Names:
        """Imports and module-level bindings, computed on first use."""
        from vibrails.checks.shared.names import Names

        return Names(self.module)

    @cached_property
    def entry_points(self) -> EntryPoints:
        """Scripts, ``__main__`` blocks and entry functions, computed on first use."""
        from vibrails.checks.shared.entrypoints import find_entry_points

        return find_entry_points(
            self.module, self.project_path or self.path, self.source, self.names,
            self.settings.get("_console_scripts", ()), self.path,
        )

    def get_metadata(self, provider: type[BaseMetadataProvider[Any]], node: cst.CSTNode) -> Any:
        """Metadata for ``node`` from a provider the rule declared."""
        return self.metadata[provider][node]

    def scope_name(self) -> str:
        """Dotted name of the enclosing definitions, e.g. ``Account.withdraw``."""
        names = []
        for scope in self.scopes:
            name = getattr(scope, "name", None)
            value = getattr(name, "value", None)  # a Name; a Lambda has none
            names.append(value if isinstance(value, str) else "<lambda>")
        return ".".join(names)


@dataclass(frozen=True)
class Report:
    """A finding before positions are known: the node and the message."""

    code: str
    node: cst.CSTNode
    end_node: cst.CSTNode
    message: str
    scope: str
    #: A second location the finding points to (SARIF ``relatedLocations``);
    #: ``{related_line}`` in the message becomes its line.
    related: cst.CSTNode | None = None
    related_message: str = ""
    #: Report the ``line_offset``-th line after the node's first (a docstring's line).
    line_offset: int = 0


class Rule:
    """Base class of every tree rule."""

    code: ClassVar[str]
    METADATA_DEPENDENCIES: ClassVar[Sequence[type[BaseMetadataProvider[Any]]]] = ()

    def __init__(self, context: FileContext, reports: list[Report]) -> None:
        self.context = context
        self._reports = reports

    @classmethod
    def info(cls) -> RuleInfo:
        return rule_info(cls.code)

    def report(
        self,
        node: cst.CSTNode,
        *,
        end_node: cst.CSTNode | None = None,
        related: cst.CSTNode | None = None,
        related_message: str = "",
        line_offset: int = 0,
        message_key: str | None = None,
        **message_args: object,
    ) -> None:
        """Report ``node`` (up to ``end_node``) with the catalogue message.

        ``related`` is a second node the finding refers to; the message may
        name its line as ``{related_line}``.
        """
        message = self.info().format_named(
            message_key, {"related_line": "{related_line}", **message_args}
        )
        self._reports.append(
            Report(self.code, node, end_node or node, message, self.context.scope_name(),
                   related, related_message, line_offset)
        )


class StatementRule(Rule):
    """A rule that reports on the simple statement holding a node, once per statement.

    Subclasses must not define ``visit_SimpleStatementLine``/``…Suite`` themselves.
    """

    _line: cst.SimpleStatementLine | cst.SimpleStatementSuite | None = None
    _reported: set[int]

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._line = node

    def leave_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._line = None

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._line = node

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._line = None

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The small statement holding ``node`` (``node`` itself in a compound header)."""
        line = self._line
        if line is None:
            return node
        body = line.body
        if len(body) == 1:
            return body[0]
        from vibrails.checks.shared.traverse import children

        for small in body:
            stack: list[cst.CSTNode] = [small]
            while stack:
                current = stack.pop()
                if current is node:
                    return small
                stack.extend(children(current))
        return node

    def report_statement(self, node: cst.CSTNode, **message_args: str) -> None:
        """Report the statement holding ``node``, unless it was reported already."""
        statement = self.statement_of(node)
        reported = self.__dict__.setdefault("_reported", set())
        if id(statement) in reported:
            return
        reported.add(id(statement))
        args: dict[str, Any] = dict(message_args)
        self.report(statement, end_node=None, **args)


class InvariantRule(Rule):
    """Base of the VBR2xx rules: forwards the walk's events to the shared :class:`ClassTracker`.

    Only the first enabled invariant rule of a file forwards events (the
    others' handlers return at once); every rule reads the shared facts.
    """

    code = ""

    def __init__(self, context: FileContext, reports: list[Report]) -> None:
        from vibrails.checks.shared.invariants import class_tracker

        super().__init__(context, reports)
        self.tracker = class_tracker(context)
        if self.tracker.feeder is None:
            self.tracker.feeder = self
        self._feeds = self.tracker.feeder is self

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self._feeds:
            self.tracker.enter_class(node)
            self.tracker.class_decorators(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._feeds:
            self.tracker.enter_method(node)
            self.tracker.function_decorators(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Del(self, node: cst.Del) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Expr(self, node: cst.Expr) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self._feeds:
            self.tracker.small_statement(node)

    def visit_Call(self, node: cst.Call) -> None:
        if self._feeds:
            self.tracker.call(node)

    def visit_Assert(self, node: cst.Assert) -> None:
        if self._feeds:
            self.tracker.check(node.test, node)

    def visit_If(self, node: cst.If) -> None:
        if self._feeds:
            self.tracker.if_statement(node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if self._feeds:
            self.tracker.statement_line(node)


class FileRule:
    """A mix-in for rules that judge a whole tagged file (no tree handlers)."""

    code: ClassVar[str]

    @classmethod
    def check_file(cls, facts: FileProvenance) -> Iterator[tuple[str, dict[str, object]]]:
        """``(key, message arguments)`` of each finding; ``key`` tells findings of
        one rule in one file apart (it goes into the fingerprint)."""
        raise NotImplementedError  # pragma: no cover


@dataclass(frozen=True)
class Weakening:
    """A finding of a diff rule (VBR105, VBR204, VBR406) before its path and
    tag are known: where in the new version, the message's arguments, and
    what tells it apart from the rule's other findings in the file."""

    code: str
    span: tuple[int, int, int, int]
    args: Mapping[str, object]
    key: str
    #: ``[messages]`` key of the catalogue template (``None``: the main message).
    template: str | None = None
    #: Lines (first, last) of the definition the finding is about: another
    #: rule's finding there on the same problem gives way to this one
    #: (:data:`vibrails.engine.diff.SUPERSEDES`).
    extent: tuple[int, int] | None = None

    def message(self) -> str:
        return rule_info(self.code).format_named(self.template, dict(self.args))


class VerifyRule:
    """A mix-in for the rules of ``vibrails verify`` (catalogue scope
    ``verify``): no tree handlers; :mod:`vibrails.verify` reports them from
    what running the code showed. ``vibrails check`` never runs them."""

    code: ClassVar[str]


class DiffRule:
    """A mix-in for rules that compare a file with its version at the diff
    base (``vibrails check --diff-base``): no tree handlers; the engine's
    diff stage (:mod:`vibrails.engine.diff`) calls their functions."""

    code: ClassVar[str]
