"""``vibrails verify``: search the contracts of the AI-written code for counterexamples.

The one command that **imports and runs the code it looks at**
(``vibrails check``, the hook, the flake8 plugin and the Action's check
never do). Its steps: the configuration found from the paths → the tagged
files (discovery and tagging as ``check`` does them) → their targets, read
with :mod:`ast` (:mod:`vibrails.verify.targets`), only the functions a
change touched with ``--diff-base`` → the verification in contained worker
processes, cached by the functions' source (:mod:`vibrails.verify.run`) →
``# noqa`` suppressions → the report in any format → the exit status
(``fail-on``, as ``check``).
"""

from __future__ import annotations

import importlib.util
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vibrails.commands.common import UsageError, parse_codes, write_output
from vibrails.config import ConfigError, check_codes, load_config, search_start
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding, level_rank
from vibrails.report import ReportContext, renderer

if TYPE_CHECKING:
    from vibrails.config import Config
    from vibrails.core.selection import Selection
    from vibrails.discover import Discovered
    from vibrails.verify.run import Module, Summary

#: The codes ``vibrails verify`` reports (catalogue scope ``verify``).
VERIFY_CODES = ("VBR106", "VBR107")


@dataclass(frozen=True)
class VerifyOptions:
    paths: tuple[Path, ...]
    fmt: str
    output: Path | None
    select: str | None
    ignore: str | None
    assume_ai: bool | None
    config_path: Path | None
    jobs: int | None
    no_cache: bool
    timeout: float
    budget: float | None
    examples: int
    memory: int
    diff_base: str | None
    fail_on: str | None
    exit_zero: bool
    quiet: bool
    debug: bool


def run_verify(options: VerifyOptions) -> None:
    """``vibrails verify``: never returns (exits with the run's status)."""
    if not hasattr(signal, "setitimer"):
        raise UsageError("vibrails verify needs a POSIX system (Linux, macOS): its workers "
                         "rely on alarms and resource limits that this platform lacks")
    missing = [name for name, module in (("crosshair-tool", "crosshair"),
                                         ("hypothesis", "hypothesis"))
               if importlib.util.find_spec(module) is None]
    if missing:
        raise UsageError(f"vibrails verify needs {' and '.join(missing)}: install them with "
                         "pip install 'vibrails[verify]' (in the environment that can import "
                         "your code)")
    from vibrails.core.selection import Layer, Selection
    from vibrails.discover import Discoverer
    from vibrails.engine.run import default_jobs
    from vibrails.verify.limits import Limits
    from vibrails.verify.run import Summary, verify_files

    try:
        config = load_config(options.config_path, start=search_start(list(options.paths)))
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    values = config.values
    if options.assume_ai:
        values["assume-ai"] = True
    if options.fail_on:
        values["fail-on"] = options.fail_on
    for option, given in (("--select", options.select), ("--ignore", options.ignore)):
        codes = parse_codes(given)
        if codes is not None:
            try:
                check_codes(codes, "command line", option)
            except ConfigError as exc:
                raise UsageError(f"{option}: unknown rule code in {given!r}") from exc
    selection = Selection.from_config(values, Layer(parse_codes(options.select), [],
                                                    parse_codes(options.ignore) or []))
    discoverer = Discoverer(config.root, config.exclude_globs)
    try:
        items = discoverer.discover(list(options.paths) or [Path(".")])
    except FileNotFoundError as exc:
        raise UsageError(f"path not found: {exc}") from exc
    notes = list(config.warnings) + discoverer.messages
    settings = _settings(config)
    summary = Summary()
    modules, tagged, enabled = _modules(items, settings, selection, options, config.root,
                                        summary)
    limits = Limits(budget=options.timeout, total=options.budget,
                    memory=options.memory << 20, examples=options.examples)
    cache = None if options.no_cache else config.root / values["cache-dir"] / "verify"
    findings = verify_files(modules, limits, options.jobs or default_jobs(), cache, summary)
    findings = _suppress(findings, modules, enabled)
    catalogue = load_catalogue()
    context = ReportContext(
        rules={code: catalogue[code] for code in VERIFY_CODES if code in selection.enabled},
        root=Path.cwd(), files_checked=len(items), files_tagged=tagged, notes=notes,
        command_line=" ".join(["vibrails", *sys.argv[1:]]) if sys.argv else "vibrails verify",
    )  # (no diff_base: with --diff-base, untouched functions are not run, not hidden)
    fmt = "flake8" if options.quiet and options.fmt == "text" else options.fmt
    write_output(renderer(fmt)(findings, context), options.output)
    if not options.quiet:
        for note in notes:
            click.echo(f"vibrails: warning: {note}", err=True)
        click.echo(
            f"vibrails verify: {summary.functions} contracted function(s) in "
            f"{len(modules)} file(s): {summary.violated} violated, {summary.unverified} not "
            f"verified, {summary.verified} verified ({summary.cached} from the cache) in "
            f"{summary.seconds:.1f}s{_skipped(summary.untyped)}; the code was imported and run "
            "in contained workers", err=True)
    sys.exit(_status(values["fail-on"], findings, options.exit_zero))


def _skipped(untyped: int) -> str:
    if not untyped:
        return ""
    return (f"; {untyped} skipped: nothing to draw a parameter's values from (no type hint, "
            "Any, or a type without a strategy)")


def _settings(config: Config) -> dict[str, Any]:
    from vibrails.provenance.context import ProvenanceError
    from vibrails.provenance.context import prepare as prepare_provenance

    try:
        return prepare_provenance(config.settings(), config.root)
    except ProvenanceError as exc:
        raise UsageError(str(exc)) from exc


def _modules(items: list[Discovered], settings: dict[str, Any], selection: Selection,
             options: VerifyOptions, root: Path, summary: Summary,
             ) -> tuple[list[Module], int, dict[str, frozenset[str]]]:
    """The tagged files' modules and their wanted targets; how many files were
    tagged; the codes enabled for each (per-file-ignores apply)."""
    from vibrails.core.source import read_source
    from vibrails.engine.run import tag_text
    from vibrails.verify.run import collect
    from vibrails.verify.targets import Target, test_path

    changed = None
    if options.diff_base is not None:
        from vibrails.suppress.changed import DiffError, changed_lines

        try:
            changed = changed_lines(root, options.diff_base)
        except DiffError as exc:
            raise UsageError(str(exc)) from exc
    found: list[tuple[str, Path, str, str]] = []
    tags = {}
    paths: dict[str, Path] = {}
    enabled: dict[str, frozenset[str]] = {}
    for item in items:
        path = item.path
        codes = selection.for_file(item.project_path) & set(VERIFY_CODES)
        if not codes or (changed is not None and not changed.touches(path)):
            continue
        if test_path(item.project_path):
            continue  # test code: its asserts test other code
        source = read_source(path, int(settings["max-file-bytes"]))
        if source.text is None:
            continue
        tag = tag_text(item.project_path, source.text, settings)
        if tag is None:
            continue
        tags[item.display] = tag
        paths[item.display] = path
        enabled[item.display] = frozenset(codes)
        found.append((item.display, path, source.text, tag.first_reason))

    def wanted(display: str, target: Target) -> bool:
        tag = tags[display]
        markers = set(tag.def_markers)
        if not (tag.reason_at(target.span[0]) is not None or target.first_line - 1 in markers
                or target.span[0] - 1 in markers):
            return False
        if changed is None:
            return True
        repo_path = changed.repo_path(paths[display])
        return repo_path is not None and changed.changed(repo_path, target.first_line,
                                                         target.last_line, above=True)

    return collect(found, settings, wanted, summary), len(found), enabled


def _suppress(findings: list[Finding], modules: list[Module],
              enabled: dict[str, frozenset[str]]) -> list[Finding]:
    """The findings of the codes enabled for their file; ``# noqa: VBR106 --
    reason`` on the reported line suppresses one."""
    from vibrails.checks.shared.noqa import parse_suppressions
    from vibrails.suppress.noqa import mark_suppressed

    out: list[Finding] = []
    for module in modules:
        display, source = module.display, module.source
        own = [f for f in findings if f.path == display and f.code in enabled[display]]
        if not own:
            continue
        marked, _used = mark_suppressed(own, parse_suppressions(source))
        out += marked
    return sorted(out, key=lambda f: f.sort_key)


def _status(fail_on: str, findings: list[Finding], exit_zero: bool) -> int:
    failing = fail_on != "none" and any(
        f.suppressed is None and level_rank(f.level) >= level_rank(fail_on) for f in findings)
    return 1 if failing and not exit_zero else 0
