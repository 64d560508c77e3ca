"""The GitHub Action's check step: one ``vibrails check`` run, three outputs.

``action.yml`` runs ``python -m vibrails.commands.action`` with its inputs in the
environment (never interpolated into a script). This module

1. chooses the paths: the ``paths`` input, or with ``only-changed`` the Python
   files the pull request changed since its merge base with the base branch,
   reporting only on the lines it changed (``--diff-base``);
2. runs ``vibrails check --format sarif -o FILE`` once, with ``fail-on`` and
   the extra ``args``. SARIF is the richest format (every result, suppressed
   ones included, with rule metadata and both fingerprints), so that file *is*
   the ``--format sarif`` output, byte for byte;
3. reads that SARIF back and derives the rest from it: the workflow
   annotations (rendered by :mod:`vibrails.report.github`, so they are the
   lines ``--format github`` prints), and the job summary (counts per pillar
   and per rule, the top findings with links to the rule docs) appended to
   ``$GITHUB_STEP_SUMMARY``;
4. with ``verify: true``, runs ``vibrails verify`` on the same paths (it
   imports and runs the code under test): its SARIF is written to
   ``$RUNNER_TEMP/vibrails-verify.sarif``, its annotations printed, its
   summary appended; its findings count in ``findings`` and ``exit-code``;
5. with ``report: true``, runs ``vibrails report`` on the same paths: its
   markdown is appended to the job summary, its HTML written to
   ``$RUNNER_TEMP/vibrails-report.html`` for the artifact upload;
6. writes the step outputs ``sarif-file``, ``findings``, ``exit-code`` (and
   ``verify-sarif-file``, ``report-file``) to ``$GITHUB_OUTPUT``.

It exits 0 after a run with findings (the action's last step fails the job
then, after the optional SARIF upload) and 2 when vibrails itself failed.

Environment (set by ``action.yml``): ``VIBRAILS_PATHS``, ``VIBRAILS_ARGS``
(split like a shell would, never run by one), ``VIBRAILS_FAIL_ON``,
``VIBRAILS_SARIF_FILE``, ``VIBRAILS_ONLY_CHANGED``, ``VIBRAILS_VERIFY``,
``VIBRAILS_VERIFY_ARGS``, ``VIBRAILS_REPORT``; and GitHub's own
``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_BASE_REF``,
``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY``, ``GITHUB_SHA``, ``RUNNER_TEMP``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from vibrails.core.finding import Finding, level_rank
from vibrails.report.github import annotation, escape_data

#: GitHub truncates a step summary above 1 MiB; stay well below.
MAX_SUMMARY_BYTES = 512 * 1024
#: Rows of the "top findings" table.
TOP_FINDINGS = 50
PYTHON_SUFFIXES = (".py", ".pyi")


class ActionError(Exception):
    """A problem with the action's inputs or the repository (exit 2)."""


# -- reading the SARIF log back ------------------------------------------------


def findings_from_sarif(log: Mapping[str, Any]) -> list[Finding]:
    """The results of a vibrails SARIF log as findings (suppressed ones marked)."""
    findings = []
    for run in log.get("runs", []):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        for result in run.get("results", []):
            code = result["ruleId"]
            index = result.get("ruleIndex")
            rule = rules[index] if isinstance(index, int) and index < len(rules) else {}
            physical = result["locations"][0]["physicalLocation"]
            region = physical.get("region", {})
            line = region.get("startLine", 1)
            column = region.get("startColumn", 1)
            suppressions = result.get("suppressions") or []
            fingerprints = result.get("partialFingerprints", {})
            findings.append(
                Finding(
                    path=unquote(physical["artifactLocation"]["uri"], errors="surrogateescape"),
                    line=line,
                    column=column,
                    end_line=region.get("endLine", line),
                    end_column=region.get("endColumn", column),
                    code=code,
                    name=rule.get("name", ""),
                    level=result.get("level", "warning"),
                    message=result["message"]["text"],
                    tag="",
                    fingerprint=fingerprints.get("vibrails/v1", ""),
                    suppressed=(suppressions[0].get("justification", "") if suppressions else None),
                    line_hash=fingerprints.get("primaryLocationLineHash", ""),
                )
            )
    return findings


def rule_table(log: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The SARIF rule descriptors by id."""
    table: dict[str, dict[str, Any]] = {}
    for run in log.get("runs", []):
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            table[rule["id"]] = rule
    return table


def run_notes(log: Mapping[str, Any]) -> list[str]:
    """The run's tool notifications (files skipped, results left out)."""
    return [
        note["message"]["text"]
        for run in log.get("runs", [])
        for invocation in run.get("invocations", [])
        for note in invocation.get("toolExecutionNotifications", [])
    ]


def annotation_lines(findings: Sequence[Finding]) -> str:
    """The workflow commands of the unsuppressed findings (``--format github``)."""
    return "".join(annotation(f) + "\n" for f in findings if f.suppressed is None)


# -- the job summary -----------------------------------------------------------


def _cell(text: str, limit: int = 300) -> str:
    """``text`` made safe for one Markdown table cell."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    for char in "\\|`*_[]<>":
        text = text.replace(char, "\\" + char)
    return text


def _rule_link(code: str, rules: Mapping[str, Mapping[str, Any]]) -> str:
    uri = rules.get(code, {}).get("helpUri")
    return f"[{code}]({uri})" if uri else code


def _pillar(code: str, rules: Mapping[str, Mapping[str, Any]]) -> str:
    tags = rules.get(code, {}).get("properties", {}).get("tags", [])
    return str(tags[0]) if tags else "other"


def _location(finding: Finding, env: Mapping[str, str]) -> str:
    text = f"{finding.path}:{finding.line}"
    server, repo, sha = (env.get(k, "") for k in
                         ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repo and sha and not finding.path.startswith("../"):
        path = "/".join(part for part in finding.path.split("/") if part != ".")
        return f"[{_cell(text)}]({server}/{repo}/blob/{sha}/{path}#L{finding.line})"
    return _cell(text)


def summary(log: Mapping[str, Any], env: Mapping[str, str], exit_code: int) -> str:
    """The Markdown job summary of a SARIF log (well under 1 MiB)."""
    rules = rule_table(log)
    every = findings_from_sarif(log)
    findings = [f for f in every if f.suppressed is None]
    suppressed = len(every) - len(findings)
    levels = Counter(f.level for f in findings)
    files = len({f.path for f in findings})
    out = ["## vibrails", ""]
    if findings:
        parts = ", ".join(f"{levels[lv]} {lv}{'s' if levels[lv] != 1 else ''}"
                          for lv in ("error", "warning", "note") if levels[lv])
        out.append(f"**{len(findings)} finding{'s' if len(findings) != 1 else ''}** "
                   f"({parts}) in {files} file{'s' if files != 1 else ''}"
                   f"{f'; {suppressed} suppressed' if suppressed else ''}.")
    else:
        out.append(f"**No findings**{f' ({suppressed} suppressed)' if suppressed else ''}.")
    if exit_code == 1:
        out += ["", "The check failed: findings at or above `fail-on`."]
    notes = run_notes(log)
    if notes:
        out += ["", *[f"> {_cell(note)}  " for note in notes[:20]]]
    if findings:
        pillars = Counter(_pillar(f.code, rules) for f in findings)
        out += ["", "### Findings per pillar", "", "| Pillar | Findings |", "| --- | ---: |"]
        out += [f"| {_cell(p)} | {n} |" for p, n in sorted(pillars.items(), key=lambda i: (-i[1], i[0]))]
        per_rule = Counter(f.code for f in findings)
        out += ["", "### Findings per rule", "",
                "| Rule | Name | Pillar | Level | Findings |", "| --- | --- | --- | --- | ---: |"]
        for code, count in sorted(per_rule.items(), key=lambda i: (-i[1], i[0])):
            rule = rules.get(code, {})
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
            out.append(f"| {_rule_link(code, rules)} | {_cell(rule.get('name', ''))} | "
                       f"{_cell(_pillar(code, rules))} | {level} | {count} |")
        ranked = sorted(findings, key=lambda f: (-level_rank(f.level) if f.level in
                                                 ("note", "warning", "error") else -1,
                                                 f.path, f.line, f.column, f.code))
        top = ranked[:TOP_FINDINGS]
        title = "Top findings" if len(ranked) > len(top) else "Findings"
        out += ["", f"### {title}", "", "| Level | Rule | Location | Message |",
                "| --- | --- | --- | --- |"]
        out += [f"| {f.level} | {_rule_link(f.code, rules)} | {_location(f, env)} | "
                f"{_cell(f.message)} |" for f in top]
        if len(ranked) > len(top):
            out += ["", f"…and {len(ranked) - len(top)} more: see the annotations, "
                    "the SARIF file or the code scanning alerts."]
    text = "\n".join(out) + "\n"
    while len(text.encode("utf-8")) > MAX_SUMMARY_BYTES:  # pathological paths only
        text = text[: len(text) // 2].rsplit("\n", 1)[0] + "\n\n…(summary truncated)\n"
    return text


# -- choosing the files ----------------------------------------------------------


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise ActionError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def changed_files(base_ref: str) -> tuple[str, list[str]]:
    """The merge base of ``HEAD`` with the base branch (fetched when missing),
    and the Python files added, copied, modified or renamed since."""
    _git("fetch", "--no-tags", "--quiet", "origin", base_ref)
    try:
        base = _git("merge-base", "FETCH_HEAD", "HEAD").strip()
    except ActionError as exc:
        raise ActionError(
            "only-changed: no merge base with the base branch; check out the full "
            "history (actions/checkout with 'fetch-depth: 0')"
        ) from exc
    names = _git("diff", "--name-only", "--diff-filter=ACMR", "-z", base, "HEAD").split("\0")
    top = Path(_git("rev-parse", "--show-toplevel").strip())
    cwd = Path.cwd()
    out = []
    for name in names:
        if name.endswith(PYTHON_SUFFIXES):
            path = top / name
            if path.is_file():
                out.append(os.path.relpath(path, cwd).replace(os.sep, "/"))
    return base, sorted(out)


def _within(path: str, folders: Sequence[str]) -> bool:
    norm = os.path.normpath(path)
    for folder in folders:
        top = os.path.normpath(folder)
        if top == "." or norm == top or norm.startswith(top.rstrip("/") + "/"):
            return True
    return False


def _output(env: Mapping[str, str], values: Mapping[str, str]) -> None:
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as stream:
        for key, value in values.items():
            if "\n" in value:
                marker = f"vibrails_{uuid.uuid4().hex}"
                stream.write(f"{key}<<{marker}\n{value}\n{marker}\n")
            else:
                stream.write(f"{key}={value}\n")


def _true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "on")


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    paths = shlex.split(env.get("VIBRAILS_PATHS", "") or ".")
    args = shlex.split(env.get("VIBRAILS_ARGS", ""))
    fail_on = env.get("VIBRAILS_FAIL_ON", "").strip()
    temp = env.get("RUNNER_TEMP") or tempfile.gettempdir()
    sarif = env.get("VIBRAILS_SARIF_FILE", "").strip() or os.path.join(temp, "vibrails.sarif")
    command = [sys.executable, "-m", "vibrails", "check", "--format", "sarif", "-o", sarif]
    if fail_on:
        command += ["--fail-on", fail_on]
    command += args
    empty: tempfile.TemporaryDirectory[str] | None = None
    options: list[str] = []
    targets = paths
    try:
        if _true(env.get("VIBRAILS_ONLY_CHANGED", "")):
            base_ref = env.get("GITHUB_BASE_REF", "")
            if base_ref:
                base, changed = changed_files(base_ref)
                files = [f for f in changed if _within(f, paths)]
                print(f"vibrails: {len(files)} changed Python file(s) since {base_ref}",
                      flush=True)
                if files:
                    # Those files, and in them only the lines the pull request changed.
                    options, targets = ["--force-exclude", "--diff-base", base], files
                else:  # nothing to check: one run on an empty folder keeps the outputs
                    empty = tempfile.TemporaryDirectory(dir=temp)
                    targets = [empty.name]
            else:
                print("::notice title=vibrails::only-changed applies to pull requests; "
                      "checking every path", flush=True)
        Path(sarif).parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([*command, *options, "--", *targets],
                                stdout=subprocess.PIPE, text=True)
    except ActionError as exc:
        print(f"::error title=vibrails::{escape_data(str(exc))}")
        return 2
    finally:
        if empty is not None:
            empty.cleanup()
    if result.stdout:
        sys.stdout.write(result.stdout)
    if result.returncode not in (0, 1):
        print(f"::error title=vibrails::vibrails check failed (exit {result.returncode})")
        _output(env, {"exit-code": str(result.returncode)})
        return 2
    target = env.get("GITHUB_STEP_SUMMARY")
    count = publish(sarif, env, result.returncode, target)
    if count is None:
        return 2
    outputs = {"sarif-file": sarif, "findings": str(count), "exit-code": str(result.returncode)}
    if _true(env.get("VIBRAILS_VERIFY", "")):
        # (check's --force-exclude is check's own; verify takes --diff-base alike)
        own = [option for option in options if option != "--force-exclude"]
        verified = verify(env, temp, [*own, "--", *targets], fail_on, target)
        if verified is None:
            _output(env, {**outputs, "exit-code": "2"})
            return 2
        verify_file, verify_count, verify_code = verified
        outputs.update({"verify-sarif-file": verify_file,
                        "findings": str(count + verify_count),
                        "exit-code": str(max(result.returncode, verify_code))})
    if _true(env.get("VIBRAILS_REPORT", "")):
        outputs["report-file"] = coverage_report(paths, temp, target)
    _output(env, outputs)
    return 0


def verify(env: Mapping[str, str], temp: str, targets: Sequence[str], fail_on: str,
           summary_file: str | None) -> tuple[str, int, int] | None:
    """``verify: true``: ``vibrails verify`` on the same paths (the changed
    functions only, with ``only-changed``), which imports and runs the code:
    its SARIF file, the number of its findings and its exit status; its
    annotations printed, its summary appended. ``None`` when it failed."""
    sarif = os.path.join(temp, "vibrails-verify.sarif")
    command = [sys.executable, "-m", "vibrails", "verify", "--format", "sarif", "-o", sarif]
    if fail_on:
        command += ["--fail-on", fail_on]
    command += shlex.split(env.get("VIBRAILS_VERIFY_ARGS", ""))
    print("vibrails: verifying the contracts (this imports and runs the code under test)",
          flush=True)
    result = subprocess.run([*command, *targets], stdout=subprocess.PIPE, text=True)
    if result.returncode not in (0, 1):
        print(f"::error title=vibrails::vibrails verify failed (exit {result.returncode})")
        return None
    count = publish(sarif, env, result.returncode, summary_file, title="vibrails verify")
    return None if count is None else (sarif, count, result.returncode)


def publish(sarif: str, env: Mapping[str, str], exit_code: int, summary_file: str | None,
            title: str = "vibrails") -> int | None:
    """Read a run's SARIF file back: print its annotations, append its job
    summary under ``## {title}``; the number of its unsuppressed findings, or
    ``None`` when the file cannot be read (an error annotation)."""
    try:
        log = json.loads(Path(sarif).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"::error title=vibrails::{escape_data(f'cannot read the SARIF file {sarif}: {exc}')}")
        return None
    findings = findings_from_sarif(log)
    sys.stdout.write(annotation_lines(findings))
    sys.stdout.flush()
    if summary_file:
        text = summary(log, env, exit_code)
        if title != "vibrails":  # a second run's summary, after the check's
            text = "\n" + text.replace("## vibrails\n", f"## {title}\n", 1)
        with open(summary_file, "a", encoding="utf-8") as stream:
            stream.write(text)
    return sum(1 for f in findings if f.suppressed is None)


def coverage_report(paths: Sequence[str], temp: str, summary_file: str | None) -> str:
    """``report: true``: the coverage report's markdown appended to the job
    summary, its HTML written for the artifact upload; the HTML's path, or
    ``""`` when the report could not be made (a warning, the job goes on)."""
    html = os.path.join(temp, "vibrails-report.html")
    base = [sys.executable, "-m", "vibrails", "report"]
    markdown = subprocess.run([*base, "--format", "markdown", "--", *paths],
                              stdout=subprocess.PIPE, text=True)
    page = subprocess.run([*base, "--format", "html", "-o", html, "--", *paths])
    if markdown.returncode != 0 or page.returncode != 0:
        print("::warning title=vibrails::vibrails report failed; no coverage report",
              flush=True)
        return ""
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as stream:
            stream.write("\n" + markdown.stdout)
    return html


if __name__ == "__main__":
    sys.exit(main())
