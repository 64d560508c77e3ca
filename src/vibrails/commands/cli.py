"""The command line: ``vibrails check``, ``rules``, ``explain``.

Exit status: 0 no finding at or above ``fail-on``; 1 findings; 2 usage,
configuration or internal error — a one-line message on stderr, with a
traceback only under ``--debug``.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

import click

from vibrails import __version__
from vibrails.commands.common import UsageError
from vibrails.config import FAIL_ON, ConfigError
from vibrails.core.catalogue import load_catalogue
from vibrails.report import FORMAT_NAMES

if TYPE_CHECKING:
    pass

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


class _LazyGroup(click.Group):
    """A group whose heavier subcommands (``init``, ``ledger``) are imported
    only when they run or are listed, not on every ``vibrails check``."""

    LAZY: ClassVar[dict[str, tuple[str, str]]] = {
        "init": ("vibrails.commands.init", "init"),
        "ledger": ("vibrails.commands.ledger", "ledger"),
        "server": ("vibrails.commands.server", "server"),
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
@click.option("--diff-base", metavar="REV",
              help="Report only findings on lines added or changed since the merge base "
                   "with REV (the others are counted, not listed).")
@click.option("--no-progress", is_flag=True,
              help="No progress bar (one appears on a terminal when a text run takes "
                   "over a second).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@_guarded
def check(**options: Any) -> None:
    """Check PATHS (default: the current folder; '-' reads standard input)."""
    # Imported here, not at the top: `vibrails hook` and `--version` do without it.
    from vibrails.commands.check import CheckOptions, run_check

    run_check(CheckOptions(**options))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=SuggestingChoice(["markdown", "json", "html"]),
              default="markdown", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to FILE instead of standard output.")
@click.option("--since", metavar="REV",
              help="Trend from REV to HEAD on the main line (default: the last --commits).")
@click.option("--commits", type=click.IntRange(min=0), default=10, show_default=True,
              help="Commits in the trend at most (0: no trend).")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Configuration file (default: nearest vibrails.toml or pyproject.toml).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: CPUs).")
@click.option("--no-cache", is_flag=True, help="Measure every commit of the trend again.")
@_guarded
def report(**options: Any) -> None:
    """Report how much AI-written code in PATHS is guarded, per package, with its trend."""
    from vibrails.commands.report import ReportOptions, run_report

    run_report(ReportOptions(**options))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=SuggestingChoice(FORMAT_NAMES), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to FILE instead of standard output.")
@click.option("--select", help="Comma list of codes or prefixes to enable (replaces the config).")
@click.option("--ignore", help="Comma list of codes or prefixes to disable.")
@click.option("--assume-ai", is_flag=True, default=None, help="Treat every file as AI-generated.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Configuration file (default: nearest vibrails.toml or pyproject.toml).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: CPUs).")
@click.option("--no-cache", is_flag=True, help="Verify every function again.")
@click.option("--timeout", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              help="Seconds of search per function.")
@click.option("--budget", type=click.FloatRange(min=0, min_open=True),
              help="Seconds for the whole run; functions not reached are reported unverified.")
@click.option("--examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Hypothesis inputs per function.")
@click.option("--memory", type=click.IntRange(min=64), default=2048, show_default=True,
              help="Megabytes of memory a worker may use.")
@click.option("--diff-base", metavar="REV",
              help="Verify only the functions changed since the merge base with REV.")
@click.option("--fail-on", type=SuggestingChoice(FAIL_ON), help="Lowest level that fails the run.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings and nothing else.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@_guarded
def verify(**options: Any) -> None:
    """Search the contracts of the AI-written code in PATHS for counterexamples.

    Unlike every other command, this one IMPORTS AND RUNS the code under
    test, in contained worker processes (a temporary folder, memory and time
    limits, no writes outside that folder, no processes, no network).
    """
    from vibrails.commands.verify import VerifyOptions, run_verify

    run_verify(VerifyOptions(**options))


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


