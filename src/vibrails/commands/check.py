"""``vibrails check``: the pipeline, one step a function.

:func:`run_check` reads the options (:class:`CheckOptions`, as click parsed
them), then: the configuration from the checked paths and the command
line's overrides (:func:`configure`) → the files (:func:`discover`) → the
check itself, cached and spread over workers (:func:`check_files`) → fixes
and the baseline → the report (:func:`report`) → the exit status
(:func:`exit_status`): 0 nothing at or above ``fail-on``, 1 findings, 2 an
internal error (VBR000: the results are incomplete).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from vibrails.commands.common import UsageError, parse_codes, write_output
from vibrails.config import Config, ConfigError, check_codes, load_config, search_start
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import Finding, level_rank
from vibrails.report import ReportContext, renderer

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory

    from vibrails.core.selection import Selection
    from vibrails.discover import Discovered
    from vibrails.engine.run import FileResult
    from vibrails.suppress.changed import ChangedLines


@dataclass(frozen=True)
class CheckOptions:
    """The options of ``vibrails check``, as click parsed them (see ``--help``)."""

    paths: tuple[Path, ...]
    fmt: str
    output: Path | None
    select: str | None
    extend_select: str | None
    ignore: str | None
    assume_ai: bool | None
    git_trailers: bool | None
    config_path: Path | None
    jobs: int | None
    no_cache: bool
    cache_dir: Path | None
    timeout_per_file: float | None
    exit_zero: bool
    fail_on: str | None
    show_statistics: bool
    force_exclude: bool
    fix: bool
    diff: bool
    baseline: Path | None
    quiet: bool
    colour: str
    stdin_filename: Path | None
    show_files: bool
    debug: bool
    diff_base: str | None = None
    no_progress: bool = False

    @property
    def from_stdin(self) -> bool:
        return Path("-") in self.paths


@dataclass
class Run:
    """What the steps of one check hand each other."""

    options: CheckOptions
    config: Config
    selection: Selection
    notes: list[str]
    items: list[Discovered] = field(default_factory=list)
    #: The temporary folder holding standard input, kept until the run ends.
    stdin_folder: TemporaryDirectory[str] | None = None
    #: What the workers get (:func:`settings_of`), once the check starts.
    settings: dict[str, Any] = field(default_factory=dict)
    #: ``--diff-base``: the lines the change touched, and how many findings
    #: were on other lines (counted, not listed).
    changed: ChangedLines | None = None
    unchanged: int = 0
    #: Files the change did not touch: not checked.
    unchecked: int = 0

    @property
    def values(self) -> dict[str, Any]:
        return self.config.values


def run_check(options: CheckOptions) -> None:
    """``vibrails check``: never returns (exits with the run's status)."""
    started = time.perf_counter()
    known = _load_baseline(options.baseline) if options.baseline is not None else None
    run = configure(options)
    discover(run)
    if options.show_files:
        _show_files(run)
    if options.diff_base is not None:
        run.changed = _changes(run, options.diff_base)
        touched = [item for item in run.items if run.changed.touches(item.path)]
        run.unchecked = len(run.items) - len(touched)
        run.items = touched
    results = check_files(run)
    findings = sorted((f for r in results for f in r.findings), key=lambda f: f.sort_key)
    run.notes += [m for r in results for m in r.messages]
    if run.changed is not None:
        from vibrails.suppress.changed import keep_changed

        findings, run.unchanged = keep_changed(findings, run.changed)
        findings = _weakening(run, findings)
    if options.fix or options.diff:
        findings = _apply_fixes(run, findings)
    if known is not None:
        from vibrails.suppress.baseline import apply_baseline

        findings = apply_baseline(findings, known)
    report(run, findings, results)
    if options.debug and not options.quiet:
        click.echo(f"vibrails: {len(run.items)} files in {time.perf_counter() - started:.2f}s",
                   err=True)
    sys.exit(exit_status(run, findings))


def configure(options: CheckOptions) -> Run:
    """The configuration found from the checked paths (as ruff finds it, not
    from the current folder), the command line's overrides, the selection."""
    from vibrails.core.selection import Layer, Selection

    if options.from_stdin and len(options.paths) > 1:
        raise UsageError("'-' reads one file from standard input: give no other path")
    if options.from_stdin and (options.fix or options.diff):
        raise UsageError("--fix and --diff rewrite files: they do not apply to standard input")
    if options.from_stdin and options.diff_base is not None:
        raise UsageError("--diff-base compares files with git: it does not apply to standard input")
    if options.stdin_filename is not None and not options.from_stdin:
        raise UsageError("--stdin-filename names the file read from standard input: give '-'")
    stdin_name = options.stdin_filename or Path("stdin.py")
    start = search_start([stdin_name] if options.from_stdin else list(options.paths))
    config = load_config(options.config_path, start=start)
    values = config.values
    if options.assume_ai:
        values["assume-ai"] = True
    if options.git_trailers:
        values["git-trailers"] = True
    if options.fail_on:
        values["fail-on"] = options.fail_on
    if options.timeout_per_file:
        values["timeout-per-file"] = options.timeout_per_file
    for option, given in (("--select", options.select),
                          ("--extend-select", options.extend_select),
                          ("--ignore", options.ignore)):
        codes = parse_codes(given)
        if codes is not None:
            try:
                check_codes(codes, "command line", option)
            except ConfigError as exc:
                message = str(exc)
                hint = message[message.find(" (did you mean"):] if "(did you mean" in message else ""
                raise UsageError(f"{option}: unknown rule code in {given!r}{hint}") from exc
    layer = Layer(parse_codes(options.select), parse_codes(options.extend_select) or [],
                  parse_codes(options.ignore) or [])
    selection = Selection.from_config(values, layer)
    return Run(options, config, selection, list(config.warnings))


def discover(run: Run) -> None:
    """The files to check: the paths' files, or standard input under its
    ``--stdin-filename`` (its configuration, tags and per-file-ignores apply)."""
    from vibrails.discover import Discoverer

    options = run.options
    discoverer = Discoverer(run.config.root, run.config.exclude_globs, options.force_exclude)
    if options.from_stdin:
        import tempfile

        stdin_name = options.stdin_filename or Path("stdin.py")
        run.stdin_folder = tempfile.TemporaryDirectory(prefix="vibrails-stdin-")
        content = Path(run.stdin_folder.name) / (stdin_name.name or "stdin.py")
        content.write_bytes(sys.stdin.buffer.read())
        item = discoverer.named(stdin_name, content)
        run.items = [] if item is None else [item]
    else:
        try:
            run.items = discoverer.discover(list(options.paths) or [Path(".")])
        except FileNotFoundError as exc:
            raise UsageError(f"path not found: {exc}") from exc
    run.notes += discoverer.messages


def settings_of(run: Run) -> dict[str, Any]:
    """The settings the workers get: the configuration's, the run's switches,
    and the provenance data (ledger, trailers, attribution logs) read once."""
    options, values = run.options, run.values
    settings = run.config.settings()
    settings["_debug"] = options.debug  # VBR000: tracebacks on stderr
    # The blame cache of trailer-scope = "lines" follows the result cache.
    settings["_no_cache"] = _no_cache(run)
    settings["_cache_dir"] = str(options.cache_dir or (run.config.root / values["cache-dir"]))
    return _provenance(settings, run.config.root)


def check_files(run: Run) -> list[FileResult]:
    """Check every file: answered from the cache where it can be, else by the workers."""
    from vibrails.engine.run import default_jobs
    from vibrails.engine.run import run as run_files

    options = run.options
    cache = None
    if not _no_cache(run):
        folder = options.cache_dir or (run.config.root / run.values["cache-dir"])
        from vibrails.engine.cache import open_cache  # not imported by --no-cache runs

        cache, problem = open_cache(folder, run.config.fingerprint())
        if problem:
            run.notes.append(problem)
    progress = None
    if wants_progress(options, os.environ, _stderr_is_tty()):
        progress = Progress(len(run.items), sys.stderr)
    settings = settings_of(run)
    run.settings = settings
    results = run_files(run.items, settings, run.selection, options.jobs or default_jobs(),
                        cache, progress)
    if progress is not None:
        progress.clear()
    return results


def report(run: Run, findings: list[Finding], results: list[FileResult]) -> None:
    """Render the findings in the chosen format, write them, print the notes."""
    options = run.options
    catalogue = load_catalogue()
    context = ReportContext(
        rules={code: catalogue[code] for code in sorted(run.selection.enabled)
               if catalogue[code].scope != "verify"
               and (run.changed is not None or catalogue[code].scope != "diff")},
        root=Path.cwd(),
        color=options.fmt == "text"
        and use_colour(options.colour, os.environ, options.output is None and _is_tty()),
        files_checked=len(run.items),
        files_tagged=sum(1 for r in results if r.tagged),
        notes=run.notes,
        unchanged=run.unchanged,
        unchecked=run.unchecked,
        diff_base=options.diff_base,
        command_line=" ".join(["vibrails", *sys.argv[1:]]) if sys.argv else "vibrails check",
    )
    text = renderer(options.fmt)(findings, context)
    if options.quiet and options.fmt == "text":
        text = renderer("flake8")(findings, context)
    if options.show_statistics:
        from vibrails.report.statistics import statistics

        text += statistics(findings)
    write_output(text, options.output)
    _print_notes(run)
    if run.changed is not None and options.fmt != "text" and not options.quiet:
        click.echo(f"vibrails: {run.unchanged} finding(s) on lines unchanged since "
                   f"{options.diff_base} not listed; {run.unchecked} unchanged file(s) "
                   "not checked", err=True)


def exit_status(run: Run, findings: list[Finding]) -> int:
    """0, 1 (a finding at or above ``fail-on``, unless ``--exit-zero``) or 2
    (VBR000: the results are incomplete, whatever ``--exit-zero`` says)."""
    threshold = run.values["fail-on"]
    failing = threshold != "none" and any(
        f.suppressed is None and level_rank(f.level) >= level_rank(threshold) for f in findings
    )
    internal = sorted({f.path for f in findings if f.code == "VBR000"})
    if internal:
        click.echo(f"vibrails: error: internal error in {len(internal)} file(s), first "
                   f"{internal[0]}; see VBR000 in the report", err=True)
        return 2
    return 1 if failing and not run.options.exit_zero else 0


def _changes(run: Run, rev: str) -> ChangedLines:
    """``--diff-base``: the lines changed since the merge base with ``rev``, in
    the repository of the configuration (exit 2 when git cannot tell)."""
    from vibrails.suppress.changed import DiffError, changed_lines

    try:
        return changed_lines(run.config.root, rev)
    except DiffError as exc:
        raise UsageError(str(exc)) from exc


def _weakening(run: Run, findings: list[Finding]) -> list[Finding]:
    """``--diff-base``: add what the change weakened (VBR105, VBR204, VBR406),
    in place of the findings that say the same less precisely."""
    from vibrails.engine.diff import supersede, weakening

    assert run.changed is not None
    weakened = weakening(run.changed, run.items, run.settings, run.selection)
    kept = supersede(findings, weakened) + [finding for finding, _ in weakened]
    return sorted(kept, key=lambda f: f.sort_key)


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stderr
        return False


def _no_cache(run: Run) -> bool:
    """Standard input is never cached (it has no file to key a stale entry on)."""
    return run.options.no_cache or run.options.from_stdin


def _print_notes(run: Run) -> None:
    if not run.options.quiet:
        for note in run.notes:
            click.echo(f"vibrails: warning: {note}", err=True)


def _provenance(settings: dict[str, Any], root: Path) -> dict[str, Any]:
    from vibrails.provenance.context import ProvenanceError
    from vibrails.provenance.context import prepare as prepare_provenance

    try:
        return prepare_provenance(settings, root)
    except ProvenanceError as exc:
        raise UsageError(str(exc)) from exc


def use_colour(option: str, environ: Mapping[str, str], tty: bool) -> bool:
    """Whether to colour: ``--color always|never`` wins; then ``NO_COLOR`` (any
    non-empty value: no colour, per no-color.org); then ``FORCE_COLOR`` (any
    non-empty value but ``0``: colour, even in a pipe); else on a terminal."""
    if option != "auto":
        return option == "always"
    if environ.get("NO_COLOR"):
        return False
    force = environ.get("FORCE_COLOR")
    if force and force != "0":
        return True
    return tty


def _is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdout
        return False


def _show_files(run: Run) -> None:
    """``--show-files``: tag every file as a check would, print why; exit 0."""
    from vibrails.commands.showfiles import show_files
    from vibrails.engine.run import tag_of

    settings = _provenance(run.config.settings(), run.config.root)
    rows = []
    for item in sorted(run.items, key=lambda item: item.display):
        tag, problem = tag_of(item, settings)
        rows.append((item.display, tag, problem))
    write_output(show_files(rows), run.options.output)
    _print_notes(run)
    sys.exit(0)


def _apply_fixes(run: Run, findings: list[Finding]) -> list[Finding]:
    """``--fix``: fix, return the findings left. ``--diff``: print the diff and exit
    (1 when something would change, as ruff does)."""
    from vibrails.commands.fix import apply_fixes

    options = run.options
    outcome = apply_fixes(run.items, findings, run.settings, run.selection,
                          write=not options.diff)
    run.notes += outcome.messages
    if options.diff:
        write_output(outcome.diff, options.output)
        if not options.quiet:
            _print_notes(run)
            click.echo(f"vibrails: {outcome.fixed} fix(es) available in {outcome.files} file(s)",
                       err=True)
        sys.exit(1 if outcome.fixed and not options.exit_zero else 0)
    if not options.quiet and outcome.fixed:
        click.echo(f"vibrails: fixed {outcome.fixed} finding(s) in {outcome.files} file(s)",
                   err=True)
    return list(outcome.findings)


def _load_baseline(path: Path) -> frozenset[str]:
    from vibrails.suppress.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as exc:
        raise UsageError(str(exc)) from exc


class Progress:
    """A progress bar on standard error: files done of the total, and how many
    were tagged so far. It appears only once the run has taken a second (a
    quick run shows nothing), and is redrawn at most ten times a second."""

    AFTER = 1.0
    EVERY = 0.1

    def __init__(self, total: int, stream: TextIO,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.stream, self.clock = total, stream, clock
        self.started = clock()
        self.done = self.tagged = 0
        self.drawn_at: float | None = None

    def __call__(self, result: FileResult) -> None:
        self.done += 1
        self.tagged += result.tagged
        now = self.clock()
        if now - self.started < self.AFTER:
            return
        if (self.drawn_at is not None and now - self.drawn_at < self.EVERY
                and self.done < self.total):
            return
        self.drawn_at = now
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} files, {self.tagged} tagged")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the bar (if it was drawn) before the report is written."""
        if self.drawn_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def wants_progress(options: CheckOptions, environ: Mapping[str, str], tty: bool) -> bool:
    """A bar only for a person watching: ``text`` output, standard error a
    terminal, not ``--quiet``/``--no-progress``, not in CI (``CI`` set)."""
    return (tty and options.fmt == "text" and not options.quiet and not options.no_progress
            and not environ.get("CI"))
