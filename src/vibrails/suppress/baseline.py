"""``--baseline FILE``: leave out the findings an earlier report already had.

The baseline is a report that ``vibrails check`` wrote before, in JSON
(``--format json``: a list of objects with a ``fingerprint``) or SARIF
(``--format sarif``: ``partialFingerprints["vibrails/v1"]`` of each result).
Findings are matched on that ``vibrails/v1`` fingerprint alone: it hashes the
rule code, the path, the enclosing scope and the normalised text of the flagged
construct, not its line, so edits elsewhere in the file and moved lines keep
a baselined finding hidden, while a new finding (another construct, even of the
same rule in the same file) is reported.

Suppressed results of a SARIF baseline are not part of it, as a JSON report
does not list them either: the two formats make the same baseline.

Fingerprints contain the path as the report showed it (relative to the
directory ``vibrails check`` ran in), so write and use a baseline from the same
directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vibrails.core.finding import Finding

SARIF_KEY = "vibrails/v1"


class BaselineError(Exception):
    """The baseline file is missing or is not a vibrails JSON/SARIF report."""


def _from_json_list(data: list[Any], shown: str) -> set[str]:
    prints: set[str] = set()
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            raise BaselineError(
                f"{shown}: entry {index + 1} has no 'fingerprint'; "
                "write the baseline with 'vibrails check --format json' or '--format sarif'"
            )
        if item.get("suppressed"):
            continue
        prints.add(item["fingerprint"])
    return prints


def _from_sarif(data: dict[str, Any], shown: str) -> set[str]:
    runs = data.get("runs")
    if not isinstance(runs, list):
        raise BaselineError(f"{shown}: a SARIF log needs a 'runs' list")
    prints: set[str] = set()
    for run in runs:
        results = run.get("results", []) if isinstance(run, dict) else None
        if not isinstance(results, list):
            raise BaselineError(f"{shown}: a SARIF run needs a 'results' list")
        for result in results:
            if not isinstance(result, dict):
                raise BaselineError(f"{shown}: a SARIF result must be an object")
            if result.get("suppressions"):
                continue
            partial = result.get("partialFingerprints")
            value = partial.get(SARIF_KEY) if isinstance(partial, dict) else None
            if not isinstance(value, str):
                raise BaselineError(
                    f"{shown}: a result of rule {result.get('ruleId', '?')} has no "
                    f"partialFingerprints[{SARIF_KEY!r}]; is this a vibrails SARIF report?"
                )
            prints.add(value)
    return prints


def load_baseline(path: Path) -> frozenset[str]:
    """The ``vibrails/v1`` fingerprints of the unsuppressed findings in ``path``."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise BaselineError(
            f"baseline {shown} not found; write one with "
            f"'vibrails check --format json -o {shown}'"
        ) from exc
    except IsADirectoryError as exc:
        raise BaselineError(f"baseline {shown} is a directory, not a report") from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise BaselineError(f"cannot read baseline {shown}: {reason}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"baseline {shown} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if isinstance(data, list):
        return frozenset(_from_json_list(data, f"baseline {shown}"))
    if isinstance(data, dict) and "runs" in data:
        return frozenset(_from_sarif(data, f"baseline {shown}"))
    raise BaselineError(
        f"baseline {shown} is neither a vibrails JSON report (a list) nor a SARIF log"
    )


def apply_baseline(findings: Iterable[Finding], known: frozenset[str]) -> list[Finding]:
    """``findings`` without the unsuppressed ones whose fingerprint is in ``known``.

    Suppressed findings stay (SARIF lists them as suppressed).
    """
    return [
        f for f in findings
        if f.suppressed is not None or not f.fingerprint or f.fingerprint not in known
    ]
