"""Where the time goes: an in-process ``vibrails check`` over one tree.

Usage (run by ``bench/run.py --profile`` with the vibrails interpreter)::

    python bench/hotpaths.py stages  TREE OUT.json
    python bench/hotpaths.py cprofile TREE OUT.json PROFILE.prof

Both modes call the CLI in this process (``vibrails check --assume-ai
--no-cache --jobs 1 --format json -o /dev/null .`` with TREE as the current
folder), so every stage runs here and nothing hides in a worker.

``stages`` wraps the pipeline's functions with ``perf_counter`` timers (a
fraction of a microsecond a call, so the shares are those of a normal run):
read, tag, ``compile()``, libcst parse, metadata, walk, positions, findings,
suppress, line hashes, report; and every rule's ``visit_*``/``leave_*``
handlers, by rule. ``cprofile`` runs the same under :mod:`cProfile` (which
slows pure-Python code far more than the C parser: use it for *which
functions*, the ``stages`` run for *how much*) and keeps the top functions.
The wrapped names are looked up at run time; a stage whose function moved
is reported as missing rather than failing.
"""

from __future__ import annotations

import cProfile
import functools
import importlib
import json
import os
import pstats
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARGS = ["check", "--assume-ai", "--no-cache", "--jobs", "1", "--format", "json",
        "-o", os.devnull, "."]

WALK = "walk (incl. rule handlers)"
CODE_FOR_NODE = "finding text (code_for_node)"
CODE_FOR_NODE_IN_RULES = "code_for_node called by rules (inside walk)"


#: (stage label, module, attribute path) in pipeline order; ``a|b``: the first
#: of the names that exists (the engine's function was renamed over time).
STAGES: list[tuple[str, str, str]] = [
    ("discover", "vibrails.commands.cli", "Discoverer.discover"),
    ("read", "vibrails.engine.run", "read_source"),
    ("tag", "vibrails.engine.run", "tag_file"),
    ("compile()", "vibrails.engine.tree", "syntax_error"),
    ("libcst parse", "libcst", "parse_module"),
    ("metadata", "libcst.metadata", "MetadataWrapper.resolve_many"),
    (WALK, "vibrails.engine.tree", "walk"),
    ("positions", "vibrails.engine.tree", "locate|compute_spans"),
    ("findings (make_finding)", "vibrails.engine.tree", "make_finding"),
    ("finding text (_slice)", "vibrails.engine.tree", "_slice"),
    ("suppress", "vibrails.engine.run", "apply_suppressions"),
    ("line hashes", "vibrails.engine.run", "line_hashes"),
]
#: Containers: their time minus the stages inside them is shown as "other".
CONTAINERS: list[tuple[str, str, str]] = [
    ("check_tree", "vibrails.engine.run", "check_tree"),
    ("check_file", "vibrails.engine.run", "check_file"),
    ("run", "vibrails.commands.cli", "run"),
]


class Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        #: How many calls of each label are running now (to tell nested calls apart).
        self.depth: dict[str, int] = defaultdict(int)

    def wrap(self, label: str | Callable[[], str], func: Callable[..., Any]) -> Callable[..., Any]:
        seconds, calls, depth, clock = self.seconds, self.calls, self.depth, time.perf_counter

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = label if isinstance(label, str) else label()
            depth[name] += 1
            started = clock()
            try:
                return func(*args, **kwargs)
            finally:
                seconds[name] += clock() - started
                calls[name] += 1
                depth[name] -= 1

        return timed


def _patch_code_for_node(timers: Timers) -> bool:
    """``Module.code_for_node``: finding text in the engine, or rules' own use in the walk."""
    try:
        import libcst
    except ImportError:
        return False
    original = getattr(libcst.Module, "code_for_node", None)
    if original is None:
        return False

    def label() -> str:
        return CODE_FOR_NODE_IN_RULES if timers.depth[WALK] else CODE_FOR_NODE

    libcst.Module.code_for_node = timers.wrap(label, original)  # type: ignore[method-assign]
    return True


def _patch(timers: Timers, label: str, module_name: str, attr_path: str) -> bool:
    for candidate in attr_path.split("|"):
        try:
            owner: Any = importlib.import_module(module_name)
            *parents, attr = candidate.split(".")
            for name in parents:
                owner = getattr(owner, name)
            func = getattr(owner, attr)
        except (ImportError, AttributeError):
            continue
        setattr(owner, attr, timers.wrap(label, func))
        return True
    return False


def _patch_report(timers: Timers) -> bool:
    try:
        import vibrails.commands.cli as cli
    except ImportError:
        return False
    original = getattr(cli, "renderer", None)
    if original is None:
        return False

    def renderer(name: str) -> Callable[..., Any]:
        return timers.wrap("report", original(name))

    cli.renderer = renderer
    return True


def _patch_rules(rule_timers: Timers) -> bool:
    """Time each rule's handlers by wrapping them in the engine's dispatch table."""
    try:
        import vibrails.engine.tree as engine
    except ImportError:
        return False
    base = getattr(engine, "Dispatch", None)
    if base is None:
        return False

    class TimedDispatch(base):  # type: ignore[misc, valid-type]
        def __init__(self, rules: Any) -> None:
            super().__init__(rules)
            for table in (self.visit, self.leave):
                for node_type, handlers in table.items():
                    table[node_type] = [
                        rule_timers.wrap(_rule_label(h), h) for h in handlers
                    ]

    engine.Dispatch = TimedDispatch
    return True


def _rule_label(handler: Any) -> str:
    owner = getattr(handler, "__self__", None)
    code = getattr(owner, "code", None)
    return str(code or type(owner).__name__)


def _serial_run(
    items: list[Any], settings: Any, selection: Any, jobs: int, cache: Any = None,
    progress: Any = None,
) -> list[Any]:
    """What each worker does, in this process: init, then ``check_file`` per file."""
    import vibrails.engine.run as checker

    init = getattr(checker, "_init_worker", None)
    if init is not None:
        init(settings, selection, cache)
    return [checker.check_file(item, settings, selection, cache) for item in items]


def _install_serial() -> None:
    """Replace the CLI's worker pool by an in-process loop, so that every stage is seen."""
    import vibrails.commands.cli as cli

    cli.run = _serial_run


def _run_cli(tree: Path, profiler: cProfile.Profile | None = None) -> tuple[float, int]:
    """Run the CLI on a thread with a large stack (as vibrails's workers do)."""
    import vibrails.commands.cli as cli

    os.chdir(tree)
    outcome: dict[str, Any] = {}

    def target() -> None:
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        try:
            cli.main(ARGS, standalone_mode=False)
            outcome["code"] = 0
        except SystemExit as exc:
            outcome["code"] = int(exc.code or 0)
        finally:
            outcome["seconds"] = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()

    threading.stack_size(512 * 1024 * 1024)
    thread = threading.Thread(target=target, name="vibrails-profile")
    thread.start()
    thread.join()
    return outcome["seconds"], outcome.get("code", -1)


def _import_seconds() -> float:
    started = time.perf_counter()
    importlib.import_module("vibrails.commands.cli")
    importlib.import_module("vibrails.engine.tree")
    from vibrails.checks import all_rules


    all_rules()
    return time.perf_counter() - started


def stages(tree: Path) -> dict[str, Any]:
    imported = _import_seconds()
    _install_serial()
    timers, rule_timers = Timers(), Timers()
    missing = []
    for label, module, attr in [*STAGES, *CONTAINERS]:
        if not _patch(timers, label, module, attr):
            missing.append(f"{label} ({module}.{attr})")
    if not _patch_code_for_node(timers):
        missing.append("finding text (libcst.Module.code_for_node)")
    if not _patch_report(timers):
        missing.append("report (vibrails.commands.cli.renderer)")
    if not _patch_rules(rule_timers):
        missing.append("per-rule handlers (vibrails.engine.tree.Dispatch)")
    total, code = _run_cli(tree)
    from vibrails.checks import all_rules

    return {
        "mode": "stages",
        "total": total,
        "import": imported,
        "exit_code": code,
        "stages": dict(timers.seconds),
        "calls": dict(timers.calls),
        "rules": dict(rule_timers.seconds),
        "rule_calls": dict(rule_timers.calls),
        "rules_enabled": sorted(all_rules()),
        "missing": missing,
        "stage_order": _order(),
    }


def _order() -> list[str]:
    names = [s[0] for s in STAGES]
    names.insert(names.index("finding text (_slice)") + 1, CODE_FOR_NODE)
    return [*names, "report"]


def _label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    marker = f"{os.sep}site-packages{os.sep}"
    if marker in filename:
        filename = filename.split(marker, 1)[1]
    elif f"{os.sep}src{os.sep}vibrails{os.sep}" in filename:
        filename = "vibrails" + filename.split(f"{os.sep}src{os.sep}vibrails", 1)[1]
    return f"{filename}:{line}({name})"


def cprofile(tree: Path, prof_path: Path) -> dict[str, Any]:
    _import_seconds()
    _install_serial()
    profiler = cProfile.Profile()
    total, code = _run_cli(tree, profiler)
    profiler.dump_stats(str(prof_path))
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = [
        {"function": _label(key), "calls": nc, "tottime": tt, "cumtime": ct}
        for key, (_cc, nc, tt, ct, _callers) in raw.items()
    ]
    by_self = sorted(rows, key=lambda r: -r["tottime"])[:25]
    by_module: dict[str, float] = defaultdict(float)
    for key, (_cc, _nc, tt, _ct, _callers) in raw.items():
        filename = key[0]
        if "site-packages" in filename or "/src/vibrails/" in filename:
            module = _label((filename, 0, "")).split(":", 1)[0]
            by_module[module] += tt
        elif filename == "~":
            by_module["(built-ins and C functions)"] += tt
        else:
            by_module["(standard library)"] += tt
    modules = sorted(by_module.items(), key=lambda kv: -kv[1])[:20]
    return {
        "mode": "cprofile",
        "total": total,
        "exit_code": code,
        "top_self": by_self,
        "modules": modules,
        "profile_file": str(prof_path),
    }


def main() -> None:
    mode, tree = sys.argv[1], Path(sys.argv[2]).resolve()
    out = Path(sys.argv[3]).resolve()
    from vibrails.engine.tree import raise_recursion_limit

    raise_recursion_limit()
    if mode == "stages":
        result = stages(tree)
    elif mode == "cprofile":
        result = cprofile(tree, Path(sys.argv[4]).resolve())
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
