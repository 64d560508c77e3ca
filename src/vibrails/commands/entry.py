"""The ``vibrails`` program: a check goes to the check server when one runs
(``commands/handover.py``), everything else to the command line
(``commands/cli.py``), which is imported only then."""

from __future__ import annotations

import os
import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["check"]:
        from vibrails.commands.handover import NO_SERVER, hand_over

        code = None if os.environ.get(NO_SERVER) else hand_over(args)
        if code is not None:
            sys.exit(code)
    from vibrails.commands.cli import main as cli

    cli()
