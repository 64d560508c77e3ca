"""The verification of many files: targets, cache, supervised workers, findings.

:func:`verify_files` reads each tagged file (never runs it here), finds its
targets (:mod:`vibrails.verify.targets`), answers those it can from the
cache, and gives the others, one module a job, to worker processes
(:mod:`vibrails.verify.worker`), at most ``jobs`` at a time. A worker is
watched: it must report each function within its budget (plus a grace),
else it is stopped and the function is reported as not verified; a worker
that dies (``os._exit``, a crash, memory) costs the function it was on,
and a new worker takes the module's other functions. The outcomes become
findings: VBR106 (a counterexample, replayed) and VBR107 (not verified, or
the worker had to refuse what the function did).
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vibrails import __version__
from vibrails.checks.vbr106_contract_violated import violation_message
from vibrails.checks.vbr107_contract_unverified import contained_message, unverified_message
from vibrails.core.finding import Finding, make_finding
from vibrails.verify.limits import GRACE_SECONDS, IMPORT_SECONDS, Limits, budget_spent
from vibrails.verify.targets import Target, find_targets

#: Bumped when a kept outcome changes shape or meaning.
_FORMAT = 1


@dataclass
class Module:
    """One file to verify: where it is, how it is imported, what is in it."""

    display: str
    path: Path
    #: The folder it is imported from, and its module name there.
    root: Path
    name: str
    source: str
    tag: str
    targets: list[Target]


@dataclass
class Outcome:
    status: str
    reason: str = ""
    found: dict[str, Any] | None = None
    refused: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)
    engine: str = ""
    cached: bool = False
    #: Depends on more than the function (the environment, the run): not kept.
    transient: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outcome:
        return cls(status=data["status"], reason=data.get("reason", ""),
                   found=data.get("found"), refused=list(data.get("refused", [])),
                   exits=list(data.get("exits", [])), engine=data.get("engine", ""))

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "found": self.found,
                "refused": self.refused, "exits": self.exits, "engine": self.engine}


@dataclass
class Summary:
    functions: int = 0
    violated: int = 0
    unverified: int = 0
    verified: int = 0
    cached: int = 0
    seconds: float = 0.0
    #: Contracted functions skipped: nothing to draw a parameter's values from
    #: (no type hint, ``Any``, a type with no strategy).
    untyped: int = 0


def module_of(path: Path) -> tuple[Path, str]:
    """``(import root, dotted name)`` of the file at ``path``: up through the
    folders that are packages (``__init__.py``)."""
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.append(folder.name)
        folder = folder.parent
    return folder, ".".join(reversed(parts))


def cache_key(target: Target, limits: Limits) -> str:
    data = json.dumps([_FORMAT, __version__, _tool_versions(), limits.budget, limits.examples,
                       target.to_json()], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def _tool_versions() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("crosshair-tool", "hypothesis"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=none")
    return found


def verify_files(modules: list[Module], limits: Limits, jobs: int, cache: Path | None,
                 summary: Summary) -> list[Finding]:
    """Verify every target of ``modules``; the findings, sorted."""
    started = time.monotonic()
    outcomes: dict[tuple[int, int], Outcome] = {}
    pending: list[tuple[int, list[int]]] = []
    for m_index, module in enumerate(modules):
        todo = []
        for t_index, target in enumerate(module.targets):
            kept = _read_kept(cache, cache_key(target, limits)) if cache is not None else None
            if kept is not None:
                kept.cached = True
                outcomes[(m_index, t_index)] = kept
            else:
                todo.append(t_index)
        if todo:
            pending.append((m_index, todo))

    def work(item: tuple[int, list[int]]) -> dict[int, Outcome]:
        m_index, todo = item
        if limits.total is not None and time.monotonic() - started > limits.total:
            spent = Outcome("unverified", f"the run's total budget of {limits.total:g} s was "
                                          "spent before it was reached", transient=True)
            return {t: spent for t in todo}
        return supervise(modules[m_index], todo, limits)

    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        for (m_index, todo), done in zip(pending, pool.map(work, pending), strict=True):
            for t_index in todo:
                outcome = done[t_index]
                outcomes[(m_index, t_index)] = outcome
                if cache is not None and not outcome.transient:
                    _keep(cache, cache_key(modules[m_index].targets[t_index], limits), outcome)
    findings: list[Finding] = []
    for (m_index, t_index), outcome in sorted(outcomes.items()):
        module = modules[m_index]
        target = module.targets[t_index]
        if outcome.status == "skipped":  # no strategy for a type: counted, not reported
            summary.untyped += 1
            continue
        summary.functions += 1
        summary.cached += outcome.cached
        if outcome.status == "violated":
            summary.violated += 1
        elif outcome.status == "unverified":
            summary.unverified += 1
        else:
            summary.verified += 1
        findings += to_findings(module, target, outcome)
    summary.seconds = time.monotonic() - started
    return sorted(findings, key=lambda f: f.sort_key)


# -- the workers --------------------------------------------------------------------------


def supervise(module: Module, todo: list[int], limits: Limits) -> dict[int, Outcome]:
    """Verify the targets ``todo`` of ``module`` in workers, one after another
    until each has an outcome."""
    done: dict[int, Outcome] = {}
    while True:
        left = [t for t in todo if t not in done]
        if not left:
            return done
        _one_worker(module, left, limits, done)


def _one_worker(module: Module, left: list[int], limits: Limits,
                done: dict[int, Outcome]) -> None:
    """Run one worker over ``left``, recording each outcome in ``done``;
    returns when it finished or had to be stopped (the function it was on
    then has its outcome too)."""
    folder = Path(tempfile.mkdtemp(prefix="vibrails-verify-"))
    control = Path(tempfile.mkdtemp(prefix="vibrails-verify-job-"))
    try:
        job = {
            "root": str(module.root), "module": module.name, "filename": str(module.path),
            "targets": [module.targets[t].to_json() for t in left], "budget": limits.budget,
            "examples": limits.examples, "memory": limits.memory, "folder": str(folder),
        }
        (control / "job.json").write_text(json.dumps(job), encoding="utf-8")
        read_end, write_end = os.pipe()
        env = dict(os.environ)
        env.update(HOME=str(folder), TMPDIR=str(folder), PYTHONDONTWRITEBYTECODE="1",
                   PYTHONHASHSEED="0", HYPOTHESIS_STORAGE_DIRECTORY=str(folder / ".hypothesis"))
        env.pop("PYTHONSTARTUP", None)
        with open(control / "stderr.txt", "wb") as errors:
            process = subprocess.Popen(
                [sys.executable, "-m", "vibrails.verify.worker", str(control / "job.json"),
                 str(write_end)],
                pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=errors, cwd=folder, env=env, start_new_session=True,
            )
        os.close(write_end)
        try:
            on_import = _watch(process, read_end, left, limits, done, control / "stderr.txt")
            if on_import and left[0] in done:  # told on the module's first function
                first = done[left[0]]
                first.refused = [f"(on import) {what}" for what in on_import] + first.refused
        finally:
            os.close(read_end)
            if process.poll() is None:
                _stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(control, ignore_errors=True)


def _watch(process: subprocess.Popen[bytes], fd: int, left: list[int], limits: Limits,
           done: dict[int, Outcome], stderr: Path) -> list[str]:
    """Read the worker's events until it ends or is stopped; what the
    module's import tried and was refused."""
    on_import: list[str] = []
    buffer = b""
    current: int | None = None
    ready = False
    deadline = time.monotonic() + IMPORT_SECONDS
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0:
            _stop(process)
            if not ready:
                why = f"importing its module took over {IMPORT_SECONDS:g} s; the worker was stopped"
                for t in left:
                    done.setdefault(t, Outcome("unverified", why, transient=True))
            elif current is not None:
                done[current] = Outcome(
                    "unverified", budget_spent(limits.budget))
            return on_import
        readable, _, _ = select.select([fd], [], [], min(wait, 1.0))
        if not readable:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:  # the worker ended
            status = process.wait()
            _ended(status, ready, current, left, done, stderr)
            return on_import
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            event = json.loads(line)
            kind = event["event"]
            if kind == "import-failed":
                why = f"importing its module failed ({event['reason']})"
                for t in left:
                    # (what it refused is in `why`; a missing package may be installed later)
                    done.setdefault(t, Outcome("unverified", why, transient=True))
            elif kind == "ready":
                ready = True
                on_import = list(event["refused"])
                deadline = time.monotonic() + limits.budget + GRACE_SECONDS
            elif kind == "start":
                current = left[event["index"]]
                deadline = time.monotonic() + limits.budget + GRACE_SECONDS
            elif kind == "done":
                outcome = Outcome.from_json(event["outcome"])
                done[left[event["index"]]] = outcome
                current = None
                deadline = time.monotonic() + limits.budget + GRACE_SECONDS


def _ended(status: int, ready: bool, current: int | None, left: list[int],
           done: dict[int, Outcome], stderr: Path) -> None:
    how = f"exit status {status}" if status >= 0 else f"signal {-status}"
    if not ready:
        last = _last_line(stderr)
        why = f"importing its module ended the worker ({how}{': ' + last if last else ''})"
        for t in left:
            done.setdefault(t, Outcome("unverified", why, transient=True))
    elif current is not None:
        done[current] = Outcome("unverified", f"the worker process ended while verifying it "
                                              f"({how}: os._exit, a crash or out of memory)")
    else:
        for t in left:  # ended between functions: none of them is to blame
            done.setdefault(t, Outcome("unverified", f"the worker process ended ({how})",
                                       transient=True))


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, 9)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""


# -- the cache ------------------------------------------------------------------------------


def _read_kept(folder: Path, key: str) -> Outcome | None:
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        return Outcome.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _keep(folder: Path, key: str, outcome: Outcome) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(outcome.to_json(), out, sort_keys=True)
        os.replace(name, folder / f"{key}.json")
    except OSError:
        pass  # a cache that cannot be written is no reason to fail


# -- findings -----------------------------------------------------------------------------


def to_findings(module: Module, target: Target, outcome: Outcome) -> list[Finding]:
    lines = module.source.splitlines()
    found: list[Finding] = []
    def_span = (target.span[0], target.span[1], target.span[2], target.span[3])
    related = (def_span[0], def_span[1] + 1, def_span[2], def_span[3] + 1,
               f"'{target.qualname}', verified here")
    if outcome.status == "violated" and outcome.found is not None:
        item = outcome.found
        span = _condition_span(target, item["line"], lines)
        message = violation_message(target.qualname, item)
        finding = make_finding(module.display, "VBR106", message, module.tag, span,
                               item["condition"], target.qualname)
        found.append(finding.with_changes(related=related))
    elif outcome.status == "unverified" and outcome.reason:
        found.append(make_finding(module.display, "VBR107",
                                  unverified_message(target.qualname, outcome.reason),
                                  module.tag, def_span, _line(lines, def_span[0]),
                                  target.qualname))
    troubles = [*outcome.exits, *outcome.refused]
    if troubles:
        found.append(make_finding(module.display, "VBR107",
                                  contained_message(target.qualname, troubles), module.tag,
                                  def_span, _line(lines, def_span[0]), target.qualname, 1))
    return found


def _condition_span(target: Target, line: int, lines: list[str]) -> tuple[int, int, int, int]:
    for cond in target.conditions:
        if cond.line == line:
            return cond.line, cond.column, cond.end_line, cond.end_column
    text = _line(lines, line)
    indent = len(text) - len(text.lstrip())
    return line, indent, line, max(len(text.rstrip()), indent + 1)


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def collect(items: list[tuple[str, Path, str, str]], settings: Mapping[str, Any],
            wanted: Callable[[str, Target], bool], summary: Summary) -> list[Module]:
    """The modules to verify from ``(display, path, text, tag reason)`` of the
    tagged files, with the targets ``wanted`` keeps (a function without the
    type hints to draw its inputs is counted, skipped)."""
    modules: list[Module] = []
    for display, path, text, tag in items:
        found = [t for t in find_targets(text, settings) if wanted(display, t)]
        targets = [t for t in found if t.typed]
        summary.untyped += len(found) - len(targets)
        if targets:
            root, name = module_of(path)
            modules.append(Module(display, path, root, name, text, tag, targets))
    return modules
