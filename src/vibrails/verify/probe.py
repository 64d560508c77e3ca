"""The calls a verification makes, inside the worker: refuse, call, judge.

A :class:`Subject` is one target (:class:`vibrails.verify.targets.Target`)
bound to its imported function. Both searches drive it the same way:

* :meth:`Subject.admits`: the preconditions hold for these arguments (an
  input they refuse is never a counterexample);
* :meth:`Subject.exercise`: build the object (a method), call the
  function, then judge its postconditions and its class's invariants;
  :class:`Violation` when one is false.

The contract libraries' own runtime checks are bypassed (icontract's
wrappers are unwrapped, deal is disabled): every condition is evaluated
here, once, so that the one that failed is known by its line. An exception
that is not a broken condition (a ``ValueError`` from a guard deeper in,
a ``ZeroDivisionError``) is not a contract violation and is not reported.
"""

from __future__ import annotations

import copy
import inspect
import reprlib
import traceback
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

from vibrails.verify.targets import Cond, Target

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 8
_repr.maxlevel = 3


def short_repr(value: Any) -> str:
    try:
        return _repr.repr(value)
    except Exception:  # a broken __repr__ of the code under test
        return f"<{type(value).__name__}>"


def _as_is(value: Any) -> Any:
    return value


#: Makes a value concrete: the identity, but CrossHair's ``deep_realize``
#: while CrossHair runs (a note kept past the search must not hold symbols).
realize: Callable[[Any], Any] = _as_is


class Refused(Exception):
    """The input is outside the preconditions: not a counterexample."""


class Violation(AssertionError):
    """A condition was false after the call."""

    def __init__(self, line: int, what: str, condition: str, outcome: str) -> None:
        super().__init__(f"vibrails: line {line}: {what} '{condition}' is false")
        self.line, self.what, self.condition, self.outcome = line, what, condition, outcome


class Exited(Exception):
    """The call ended the process (``sys.exit``); the worker stopped it."""


@dataclass
class Found:
    """A counterexample, replayed: the call as text, and the violation it gives."""

    call: str
    line: int
    what: str
    condition: str
    outcome: str


class Subject:
    """One target, bound to the imported module."""

    def __init__(self, target: Target, module: ModuleType, filename: str) -> None:
        self.target = target
        self.module = module
        self.filename = filename
        self.namespace = vars(module)
        if target.owner is None:
            self.owner: type | None = None
            self.function: Callable[..., Any] = _unwrap(self.namespace[target.name])
        else:
            owner = _undecorated_class(self.namespace[target.owner])
            self.owner = owner
            raw = inspect.getattr_static(owner, target.name)
            if isinstance(raw, staticmethod):
                raw = raw.__func__
            self.function = _unwrap(raw)
        self.signature = inspect.signature(self.function)
        self.exits: list[str] = []

    # -- the parameters ------------------------------------------------------------

    def parameters(self) -> list[str]:
        return [p.name for p in self.target.params]

    def init_parameters(self) -> list[inspect.Parameter]:
        """The constructor's parameters (a method's object is built from them)."""
        if self.owner is None or self.target.kind != "method":
            return []
        try:
            signature = inspect.signature(self.owner)
        except (TypeError, ValueError):
            return []
        return [p for p in signature.parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    # -- the judgement -------------------------------------------------------------

    def split(self, arguments: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(constructor arguments, call arguments)`` of one drawn input (the
        latter with the method calls that come first, under :data:`SETUP`)."""
        init = {k[len(INIT):]: v for k, v in arguments.items() if k.startswith(INIT)}
        call = {k: v for k, v in arguments.items() if not k.startswith(INIT)}
        return init, call

    def bind(self, call: Mapping[str, Any], instance: Any = None) -> inspect.BoundArguments:
        args = [] if self.target.kind not in ("method", "init") else [instance]
        kwargs: dict[str, Any] = {}
        for param in self.target.params:
            if param.name not in call:
                continue
            if param.kind == "positional":
                args.append(call[param.name])
            elif param.kind == "star":
                args.extend(call[param.name])
            elif param.kind == "starstar":
                kwargs.update(call[param.name])
            else:
                kwargs[param.name] = call[param.name]
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound

    def admits(self, arguments: Mapping[str, Any]) -> bool:
        """Whether the preconditions take this input (a refusing condition that
        raises refuses)."""
        _init, call = self.split(arguments)
        try:
            bound = self.bind(call, instance=_Placeholder())
        except TypeError:
            return False
        # A condition that cannot be judged yet (it reads `self.level`) is judged
        # once the object exists.
        return self._admitted(bound, unknown=True)

    def exercise(self, arguments: Mapping[str, Any]) -> None:
        """Call the target on ``arguments``; :class:`Violation` when a condition
        fails after it, :class:`Refused` when the input cannot be used."""
        init, call = self.split(arguments)
        instance = None
        if self.target.kind == "method":
            assert self.owner is not None
            try:
                instance = self.owner(**init)
            except SystemExit as exc:
                self.exits.append(realize(f"{self.target.owner}(...) called sys.exit({exc.code!r})"))
                raise Refused from None
            except Exception as exc:
                _pass_on(exc)
                raise Refused from None  # the constructor refused the input
            if self._broken_invariant(instance) is not None:
                raise Refused  # not this method's doing
            for name, kwargs in call.pop(SETUP, ()):
                try:
                    getattr(instance, name)(**kwargs)
                except SystemExit as exc:
                    self.exits.append(realize(
                        f"{self.target.owner}.{name}(...) called sys.exit({exc.code!r})"))
                    raise Refused from None
                except Exception as exc:
                    _pass_on(exc)
                    raise Refused from None  # a state the class refuses to reach
                if self._broken_invariant(instance) is not None:
                    raise Refused  # that method's doing, reported on it
        if self.target.kind == "init":  # the object, built without its constructor yet
            assert self.owner is not None
            try:
                make: Any = self.owner.__new__
                instance = make(self.owner)
            except Exception as exc:
                _pass_on(exc)
                raise Refused from None
        bound = self.bind(call, instance)
        if not self._admitted(bound):
            raise Refused
        old = self._snapshots(bound)
        try:
            result = self.function(*bound.args, **bound.kwargs)
        except SystemExit as exc:
            self.exits.append(realize(f"{self.call_text(arguments)} called sys.exit({exc.code!r})"))
            return
        except MemoryError:
            self.exits.append(realize(f"{self.call_text(arguments)} ran out of the worker's "
                                      "memory limit (--memory)"))
            return
        except AssertionError as exc:
            if _last_line_in(exc.__traceback__, self.filename) in self.target.checks:
                raise Refused from None  # an assert on its input: the input is refused
            self._raise_if_invariant(exc)
            where = self._assert_line(exc.__traceback__)
            if where is None:
                return  # an assert in code it calls: not this function's contract
            raise Violation(where, "assertion", self._assert_text(where),
                            "raises AssertionError") from None
        except Exception as exc:
            _pass_on(exc)
            self._raise_if_invariant(exc)
            return  # an exception is not a broken postcondition
        for cond in self.target.conditions:
            if cond.role != "post":
                continue
            try:
                holds = self._holds(cond, bound, result, instance, old)
            except Exception as exc:
                _pass_on(exc)
                continue  # a condition that cannot be evaluated is not judged
            if not holds:
                raise Violation(cond.line, "postcondition", cond.text,
                                f"returns {short_repr(result)}")
        if instance is not None:
            broken = self._broken_invariant(instance)
            if broken is not None:
                line, text = broken
                raise Violation(line, "invariant", text, "leaves the object")

    def _raise_if_invariant(self, exc: BaseException) -> None:
        """:class:`Violation` when ``exc`` was raised in an invariant method
        the target called itself (``self.check_invariants()`` at its end)."""
        line = _last_line_in(exc.__traceback__, self.filename)
        for first, last, name in self.target.invariant_spans:
            if line is not None and first <= line <= last:
                text = self.target.invariant_asserts.get(line)
                condition = (_without_assert(text) if text is not None
                             else _raises(name, exc))
                raise Violation(line, "invariant", condition, "leaves the object") from None

    def _admitted(self, bound: inspect.BoundArguments, unknown: bool = False) -> bool:
        """Whether every precondition holds for ``bound``; one that raises counts
        as ``unknown`` (false: it refuses; true: it cannot be judged yet)."""
        for cond in self.target.conditions:
            if cond.role != "pre":
                continue
            try:
                if not self._holds(cond, bound, None, None):
                    return False
            except Exception as exc:
                _pass_on(exc)
                if not unknown:
                    return False
        return True

    def _broken_invariant(self, instance: Any) -> tuple[int, str] | None:
        for cond in self.target.conditions:
            if cond.role != "inv":
                continue
            try:
                if not _evaluate(self.namespace, cond.source)(instance):
                    return cond.line, cond.text
            except Exception as exc:
                _pass_on(exc)
                continue
        for name in self.target.invariant_methods:
            method = getattr(instance, name, None)
            if method is None:
                continue
            try:
                method()
            except AssertionError as exc:
                line = self._assert_line(exc.__traceback__, self.target.invariant_asserts)
                if line is not None:
                    return line, _without_assert(self.target.invariant_asserts[line])
                return self.target.span[0], f"{name}()"
            except Exception as exc:
                _pass_on(exc)
                line = _last_line_in(exc.__traceback__, self.filename)
                return line or self.target.span[0], _raises(name, exc)
        return None

    def _snapshots(self, bound: inspect.BoundArguments) -> Any:
        """icontract's ``OLD``: each ``@snapshot`` taken before the call (``None``
        when the function takes none, or one cannot be taken)."""
        taken = [cond for cond in self.target.conditions if cond.role == "snapshot"]
        if not taken:
            return None
        old = types.SimpleNamespace()
        values = dict(bound.arguments)
        for cond in taken:
            try:
                capture = _evaluate(self.namespace, cond.source)
                wanted = inspect.signature(capture).parameters
                setattr(old, cond.text, capture(**{n: values[n] for n in wanted if n in values}))
            except Exception as exc:
                _pass_on(exc)
                return None
        return old

    def _holds(self, cond: Cond, bound: inspect.BoundArguments, result: Any,
               instance: Any, old: Any = None) -> bool:
        values = dict(bound.arguments)
        if cond.style == "expr":
            scope = dict(self.namespace)
            scope.update(values)
            return bool(eval(cond.source, scope, scope))
        if cond.style == "call":
            scope = dict(self.namespace)
            scope.update(values)
            eval(cond.source, scope, scope)
            return True
        check = _evaluate(self.namespace, cond.source)
        if cond.style == "deal-post":
            return bool(check(result))
        if cond.style == "deal":
            kwargs = dict(bound.kwargs)
            if cond.role == "post":
                kwargs["result"] = result
            return bool(check(*bound.args, **kwargs))
        # icontract: the condition's parameters, by name
        wanted = inspect.signature(check).parameters
        if "OLD" in wanted:
            if old is None:
                return True  # no snapshot to compare with: not judged
            values["OLD"] = old
        values["result"] = result
        return bool(check(**{name: values[name] for name in wanted if name in values}))

    # -- locating a failed assert ------------------------------------------------------

    def _assert_line(self, tb: TracebackType | None,
                     lines: Mapping[int, str] | None = None) -> int | None:
        """The line of the target's own ``assert`` that raised, if it was one."""
        wanted = self.target.asserts if lines is None else lines
        last = _last_line_in(tb, self.filename)
        return last if last in wanted else None

    def _assert_text(self, line: int) -> str:
        return _without_assert(self.target.asserts.get(line, "assert"))

    # -- messages ------------------------------------------------------------------------

    def call_text(self, arguments: Mapping[str, Any]) -> str:
        """The call as Python: ``f(x=1)``, ``Account(balance=0).withdraw(amount=1)``,
        or with calls first ``obj = Account(balance=0); obj.deposit(amount=2); obj.withdraw(amount=3)``."""
        init, call = self.split(arguments)
        setup = call.pop(SETUP, ())
        inner = _arguments(call)
        if self.target.kind == "init":
            return f"{self.target.owner}({inner})"
        if self.target.kind == "method":
            made = f"{self.target.owner}({_arguments(init)})"
            if not setup:
                return f"{made}.{self.target.name}({inner})"
            steps = [f"obj = {made}", *(f"obj.{name}({_arguments(kwargs)})" for name, kwargs in setup),
                     f"obj.{self.target.name}({inner})"]
            return "; ".join(steps)
        return f"{self.target.qualname}({inner})"

    def setup_methods(self) -> dict[str, dict[str, Any]]:
        """The other public methods of a method's class that can be called
        first to reach a state, with the type hint of each parameter."""
        import typing

        if self.owner is None or self.target.kind != "method":
            return {}
        found: dict[str, dict[str, Any]] = {}
        for name, raw in sorted(vars(self.owner).items()):
            if (name.startswith("_") or name == self.target.name
                    or name in self.target.invariant_methods or not inspect.isfunction(raw)):
                continue
            function = _unwrap(raw)
            try:
                hints = typing.get_type_hints(function)
                params = list(inspect.signature(function).parameters.values())[1:]
            except Exception:
                continue
            wanted = {p.name: hints[p.name] for p in params if p.name in hints}
            if all(p.name in wanted or p.default is not p.empty for p in params) and all(
                    p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in params):
                found[name] = wanted
        return found

    def replay(self, arguments: Mapping[str, Any]) -> Found | None:
        """Call again on a copy of ``arguments``, outside any search: the
        violation it really gives, or ``None``."""
        text = self.call_text(arguments)  # before the call, which may change them
        try:
            fresh = copy.deepcopy(dict(arguments))
        except Exception:
            fresh = dict(arguments)
        try:
            self.exercise(fresh)
        except Violation as violation:
            return Found(text, violation.line, violation.what, violation.condition,
                         violation.outcome)
        except Exception:
            return None
        return None


def shrink(subject: Subject, arguments: dict[str, Any], found: Found,
           tries: int = 300) -> tuple[dict[str, Any], Found]:
    """A smaller input giving the same violation (same line), found greedily
    and deterministically: each argument in turn toward ``0``, ``""``, ``[]``."""
    best, best_found = dict(arguments), found
    budget = [tries]

    def still(candidate: dict[str, Any]) -> Found | None:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        again = subject.replay(candidate)
        return again if again is not None and again.line == found.line else None

    changed = True
    while changed and budget[0] > 0:
        changed = False
        for key in sorted(best):
            for smaller in _smaller(best[key]):
                candidate = dict(best)
                candidate[key] = smaller
                again = still(candidate)
                if again is not None:
                    best, best_found, changed = candidate, again, True
                    break
    return best, best_found


def _smaller(value: Any) -> list[Any]:
    """Candidates smaller than ``value``, the smallest first."""
    if isinstance(value, bool):
        return [False] if value else []
    if isinstance(value, int):
        if value == 0:
            return []
        out = [0]
        half = value // 2 if value > 0 else -((-value) // 2)
        if half not in (0, value):
            out.append(half)
        out.append(value - 1 if value > 0 else value + 1)
        if value < 0:
            out.insert(1, -value)
        return out
    if isinstance(value, str):
        if not value:
            return []
        return ["", value[:-1], value[1:], *({value.replace(c, "0", 1) for c in sorted(set(value))
                                             if c != "0"})]
    if isinstance(value, list):
        if not value:
            return []
        shorter: list[Any] = [[], value[:-1], value[1:]]
        for index, item in enumerate(value):
            for smaller in _smaller(item)[:2]:
                shorter.append([*value[:index], smaller, *value[index + 1:]])
        return shorter
    return []


#: The prefix of a constructor argument among a method's drawn inputs.
INIT = "init__"
#: The key of the method calls made on the object before the one verified.
SETUP = "setup__"


def _arguments(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={short_repr(v)}" for k, v in values.items())


class _Placeholder:
    """Stands for ``self`` while preconditions are judged before the object exists."""


def _raises(method: str, exc: BaseException) -> str:
    """``check_invariants() raises ValueError('level out of range')``."""
    text = str(exc)
    shown = f"({text[:80]!r})" if text else ""
    return f"{method}() raises {type(exc).__name__}{shown}"


def _pass_on(exc: BaseException) -> None:
    """Re-raise the searches' own exceptions (CrossHair's path control,
    Hypothesis's rejections): they are not the code under test's."""
    if type(exc).__module__.split(".")[0] in ("crosshair", "hypothesis"):
        raise exc


def _without_assert(text: str) -> str:
    return text[len("assert "):] if text.startswith("assert ") else text


def _evaluate(namespace: Mapping[str, Any], source: str) -> Callable[..., Any]:
    # (Locals are always given: CrossHair's traced ``eval`` would otherwise
    # read the caller's, where ``self`` is the Subject.)
    scope = dict(namespace)
    value = eval(source, scope, scope)
    if not callable(value):
        raise TypeError(source)
    return value  # type: ignore[no-any-return]


def _undecorated_class(owner: Any) -> Any:
    """The class under deal's ``inv`` (a subclass that checks on every
    attribute set, even with deal disabled): its invariants are judged by
    the probe after each call instead, as icontract judges them."""
    while isinstance(owner, type) and "_deal_invariants" in vars(owner) and owner.__bases__:
        owner = owner.__bases__[-1]
    return owner


def _unwrap(function: Any) -> Callable[..., Any]:
    """The function under icontract's wrapper (deal is disabled instead)."""
    return inspect.unwrap(function)  # type: ignore[no-any-return]


def _last_line_in(tb: TracebackType | None, filename: str) -> int | None:
    """The line of the innermost frame of ``tb`` in ``filename``."""
    line = None
    for frame, number in traceback.walk_tb(tb):
        if frame.f_code.co_filename == filename:
            line = number
    return line


def disable_library_checks() -> None:
    """Remove deal's runtime checks before the code under test is imported
    (its decorators then return what they decorate): the probe evaluates
    every condition itself, an invariant after each call as icontract does."""
    try:
        import deal  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return
    deal.disable(permament=True, warn=False)
