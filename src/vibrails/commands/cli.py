"""The command line: ``vibrails check``, ``rules``, ``explain``.

Exit status: 0 no finding at or above ``fail-on``; 1 findings; 2 usage,
configuration or internal error — a one-line message on stderr, with a
traceback only under ``--debug``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

import click

from vibrails import __version__
from vibrails.config import FAIL_ON, ConfigError, check_codes, load_config, search_start
from vibrails.core.catalogue import load_catalogue
from vibrails.core.finding import level_rank
from vibrails.report import FORMAT_NAMES, ReportContext, renderer

if TYPE_CHECKING:
    from vibrails.core.selection import Selection
    from vibrails.engine.cache import Cache

F = TypeVar("F", bound=Callable[..., Any])


class SuggestingChoice(click.Choice):  # type: ignore[type-arg]
    """A ``click.Choice`` that says "did you mean ...?" for a near miss."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            import difflib

            close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
            if not close:
                raise
            raise click.BadParameter(
                f"{exc.message} Did you mean {close[0]!r}?", ctx=ctx, param=param
            ) from None


class UsageError(Exception):
    """A problem with what the user asked for (exit 2)."""


def _fail(message: str) -> NoReturn:
    click.echo(f"vibrails: error: {message}", err=True)
    sys.exit(2)


def _guarded(func: F) -> F:
    """Turn every error into one line on stderr and exit 2 (traceback with --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            return func(*args, **kwargs)
        except (ConfigError, UsageError) as exc:
            if debug:
                raise
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("vibrails: interrupted", err=True)
            sys.exit(130)
        except (SystemExit, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:
            if debug:
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")

    return wrapper  # type: ignore[return-value]


def _codes(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [c.strip().upper() for c in value.split(",") if c.strip()]


class _LazyGroup(click.Group):
    """A group whose heavier subcommands (``init``, ``ledger``) are imported
    only when they run or are listed, not on every ``vibrails check``."""

    LAZY: ClassVar[dict[str, tuple[str, str]]] = {
        "init": ("vibrails.commands.init", "init"),
        "ledger": ("vibrails.commands.ledger", "ledger"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            import importlib

            module, attribute = self.LAZY[name]
            command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="vibrails", message="%(prog)s %(version)s")
def main() -> None:
    """vibrails: a linter for AI-generated Python code."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=SuggestingChoice(FORMAT_NAMES), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to FILE instead of standard output.")
@click.option("--select", help="Comma list of codes or prefixes to enable (replaces the config).")
@click.option("--extend-select", help="Comma list of codes or prefixes to enable as well.")
@click.option("--ignore", help="Comma list of codes or prefixes to disable.")
@click.option("--assume-ai", is_flag=True, default=None, help="Treat every file as AI-generated.")
@click.option("--git-trailers", is_flag=True, default=None,
              help="Tag files changed by commits with AI trailers.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Configuration file (default: nearest vibrails.toml or pyproject.toml).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: CPUs).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Cache folder.")
@click.option("--timeout-per-file", type=click.FloatRange(min=0, min_open=True),
              help="Seconds a file may take before it is reported and skipped.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fail-on", type=SuggestingChoice(FAIL_ON), help="Lowest level that fails the run.")
@click.option("--statistics", "show_statistics", is_flag=True,
              help="Print the number of findings per rule.")
@click.option("--force-exclude", is_flag=True,
              help="Apply exclusions even to paths named on the command line.")
@click.option("--fix", is_flag=True, help="Apply safe fixes, then report what is left.")
@click.option("--diff", is_flag=True, help="Print the safe fixes as a unified diff; write nothing.")
@click.option("--baseline", type=click.Path(path_type=Path),
              help="Report only findings absent from this earlier JSON/SARIF report.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings and nothing else.")
@click.option("--color", "colour", type=SuggestingChoice(["auto", "always", "never"]),
              default="auto", show_default=True,
              help="Colour the text output (auto: on a terminal, unless NO_COLOR is set; "
                   "FORCE_COLOR forces it).")
@click.option("--stdin-filename", type=click.Path(path_type=Path),
              help="With PATH '-': the path of the file read from standard input; its "
                   "configuration, tags and per-file-ignores apply (default: stdin.py).")
@click.option("--show-files", is_flag=True,
              help="List each file with whether it is tagged and why; check nothing.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@_guarded
def check(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    select: str | None,
    extend_select: str | None,
    ignore: str | None,
    assume_ai: bool | None,
    git_trailers: bool | None,
    config_path: Path | None,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    timeout_per_file: float | None,
    exit_zero: bool,
    fail_on: str | None,
    show_statistics: bool,
    force_exclude: bool,
    fix: bool,
    diff: bool,
    baseline: Path | None,
    quiet: bool,
    colour: str,
    stdin_filename: Path | None,
    show_files: bool,
    debug: bool,
) -> None:
    """Check PATHS (default: the current folder; '-' reads standard input)."""
    # Imported here, not at the top: `vibrails hook` and `--version` do without them.
    from vibrails.core.selection import Layer, Selection
    from vibrails.discover import Discoverer
    from vibrails.engine.run import default_jobs, run

    started = time.perf_counter()
    known = _load_baseline(baseline) if baseline is not None else None
    from_stdin = Path("-") in paths
    if from_stdin and len(paths) > 1:
        raise UsageError("'-' reads one file from standard input: give no other path")
    if from_stdin and (fix or diff):
        raise UsageError("--fix and --diff rewrite files: they do not apply to standard input")
    if stdin_filename is not None and not from_stdin:
        raise UsageError("--stdin-filename names the file read from standard input: give '-'")
    stdin_name = stdin_filename or Path("stdin.py")
    # The configuration (and so the ledger and the repository) is found from
    # the checked path, as ruff does, not from the current folder.
    start = search_start([stdin_name] if from_stdin else list(paths))
    config = load_config(config_path, start=start)
    values = config.values
    if assume_ai:
        values["assume-ai"] = True
    if git_trailers:
        values["git-trailers"] = True
    if fail_on:
        values["fail-on"] = fail_on
    if timeout_per_file:
        values["timeout-per-file"] = timeout_per_file
    notes = list(config.warnings)
    for option, given in (("--select", select), ("--extend-select", extend_select),
                          ("--ignore", ignore)):
        codes = _codes(given)
        if codes is not None:
            try:
                check_codes(codes, "command line", option)
            except ConfigError as exc:
                message = str(exc)
                hint = message[message.find(" (did you mean"):] if "(did you mean" in message else ""
                raise UsageError(f"{option}: unknown rule code in {given!r}{hint}") from exc
    selection = Selection.from_config(
        values, Layer(_codes(select), _codes(extend_select) or [], _codes(ignore) or [])
    )
    discoverer = Discoverer(config.root, config.exclude_globs, force_exclude)
    stdin_folder = None
    if from_stdin:
        import tempfile

        stdin_folder = tempfile.TemporaryDirectory(prefix="vibrails-stdin-")
        content = Path(stdin_folder.name) / (stdin_name.name or "stdin.py")
        content.write_bytes(sys.stdin.buffer.read())
        item = discoverer.named(stdin_name, content)
        items = [] if item is None else [item]
        no_cache = True
    else:
        try:
            items = discoverer.discover(list(paths) or [Path(".")])
        except FileNotFoundError as exc:
            raise UsageError(f"path not found: {exc}") from exc
    notes += discoverer.messages

    if show_files:
        _show_files(items, config, notes, output, quiet)
        return

    cache = None
    if not no_cache:
        folder = cache_dir or (config.root / values["cache-dir"])
        cache, problem = _open_cache(folder, config.fingerprint())
        if problem:
            notes.append(problem)

    show_progress = not quiet and sys.stderr.isatty() and len(items) >= 200
    progress = _progress_bar(len(items)) if show_progress else None
    settings = config.settings()
    settings["_debug"] = debug  # VBR000: tracebacks on stderr
    # The blame cache of trailer-scope = "lines" follows the result cache.
    settings["_no_cache"] = no_cache
    settings["_cache_dir"] = str(cache_dir or (config.root / values["cache-dir"]))
    # Ledger, trailers, attribution logs: read once here, looked up per file.
    settings = _provenance(settings, config.root)
    results = run(items, settings, selection, jobs or default_jobs(), cache, progress)
    if show_progress:
        click.echo("\r\x1b[K", nl=False, err=True)
    findings = sorted((f for r in results for f in r.findings), key=lambda f: f.sort_key)
    notes += [m for r in results for m in r.messages]
    if fix or diff:
        findings = _apply_fixes(items, findings, settings, selection, diff, notes,
                                output, quiet, exit_zero)
    if known is not None:
        from vibrails.suppress.baseline import apply_baseline

        findings = apply_baseline(findings, known)

    catalogue = load_catalogue()
    context = ReportContext(
        rules={code: catalogue[code] for code in sorted(selection.enabled)},
        root=Path.cwd(),
        color=fmt == "text" and use_colour(colour, os.environ, output is None and _is_tty()),
        files_checked=len(items),
        files_tagged=sum(1 for r in results if r.tagged),
        notes=notes,
        command_line=" ".join(["vibrails", *sys.argv[1:]]) if sys.argv else "vibrails check",
    )
    text = renderer(fmt)(findings, context)
    if quiet and fmt == "text":
        text = renderer("flake8")(findings, context)
    if show_statistics:
        from vibrails.report.statistics import statistics

        text += statistics(findings)
    _write(text, output)
    if not quiet:
        for note in notes:
            click.echo(f"vibrails: warning: {note}", err=True)
        if debug:
            click.echo(f"vibrails: {len(items)} files in {time.perf_counter() - started:.2f}s",
                       err=True)
    threshold = values["fail-on"]
    failing = threshold != "none" and any(
        f.suppressed is None and level_rank(f.level) >= level_rank(threshold) for f in findings
    )
    internal = sorted({f.path for f in findings if f.code == "VBR000"})
    if internal:  # VBR000: results are incomplete, whatever --exit-zero says
        click.echo(f"vibrails: error: internal error in {len(internal)} file(s), first "
                   f"{internal[0]}; see VBR000 in the report", err=True)
        sys.exit(2)
    sys.exit(1 if failing and not exit_zero else 0)


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


def _show_files(items: Any, config: Any, notes: list[str], output: Path | None,
                quiet: bool) -> None:
    """``--show-files``: tag every file as a check would, print why; exit 0."""
    from vibrails.commands.showfiles import show_files
    from vibrails.engine.run import tag_of

    settings = _provenance(config.settings(), config.root)
    rows = []
    for item in sorted(items, key=lambda item: item.display):
        tag, problem = tag_of(item, settings)
        rows.append((item.display, tag, problem))
    _write(show_files(rows), output)
    if not quiet:
        for note in notes:
            click.echo(f"vibrails: warning: {note}", err=True)
    sys.exit(0)


def _apply_fixes(items: Any, findings: Any, settings: Any, selection: Selection, diff: bool,
                 notes: list[str], output: Path | None, quiet: bool, exit_zero: bool) -> Any:
    """``--fix``: fix, return the findings left. ``--diff``: print the diff and exit
    (1 when something would change, as ruff does)."""
    from vibrails.commands.fix import apply_fixes

    outcome = apply_fixes(items, findings, settings, selection, write=not diff)
    notes += outcome.messages
    if diff:
        _write(outcome.diff, output)
        if not quiet:
            for note in notes:
                click.echo(f"vibrails: warning: {note}", err=True)
            click.echo(f"vibrails: {outcome.fixed} fix(es) available in {outcome.files} file(s)",
                       err=True)
        sys.exit(1 if outcome.fixed and not exit_zero else 0)
    if not quiet and outcome.fixed:
        click.echo(f"vibrails: fixed {outcome.fixed} finding(s) in {outcome.files} file(s)",
                   err=True)
    return outcome.findings


def _load_baseline(path: Path) -> frozenset[str]:
    from vibrails.suppress.baseline import BaselineError, load_baseline

    try:
        return load_baseline(path)
    except BaselineError as exc:
        raise UsageError(str(exc)) from exc


def _open_cache(folder: Path, fingerprint: str) -> tuple[Cache | None, str | None]:
    """A usable cache, or ``None`` and the reason (one warning, run goes on)."""
    from vibrails.engine.cache import Cache  # not imported by --no-cache runs

    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
        gitignore = folder / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# Created by vibrails.\n*\n", encoding="utf-8")
    except OSError as exc:
        return None, f"cache disabled: cannot write to {folder}: {exc.strerror or exc}"
    return Cache(folder, fingerprint), None


def _progress_bar(total: int) -> Callable[[int], None]:
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r[{bar}] {done}/{total} files", nl=False, err=True)

    return advance


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


@main.command()
@click.option("--format", "fmt", type=SuggestingChoice(["text", "json"]), default="text",
              show_default=True)
def rules(fmt: str) -> None:
    """List every rule."""
    catalogue = load_catalogue()
    if fmt == "json":
        data = [
            {"code": r.code, "name": r.name, "pillar": r.pillar, "level": r.level,
             "opt_in": r.opt_in, "summary": r.summary}
            for r in catalogue.values()
        ]
        click.echo(json.dumps(data, indent=2))
        return
    rows = [("code", "name", "pillar", "level", "default", "summary")]
    for r in catalogue.values():
        rows.append((r.code, r.name, r.pillar, r.level, "opt-in" if r.opt_in else "on",
                     r.summary.splitlines()[0]))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5])


@main.command()
@click.argument("agent", type=SuggestingChoice(["claude-code", "cursor", "gemini-cli", "codex"]))
def hook(agent: str) -> None:
    """Record what a coding agent did, from its hook payload on standard input.

    Stores prompts (redacted), appends ledger events for edits, and at the end
    of a turn hands the findings back to the agent. Never fails the agent:
    errors go to .vibrails/hooks.log and the exit status is 0.
    """
    from vibrails.commands.hook import run_hook

    outcome = run_hook(agent, sys.stdin.buffer.read(), Path.cwd())
    if outcome.stdout:
        click.echo(outcome.stdout)
    sys.exit(outcome.exit_code)


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show the documentation of rule CODE (or its name)."""
    catalogue = load_catalogue()
    wanted = code.strip()
    for info in catalogue.values():
        if wanted.upper() == info.code or wanted.lower() == info.name:
            click.echo(info.markdown(), nl=False)
            return
    _fail(f"unknown rule {code!r}; 'vibrails rules' lists them")


