"""A JSON array of findings, sorted by path, line, column and code."""

from __future__ import annotations

import json

from vibrails.core.finding import Finding
from vibrails.report import ReportContext


def render(findings: list[Finding], context: ReportContext) -> str:
    """``json.dumps([f.to_json() …], indent=2, ensure_ascii=False)``, byte for byte.

    With an indent, ``json`` falls back to its pure-Python encoder, which costs
    a third of a cached run; the objects are flat and their keys fixed, so the
    strings go through the C encoder and the layout is written here (a
    property test compares the two).
    """
    shown = [f for f in findings if f.suppressed is None]
    if not shown:
        return "[]\n"
    s = _string
    objects = [
        f'  {{\n    "path": {s(f.path)},\n    "line": {f.line},\n    "column": {f.column},\n'
        f'    "end_line": {f.end_line},\n    "end_column": {f.end_column},\n'
        f'    "code": {s(f.code)},\n    "name": {s(f.name)},\n    "level": {s(f.level)},\n'
        f'    "message": {s(f.message)},\n    "tag": {s(f.tag)},\n'
        f'    "fingerprint": {s(f.fingerprint)}\n  }}'
        for f in shown
    ]
    return "[\n" + ",\n".join(objects) + "\n]\n"


#: The C string encoder when it is there (as ``json.dumps`` itself uses it).
_string = json.encoder.encode_basestring
