"""The JSON report is exactly ``json.dumps(..., indent=2, ensure_ascii=False)``."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from vibrails.core.finding import Finding
from vibrails.report import ReportContext
from vibrails.report.json import render

TEXT = st.text(max_size=30)


@given(
    st.lists(
        st.builds(
            Finding,
            path=TEXT, line=st.integers(1, 10**6), column=st.integers(1, 500),
            end_line=st.integers(1, 10**6), end_column=st.integers(1, 500),
            code=st.from_regex(r"VBR[0-9]{3}", fullmatch=True), name=TEXT,
            level=st.sampled_from(["note", "warning", "error"]), message=TEXT, tag=TEXT,
            fingerprint=TEXT, suppressed=st.none() | TEXT,
        ),
        max_size=5,
    )
)
def test_render_equals_the_standard_encoder(findings: list[Finding]) -> None:
    context = ReportContext(rules={}, root=__import__("pathlib").Path("."))
    expected = [f.to_json() for f in findings if f.suppressed is None]
    out = render(findings, context)
    assert out == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(out) == expected
