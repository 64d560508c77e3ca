"""A JSON array of findings, sorted by path, line, column and code."""

from __future__ import annotations

import json

from vibrails.finding import Finding
from vibrails.report import ReportContext


def render(findings: list[Finding], context: ReportContext) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, byte for byte.

    With an indent, ``json`` falls back to its pure-Python encoder, which costs
    a third of a cached run; the objects are flat, so each value is encoded
    by the C encoder and the layout is written here.
    """
    data = [f.to_json() for f in findings if f.suppressed is None]
    if not data:
        return "[]\n"
    objects = [
        "  {\n" + ",\n".join(f"    {_string(k)}: {_value(v)}" for k, v in item.items()) + "\n  }"
        for item in data
    ]
    return "[\n" + ",\n".join(objects) + "\n]\n"


#: The C string encoder when it is there (as ``json.dumps`` itself uses it).
_string = json.encoder.encode_basestring


def _value(value: object) -> str:
    """One scalar as ``json.dumps(value, ensure_ascii=False)`` writes it."""
    if isinstance(value, str):
        return _string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)
