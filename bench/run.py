"""The vibrails benchmark: ``python bench/run.py`` (``--help`` for the options).

Fetches the pinned corpora (Django 5.1.4 and attrs 24.2.0 wheels, never
executed), builds the peers' venvs, then times, interleaved round-robin over
N repetitions: vibrails cold (``--jobs 1`` and ``2``), warm (cache filled by
an untimed run), without ``--assume-ai`` (nothing tagged), the libcst
parse-only baseline on 1 and 2 processes, flake8 ``-j 2`` and Fixit; plus the
scaling trees (one 50,000-line file, 2,000 small files). Fixit runs in the
round robin on the small corpus and once on Django (``--no-fixit-django``
skips that ~2-minute run). ``--profile`` adds the in-process profile of
vibrails over Django. Prints the tables and writes them to
``docs/performance.md`` and ``bench/results/``. See that doc for the method.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, RESULTS_DIR, ROOT, SetupError, log
from corpus import ATTRS, DJANGO, Tree, fetch, warm_page_cache
from envs import Env, peer_env, vibrails_env
from generate import scaling_trees
from measure import Sample, measure, settle
from tables import render_doc_results, render_profile, update_doc

#: The environment of every measured command: as the harness's, but byte code is
#: cached (a user's tools have their ``.pyc`` files; without them every run
#: would recompile vibrails and the peers).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Case:
    """One command on one tree, timed once per repetition."""

    key: str
    tool: str
    tree: Tree
    argv: list[str]
    #: Exit codes that mean "ran fine" (linters exit 1 on findings).
    ok: tuple[int, ...] = (0, 1)
    #: File holding the command's report (a vibrails JSON report or stdout).
    output: Path | None = None
    #: Whether the report goes to ``output`` through ``-o`` (else stdout is it).
    writes_report: bool = False
    #: Runs once, untimed, before the first repetition (fills a cache).
    prepare: list[str] | None = None
    #: Whether lines/s means anything for this case.
    per_line: bool = True
    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None


def _vibrails(env: Env) -> list[str]:
    script = env.script("vibrails")
    return [str(script)] if script.exists() else [str(env.python), "-m", "vibrails"]


class Plan:
    def __init__(self, work: Path, vib: Env, peers: dict[str, Env]) -> None:
        self.work = work
        self.vib = vib
        self.peers = peers
        self.cases: list[Case] = []

    def _out(self, key: str) -> Path:
        return self.work / f"{key.replace('/', '_').replace(' ', '_')}.out"

    def vibrails(self, tree: Tree, tool: str, *options: str, prepare: bool = False) -> Case:
        key = f"{tree.key}/{tool}"
        output = self._out(key)
        argv = [*_vibrails(self.vib), "check", *options, "--format", "json", "-o", str(output),
                "."]
        case = Case(key, tool, tree, argv, output=output, writes_report=True,
                    prepare=argv if prepare else None)
        self.cases.append(case)
        return case

    def startup(self, tree: Tree) -> None:
        key = f"{tree.key}/vibrails --version (startup)"
        argv = [*_vibrails(self.vib), "--version"]
        self.cases.append(Case(key, "vibrails --version (startup)", tree, argv, ok=(0,),
                               output=self._out(key), per_line=False))

    def vibrails_set(self, tree: Tree) -> None:
        self.vibrails(tree, "vibrails cold -j1", "--assume-ai", "--no-cache", "--jobs", "1")
        self.vibrails(tree, "vibrails cold -j2", "--assume-ai", "--no-cache", "--jobs", "2")
        cache = self.work / f"cache-{tree.key}"
        self.vibrails(tree, "vibrails warm -j2", "--assume-ai", "--cache-dir", str(cache),
                      "--jobs", "2", prepare=True)
        self.vibrails(tree, "vibrails untagged -j2", "--no-cache", "--jobs", "2")

    def parse_only(self, tree: Tree, procs: int) -> None:
        tool = f"libcst parse {procs} proc{'s' if procs > 1 else ''}"
        key = f"{tree.key}/{tool}"
        argv = [str(self.vib.python), str(BENCH / "parse_only.py"), "--procs", str(procs), "."]
        self.cases.append(Case(key, tool, tree, argv, ok=(0,), output=self._out(key)))

    def flake8(self, tree: Tree) -> None:
        if "flake8" not in self.peers:
            return
        key = f"{tree.key}/flake8 -j2"
        argv = [str(self.peers["flake8"].script("flake8")), "-j", "2", "."]
        self.cases.append(Case(key, "flake8 -j2", tree, argv, output=self._out(key)))

    def fixit(self, tree: Tree) -> Case | None:
        if "fixit" not in self.peers:
            return None
        key = f"{tree.key}/fixit lint"
        argv = [str(self.peers["fixit"].script("fixit")), "lint", "."]
        case = Case(key, "fixit lint", tree, argv, output=self._out(key))
        self.cases.append(case)
        return case


class Settler:
    """``--settle``: wait for a quiet machine, until it proves persistently busy."""

    GIVE_UP_AFTER = 3

    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self.failures = 0
        self.note: str | None = None

    def __call__(self) -> None:
        if self.max_wait <= 0 or self.failures >= self.GIVE_UP_AFTER:
            return
        if settle(self.max_wait) < 0.3:
            self.failures = 0
            return
        self.failures += 1
        if self.failures >= self.GIVE_UP_AFTER:
            self.note = (f"--settle: the machine stayed busy {self.GIVE_UP_AFTER} times in a row "
                         f"({self.max_wait:g} s each); stopped waiting for the rest of the run")
            log(self.note)


SETTLE = Settler(0.0)


def run_case(case: Case, label: str, wait: bool = False) -> Sample | None:
    assert case.output is not None
    if wait:
        SETTLE()
    stdout = case.output.with_suffix(".stdout") if case.writes_report else case.output
    stderr = case.output.with_suffix(".stderr")
    sample = measure(case.argv, case.tree.path, stdout, stderr, ENV)
    if sample.returncode not in case.ok:
        tail = stderr.read_text(errors="replace").strip().splitlines()[-5:]
        case.failure = f"exit status {sample.returncode}: " + " | ".join(tail)
        log(f"{label} {case.key}: FAILED ({case.failure})")
        return None
    log(f"{label} {case.key}: {sample.wall:.2f} s, "
        f"max RSS {sample.maxrss_kb / 1024:.0f} MB, other load {sample.other_load:.1f} cores")
    return sample


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(case: Case, work: Path) -> dict[str, Any]:
    walls = [s.wall for s in case.samples]
    row: dict[str, Any] = {
        "key": case.key,
        "tool": case.tool,
        "tree": case.tree.key,
        "command": " ".join(_short(a, work) for a in case.argv),
        "runs": len(walls),
        "failure": case.failure,
    }
    if walls:
        median = _median(walls)
        row.update(
            median=median,
            min=min(walls),
            max=max(walls),
            cpu=_median([s.cpu for s in case.samples]),
            lines_per_s=case.tree.lines / median if median and case.per_line else None,
            maxrss_mb=max(s.maxrss_kb for s in case.samples) / 1024,
            worker_mb=max(s.worker_kb for s in case.samples) / 1024,
            tree_mb=max(s.tree_kb for s in case.samples) / 1024,
            processes=max(s.processes for s in case.samples),
            other_load=_median([s.other_load for s in case.samples]),
            other_loads=[s.other_load for s in case.samples],
            walls=walls,
        )
    return row


def _short(arg: str, work: Path) -> str:
    """Shorten paths in a command line for the doc."""
    if arg.endswith((f"{os.sep}vibrails", f"{os.sep}flake8", f"{os.sep}fixit")):
        return Path(arg).name
    if arg == sys.executable or Path(arg).name.startswith("python"):
        return "python"
    if arg.startswith(f"{work}{os.sep}"):
        return "$TMP/" + arg[len(str(work)) + 1 :]
    if arg.startswith(f"{BENCH}{os.sep}"):
        return "bench/" + arg[len(str(BENCH)) + 1 :]
    return arg


def _findings(case: Case) -> str:
    """What the tool reported, for the table's last column."""
    if case.output is None or not case.output.exists() or case.failure or not case.per_line:
        return ""
    if case.tool.startswith("vibrails"):
        try:
            return f"{len(json.loads(case.output.read_text()))} findings"
        except (ValueError, OSError):
            return "unreadable report"
    text = case.output.read_text(errors="replace")
    if case.tool.startswith("libcst"):
        parts = text.split()
        return f"{parts[2]} parse errors" if len(parts) == 3 else text.strip()
    return f"{sum(1 for line in text.splitlines() if line.strip())} output lines"


def checks(plan: Plan) -> list[str]:
    """Cross-checks of the vibrails outputs (determinism, cache, untagged)."""
    out = []
    by_key = {c.key: c for c in plan.cases}
    trees = sorted({c.tree.key for c in plan.cases}, key=lambda k: list(by_key).index(
        next(c.key for c in plan.cases if c.tree.key == k)))
    for tree in trees:
        def text(tool: str, tree: str = tree) -> str | None:
            case = by_key.get(f"{tree}/{tool}")
            if case is None or case.output is None or not case.output.exists() or case.failure:
                return None
            return case.output.read_text()
        cold1, cold2 = text("vibrails cold -j1"), text("vibrails cold -j2")
        warm, untagged = text("vibrails warm -j2"), text("vibrails untagged -j2")
        if cold1 is not None and cold2 is not None:
            out.append(f"{tree}: output of --jobs 1 and --jobs 2 "
                       f"{'identical' if cold1 == cold2 else 'DIFFERS'}")
        if cold2 is not None and warm is not None:
            out.append(f"{tree}: warm (cached) output "
                       f"{'identical to cold' if warm == cold2 else 'DIFFERS from cold'}")
        if untagged is not None:
            found = len(json.loads(untagged))
            out.append(f"{tree}: without --assume-ai: {found} findings"
                       + ("" if found == 0 else " (some files are tagged!)"))
    return out


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 1
    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def source_stamp() -> str:
    """A fingerprint of vibrails's source and catalogue (paths, sizes, mtimes)."""
    entries = []
    for folder in (ROOT / "src", ROOT / "rules"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                entries.append(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}")
    return str(hash("\n".join(entries)))


def checkout() -> str:
    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "src", "rules")
    return f"{commit}{' + uncommitted changes in src/ or rules/' if dirty else ''}" or "unknown"


def run_profile(vib: Env, tree: Tree, stamp: str) -> dict[str, Any] | None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"key": tree.key, "tree": tree.label, "files": tree.files,
                              "lines": tree.lines}
    for mode in ("stages", "cprofile"):
        out = RESULTS_DIR / f"profile-{stamp}-{tree.key}-{mode}.json"
        argv = [str(vib.python), str(BENCH / "hotpaths.py"), mode, str(tree.path), str(out)]
        if mode == "cprofile":
            argv.append(str(RESULTS_DIR / f"profile-{stamp}-{tree.key}.prof"))
        log(f"profile ({mode}) over {tree.label}, in process, --jobs 1 --assume-ai")
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, env=ENV)
        if proc.returncode != 0:
            log(f"profile ({mode}) failed:\n{proc.stderr[-2000:]}")
            return None
        result[mode] = json.loads(out.read_text())
    return result


def profiles(vib: Env, trees: dict[str, Tree], wanted: list[str], stamp: str) -> list[Any]:
    out = []
    for key in wanted:
        if key not in trees:
            log(f"profile: no tree {key!r} in this run, skipped")
            continue
        found = run_profile(vib, trees[key], stamp)
        if found is not None:
            out.append(found)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Benchmark vibrails against libcst, flake8 and Fixit (docs/performance.md).",
    )
    parser.add_argument("-n", "--repetitions", type=int, default=3,
                        help="timed runs of every case, interleaved round-robin (default 3)")
    parser.add_argument("--no-fixit-django", action="store_true",
                        help="skip the single Fixit run on Django (~2 minutes)")
    parser.add_argument("--no-fixit", action="store_true", help="leave Fixit out entirely")
    parser.add_argument("--no-flake8", action="store_true", help="leave flake8 out")
    parser.add_argument("--no-scaling", action="store_true",
                        help="skip the generated scaling trees")
    parser.add_argument("--settle", type=float, default=0.0, metavar="SECONDS",
                        help="before each timed command, wait up to SECONDS for other "
                             "processes to use under 0.3 cores (default 0: do not wait)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile vibrails in process over Django (stages, rules, "
                             "cProfile top functions)")
    parser.add_argument("--profile-tree", action="append", metavar="TREE",
                        choices=["django", "attrs", "big-file", "small-files"],
                        help="tree to profile (repeatable; default: django)")
    parser.add_argument("--profile-only", action="store_true",
                        help="only the profile, no timing")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: attrs only, 1 repetition, no scaling, no Fixit on "
                             "Django, no doc update")
    parser.add_argument("--no-doc", action="store_true",
                        help="do not rewrite docs/performance.md (results still go to "
                             "bench/results/)")
    parser.add_argument("--vibrails-python", default="auto", metavar="PYTHON|auto|venv",
                        help="interpreter that runs vibrails: 'auto' (default: this "
                             "interpreter if it imports vibrails from the checkout, else "
                             "bench/.venvs/vibrails), 'venv', or a path")
    args = parser.parse_args(argv)
    args.profile_tree = args.profile_tree or ["attrs" if args.quick else "django"]
    if args.quick:
        args.repetitions, args.no_scaling, args.no_fixit_django, args.no_doc = 1, True, True, True
    if args.repetitions < 1:
        parser.error("--repetitions must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    SETTLE.max_wait = args.settle
    source_at_start = source_stamp()
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    notes: list[str] = []
    try:
        vib = vibrails_env(args.vibrails_python)
        log(f"vibrails: {vib.origin}")
        django = None if args.quick else fetch(DJANGO)
        attrs = fetch(ATTRS)
    except SetupError as exc:
        log(f"setup failed: {exc}")
        return 2

    scaling: tuple[Tree, Tree] | None = None
    if not args.no_scaling or {"big-file", "small-files"} & set(args.profile_tree):
        scaling = scaling_trees()
    all_trees = {t.key: t for t in (django, attrs, *(scaling or ())) if t is not None}

    if args.profile_only:
        found = profiles(vib, all_trees, args.profile_tree, stamp)
        if not found:
            return 1
        text = render_profile(found, now, {})
        print(text)
        if not args.no_doc:
            update_doc(None, text)
        return 0

    peers: dict[str, Env] = {}
    for name, skipped in (("flake8", args.no_flake8), ("fixit", args.no_fixit)):
        if skipped:
            continue
        try:
            peers[name] = peer_env(name)
        except SetupError as exc:
            notes.append(f"{name} left out: it did not install ({exc.args[0].splitlines()[0]})")
            log(notes[-1])

    trees = [t for t in (django, attrs) if t is not None]
    if args.no_scaling:
        scaling = None

    with tempfile.TemporaryDirectory(prefix="vibrails-bench-") as tmp:
        plan = Plan(Path(tmp), vib, peers)
        plan.startup(trees[0])
        for tree in trees:
            plan.vibrails_set(tree)
            plan.parse_only(tree, 1)
            plan.parse_only(tree, 2)
            plan.flake8(tree)
        plan.fixit(attrs)
        if scaling is not None:
            big, small = scaling
            plan.vibrails(big, "vibrails -j1", "--no-cache", "--jobs", "1")
            plan.parse_only(big, 1)
            plan.vibrails(small, "vibrails -j1", "--no-cache", "--jobs", "1")
            plan.vibrails(small, "vibrails -j2", "--no-cache", "--jobs", "2")
        once: list[Case] = []
        if django is not None and "fixit" in peers and not args.no_fixit_django:
            plan_once = Plan(Path(tmp), vib, peers)
            case = plan_once.fixit(django)
            if case is not None:
                once.append(case)

        for tree in [*trees, *(scaling or ())]:
            warm_page_cache(tree)
        # Warm-up: byte-compile every tool and load it from disk once, on the small corpus.
        log("warm-up (untimed): each command once on attrs")
        for case in plan.cases:
            if case.tree is attrs:
                run_case(case, "warm-up")
                case.failure = None
        for case in plan.cases:
            if case.prepare is not None:
                log(f"filling the cache for {case.key} (untimed)")
                subprocess.run(case.prepare, cwd=case.tree.path, capture_output=True,
                               check=False, env=ENV)

        count = len(plan.cases)
        for rep in range(args.repetitions):
            # Round robin, starting one case later each time: no case always runs first.
            order = plan.cases[rep % count:] + plan.cases[: rep % count]
            for case in order:
                if case.failure:
                    continue
                sample = run_case(case, f"run {rep + 1}/{args.repetitions}", wait=True)
                if sample is not None:
                    case.samples.append(sample)
        for case in once:
            sample = run_case(case, "once", wait=True)
            if sample is not None:
                case.samples.append(sample)

        cases = [*plan.cases, *once]
        rows = [dict(summarise(c, Path(tmp)), findings=_findings(c)) for c in cases]
        notes += checks(plan)
        if source_stamp() != source_at_start:
            notes.append("vibrails's source (src/ or rules/) changed while the benchmark ran: "
                         "runs before and after the change measured different code, and the "
                         "cache filled at the start may be stale for the warm runs")
        if SETTLE.note:
            notes.append(SETTLE.note)
        notes += [f"{c.key} failed: {c.failure}" for c in cases if c.failure]

    profile = profiles(vib, all_trees, args.profile_tree, stamp) if args.profile else []

    envs = {"vibrails": vib, **peers}
    result = {
        "date": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "checkout": checkout(),
        "repetitions": args.repetitions,
        "settle": args.settle,
        "envs": {name: {"origin": e.origin, "versions": e.versions} for name, e in envs.items()},
        "trees": {t.key: asdict(t) | {"path": str(t.path)}
                  for t in [*trees, *(scaling or ())]},
        "rows": rows,
        "notes": notes,
        "profile": profile,
        "harness_seconds": time.monotonic() - started,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"bench-{stamp}.json").write_text(json.dumps(result, indent=1, default=str))
    text = render_doc_results(result)
    cold = {r["tree"]: r.get("median") for r in rows if r["tool"] == "vibrails cold -j1"}
    profile_text = render_profile(profile, now, cold) if profile else None
    (RESULTS_DIR / f"bench-{stamp}.md").write_text(text + "\n" + (profile_text or ""))
    print(text)
    if profile_text:
        print(profile_text)
    if not args.no_doc:
        update_doc(text, profile_text)
        log("wrote docs/performance.md")
    log(f"done in {time.monotonic() - started:.0f} s; raw results in "
        f"{(RESULTS_DIR / f'bench-{stamp}.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

