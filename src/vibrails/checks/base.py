"""What a rule is: a small visitor class with a code, run by the engine.

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from vibrails.core.catalogue import RuleInfo, rule_info

if TYPE_CHECKING:  # libcst loads when a file is parsed, not when vibrails starts
    import libcst as cst
    from libcst.metadata import BaseMetadataProvider, MetadataWrapper

    from vibrails.checks.shared.entrypoints import EntryPoints
    from vibrails.checks.shared.names import Names


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
