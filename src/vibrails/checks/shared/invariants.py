"""What the invariant rules (VBR2xx) know about classes: one tracker per file.

:class:`ClassTracker` follows the engine's single walk through every class:
its state (``self.x`` stored, by which methods, arithmetically or not), the
invariants it declares (library decorators, invariant methods and the calls
to them, pydantic validators, constrained fields), the checks its methods
make and the invariants its docstring claims (:class:`Claim`). The invariant
rules' base class (:class:`vibrails.checks.base.InvariantRule`) feeds it from
whichever invariant rules are enabled, each event once; every rule reads the
same :class:`ClassFacts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from vibrails.checks.shared.contract_tables import CLASS_INVARIANTS
from vibrails.checks.shared.decorators import (
    PROPERTY_GETTERS,
    PYDANTIC_VALIDATORS,
    constrained,
    decorator_kinds,
)
from vibrails.checks.shared.functions import (
    body_statements,
    expression_names,
    if_raises,
    is_docstring,
    test_file,
)
from vibrails.checks.shared.mutation import MUTATING_METHODS
from vibrails.checks.shared.names import dotted, last_name, params_of

if TYPE_CHECKING:
    from vibrails.checks.base import FileContext

_PEP316_INV = re.compile(r"^\s*inv\s*:\s*(.+)$", re.MULTILINE)

# -- classes -------------------------------------------------------------------------

_ENUM_BASES = frozenset(
    {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag",
     "enum.ReprEnum", "django.db.models.TextChoices", "django.db.models.IntegerChoices",
     "django.db.models.Choices"}
)
_NAMED_TUPLES = frozenset({"typing.NamedTuple", "typing_extensions.NamedTuple",
                           "collections.namedtuple", "typing.TypedDict",
                           "typing_extensions.TypedDict"})
_PROTOCOLS = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
_DATACLASS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
_ATTRS_FROZEN = frozenset({"attr.frozen", "attrs.frozen"})
_ATTRS_MUTABLE = frozenset({"attr.define", "attrs.define", "attr.mutable", "attrs.mutable"})
_ATTRS_CLASSIC = frozenset({"attr.s", "attr.attrs", "attrs.attrs"})
_ATTRS_FIELDS = frozenset({"attr.ib", "attr.attrib", "attr.field", "attrs.field"})
_TEST_BASES = frozenset({"TestCase", "SimpleTestCase", "TransactionTestCase",
                         "IsolatedAsyncioTestCase", "LiveServerTestCase"})


def _kwarg(call: cst.BaseExpression, name: str) -> cst.BaseExpression | None:
    if isinstance(call, cst.Call):
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg.value
    return None


def _is_true(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _mentions_validate(expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        return False
    return "validate" in expression_names(expr)


@dataclass
class MethodFacts:
    node: cst.FunctionDef
    name: str
    self_name: str | None
    public: bool
    #: Counts for "stateful": public, not __init__, static/class method or getter.
    mutator_candidate: bool
    #: ``(attribute, node to report)`` of each change of instance state, in order.
    mutations: list[tuple[str, cst.CSTNode]] = field(default_factory=list)
    #: Names of ``self.<m>(...)`` calls.
    self_calls: set[str] = field(default_factory=set)
    #: Attributes of ``self`` named in ``assert`` / ``if …: raise`` tests.
    checked: set[str] = field(default_factory=set)
    post: bool = False


@dataclass
class Claim:
    """An invariant stated in words about a name (VBR203)."""

    name: str
    text: str
    node: cst.CSTNode
    attribute: bool
    #: Lines from the start of ``node`` to the stating line (in a docstring).
    offset: int = 0


@dataclass
class ClassFacts:
    node: cst.ClassDef
    name: str
    module_level: bool
    public: bool
    never_stateful: bool
    library_invariant: bool
    declares: bool
    invariant_methods: set[str]
    methods: dict[str, MethodFacts] = field(default_factory=dict)
    pydantic_validators: bool = False
    validate_assignment: bool = False
    attrs_validators: bool = False
    attrs_setattr: bool = False
    attributes: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    claims: list[Claim] = field(default_factory=list)
    docstring_node: cst.CSTNode | None = None
    docstring: str | None = None
    pep316: list[str] = field(default_factory=list)
    finished: bool = False

    @property
    def stateful(self) -> bool:
        return not self.never_stateful and any(
            m.mutator_candidate and m.mutations for m in self.methods.values()
        )

    @property
    def mutators(self) -> list[MethodFacts]:
        return [m for m in self.methods.values() if m.mutator_candidate and m.mutations]

    @property
    def declares_invariant(self) -> bool:
        return (
            self.declares
            or self.library_invariant
            or bool(self.invariant_methods)
            or (self.pydantic_validators and self.validate_assignment)
            or (self.attrs_validators and self.attrs_setattr)
            or bool(self.pep316)
        )


#: Invariant phrases in comments and docstrings (VBR203). A modal phrase
#: ("must be", "should never", ...) counts only when followed by a predicate
#: on a value ("negative", "sorted", "at least", "> 0", ...): "must be
#: called first" or "must be wrapped in parentheses" are about the code
#: around a name, not about its value.
_PREDICATE = (
    r"(strictly\s+|kept\s+|at\s+all\s+times\s+)?"
    r"(negative|positive|non-?negative|non-?positive|zero|non-?zero|empty|non-?empty|none|"
    r"null|(greater|less|larger|smaller|bigger|lower|higher)\s+(than|or\s+equal)|above|below|"
    r"at\s+least|at\s+most|"
    r"between|within|in\s+range|equal|sorted|ascending|descending|odd|even|finite|"
    r"consistent|in\s+sync|balanced|bounded|monotonic|(a|an)\s+(positive|non-?negative|"
    r"integer|multiple|power)|true|false|[<>=!]=?|\d)"
)
_VALUE_VERBS = (
    r"(exceed|drop|go\s+(below|above|negative|over|under)|fall\s+below|contain|overlap|"
    r"decrease|increase|shrink|grow|change|sum\s+to|match|equal|hold\s+duplicates|"
    r"have\s+(at\s+(least|most)|more|fewer|duplicates))"
)
INVARIANT_WORDS = re.compile(
    r"(\binvariants?\s*:|^\s*inv\s*:|\bnon-?negative\b|\bnon-?empty\b|>=\s*0\b"
    r"|(?<![=<>!-])>\s*0\b"
    r"|\b(must|should|shall|can|will)\s+(never|always|not)\s+(be|remain|stay|become)\s+"
    + _PREDICATE
    + r"|\b(must|should|shall)\s+(be|remain|stay)\s+" + _PREDICATE
    + r"|\b(cannot|can't|never|always)\s+(be|become|remain|stay)\s+" + _PREDICATE
    + r"|\b(must|should|shall|can|will)\s+(never|always|not)\s+" + _VALUE_VERBS
    + r"|\b(never|always)\s+" + _PREDICATE
    + r"|^\s*(positive|non-?negative|never\s+negative)\b)",
    re.IGNORECASE,
)
_NOT_CLAIMS = re.compile(r"\b(TODO|FIXME|XXX|HACK)\b|\?\s*$")


def states_invariant(text: str) -> bool:
    """Whether ``text`` (a comment or docstring line) states an invariant in words."""
    return bool(INVARIANT_WORDS.search(text)) and not _NOT_CLAIMS.search(text)


def names_subject(text: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


class ClassTracker:
    """Per-file facts of classes, methods and invariant claims, fed from the shared walk."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.classes: dict[int, ClassFacts] = {}
        self.module_refs: set[str] = set()
        self.module_claims: list[Claim] = []
        self.function_refs: dict[int, set[str]] = {}
        self.function_claims: dict[int, list[Claim]] = {}
        self._last: dict[str, cst.CSTNode | None] = {}
        self._current: cst.BaseSmallStatement | None = None
        invariants = context.table("invariants")
        self.invariant_methods = set(invariants.get("methods") or ())
        self.invariant_decorators = set(invariants.get("decorators") or ())
        self.crosshair = context.table("contracts").get("verifier") == "crosshair"
        #: The rule whose handlers feed the tracker (the first one constructed).
        self.feeder: object | None = None

    def once(self, event: str, node: cst.CSTNode) -> bool:
        """True the first time ``event`` is fed for ``node`` (rules forward the same events)."""
        if self._last.get(event) is node:
            return False
        self._last[event] = node
        return True

    # -- where are we -----------------------------------------------------------------

    def method_here(self) -> tuple[ClassFacts, MethodFacts] | None:
        scopes = self.context.scopes
        if len(scopes) >= 2 and isinstance(scopes[-1], cst.FunctionDef):
            cls = self.classes.get(id(scopes[-2]))
            if cls is not None:
                method = cls.methods.get(scopes[-1].name.value)
                if method is not None and method.node is scopes[-1]:
                    return cls, method
        return None

    # -- classes ----------------------------------------------------------------------

    def enter_class(self, node: cst.ClassDef) -> None:
        if not self.once("class", node):
            return
        names = self.context.names
        scopes = self.context.scopes
        enclosing = scopes[:-1] if scopes and scopes[-1] is node else list(scopes)
        module_level = not enclosing
        bases = [names.qualify(arg.value) or "" for arg in node.bases if arg.keyword is None]
        bases += [
            names.qualify(arg.value.value) or ""
            for arg in node.bases
            if isinstance(arg.value, cst.Subscript)
        ]
        never = False
        for base in bases:
            if (
                base in _ENUM_BASES or base in _NAMED_TUPLES or base in _PROTOCOLS
                or last_name(base) in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "NamedTuple",
                                   "Protocol", "TypedDict")
                or last_name(base) in _TEST_BASES or last_name(base).endswith("TestCase")
            ):
                never = True
        if node.name.value.startswith("Test") and test_file(self.context.path):
            never = True
        library = False
        declares = False
        attrs_setattr = False
        for decorator in node.decorators:
            expr = decorator.decorator
            qualified = names.qualify_callee(expr) or ""
            if qualified in CLASS_INVARIANTS:
                library = True
            elif qualified in self.invariant_decorators or last_name(qualified) in self.invariant_decorators:
                declares = True
            elif qualified in _DATACLASS or qualified in _ATTRS_CLASSIC:
                if _is_true(_kwarg(expr, "frozen")):
                    never = True
                if _mentions_validate(_kwarg(expr, "on_setattr")):
                    attrs_setattr = True
            elif qualified in _ATTRS_FROZEN:
                never = True
            elif qualified in _ATTRS_MUTABLE:
                if _is_true(_kwarg(expr, "frozen")):
                    never = True
                on_setattr = _kwarg(expr, "on_setattr")
                attrs_setattr = on_setattr is None or _mentions_validate(on_setattr)
        public = module_level and not node.name.value.startswith("_")
        facts = ClassFacts(
            node=node, name=node.name.value, module_level=module_level, public=public,
            never_stateful=never, library_invariant=library, declares=declares,
            invariant_methods=set(), attrs_setattr=attrs_setattr,
        )
        # Inherit from classes of this module that declare an invariant.
        for base in bases:
            base_node = names.classes.get(base)
            base_facts = self.classes.get(id(base_node)) if base_node is not None else None
            if base_facts is not None:
                facts.library_invariant |= base_facts.library_invariant
                facts.declares |= base_facts.declares_invariant and not base_facts.invariant_methods
                facts.invariant_methods |= base_facts.invariant_methods
                facts.never_stateful |= base_facts.never_stateful
                facts.validate_assignment |= base_facts.validate_assignment
                facts.pydantic_validators |= base_facts.pydantic_validators
        self._scan_class_body(facts)
        self.classes[id(node)] = facts

    def _scan_class_body(self, facts: ClassFacts) -> None:
        names = self.context.names
        statements = body_statements(facts.node)
        if statements and is_docstring(statements[0]):
            facts.docstring_node = statements[0]
            facts.docstring = facts.node.get_docstring(clean=True)
            if facts.docstring:
                facts.pep316 = [m.group(1).strip() for m in _PEP316_INV.finditer(facts.docstring)]
        for statement in statements:
            if isinstance(statement, cst.FunctionDef):
                name = statement.name.value
                if name in self.invariant_methods and _no_required_params(statement):
                    facts.invariant_methods.add(name)
                elif name in ("__post_init__", "__attrs_post_init__") and _validates(statement):
                    facts.declares = True  # a dataclass/attrs class checked at construction
                for decorator in statement.decorators:
                    qualified = names.qualify_callee(decorator.decorator) or ""
                    if qualified in PYDANTIC_VALIDATORS:
                        facts.pydantic_validators = True
                        self._validator_refs(facts, decorator.decorator)
                    elif (
                        isinstance(decorator.decorator, cst.Attribute)
                        and decorator.decorator.attr.value == "validator"
                        and isinstance(decorator.decorator.value, cst.Name)
                    ):
                        facts.attrs_validators = True  # attrs ``@x.validator``
                        facts.refs.add(decorator.decorator.value.value)
            elif isinstance(statement, cst.ClassDef) and statement.name.value == "Config":
                for inner in body_statements(statement):
                    if isinstance(inner, cst.SimpleStatementLine):
                        for small in inner.body:
                            if (
                                isinstance(small, cst.Assign)
                                and any(dotted(t.target) == "validate_assignment"
                                        for t in small.targets)
                                and _is_true(small.value)
                            ):
                                facts.validate_assignment = True
                            if (
                                isinstance(small, cst.Assign)
                                and any(dotted(t.target) in ("frozen", "allow_mutation")
                                        for t in small.targets)
                            ):
                                frozen = dotted(small.targets[0].target) == "frozen"
                                if _is_true(small.value) == frozen:
                                    facts.never_stateful = True
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._class_level_small(facts, small)

    def _validator_refs(self, facts: ClassFacts, decorator: cst.BaseExpression) -> None:
        if isinstance(decorator, cst.Call):
            for arg in decorator.args:
                if isinstance(arg.value, cst.SimpleString) and arg.keyword is None:
                    facts.refs.add(arg.value.raw_value)
            if not decorator.args or last_name(dotted(decorator.func) or "") in (
                "model_validator", "root_validator"
            ):
                facts.refs.add("*")
        else:
            facts.refs.add("*")

    def _class_level_small(self, facts: ClassFacts, small: cst.BaseSmallStatement) -> None:
        names = self.context.names
        target: cst.BaseExpression | None = None
        value: cst.BaseExpression | None = None
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
        elif isinstance(small, cst.AnnAssign):
            target, value = small.target, small.value
            if constrained(names, small.annotation.annotation) and isinstance(target, cst.Name):
                facts.refs.add(target.value)
        if not isinstance(target, cst.Name):
            return
        facts.attributes.add(target.value)
        if value is None:
            return
        if target.value == "model_config":
            entry: cst.BaseExpression | None = None
            if isinstance(value, cst.Call):
                entry = _kwarg(value, "validate_assignment")
                if _is_true(_kwarg(value, "frozen")):
                    facts.never_stateful = True
            elif isinstance(value, cst.Dict):
                for element in value.elements:
                    if isinstance(element, cst.DictElement) and isinstance(
                        element.key, cst.SimpleString
                    ):
                        if element.key.raw_value == "validate_assignment":
                            entry = element.value
                        elif element.key.raw_value == "frozen" and _is_true(element.value):
                            facts.never_stateful = True
            if _is_true(entry):
                facts.validate_assignment = True
        elif isinstance(value, cst.Call):
            qualified = names.qualify(value.func) or ""
            if qualified in _ATTRS_FIELDS or last_name(qualified) in ("field", "ib", "attrib"):
                if _kwarg(value, "validator") is not None:
                    facts.attrs_validators = True
                    facts.refs.add(target.value)
                if _mentions_validate(_kwarg(value, "on_setattr")):
                    facts.attrs_setattr = True
            if constrained(names, value):
                facts.refs.add(target.value)

    def enter_method(self, node: cst.FunctionDef) -> None:
        if not self.once("method", node):
            return
        scopes = self.context.scopes
        if len(scopes) < 2 or scopes[-1] is not node:
            return
        cls = self.classes.get(id(scopes[-2]))
        if cls is None:
            return
        names = self.context.names
        decorators = [names.qualify_callee(d.decorator) or "" for d in node.decorators]
        static = any(last_name(d) == "staticmethod" for d in decorators)
        classmethod = any(last_name(d) == "classmethod" for d in decorators)
        getter = any(d in PROPERTY_GETTERS or last_name(d) == "cached_property" for d in decorators)
        params = params_of(node.params)
        self_name = None if static or classmethod or not params else params[0].name.value
        name = node.name.value
        public = cls.public and (name == "__init__" or not name.startswith("_"))
        post = False
        for decorator in node.decorators:
            kinds = decorator_kinds(self.context, decorator.decorator, [])
            if "post" in kinds:
                post = True
        cls.methods[name] = MethodFacts(
            node=node, name=name, self_name=self_name, public=public,
            mutator_candidate=public and name != "__init__" and not (static or classmethod or getter)
            and self_name is not None,
            post=post,
        )

    # -- statements -------------------------------------------------------------------

    def small_statement(self, node: cst.BaseSmallStatement) -> None:
        if not self.once("small", node):
            return
        self._current = node
        here = self.method_here()
        if here is None:
            return
        cls, method = here
        self_name = method.self_name
        if self_name is None:
            return
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
            if not (isinstance(node, cst.AnnAssign) and node.value is None):
                targets = [node.target]
        elif isinstance(node, cst.Del):
            targets = [node.target]
        for target in targets:
            for attr in _self_attrs_stored(target, self_name):
                method.mutations.append((attr, node))
                cls.attributes.add(attr)

    def call(self, node: cst.Call) -> None:
        if not self.once("call", node):
            return
        here = self.method_here()
        if here is None:
            return
        method = here[1]
        self_name = method.self_name
        if self_name is None:
            return
        func = node.func
        current = self._current
        report: cst.CSTNode = node
        if current is not None and getattr(current, "value", None) is node:
            report = current
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Name) and owner.value == self_name:
                method.self_calls.add(func.attr.value)
            elif func.attr.value in MUTATING_METHODS:
                attr = _self_attr(owner, self_name)
                if attr is not None:
                    method.mutations.append((attr, report))
        elif isinstance(func, cst.Name) and func.value in ("setattr", "delattr") and node.args:
            first = node.args[0].value
            if isinstance(first, cst.Name) and first.value == self_name:
                arg = node.args[1].value if len(node.args) > 1 else None
                attr = arg.raw_value if isinstance(arg, cst.SimpleString) else "*"
                method.mutations.append((attr, report))

    def check(self, test: cst.BaseExpression, node: cst.CSTNode) -> None:
        """An ``assert`` test or the test of an ``if`` that raises."""
        if not self.once("check", node):
            return
        mentioned = expression_names(test)
        self._add_refs(mentioned)
        here = self.method_here()
        if here is not None:
            here[1].checked |= mentioned

    def if_statement(self, node: cst.If) -> None:
        if not self.once("if", node):
            return
        raises, tests = if_raises(node)
        if raises:
            mentioned: set[str] = set()
            for test in tests:
                mentioned |= expression_names(test)
            self._add_refs(mentioned)
            here = self.method_here()
            if here is not None:
                here[1].checked |= mentioned

    def function_decorators(self, node: cst.FunctionDef) -> None:
        """Names referred to by contract decorators' conditions count as checked (VBR203)."""
        if not self.once("decorators", node):
            return
        for decorator in node.decorators:
            if decorator_kinds(self.context, decorator.decorator, []) and isinstance(
                decorator.decorator, cst.Call
            ):
                self._add_refs(expression_names(decorator.decorator), skip_innermost=True)

    def class_decorators(self, node: cst.ClassDef) -> None:
        if not self.once("class-decorators", node):
            return
        facts = self.classes.get(id(node))
        names = self.context.names
        for decorator in node.decorators:
            qualified = names.qualify_callee(decorator.decorator) or ""
            if qualified in CLASS_INVARIANTS or qualified in self.invariant_decorators:
                mentioned = expression_names(decorator.decorator)
                self.module_refs |= mentioned
                if facts is not None:
                    facts.refs |= mentioned

    def _add_refs(self, mentioned: set[str], skip_innermost: bool = False) -> None:
        self.module_refs |= mentioned
        scopes = self.context.scopes
        if skip_innermost and scopes:
            scopes = scopes[:-1]
        for scope in scopes:
            if isinstance(scope, cst.ClassDef):
                facts = self.classes.get(id(scope))
                if facts is not None:
                    facts.refs |= mentioned
            elif isinstance(scope, cst.FunctionDef):
                self.function_refs.setdefault(id(scope), set()).update(mentioned)

    # -- comments (VBR203) ----------------------------------------------------------------

    def statement_line(self, node: cst.SimpleStatementLine) -> None:
        if not self.once("line", node):
            return
        trailing = node.trailing_whitespace.comment
        block: list[cst.Comment] = []
        module = self.context.module
        leading = list(node.leading_lines)
        if module.body and module.body[0] is node:
            leading = [*module.header, *leading]  # comments above the first statement
        for line in leading:
            if line.comment is None:
                block = []
            else:
                block.append(line.comment)
        if trailing is None and not block:
            return
        for small in node.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                targets = [small.target]
            if not targets:
                continue
            target = targets[0]
            subject = target.attr.value if isinstance(target, cst.Attribute) else (
                target.value if isinstance(target, cst.Name) else None
            )
            if subject is None:
                return
            claim = None
            if trailing is not None and states_invariant(trailing.value.lstrip("#:").strip()):
                claim = trailing  # an inline comment is about its line's target
            else:
                for comment in block:
                    text = comment.value.lstrip("#:").strip()
                    if states_invariant(text) and (
                        names_subject(text, subject)
                        or (len(block) == 1 and INVARIANT_WORDS.match(text) is not None)
                    ):
                        claim = comment
                        break
            if claim is not None:
                self._claim_target(target, claim, small)
            return

    def _claim_target(self, target: cst.BaseExpression, comment: cst.Comment,
                      small: cst.BaseSmallStatement) -> None:
        text = comment.value.lstrip("#:").strip()
        scopes = self.context.scopes
        here = self.method_here()
        if isinstance(target, cst.Attribute):
            if here is None or here[1].self_name is None:
                return
            attr = _self_attr(target, here[1].self_name)
            if attr is None:
                return
            here[0].claims.append(Claim(attr, text, comment, True))
            return
        if not isinstance(target, cst.Name):
            return
        name = target.value
        if isinstance(small, cst.AnnAssign) and constrained(
            self.context.names, small.annotation.annotation
        ):
            return
        value = getattr(small, "value", None)
        if value is not None and constrained(self.context.names, value):
            return
        if not scopes:
            self.module_claims.append(Claim(name, text, comment, False))
        elif isinstance(scopes[-1], cst.ClassDef):
            facts = self.classes.get(id(scopes[-1]))
            if facts is not None:
                facts.claims.append(Claim(name, text, comment, True))
        elif isinstance(scopes[-1], cst.FunctionDef):
            self.function_claims.setdefault(id(scopes[-1]), []).append(
                Claim(name, text, comment, False)
            )

    def docstring_claims(self, facts: ClassFacts) -> list[Claim]:
        """Class docstring lines that state an invariant about one of its attributes."""
        if not facts.docstring or facts.docstring_node is None:
            return []
        claims: list[Claim] = []
        raw_lines = _docstring_source_lines(facts.docstring_node)
        for raw in facts.docstring.splitlines():
            line = raw.strip()
            if not line or not states_invariant(line):
                continue
            if self.crosshair and _PEP316_INV.match(line):
                continue
            words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line))
            named = sorted(w for w in words if w in facts.attributes and len(w) > 1)
            if not named:
                continue
            offset = next((i for i, text in enumerate(raw_lines) if line in text), 0)
            claims.append(Claim(named[0], line, facts.docstring_node, True, offset))
        return claims

    def finish_class(self, node: cst.ClassDef) -> ClassFacts | None:
        facts = self.classes.get(id(node))
        if facts is None or facts.finished:
            return facts
        facts.finished = True
        return facts


def _docstring_source_lines(statement: cst.CSTNode) -> list[str]:
    """The docstring statement's source lines as written (for line offsets)."""
    if isinstance(statement, cst.SimpleStatementLine) and statement.body:
        small = statement.body[0]
        if isinstance(small, cst.Expr):
            return cst.Module([]).code_for_node(small.value).split("\n")
    return []


def class_tracker(context: FileContext) -> ClassTracker:
    """The file's one tracker, shared by every invariant rule."""
    tracker: ClassTracker | None = context.memo.get("class-tracker")
    if tracker is None:
        tracker = ClassTracker(context)
        context.memo["class-tracker"] = tracker
    return tracker


def _self_attr(expr: cst.BaseExpression, self_name: str) -> str | None:
    """``x`` for ``self.x`` and ``self.x[...]`` (also ``self.x[a][b]``).

    ``self.x.y`` is not the instance's own state but that of the object
    ``self.x`` refers to (often shared, e.g. a request passed in), so it is
    not followed.
    """
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == self_name
    ):
        return expr.attr.value
    return None


def _self_attrs_stored(target: cst.BaseExpression, self_name: str) -> list[str]:
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for element in target.elements:
            out += _self_attrs_stored(element.value, self_name)
        return out
    if isinstance(target, cst.StarredElement):
        return _self_attrs_stored(target.value, self_name)
    if isinstance(target, (cst.Attribute, cst.Subscript)):
        attr = _self_attr(target, self_name)
        return [attr] if attr is not None else []
    return []




def _validates(node: cst.FunctionDef) -> bool:
    """An ``assert`` or ``if …: raise`` among the top-level statements."""
    for statement in body_statements(node):
        if isinstance(statement, cst.SimpleStatementLine):
            if any(isinstance(s, cst.Assert) for s in statement.body):
                return True
        elif isinstance(statement, cst.If) and if_raises(statement)[0]:
            return True
    return False


def _no_required_params(node: cst.FunctionDef) -> bool:
    """A checker of the object's own state takes nothing besides ``self`` (or only defaults)."""
    params = [*node.params.posonly_params, *node.params.params]
    required = [p for p in params[1:] if p.default is None]
    required += [p for p in node.params.kwonly_params if p.default is None]
    return not required
