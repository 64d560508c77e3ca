"""Property-based tests on generated Python modules (hypothesis + hypothesmith).

In-process, for every generated module (``hypothesmith.from_grammar()``,
and valid modules built from libcst nodes by ``tests/modules.py``, which
replaces ``hypothesmith.from_node()``: that one filters what does not
compile and failed hypothesis's ``filter_too_much`` health check one run in
two): checking it with every rule on never
raises, never reports VBR000, reports VBR001/VBR002 exactly when CPython
cannot compile it (or libcst cannot parse it), and gives the same findings
twice.

Through the real command line, on one batch of generated modules written
into a temporary tree (one CLI run per property, not per module):
``vibrails check --assume-ai`` exits 0 or 1, gives byte-identical output
twice and under ``--jobs 2``, and its SARIF validates against the schema.

``scripts/fuzz.py`` runs the same properties with more examples and a
random seed.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesmith
import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from modules import modules
from util import SARIF_SCHEMA, run_vibrails

from vibrails.config import Config, validate
from vibrails.core.catalogue import load_catalogue
from vibrails.core.selection import Selection
from vibrails.discover import Discovered
from vibrails.engine.run import check_file

#: hypothesmith compiles what it generates; its SyntaxWarnings are not ours.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

SCHEMA = json.loads(
    SARIF_SCHEMA.read_text("utf-8")
)
#: Examples per strategy (``VIBRAILS_FUZZ_EXAMPLES`` raises it, as scripts/fuzz.py does).
EXAMPLES = int(os.environ.get("VIBRAILS_FUZZ_EXAMPLES", "150"))
#: The mangled modules (and the node-built modules of the CLI batch) are fewer:
#: each mangled one is checked twice, and the batch is a second pass.
NODE_EXAMPLES = max(EXAMPLES // 3, 20)
#: The batch for the CLI properties is drawn with a fixed seed (reproducible)
#: unless ``VIBRAILS_FUZZ_SEED`` names another.
BATCH_SEED = int(os.environ.get("VIBRAILS_FUZZ_SEED", "20261124"))

STRATEGIES: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "grammar": hypothesmith.from_grammar,
    "node": modules,
}

_ALL = Selection.build(["ALL"], [code for code, info in load_catalogue().items() if info.opt_in],
                       [], {})


def _settings(root: Path) -> dict[str, Any]:
    values, _ = validate({}, "test")
    values["assume-ai"] = True
    return Config(root=root, source=None, values=values).settings()


def _compiles(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "m.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _check_source(source: str) -> list[Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "m.py"
        path.write_bytes(source.encode("utf-8", "surrogatepass"))
        item = Discovered(path=path, display="m.py", project_path="m.py")
        result = check_file(item, _settings(root), _ALL)
    assert result.tagged
    return result.findings


def _assert_sane(source: str) -> None:
    findings = _check_source(source)
    codes = [f.code for f in findings]
    catalogue = load_catalogue()
    assert "VBR000" not in codes, [f.message for f in findings if f.code == "VBR000"]
    for finding in findings:
        assert finding.code in catalogue
        assert finding.line >= 1 and finding.column >= 1
        assert (finding.end_line, finding.end_column) >= (finding.line, finding.column)
        assert finding.fingerprint
    unreadable = {"VBR001", "VBR002"} & set(codes)
    if not _compiles(source):
        assert unreadable, f"CPython rejects this module but vibrails does not:\n{source!r}"
    elif "VBR002" in codes:
        pytest.fail(f"VBR002 on a module CPython compiles:\n{source!r}")
    if unreadable:
        # A file that cannot be read or parsed has that finding and nothing
        # from the tree rules (VBR1xx-VBR3xx).
        assert not [c for c in codes if c[3] in "123"], codes
    assert _check_source(source) == findings, "not deterministic"


_PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_PROPERTY
@given(hypothesmith.from_grammar())
def test_generated_modules_from_the_grammar(source: str) -> None:
    _assert_sane(source)


@_PROPERTY
@given(modules())
def test_generated_modules_from_libcst_nodes(source: str) -> None:
    # Built valid, never filtered: hypothesis rejects no draw, so no health check can fail.
    assert _compiles(source), source
    _assert_sane(source)


#: Code that gives findings of several rules when appended to a module.
BAD_TAIL = """

def add(item, basket=[]):
    basket.append(item)
    return basket


class Account:
    history = []

    def deposit(self, amount, log={}):
        self.balance = amount
        log[amount] = True
"""


_GRAMMAR = hypothesmith.from_grammar()  # building it parses the grammar: once


@st.composite
def _mangled(draw: st.DrawFn) -> str:
    """A generated module, cut short or with junk inserted: mostly invalid."""
    source = draw(_GRAMMAR)
    cut = draw(st.integers(0, len(source)))
    junk = draw(st.sampled_from(["", "(", ")", ":", "\\", "\t", "def", "'", "\x00", "\r"]))
    return source[:cut] + junk + source[cut:] + draw(st.sampled_from(["", BAD_TAIL]))


@settings(_PROPERTY, max_examples=NODE_EXAMPLES)
@given(_mangled())
def test_mangled_generated_modules(source: str) -> None:
    _assert_sane(source)


# -- the command line on one batch ------------------------------------------


def draw(strategy: st.SearchStrategy[str], count: int, batch_seed: int) -> list[str]:
    """``count`` values of ``strategy`` (no ``.example()``): a seeded @given run."""
    out: list[str] = []

    @seed(batch_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: str) -> None:
        out.append(value)

    collect()
    return list(dict.fromkeys(out))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    (root / "pyproject.toml").write_text("[tool.vibrails]\nassume-ai = true\n", "utf-8")
    count = 0
    for name, make in STRATEGIES.items():
        wanted = EXAMPLES if name == "grammar" else NODE_EXAMPLES
        for number, source in enumerate(draw(make(), wanted, BATCH_SEED)):
            folder = root / name / f"part{number % 8}"
            folder.mkdir(parents=True, exist_ok=True)
            data = source.encode("utf-8", "surrogatepass")
            (folder / f"m{number:04d}.py").write_bytes(data)
            count += 1
            # Variants with findings: bad code appended, or the module cut short.
            if number % 3 == 0:
                (folder / f"m{number:04d}_tail.py").write_bytes(data + BAD_TAIL.encode())
            if number % 5 == 0 and len(data) > 2:
                (folder / f"m{number:04d}_cut.py").write_bytes(data[: len(data) // 2] + b"(\n")
    assert count >= min(EXAMPLES, 100)
    return root


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = run_vibrails("check", "--no-cache", "--assume-ai", *args, ".", cwd=root)
    assert result.returncode == 1, result.stderr  # the batch always has VBR001 and VBR304
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def test_cli_on_the_batch_is_deterministic_and_jobs_independent(batch: Path) -> None:
    code1, first, _ = _cli(batch, "--format", "json", "--jobs", "1")
    code2, second, _ = _cli(batch, "--format", "json", "--jobs", "2")
    code3, third, _ = _cli(batch, "--format", "json", "--jobs", "2")
    assert first == second == third
    assert code1 == code2 == code3
    findings = json.loads(first)
    codes = {f["code"] for f in findings}
    assert {"VBR001", "VBR304"} <= codes, codes
    assert not [f for f in findings if f["code"] == "VBR000"]
    files = {p.relative_to(batch).as_posix() for p in batch.rglob("*.py")}
    assert {f["path"] for f in findings} <= files


def test_cli_sarif_on_the_batch_validates_and_is_jobs_independent(batch: Path) -> None:
    _, one, _ = _cli(batch, "--format", "sarif", "--jobs", "1")
    _, two, _ = _cli(batch, "--format", "sarif", "--jobs", "2")
    assert one == two
    jsonschema.validate(json.loads(one), SCHEMA)


@pytest.mark.parametrize("fmt", ["text", "flake8", "github", "gitlab"])
def test_cli_other_formats_on_the_batch_are_jobs_independent(batch: Path, fmt: str) -> None:
    _, one, _ = _cli(batch, "--format", fmt, "--jobs", "1")
    _, two, _ = _cli(batch, "--format", fmt, "--jobs", "2")
    assert one == two


# -- the small parsers vibrails owns -------------------------------------------
# Header fields: tests/tagging/test_markers.py (test_fields_round_trip,
# test_scanners_never_raise, test_scanners_agree_with_cpython); noqa comments:
# tests/checks/shared/test_noqa.py (test_parse_round_trip, test_parser_never_raises).

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                   max_size=4),
    max_leaves=20,
)
_CONFIG_KEYS = st.sampled_from(
    ["select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
     "ai-generated", "assume-ai", "markers", "extend-markers", "git-trailers", "fail-on",
     "ledger", "max-file-bytes", "timeout-per-file", "cache-dir", "contracts", "invariants",
     "mutation", "state", "provenance", "unknown-key"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_CONFIG_KEYS, _JSON, max_size=6))
def test_config_values_are_accepted_or_a_config_error(section: dict[str, Any]) -> None:
    from vibrails.config import ConfigError

    try:
        values, notes = validate(section, "pyproject.toml")
    except ConfigError as exc:
        message = str(exc)
        assert message and "\n" not in message
        assert "pyproject.toml" in message
        return
    assert isinstance(notes, list)
    for key in section:
        assert key in values


_LINE = st.text(max_size=80) | _JSON.map(lambda v: json.dumps(v))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=120) | _LINE.map(str.encode), max_size=8))
def test_ledger_verify_never_raises(lines: list[bytes]) -> None:
    from vibrails.provenance.store import verify

    with tempfile.TemporaryDirectory() as folder:
        ledger = Path(folder) / "ledger.jsonl"
        ledger.write_bytes(b"\n".join(lines))
        found = verify(ledger)
    for problem in found:
        assert problem.line >= 1 and problem.message


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_ledger_event_problems_never_raise(value: Any) -> None:
    from vibrails.provenance.events import parse_time, problems

    assert all(isinstance(p, str) and p for p in problems(value))
    parse_time(value)


_EVENT = st.fixed_dictionaries(
    {
        "event": st.sampled_from(["generated", "edited", "reviewed", "regenerated"]),
        "path": st.from_regex(r"[a-z]{1,8}(/[a-z_]{1,8}){0,2}\.py", fullmatch=True),
        "sha256": st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
        "at": st.sampled_from(["2026-11-20T10:00:00Z", "2026-01-02T03:04:05+00:00"]),
        "model": st.text(min_size=1, max_size=20),
        "prompt": st.text(min_size=1, max_size=20),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_EVENT, min_size=1, max_size=6))
def test_ledger_lines_round_trip(events: list[dict[str, Any]]) -> None:
    """Events appended by the ledger's writer verify and read back unchanged."""
    from vibrails.provenance.store import append, read_events, verify

    with tempfile.TemporaryDirectory() as folder:
        ledger = Path(folder) / "ledger.jsonl"
        append(ledger, [dict(e) for e in events[: len(events) // 2]])
        append(ledger, [dict(e) for e in events[len(events) // 2 :]])
        assert verify(ledger) == []
        back = [event for _, event in read_events(ledger)]
    assert [{k: e[k] for k in events[0]} for e in back] == events


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=100) | _LINE.map(str.encode), max_size=6))
def test_agent_trace_parser_never_raises(lines: list[bytes]) -> None:
    from vibrails.provenance.attribution import parse_agent_trace

    notes: list[str] = []
    found = parse_agent_trace(iter(lines), notes, "traces.jsonl")
    for attributions in found.values():
        assert all(1 <= a.start <= a.end for a in attributions)


_RANGES = st.lists(
    st.tuples(st.integers(1, 500), st.integers(0, 50)).map(lambda r: (r[0], r[0] + r[1])),
    min_size=1, max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(
    path=st.from_regex(r"[a-z]{1,8}/[a-z_]{1,8}\.py", fullmatch=True),
    ranges=_RANGES,
    kind=st.sampled_from(["ai", "mixed"]),
    model=st.text(min_size=1, max_size=20),
)
def test_agent_trace_record_round_trip(
    path: str, ranges: list[tuple[int, int]], kind: str, model: str
) -> None:
    from vibrails.provenance.attribution import parse_agent_trace

    record = {
        "version": "0.1.0", "id": "r1", "timestamp": "2026-11-20T10:00:00Z",
        "files": [{"path": path, "conversations": [{
            "contributor": {"type": kind, "model_id": model},
            "ranges": [{"start_line": s, "end_line": e} for s, e in ranges],
        }]}],
    }
    found = parse_agent_trace(iter([json.dumps(record).encode()]), [], "traces.jsonl")
    assert [(a.start, a.end, a.model) for a in found[path]] == [(s, e, model) for s, e in ranges]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=40))
def test_git_ai_note_parser_never_raises(text: str, commit: str) -> None:
    from vibrails.provenance.attribution import parse_git_ai_note

    for attributions in parse_git_ai_note(text, commit).values():
        assert all(1 <= a.start <= a.end for a in attributions)


@settings(max_examples=200, deadline=None)
@given(
    path=st.from_regex(r"[a-z]{1,8}/[a-z_]{1,8}\.py", fullmatch=True),
    ranges=_RANGES,
    session=st.from_regex(r"[0-9a-f]{14}", fullmatch=True),
    model=st.from_regex(r"[a-z0-9.-]{1,12}", fullmatch=True),
)
def test_git_ai_note_round_trip(
    path: str, ranges: list[tuple[int, int]], session: str, model: str
) -> None:
    from vibrails.provenance.attribution import parse_git_ai_note

    key = f"s_{session}::t_{session}"
    text = "\n".join([
        path,
        f"  {key} " + ",".join(f"{s}-{e}" if e != s else str(s) for s, e in ranges),
        f"  h_{session} 900-910",
        "---",
        json.dumps({"schema_version": "authorship/3.0.0", "sessions": {
            f"s_{session}": {"agent_id": {"tool": "claude-code", "id": "x", "model": model}},
        }}),
    ])
    found = parse_git_ai_note(text, "0" * 40)
    assert [(a.start, a.end) for a in found[path]] == ranges
    assert {a.model for a in found[path]} == {model}
