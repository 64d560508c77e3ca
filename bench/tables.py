"""Markdown for ``docs/performance.md``: results, ratios, scaling, profile.

The doc's prose (its Method section) is written by hand; the harness only
replaces what lies between the ``<!-- bench:results:begin/end -->`` and
``<!-- bench:profile:begin/end -->`` markers.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from common import DOC

RESULTS_MARKERS = ("<!-- bench:results:begin -->", "<!-- bench:results:end -->")
PROFILE_MARKERS = ("<!-- bench:profile:begin -->", "<!-- bench:profile:end -->")

#: A per-line slowdown above this, against the corpus, is flagged.
SCALING_FLAG = 2.0

SKELETON = f"""# Performance

Run the benchmark with `python bench/run.py` (see its `--help`).

## Method

See the docstrings of `bench/run.py` and `bench/measure.py`.

## Results

{RESULTS_MARKERS[0]}
{RESULTS_MARKERS[1]}

## Profile

{PROFILE_MARKERS[0]}
{PROFILE_MARKERS[1]}
"""


def _s(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def _int(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.0f}"


class Rows:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_key = {r["key"]: r for r in rows}

    def get(self, tree: str, tool: str) -> dict[str, Any] | None:
        row = self.by_key.get(f"{tree}/{tool}")
        return row if row is not None and row.get("median") is not None else None

    def median(self, tree: str, tool: str) -> float | None:
        row = self.get(tree, tool)
        return None if row is None else float(row["median"])

    def minimum(self, tree: str, tool: str) -> float | None:
        row = self.get(tree, tool)
        return None if row is None else float(row["min"])

    def runs(self, tree: str, tool: str) -> int:
        row = self.get(tree, tool)
        return 0 if row is None else int(row["runs"])


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _verdict(value: float | None, target: float, higher_is_better: bool = False,
             moonshot: float | None = None) -> str:
    if value is None:
        return "not measured"
    if higher_is_better:
        return "meets target" if value >= target else "**misses target**"
    if moonshot is not None and value <= moonshot:
        return "meets target and moonshot"
    return "meets target" if value <= target else "**misses target**"


def corpus_table(result: dict[str, Any], tree: str) -> str:
    info = result["trees"][tree]
    lines = [
        f"**{info['label']}** — {info['files']:,} files, {info['lines']:,} lines.",
        "",
        "| case | median s | min-max s | CPU s | lines/s | peak RSS, largest process (MB) "
        "| peak RSS, largest worker (MB) | tree sum (MB) | processes | other load (cores) "
        "| output |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in result["rows"]:
        if row["tree"] != tree:
            continue
        if row.get("median") is None:
            lines.append(f"| {row['tool']} | failed | | | | | | | | | {row.get('failure') or ''} |")
            continue
        runs = f" ({row['runs']} run)" if row["runs"] == 1 else ""
        lines.append(
            f"| {row['tool']}{runs} | {_s(row['median'])} | {_s(row['min'])}-{_s(row['max'])} "
            f"| {_s(row['cpu'])} | {_int(row['lines_per_s'])} | {_int(row['maxrss_mb'])} "
            f"| {_int(row['worker_mb']) if row['worker_mb'] else '-'} | {_int(row['tree_mb'])} "
            f"| {row['processes']} | {_s(row.get('other_load'), 1)} | {row['findings']} |"
        )
    return "\n".join(lines)


def ratios_table(result: dict[str, Any]) -> str:
    rows = Rows(result["rows"])
    trees = [t for t in ("django", "attrs") if t in result["trees"]]
    cold = "vibrails cold -j2"
    lines = [
        "| ratio | " + " | ".join(result["trees"][t]["label"] for t in trees)
        + " | target | verdict (first column, medians) |",
        "| --- | " + " | ".join("---:" for _ in trees) + " | --- | --- |",
    ]
    # (label, numerator, denominator, target text, target, higher is better, moonshot)
    time_ratios: list[tuple[str, str, str, str, float, bool, float | None]] = [
        ("cold `--jobs 2` / libcst parse-only, 2 processes", cold, "libcst parse 2 procs",
         "≤ 2.5 (moonshot 2.0)", 2.5, False, 2.0),
        ("cold `--jobs 2` / flake8 `-j 2`", cold, "flake8 -j2", "≤ 1.25", 1.25, False, None),
        ("Fixit `lint` / vibrails cold `--jobs 2`", "fixit lint", cold, "≥ 12", 12, True, None),
        ("warm / cold (`--jobs 2`)", "vibrails warm -j2", cold, "≤ 0.05", 0.05, False, None),
        ("untagged / cold (`--jobs 2`)", "vibrails untagged -j2", cold, "≤ 0.05", 0.05, False,
         None),
    ]
    for label, num, den, target_text, target, higher, moonshot in time_ratios:
        cells, first = [], None
        for tree in trees:
            median = _ratio(rows.median(tree, num), rows.median(tree, den))
            low = _ratio(rows.minimum(tree, num), rows.minimum(tree, den))
            digits = 3 if target < 1 else 2
            cell = _s(median, digits)
            if median is not None and low is not None and rows.runs(tree, num) > 1:
                cell += f" (min/min {_s(low, digits)})"
            cells.append(cell)
            if first is None and median is not None:
                first = median
        verdict = _verdict(first, target, higher_is_better=higher, moonshot=moonshot)
        lines.append(f"| {label} | {' | '.join(cells)} | {target_text} | {verdict} |")
    workers = [(rows.get(t, cold) or {}).get("worker_mb") for t in trees]
    verdict = "not measured" if workers[0] is None else (
        "meets target" if workers[0] <= 250 else "**misses target**")
    lines.append(f"| peak RSS of a worker, cold `--jobs 2` (MB) | "
                 f"{' | '.join(_int(w) for w in workers)} | ≤ 250 | {verdict} |")
    return "\n".join(lines)


def scaling_table(result: dict[str, Any]) -> str:
    if "big-file" not in result["trees"]:
        return "_Scaling check not run (`--no-scaling`)._"
    rows = Rows(result["rows"])
    pairs = [
        ("big-file", "vibrails -j1", "django", "vibrails cold -j1"),
        ("big-file", "libcst parse 1 proc", "django", "libcst parse 1 proc"),
        ("small-files", "vibrails -j1", "django", "vibrails cold -j1"),
        ("small-files", "vibrails -j2", "django", "vibrails cold -j2"),
    ]
    lines = [
        "| tree | case | files | lines | median s | lines/s | Django, same case: lines/s "
        "| per line, x slower than Django | flag |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for tree, tool, ref_tree, ref_tool in pairs:
        row, ref = rows.get(tree, tool), rows.get(ref_tree, ref_tool)
        info = result["trees"][tree]
        if row is None:
            lines.append(f"| {info['label']} | {tool} | | | failed | | | | |")
            continue
        lps = row["lines_per_s"]
        ref_lps = ref["lines_per_s"] if ref else None
        slower = _ratio(ref_lps, lps)
        flag = "" if slower is None else (
            f"**> {SCALING_FLAG:g}x slower per line**" if slower > SCALING_FLAG else "ok")
        lines.append(
            f"| {info['label']} | {tool} | {info['files']:,} | {info['lines']:,} "
            f"| {_s(row['median'])} | {_int(lps)} | {_int(ref_lps)} | {_s(slower)} | {flag} |"
        )
    return "\n".join(lines)


def versions_table(result: dict[str, Any]) -> str:
    lines = ["| environment | versions | interpreter |", "| --- | --- | --- |"]
    for name, env in result["envs"].items():
        versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
        lines.append(f"| {name} | {versions} | {env['origin']} |")
    return "\n".join(lines)


def _load_line(result: dict[str, Any], nproc: int) -> str:
    loads = [x for row in result["rows"] for x in row.get("other_loads", [])]
    if not loads:
        return ""
    loads.sort()
    median, top = loads[len(loads) // 2], loads[-1]
    line = (f"Other processes on the machine used a median of {median:.1f} cores (at most "
            f"{top:.1f}) of the {nproc} while the commands ran")
    if result.get("settle"):
        line += f" (each command waited up to {result['settle']:g} s for a quiet machine)"
    if median > 0.3:
        line += (": the machine was shared, so the seconds are inflated and noisy; the "
                 "interleaved ratios, and the ratios of the minima, suffer less")
    return line + "."


def render_doc_results(result: dict[str, Any]) -> str:
    m = result["machine"]
    parts = [
        f"Run of {result['date']} (UTC) on {m['nproc']} CPUs ({m['cpu'] or 'unknown CPU'}), "
        f"{m['memory']} RAM, Python {m['python']}, {m['platform']}; vibrails checkout "
        f"{result['checkout']}; {result['repetitions']} repetitions, interleaved; the whole "
        f"harness took {result['harness_seconds']:.0f} s.",
        "",
        _load_line(result, m["nproc"]),
        "",
        versions_table(result),
        "",
        "### Ratios (targets of the performance issue)",
        "",
        ratios_table(result),
        "",
    ]
    for tree in ("django", "attrs"):
        if tree in result["trees"]:
            parts += [f"### {result['trees'][tree]['label']}", "", corpus_table(result, tree), ""]
    parts += ["### Scaling check", "", scaling_table(result), ""]
    if result["notes"]:
        parts += ["### Checks and notes", ""] + [f"- {n}" for n in result["notes"]] + [""]
    parts += ["<details><summary>Exact commands (run in the tree's folder)</summary>", ""]
    for row in result["rows"]:
        parts.append(f"- `{row['key']}`: `{row['command']}`")
    parts += ["", "</details>"]
    return "\n".join(parts)


def render_profile(
    profiles: list[dict[str, Any]], now: datetime, cold_j1: dict[str, float | None]
) -> str:
    parts = []
    for profile in profiles:
        parts.append(_render_one_profile(profile, now, cold_j1.get(profile["key"])))
    return "\n\n".join(parts)


#: Stages that run inside ``check_tree`` / ``check_file`` (the rest is "other").
_IN_TREE = ("compile()", "libcst parse", "metadata", "walk (incl. rule handlers)", "positions",
            "findings (make_finding)", "finding text (_slice)", "finding text (code_for_node)")
_IN_FILE = ("read", "tag", "check_tree", "suppress", "line hashes")


def _render_one_profile(profile: dict[str, Any], now: datetime, cold_j1: float | None) -> str:
    st, cp = profile["stages"], profile["cprofile"]
    total = st["total"]
    s = st["stages"]
    calls = st["calls"]

    def share(x: float) -> str:
        return f"{100 * x / total:.1f} %" if total else "-"

    handlers = sum(st["rules"].values())
    rows: list[tuple[str, float | None, int | None]] = []
    for label in st["stage_order"]:
        if label == "walk (incl. rule handlers)":
            walk = s.get(label)
            rows.append(("walk: traversal", None if walk is None else walk - handlers,
                         calls.get(label)))
            rows.append(("walk: rule handlers (all rules)", handlers,
                         sum(st["rule_calls"].values())))
            continue
        rows.append((label, s.get(label), calls.get(label)))
    if "check_tree" in s:
        rows.append(("engine, other (rule setup, regions, dedup)",
                     s["check_tree"] - sum(s.get(k, 0.0) for k in _IN_TREE), None))
    if "check_file" in s:
        rows.append(("per file, other (result objects, sorting)",
                     s["check_file"] - sum(s.get(k, 0.0) for k in _IN_FILE), None))
    if "run" in s:
        rows.append(("loop over files, other", s["run"] - s.get("check_file", 0.0), None))
    cli_other = total - s.get("run", 0.0) - s.get("discover", 0.0) - s.get("report", 0.0)
    rows.append(("CLI, other (config, selection, sorting, writing)", cli_other, None))

    pool = ""
    if cold_j1:
        pool = (f" The cold `--jobs 1` run of the same benchmark took {cold_j1:.2f} s (median): "
                f"{cold_j1 - total:+.2f} s for start-up, the worker process and passing results "
                "back.")
    lines = [
        f"### Profile: {profile['tree']}",
        "",
        f"Profiled on {now.date().isoformat()}: `vibrails check --assume-ai --no-cache --jobs 1 "
        f"--format json -o /dev/null .` over the {profile['tree']} ({profile['files']:,} files, "
        f"{profile['lines']:,} lines), in process. Total {total:.2f} s "
        f"({profile['lines'] / total:,.0f} lines/s); importing vibrails and its rules took "
        f"{st['import']:.2f} s before that.{pool} Rules enabled by default: "
        f"{', '.join(st['rules_enabled'])}.",
        "",
        "**Per stage** (wall time, from `perf_counter` wrappers — `bench/hotpaths.py stages`):",
        "",
        "| stage | seconds | share | calls |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, seconds, count in rows:
        if seconds is None:
            lines.append(f"| {label} | not run | | |")
            continue
        lines.append(f"| {label} | {seconds:.3f} | {share(seconds)} | "
                     f"{'' if count is None else f'{count:,}'} |")
    if st["missing"]:
        lines += ["", "Not found in this version of the engine (not timed): "
                  + ", ".join(st["missing"]) + "."]
    lines += ["", "**Per rule** (their `visit_*`/`leave_*` handlers, inclusive):", "",
              "| rule | seconds | share | handler calls |", "| --- | ---: | ---: | ---: |"]
    for code, seconds in sorted(st["rules"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {code} | {seconds:.3f} | {share(seconds)} | "
                     f"{st['rule_calls'].get(code, 0):,} |")
    inside = s.get("code_for_node called by rules (inside walk)")
    if inside:
        lines += ["", f"Of the handlers' time, {inside:.3f} s is `Module.code_for_node` called by "
                  f"rules ({calls.get('code_for_node called by rules (inside walk)', 0):,} "
                  "calls)."]
    lines += [
        "",
        f"**cProfile** (`bench/hotpaths.py cprofile`; {cp['total']:.2f} s under the profiler, "
        f"which inflates pure-Python code more than the native parser; raw profile in "
        f"`bench/results/`): top functions by self time —",
        "",
        "| function | calls | self s | cumulative s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in cp["top_self"][:15]:
        lines.append(f"| `{row['function']}` | {row['calls']:,} | {row['tottime']:.3f} "
                     f"| {row['cumtime']:.3f} |")
    lines += ["", "Self time by module:", "", "| module | self s |", "| --- | ---: |"]
    for module, seconds in cp["modules"][:12]:
        lines.append(f"| `{module}` | {seconds:.3f} |")
    return "\n".join(lines)


def _replace(doc: str, markers: tuple[str, str], text: str) -> str:
    begin, end = markers
    if begin not in doc or end not in doc:
        return doc.rstrip("\n") + f"\n\n{begin}\n{text}\n{end}\n"
    head, rest = doc.split(begin, 1)
    _old, tail = rest.split(end, 1)
    return f"{head}{begin}\n{text}\n{end}{tail}"


def update_doc(results: str | None, profile: str | None) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else SKELETON
    if results is not None:
        doc = _replace(doc, RESULTS_MARKERS, results)
    if profile is not None:
        doc = _replace(doc, PROFILE_MARKERS, profile)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(doc, encoding="utf-8")
