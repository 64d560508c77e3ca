"""VBR303 process-state-mutation: code that changes state the whole process shares.

The table of process state (``os.environ``, ``sys.path``, ``os.chdir``, …) is
data: the ``[data.entries]`` table of the catalogue entry, extended by
``state.process-calls``. Names are matched by qualified name through the
file's imports (module level and inside functions) and through simple
assignments such as ``env = os.environ``; a name that no import binds is
never taken for a module (a local called ``random`` is not the module).
"""

from __future__ import annotations

import libcst as cst

from vibrails.checks.base import StatementRule
from vibrails.checks.shared.entrypoints import is_main_block
from vibrails.checks.shared.names import dotted, import_bindings, params_of
from vibrails.checks.shared.state import PROCESS_MUTATORS, ProcessEntry, ProcessState, bound_names

_FUNCTIONS = (cst.FunctionDef, cst.Lambda)
_CATCH_WARNINGS = "warnings.catch_warnings"


class ProcessStateMutation(StatementRule):
    code = "VBR303"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        settings = self.context.settings.get("state", {})
        self.table = ProcessState(self.info().data, settings.get("process-calls", ()))
        #: Imports seen inside functions, and aliases such as ``env = os.environ``.
        self.local_names: dict[str, str] = {}
        self.imports = self.context.names.imports
        #: Per scope (module first, then each enclosing function): names rebound
        #: to something that is not process state, shadowing an import.
        self.shadow_stack: list[set[str]] = [set()]
        #: Enclosing ``with warnings.catch_warnings():`` blocks.
        self.restored: list[cst.With] = []
        #: Depth of enclosing ``if __name__ == "__main__":`` blocks.
        self.main_depth = 0

    # -- names -----------------------------------------------------------------

    def qualify(self, expr: cst.BaseExpression) -> tuple[str | None, str]:
        """(qualified name, name as written) of a dotted expression whose head is imported."""
        root = expr
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name) or (
                root.value not in self.local_names and root.value not in self.imports):
            return None, ""
        written = dotted(expr)
        if written is None:
            return None, ""
        head, dot, rest = written.partition(".")
        target = self.local_names.get(head)
        if target is None:
            if any(head in shadowed for shadowed in self.shadow_stack):
                return None, written
            target = self.context.names.imports.get(head)
        if target is None:
            return None, written
        return f"{target}{dot}{rest}", written

    def _in_function(self) -> bool:
        return any(isinstance(scope, _FUNCTIONS) for scope in self.context.scopes)

    def visit_Import(self, node: cst.Import) -> None:
        if self.context.scopes:
            self.local_names.update(import_bindings(node))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        # A relative import names no process state.
        if self.context.scopes and not node.relative and node.module is not None:
            self.local_names.update(import_bindings(node))

    # -- what changes ----------------------------------------------------------

    def _main_block(self, node: cst.If) -> bool:
        # The cheap look first: the entry points are worked out only for a file
        # that has a ``__main__`` block (or when a finding is about to be reported).
        return not self.context.scopes and is_main_block(node) \
            and id(node) in self.context.entry_points.main_blocks

    def visit_If(self, node: cst.If) -> None:
        if self._main_block(node):
            self.main_depth += 1

    def leave_If(self, node: cst.If) -> None:
        if self._main_block(node):
            self.main_depth -= 1

    def _found(self, node: cst.CSTNode, action: str, written: str, qualified: str,
               entry: ProcessEntry) -> None:
        if self.context.entry_points.covers(self.context.scopes, self.main_depth > 0):
            return  # configuring the process is how a program starts
        alias = "" if written == qualified else f" (written '{written}')"
        self.report_statement(node, action=action.format(name=f"'{qualified}'") + alias,
                              effect=entry.effect)

    def _store(self, target: cst.BaseExpression, node: cst.CSTNode, deleting: bool) -> bool:
        """Report a store into (or delete of) process state; whether it was one."""
        if isinstance(target, (cst.Tuple, cst.List)):
            return any(self._store(e.value, node, deleting) for e in target.elements)
        if isinstance(target, cst.StarredElement):
            return self._store(target.value, node, deleting)
        if isinstance(target, cst.Attribute):
            qualified, written = self.qualify(target)
            entry = self.table.entry(qualified, "rebind")
            if entry is not None and qualified is not None:
                action = "deleting {name}" if deleting else "rebinding {name}"
                self._found(node, action, written, qualified, entry)
                return True
        if isinstance(target, cst.Subscript):
            qualified, written = self.qualify(target.value)
            entry = self.table.entry(qualified, "mutate")
            if entry is not None and qualified is not None:
                action = "deleting from {name}" if deleting else "storing into {name}"
                self._found(node, action, written, qualified, entry)
                return True
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._store(target.target, node, False)

    def leave_Assign(self, node: cst.Assign) -> None:
        # ``env = os.environ`` makes ``env`` an alias; any other binding shadows.
        qualified, _ = self.qualify(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                if qualified is not None and qualified in self.table.entries:
                    self.local_names[name] = qualified
                    self.shadow_stack[-1].discard(name)
                elif name in self.local_names or name in self.context.names.imports:
                    if len(self.shadow_stack) == 1:
                        self.local_names.pop(name, None)
                    self.shadow_stack[-1].add(name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._store(node.target, node, False)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if self._store(target, node, False):
            return
        qualified, written = self.qualify(target)
        entry = self.table.entry(qualified, "mutate")
        if entry is not None and qualified is not None:
            self._found(node, "extending {name} in place", written, qualified, entry)

    def visit_Del(self, node: cst.Del) -> None:
        self._store(node.target, node, True)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._push(node.params)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.shadow_stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push(node.params)

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.shadow_stack.pop()

    def _push(self, params: cst.Parameters) -> None:
        # A parameter named like an import (``def f(signal, frame)``) shadows it
        # in that function only.
        self.shadow_stack.append({p.name.value for p in params_of(params)})

    def visit_For(self, node: cst.For) -> None:
        for name in bound_names(node):
            if name in self.context.names.imports or name in self.local_names:
                self.shadow_stack[-1].add(name)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and self.qualify(call.func)[0] == _CATCH_WARNINGS:
                self.restored.append(node)
                return

    def leave_With(self, node: cst.With) -> None:
        if self.restored and self.restored[-1] is node:
            self.restored.pop()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        qualified, written = self.qualify(func)
        if qualified is not None:
            if self.restored and qualified.startswith("warnings."):
                return  # inside ``with warnings.catch_warnings():`` the filters are restored
            entry = self.table.entry(qualified, "call")
            if entry is None and self._in_function():
                entry = self.table.entry(qualified, "call-in-function")
            if entry is not None:
                self._found(node, "calling {name}()", written, qualified, entry)
                return
        if isinstance(func, cst.Attribute) and func.attr.value in PROCESS_MUTATORS:
            qualified, written = self.qualify(func.value)
            entry = self.table.entry(qualified, "mutate")
            if entry is not None and qualified is not None:
                method = func.attr.value
                self._found(node, f"calling {{name}}.{method}()", written, qualified, entry)
