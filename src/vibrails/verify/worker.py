"""One verification worker: a process that imports one module and searches its targets.

Started by :mod:`vibrails.verify.run` as ``python -m vibrails.verify.worker
JOB FD``: ``JOB`` is a JSON file (the module, its targets, the limits), and
``FD`` an inherited pipe on which it reports, one JSON line per event
(``ready``, ``start`` and ``done`` per target, or ``import-failed``), so
that whatever the code under test prints goes elsewhere.

It seals itself first (:mod:`vibrails.verify.sandbox`), then for each
target:

1. CrossHair (symbolic execution) runs a generated *harness* (a file in
   the worker's folder): its leading ``assert`` is the target's
   preconditions (:meth:`Subject.admits`), its body calls the target and
   judges it (:meth:`Subject.exercise`). Each violation it reaches is
   recorded with its inputs made concrete.
2. Where CrossHair found nothing, Hypothesis draws inputs from the type
   hints (``st.from_type``), refuses those the preconditions refuse, and
   shrinks a failure to a small one; derandomized, without a database, so
   that a run repeats.
3. A counterexample counts only once replayed, outside either search,
   with the violation it really gives (:meth:`Subject.replay`).
"""

from __future__ import annotations

import copy
import importlib
import json
import math
import os
import signal
import sys
import time
import typing
from pathlib import Path
from types import FrameType
from typing import Any

from vibrails.verify import probe, sandbox
from vibrails.verify.limits import budget_spent
from vibrails.verify.targets import Target

#: The subjects of this worker, by index (the harness files reach them here).
SUBJECTS: dict[int, probe.Subject] = {}
#: The type hints of each subject's harness parameters.
HINTS: dict[int, dict[str, Any]] = {}
#: Concrete inputs of the violations CrossHair reached, per subject.
REACHED: dict[int, list[dict[str, Any]]] = {}


#: Inputs a function's preconditions must accept for a search without a
#: counterexample to count as done (Hypothesis stops early when it rejects
#: most of what it draws).
MIN_VALID = 20


class OutOfTime(BaseException):
    """The function's share of the budget is spent (raised by the alarm)."""


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    out = int(argv[1])

    def emit(**event: Any) -> None:
        os.write(out, (json.dumps(event, sort_keys=True) + "\n").encode())

    # The searches load before the seal (they read their own files) and before
    # the code under test, which must not be able to replace them.
    import hypothesis  # noqa: F401
    from crosshair import core_and_libs  # noqa: F401

    probe.disable_library_checks()
    _finite_floats()
    sandbox.seal(job["folder"], job.get("memory"))
    sys.path.insert(0, job["root"])
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    signal.signal(signal.SIGALRM, _alarm)
    started = time.monotonic()
    try:
        _silence()
        module = importlib.import_module(job["module"])
    except BaseException as exc:
        emit(event="import-failed", reason=_describe(exc), refused=_take_refused())
        return 0
    emit(event="ready", refused=_take_refused(), seconds=round(time.monotonic() - started, 3))
    for index, data in enumerate(job["targets"]):
        if index < job.get("skip", 0):
            continue
        emit(event="start", index=index)
        try:
            outcome = verify(index, Target.from_json(data), module, job)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            signal.setitimer(signal.ITIMER_REAL, 0)
            outcome = {"status": "unverified", "engine": "", "refused": _take_refused(),
                       "exits": [], "reason": f"the search failed on it ({_describe(exc)})"}
        emit(event="done", index=index, outcome=outcome)
    return 0


def verify(index: int, target: Target, module: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Search one target for a counterexample, within its budget."""
    budget = float(job["budget"])
    outcome: dict[str, Any] = {"status": "verified", "engine": "", "reason": ""}
    try:
        subject = probe.Subject(target, module, job["filename"])
        hints = _hints(subject)
    except Unverifiable as exc:  # nothing to draw its inputs from: skipped, counted
        return {"status": "skipped", "engine": "", "reason": str(exc), "refused": [],
                "exits": []}
    except Exception as exc:
        return {"status": "unverified", "engine": "",
                "reason": f"it could not be prepared: {_describe(exc)}", "refused": [],
                "exits": []}
    SUBJECTS[index] = subject
    signal.setitimer(signal.ITIMER_REAL, budget + 1.0)
    try:
        reached, confirmed = _crosshair(index, subject, hints, job, budget / 2)
        # Hypothesis runs either way: where CrossHair gave up, it searches;
        # where CrossHair found a violation, its derandomized search gives the
        # same smallest counterexample on every run (CrossHair's vary).
        symbolic_exits = list(subject.exits)
        subject.exits.clear()
        drawable = True
        try:
            found, finished, note = _hypothesis(subject, hints, job)
        except Unverifiable as exc:  # no strategy for a type (`Any`, a class of its own)
            found, finished, note, drawable = None, False, str(exc), False
        if not subject.exits:  # Hypothesis's, if any: they repeat from run to run
            subject.exits.extend(symbolic_exits)
        outcome["engine"] = "hypothesis"
        if found is None and reached is not None:
            found = probe.shrink(subject, *reached)[1]
            outcome["engine"] = "crosshair"
        elif found is None and not drawable and not confirmed:
            outcome.update(status="skipped", reason=note)
        elif found is None and not finished and not confirmed:
            outcome.update(status="unverified", reason=note)
        if found is not None:
            outcome.update(status="violated", found=found.__dict__)
    except OutOfTime:
        outcome.update(status="unverified",
                       reason=budget_spent(budget))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    outcome["refused"] = _take_refused()
    exits = sorted({str(text) for text in subject.exits if isinstance(text, str)},
                   key=lambda text: (len(text), text))
    outcome["exits"] = exits[:1]  # the smallest example says it
    if (outcome["refused"] or outcome["exits"]) and outcome["status"] in ("verified", "skipped"):
        outcome["status"] = "unverified"  # what it did was stopped: its result is not known
    return outcome


class Unverifiable(Exception):
    """Nothing to draw inputs from."""


def _hints(subject: probe.Subject) -> dict[str, Any]:
    """The type of each input to draw: the constructor's (a method's object)
    and the function's, from their type hints."""
    hints: dict[str, Any] = {}
    if subject.target.kind == "method":
        assert subject.owner is not None
        init = vars(subject.owner).get("__init__") or getattr(subject.owner, "__init__")  # noqa: B009
        try:
            init_hints = typing.get_type_hints(init)
        except Exception:
            init_hints = {}
        for made in subject.init_parameters():
            if made.name in init_hints:
                hints[probe.INIT + made.name] = init_hints[made.name]
            elif made.default is made.empty:
                raise Unverifiable(f"{subject.target.owner}() takes '{made.name}', which has "
                                   "no type hint to draw values from")
    try:
        own = typing.get_type_hints(subject.function)
    except Exception as exc:
        raise Unverifiable(f"its type hints cannot be read ({_describe(exc)})") from None
    for param in subject.target.params:
        if param.name in own:
            hint = own[param.name]
            if param.kind == "star":
                hint = tuple[hint, ...]  # type: ignore[valid-type]
            elif param.kind == "starstar":
                hint = dict[str, hint]  # type: ignore[valid-type]
            hints[param.name] = hint
        elif not param.has_default:
            raise Unverifiable(f"parameter '{param.name}' has no type hint to draw values from")
    return hints


def _crosshair(index: int, subject: probe.Subject, hints: dict[str, Any], job: dict[str, Any],
               seconds: float) -> tuple[tuple[dict[str, Any], probe.Found] | None, bool]:
    """Run CrossHair on the target's harness: the first violation it reached
    that replays, with its inputs; and whether it went down every path
    (then the contract holds for every input of those types)."""
    from crosshair.core_and_libs import analyze_function, run_checkables
    from crosshair.options import AnalysisKind, AnalysisOptionSet

    REACHED[index] = []
    flat = dict(hints)
    setups = subject.setup_methods()
    if setups:  # one call of another method first, chosen by `which`
        flat[_WHICH] = int
        for name, params in setups.items():
            for param, hint in params.items():
                flat[f"{_FLAT}{name}__{param}"] = hint
        SETUPS[index] = sorted(setups)
    harness = _harness(index, flat, Path(job["folder"]))
    options = AnalysisOptionSet(
        analysis_kind=[AnalysisKind.asserts],
        per_condition_timeout=max(seconds, 0.5),
        per_path_timeout=max(min(seconds / 4, 2.0), 0.25),
        max_uninteresting_iterations=job.get("crosshair_iterations", 200),
    )
    from crosshair.core import deep_realize
    from crosshair.statespace import MessageType

    confirmed = False
    probe.realize = deep_realize
    try:
        messages = run_checkables(analyze_function(harness, options))
        confirmed = any(m.state == MessageType.CONFIRMED for m in messages)
    except (OutOfTime, KeyboardInterrupt):
        raise
    except BaseException:  # CrossHair gave up (its internal errors are BaseExceptions):
        pass  # Hypothesis tries
    finally:
        probe.realize = probe._as_is
    for arguments in REACHED[index]:
        if not _finite(arguments):
            continue  # NaN and the infinities are not drawn (see _hypothesis): nor kept
        found = subject.replay(arguments)
        if found is not None:
            return (arguments, found), False
    return None, confirmed


def reached(index: int, snapshot: dict[str, Any] | None) -> None:
    """Called by a harness when CrossHair reached a violation: keep its inputs."""
    if snapshot is None:
        return
    from crosshair.core import deep_realize

    try:
        REACHED[index].append(deep_realize(snapshot))
    except Exception:
        pass


def exercise(index: int, arguments: dict[str, Any]) -> None:
    """The body of a harness: judge one symbolic input."""
    from crosshair.util import IgnoreAttempt

    subject = SUBJECTS[index]
    arguments = _unflatten(index, arguments)
    try:
        snapshot: dict[str, Any] | None = copy.deepcopy(arguments)
    except Exception:
        snapshot = None
    try:
        subject.exercise(arguments)
    except probe.Refused:
        raise IgnoreAttempt("refused by the preconditions") from None  # type: ignore[no-untyped-call]
    except probe.Violation:
        reached(index, snapshot)
        raise


#: The harness's inputs for a call made first: which method (an index into
#: :data:`SETUPS`, none when out of range), and each method's arguments.
_WHICH = "setup__which"
_FLAT = "setup__"
SETUPS: dict[int, list[str]] = {}


def _unflatten(index: int, arguments: dict[str, Any]) -> dict[str, Any]:
    """The harness's flat inputs as :meth:`Subject.exercise` takes them."""
    if _WHICH not in arguments:
        return arguments
    names = SETUPS[index]
    which = arguments[_WHICH]
    out = {k: v for k, v in arguments.items() if not k.startswith(_FLAT)}
    calls = []
    if 0 <= which < len(names):
        name = names[which]
        prefix = f"{_FLAT}{name}__"
        calls.append((name, {k[len(prefix):]: v for k, v in arguments.items()
                             if k.startswith(prefix)}))
    out[probe.SETUP] = calls
    return out


def _harness(index: int, hints: dict[str, Any], folder: Path) -> Any:
    """Write and import the harness of subject ``index``."""
    names = list(hints)
    params = ", ".join(f"{name}: _H[{name!r}]" for name in names)
    values = "{" + ", ".join(f"{name!r}: {name}" for name in names) + "}"
    text = (
        "from vibrails.verify import worker as _w\n"
        f"_S = _w.SUBJECTS[{index}]\n"
        f"_H = _w.HINTS[{index}]\n"
        f"def harness({params}) -> None:\n"
        f"    assert _S.admits({values})\n"
        f"    _w.exercise({index}, {values})\n"
    )
    HINTS[index] = hints
    name = f"vibrails_harness_{index}"
    (folder / f"{name}.py").write_text(text, encoding="utf-8")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    module = importlib.import_module(name)
    return module.harness



def _hypothesis(subject: probe.Subject, hints: dict[str, Any], job: dict[str, Any],
                ) -> tuple[probe.Found | None, bool, str]:
    """``(counterexample, finished, why not)`` of a seeded Hypothesis search."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument, ResolutionFailed, Unsatisfiable

    try:
        strategies = {name: st.from_type(hint) for name, hint in hints.items()}
        for strategy in strategies.values():
            strategy.validate()
    except Exception as exc:
        raise Unverifiable(f"no values can be drawn for its parameters ({_describe(exc)})") from None
    failing: list[dict[str, Any]] = []
    runs = [0]
    valid = [0]

    def case(**arguments: Any) -> None:
        runs[0] += 1
        if not subject.admits(arguments):
            reject()
        try:
            before: dict[str, Any] | None = copy.deepcopy(arguments)
        except Exception:
            before = None
        try:
            subject.exercise(arguments)
        except probe.Refused:
            reject()
        except probe.Violation:
            if before is not None:
                failing.append(before)
            raise
        valid[0] += 1

    test = given(**strategies)(settings(
        max_examples=job.get("examples", 200), derandomize=True, database=None, deadline=None,
        suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
        phases=[Phase.explicit, Phase.generate, Phase.shrink], print_blob=False,
    )(case))
    try:
        test()
    except probe.Violation:
        pass
    except Unsatisfiable:
        if valid[0] < MIN_VALID:
            return None, False, (f"its preconditions refused nearly every input drawn for it "
                                 f"({valid[0]} of {runs[0]} were accepted)")
    except OutOfTime:
        if failing:
            return subject.replay(failing[-1]), True, ""
        return None, False, budget_spent(float(job["budget"]))
    except (InvalidArgument, ResolutionFailed) as exc:  # found when drawing, not before
        raise Unverifiable(f"no values can be drawn for its parameters ({_describe(exc)})") from None
    except Exception as exc:
        return None, False, f"inputs could not be drawn for it ({_describe(exc)})"
    for arguments in reversed(failing):  # the last one is the shrunk one
        found = subject.replay(arguments)
        if found is not None:
            return found, True, ""
    return None, True, ""


def _finite(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` holds no NaN and no infinity (in its containers too)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if depth > 20:
        return True
    if isinstance(value, dict):
        return all(_finite(k, depth + 1) and _finite(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_finite(item, depth + 1) for item in value)
    return True


def _finite_floats() -> None:
    """Draw floats without NaN and the infinities: a contract such as
    ``result >= 0`` is rarely meant for them, and a counterexample ``x=nan``
    is not worth a reviewer's time (a precondition ``math.isfinite(x)``
    would only restate it)."""
    from hypothesis import strategies as st

    st.register_type_strategy(float, st.floats(allow_nan=False, allow_infinity=False))


def _setup_strategy(subject: probe.Subject) -> Any:
    """Up to three calls of the class's other methods, made before the one
    verified: the states a constructor alone does not reach."""
    from hypothesis import strategies as st

    calls = []
    for name, hints in subject.setup_methods().items():
        try:
            drawn = st.fixed_dictionaries({k: st.from_type(v) for k, v in hints.items()})
            drawn.validate()
        except Exception:  # a method whose inputs cannot be drawn is not used
            continue
        calls.append(st.tuples(st.just(name), drawn))
    if not calls:
        return None
    return st.lists(st.one_of(calls), max_size=3)


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise OutOfTime


def _take_refused() -> list[str]:
    taken = list(dict.fromkeys(sandbox.refused))[:3]
    sandbox.refused.clear()
    return taken


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _silence() -> None:
    """What the code under test prints goes to a file in the worker's folder."""
    sink = open("output.txt", "w", encoding="utf-8", errors="replace")
    sys.stdout = sink


if __name__ == "__main__":
    # The harnesses import this module by its name: run that one, not ``__main__``.
    from vibrails.verify import worker as _named

    sys.exit(_named.main(sys.argv[1:]))
