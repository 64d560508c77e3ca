"""The HTML coverage report: a well-formed, self-contained page whose charts a real
browser draws (src/vibrails/report/coverage/html_format.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from vibrails.engine.coverage import Counts
from vibrails.report.coverage import CoverageReport, Snapshot, render
from vibrails.report.coverage.html_format import COLOURS

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
#: SVG elements written self-closed (``<line …/>``).
SELF_CLOSED = frozenset({"line", "rect", "circle", "polyline", "path"})


class Page(HTMLParser):
    """Every element opened is closed, in order; what the page refers to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.references: list[str] = []
        self.svg_roles: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name in ("src", "href", "xlink:href"):
            if values.get(name):
                self.references.append(values[name] or "")
        if tag == "svg":
            self.svg_roles.append(values.get("role"))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in SELF_CLOSED and tag not in VOID:
            self.problems.append(f"<{tag}/> is not an element that may close itself")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _counts(files: int, lines: int, functions: int, contracted: int, classes: int,
            invariant: int, provenance: int, reviewed: int, **findings: int) -> Counts:
    return Counts(files, lines, functions, contracted, classes, invariant, provenance,
                  reviewed, dict(findings))


def _report() -> CoverageReport:
    shop = _counts(2, 35, 4, 2, 2, 1, 1, 1, VBR201=1, VBR401=1)
    util = _counts(1, 3, 1, 1, 0, 0, 0, 0, VBR401=1)
    total = Counts()
    total.add(shop)
    total.add(util)
    now = Snapshot("work tree", total=total, packages={"shop": shop, "util <&>": util})
    trend = [
        Snapshot(f"c{i:07d}", commit=f"c{i:039d}", date="2026-12-0{i}T00:00:00Z",
                 subject=f"step {i}", total=_counts(i, 10 * i, 2 * i, i, 1, i % 2, 1, 0))
        for i in range(1, 5)
    ]
    return CoverageReport(now=now, trend=trend, project="shop <&> \"co\"", version="0.1.0",
                          pillars={"VBR201": "invariants", "VBR401": "provenance"})


def test_the_page_is_well_formed_and_self_contained() -> None:
    page = render("html", _report())
    parser = Page()
    parser.feed(page)
    parser.close()
    assert parser.problems == [] and parser.stack == []
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert parser.references == []  # nothing fetched: no src, no href
    assert "<title>vibrails coverage: shop &lt;&amp;&gt; &quot;co&quot;</title>" in page
    assert parser.svg_roles == ["img", "img", "img"]  # packages, trend, pillars


def test_every_chart_is_valid_svg_with_a_title_and_a_description() -> None:
    page = render("html", _report())
    charts = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(charts) == 3
    for chart in charts:
        root = ET.fromstring(chart)  # XML: every tag closed, every entity escaped
        ns = "{http://www.w3.org/2000/svg}"
        assert root.tag == f"{ns}svg"
        title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
        assert title is not None and title.text and desc is not None and desc.text
        labelled = root.get("aria-labelledby", "").split()
        assert labelled == [title.get("id"), desc.get("id")]
    # The numbers drawn are those of the report: 2 of 4 contracted in shop.
    assert "50% (2/4)" in charts[0] and "util &lt;&amp;&gt;" in charts[0]
    assert charts[1].count("<polyline") == 4 and charts[1].count("<circle") == 16
    assert ">invariants</text>" in charts[2] and ">1</text>" in charts[2]


def test_the_charts_use_only_the_colour_blind_safe_palette() -> None:
    page = render("html", _report())
    used = set(re.findall(r'fill="(#[0-9A-Fa-f]{6})"', page))
    used |= set(re.findall(r'stroke="(#[0-9A-Fa-f]{6})"', page))
    assert used <= {*COLOURS, "#1b1b1b", "#d0d0d0"}


def test_markdown_and_json_carry_the_same_numbers() -> None:
    report = _report()
    text = render("markdown", report)
    assert "| shop | 2 | 35 | 50% (2/4) | 50% (1/2) | 50% (1/2) | 50% (1/2) | 2 |" in text
    assert "| util <&> | 1 | 3 | 100% (1/1) | n/a (0/0) | 0% (0/1) | 0% (0/1) | 1 |" in text
    assert '"contracted": 3' in render("json", report)


def _chromium() -> str:
    wanted = os.environ.get("VIBRAILS_CHROMIUM")
    found = wanted or shutil.which("chromium") or shutil.which("chromium-browser")
    if wanted and not Path(wanted).exists():
        pytest.fail(f"VIBRAILS_CHROMIUM={wanted} does not exist")
    if not found:
        pytest.skip("no headless browser here (chromium); .ci/run installs one where it can")
    return found


def test_a_real_browser_draws_the_charts(tmp_path: Path) -> None:
    from PIL import Image

    browser = _chromium()
    page = tmp_path / "report.html"
    page.write_text(render("html", _report()), encoding="utf-8")
    shot = tmp_path / "report.png"
    base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}"]
    done = subprocess.run([*base, "--window-size=1100,1800", f"--screenshot={shot}",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.exists(), done.stderr
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert dom.count("<svg") == 3 and dom.count("<rect") >= 12
    image = Image.open(shot).convert("RGB")
    data = image.tobytes()
    pixels = Counter(data[i:i + 3] for i in range(0, len(data), 3))
    # Every share's colour is drawn (bars and lines), in more than a sliver.
    for colour in COLOURS[:4]:
        rgb = bytes.fromhex(colour[1:])
        assert pixels[rgb] > 200, f"{colour} barely drawn: {pixels[rgb]} pixels"

