#!/usr/bin/env python3
"""What one agent hook costs: ``vibrails hook claude-code`` on a 1,000-event ledger.

A fresh git repository gets a ledger of 1,000 events (appended through the
ledger's own code) and one file; then each hook the agent fires in a turn is
run ``--runs`` times as the agent runs it (a new process, the payload on
standard input): ``UserPromptSubmit`` (store a prompt) and ``PostToolUse``
on ``Edit`` (append one event). The table gives the minimum and the median
wall time against the target of the agent-capture issue (at most 100 ms),
with ``python -c pass`` for the interpreter's own start. ``--write`` puts it
into ``docs/performance.md`` between its ``hooks`` markers. Not a test: no
timing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DOC, ROOT

sys.path.insert(0, str(ROOT / "src"))
from vibrails.provenance.events import now_utc
from vibrails.provenance.store import append

START = "<!-- hooks:start -->"
END = "<!-- hooks:end -->"
TARGET = 0.100
SOURCE = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"


def timed(argv: list[str], stdin: str, cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, input=stdin, text=True, capture_output=True, cwd=cwd, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / "pyproject.toml").write_text("[tool.vibrails]\n", "utf-8")
        (root / "app").mkdir()
        (root / "app" / "billing.py").write_text(SOURCE, "utf-8")
        append(root / ".vibrails" / "ledger.jsonl", [
            {"event": "edited", "path": f"app/m{n % 50}.py", "sha256": "0" * 64,
             "at": now_utc(), "model": "m", "tool": "claude-code"}
            for n in range(args.events)
        ])
        common = {"session_id": "bench", "transcript_path": "", "cwd": str(root),
                  "permission_mode": "default"}
        prompt = json.dumps({**common, "hook_event_name": "UserPromptSubmit",
                             "prompt": "Add a basket helper."})
        edit = json.dumps({**common, "hook_event_name": "PostToolUse", "tool_name": "Edit",
                           "tool_input": {"file_path": str(root / "app" / "billing.py"),
                                          "old_string": "x", "new_string": "basket"}})
        hook = [sys.executable, "-m", "vibrails", "hook", "claude-code"]
        cases = {
            "python -c pass": ([sys.executable, "-c", "pass"], ""),
            "hook UserPromptSubmit": (hook, prompt),
            "hook PostToolUse (Edit)": (hook, edit),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for argv, stdin in cases.values():
            timed(argv, stdin, root)  # warm-up
        for _ in range(args.runs):
            for name, (argv, stdin) in cases.items():
                times[name].append(timed(argv, stdin, root))
        events = sum(1 for _ in (root / ".vibrails" / "ledger.jsonl").open())
    lines = [
        f"A ledger of {args.events:,} events (then {events:,} after the runs), {args.runs} "
        f"interleaved runs each; Python {sys.version.split()[0]}.",
        "",
        "| command | min (s) | median (s) | target |",
        "| --- | --- | --- | --- |",
    ]
    for name, values in times.items():
        target = "" if name.startswith("python") else (
            f"≤ {TARGET:.3f} ({'meets it' if statistics.median(values) <= TARGET else '**misses it**'})")
        lines.append(f"| {name} | {min(values):.3f} | {statistics.median(values):.3f} | {target} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        text = DOC.read_text("utf-8")
        if START not in text or END not in text:
            raise SystemExit(f"{DOC} lacks the {START} … {END} markers")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{START}\n{table}{END}{tail}", "utf-8")
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
