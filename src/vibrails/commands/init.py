"""``vibrails init``: set a project up for vibrails.

In the given folder (default: the current one) it

- appends a starter ``[tool.vibrails]`` table to ``pyproject.toml`` (creating
  the file if there is none). The text is appended, never re-serialised: every
  byte already in the file stays as it was, comments and layout included, and
  the new lines use the file's line endings;
- creates ``.vibrails/`` with an empty ledger, ``.vibrails/ledger.jsonl``
  (an existing ledger is left alone);
- makes git merge the ledger with the ``union`` driver, so that two branches
  that each append events merge without a conflict: the ledger design
  (docs/ledger.md) puts ``ledger.jsonl merge=union`` in
  ``.vibrails/.gitattributes``, next to the ledger, and ``init`` writes it
  with the ledger's own code (:func:`vibrails.provenance.store.ensure_gitattributes`);
- prints the pre-commit and GitHub Action snippets to copy.

It refuses, changing nothing and exiting with status 2 (a usage error, like
every other refusal of the command line), when the project is configured
already: ``pyproject.toml`` has a ``[tool.vibrails]`` table, or there is a
``vibrails.toml``. A ``pyproject.toml`` that is not valid TOML is refused too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from vibrails import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

REPOSITORY = "https://github.com/vibrails/vibrails"
LEDGER = ".vibrails/ledger.jsonl"
#: The git attribute the ledger needs, in ``.vibrails/.gitattributes``.
GITATTRIBUTES = ".vibrails/.gitattributes"
GITATTRIBUTES_LINE = "ledger.jsonl merge=union"

STARTER = f"""\
[tool.vibrails]
# vibrails checks the code tagged as AI-generated: files with a header such as
# "# @ai-generated model=... prompt=...", regions between "# @ai-generated begin"
# and "# @ai-generated end", files in the ledger, and files matching these globs.
ai-generated = []
# Lowest level that fails a run: "error", "warning", "note" or "none".
fail-on = "warning"
# Opt-in rules to turn on as well, e.g. ["VBR102", "VBR104", "VBR405"].
extend-select = []
# The provenance ledger: append-only, one JSON event a line.
ledger = "{LEDGER}"
"""


class InitError(Exception):
    """The project cannot be initialised as asked (nothing was changed)."""


@dataclass
class InitResult:
    #: What was created or changed, relative to the folder.
    changed: list[str] = field(default_factory=list)
    #: What existed already and was left alone.
    kept: list[str] = field(default_factory=list)


def _has_section(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InitError(f"{pyproject.name}: not valid TOML ({exc}); fix it first") from exc
    except OSError as exc:
        raise InitError(f"cannot read {pyproject.name}: {exc.strerror or exc}") from exc
    tool = data.get("tool")
    return isinstance(tool, dict) and "vibrails" in tool


def _has_attribute(attributes: Path) -> bool:
    try:
        text = attributes.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.split() == GITATTRIBUTES_LINE.split() for line in text.splitlines())


def _appended(existing: bytes, text: str) -> bytes:
    """``text`` to append to ``existing``: on a new line, after a blank one, in
    the file's line endings."""
    newline = b"\r\n" if b"\r\n" in existing else b"\n"
    prefix = b""
    if existing:
        if not existing.endswith(b"\n"):
            prefix = newline + newline
        elif not existing.endswith(newline + newline):
            prefix = newline
    return prefix + text.replace("\n", newline.decode()).encode("utf-8")


def init_project(folder: Path) -> InitResult:
    """Set up ``folder``; raise :class:`InitError` (changing nothing) to refuse."""
    if not folder.is_dir():
        raise InitError(f"{folder}: not a folder")
    pyproject = folder / "pyproject.toml"
    if (folder / "vibrails.toml").exists():
        raise InitError("vibrails.toml exists: this project is configured already; "
                        "nothing changed")
    if pyproject.exists() and _has_section(pyproject):
        raise InitError("pyproject.toml has a [tool.vibrails] table already; nothing changed")
    state = folder / ".vibrails"
    if state.exists() and not state.is_dir():
        raise InitError(".vibrails exists and is not a folder; nothing changed")
    ledger = folder / LEDGER
    if ledger.exists() and not ledger.is_file():
        raise InitError(f"{LEDGER} exists and is not a file; nothing changed")
    attributes = folder / GITATTRIBUTES
    if attributes.exists() and not attributes.is_file():
        raise InitError(f"{GITATTRIBUTES} exists and is not a file; nothing changed")

    result = InitResult()
    existing = pyproject.read_bytes() if pyproject.exists() else b""
    with open(pyproject, "ab") as stream:
        stream.write(_appended(existing, STARTER))
    result.changed.append("pyproject.toml: [tool.vibrails] added" if existing
                          else "pyproject.toml: created with [tool.vibrails]")

    state.mkdir(exist_ok=True)
    if ledger.exists():
        result.kept.append(f"{LEDGER}: kept as it is")
    else:
        ledger.touch()
        result.changed.append(f"{LEDGER}: created (empty)")

    from vibrails.provenance.store import ensure_gitattributes

    if ensure_gitattributes(ledger):
        result.changed.append(f"{GITATTRIBUTES}: '{GITATTRIBUTES_LINE}' added")
    elif _has_attribute(attributes):
        result.kept.append(f"{GITATTRIBUTES}: has '{GITATTRIBUTES_LINE}'")
    else:
        raise InitError(f"cannot write {GITATTRIBUTES}; add the line "
                        f"'{GITATTRIBUTES_LINE}' to it by hand")
    return result


def snippets(version: str = __version__) -> str:
    """The pre-commit and GitHub Action snippets ``init`` prints."""
    return f"""\
Add vibrails to .pre-commit-config.yaml:

  repos:
    - repo: {REPOSITORY}
      rev: v{version}
      hooks:
        - id: vibrails
        - id: vibrails-ledger-verify

And to a GitHub workflow (.github/workflows/vibrails.yml):

  name: vibrails
  on: [push, pull_request]
  permissions:
    contents: read
    security-events: write  # only for upload-sarif: true
  jobs:
    vibrails:
      runs-on: ubuntu-latest
      steps:
        - uses: actions/checkout@v4
          with:
            persist-credentials: false
        - uses: vibrails/vibrails@v{version}
          with:
            upload-sarif: true

Already have findings? Save them as a baseline and gate only new ones:

  vibrails check --format json -o .vibrails/baseline.json
  vibrails check --baseline .vibrails/baseline.json
"""


@click.command("init")
@click.argument("folder", required=False, default=".",
                type=click.Path(path_type=Path, file_okay=False))
@click.option("--agent", "agents", multiple=True,
              type=click.Choice(["claude-code", "cursor", "gemini-cli", "codex"]),
              help="Only write this coding agent's hook configuration (docs/agents.md); "
                   "merged into an existing file, idempotent. Repeatable.")
def init(folder: Path, agents: tuple[str, ...]) -> None:
    """Add a starter [tool.vibrails] table, the ledger and its git attributes.

    With --agent, write the agent's hooks that run `vibrails hook` instead, and
    a .gitignore beside the ledger for the hooks' session state and log.
    """
    if agents:
        from vibrails.commands.agent_setup import SetupError, ignore_state, set_up

        try:
            for agent in agents:
                click.echo(set_up(agent, folder))
            click.echo(ignore_state(folder))
        except (SetupError, OSError) as exc:
            click.echo(f"vibrails: error: {exc}", err=True)
            sys.exit(2)
        return
    try:
        result = init_project(folder)
    except InitError as exc:
        click.echo(f"vibrails: error: {exc}", err=True)
        sys.exit(2)
    for line in [*result.changed, *result.kept]:
        click.echo(line)
    click.echo("")
    click.echo(snippets(), nl=False)
