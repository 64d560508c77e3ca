"""VBR101's default scope ("implied") and the entry points VBR101 and VBR303 leave alone."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from test_examples import check_example
from util import run_vibrails, write

from vibrails.core.finding import Finding

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the example's display path is relative to it


def found(tmp_path: Path, code: str, source: str, filename: str = "pkg/m.py",
          config: dict | None = None) -> list[Finding]:
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    text = textwrap.dedent(source).lstrip("\n")
    result = check_example(tmp_path, text.encode(), filename, (code,), config or {})
    return [f for f in result if f.code == code]


ACCOUNT = """
class Account:
    def __init__(self):
        self.balance = 0

    def withdraw(self, amount):
        self.balance -= amount
"""


def test_message_names_condition_use_line_and_derived_contract(tmp_path: Path) -> None:
    [finding] = found(tmp_path, "VBR101", ACCOUNT)
    assert (finding.line, finding.column) == (5, 5)
    assert finding.message == (
        "public method 'Account.withdraw(amount)' relies on 'amount >= 0' without checking it: "
        "'amount' is subtracted from self.balance (line 6), and a negative value adds to it "
        "instead; add '@icontract.require(lambda amount: amount >= 0)' or a guard clause"
    )
    assert finding.related[:4] == (6, 9, 6, 31)


def test_public_scope_reports_every_function_without_a_contract(tmp_path: Path) -> None:
    source = "def greet(user):\n    return user.name\n"
    assert found(tmp_path, "VBR101", source) == []
    public = found(tmp_path, "VBR101", source, config={"contracts": {"scope": "public"}})
    assert [f.line for f in public] == [1]
    assert "has no contract" in public[0].message


@pytest.mark.parametrize(
    "source",
    [
        # the state is a list: += extends it, nothing numeric to hold
        "class A:\n    def __init__(self):\n        self.items = []\n"
        "    def add(self, more):\n        self.items += more\n",
        # compared with a constant before use: checked
        "def head(rows, n):\n    if n < 0:\n        n = 0\n    return rows[:n]\n",
        # rebound to a normalised value
        "def head(rows, n):\n    n = max(n, 0)\n    return rows[:n]\n",
        # a comparison with another variable is a use; the assert is the check
        "def run(job, attempts):\n    assert attempts > 0\n    for i in range(attempts):\n"
        "        job()\n",
        # framework-validated route
        "from fastapi import APIRouter\nrouter = APIRouter()\n"
        "@router.get('/x')\ndef items(limit: int):\n    rows = load()\n    return rows[:limit]\n",
    ],
)
def test_checked_or_validated_parameters_are_not_reported(tmp_path: Path, source: str) -> None:
    assert found(tmp_path, "VBR101", source) == []


def test_a_comparison_with_a_counter_does_not_count_as_a_check(tmp_path: Path) -> None:
    source = """
    def retry(job, attempts):
        for attempt in range(attempts):
            if attempt < attempts - 1:
                job()
    """
    assert [f.line for f in found(tmp_path, "VBR101", source)] == [1]


ENV = """
import os
import click

def configure():
    os.environ["TZ"] = "UTC"

def helper():
    os.chdir("/tmp")

@click.command()
def cli():
    os.umask(0o22)

def library():
    os.environ["MODE"] = "x"

def main():
    configure()

if __name__ == "__main__":
    main()
    os.environ["DEBUG"] = "1"
"""


def test_vbr303_spares_entry_points_but_not_library_code(tmp_path: Path) -> None:
    lines = sorted(f.line for f in found(tmp_path, "VBR303", ENV))
    # configure() runs only from main(), main() only from the __main__ block,
    # cli() is a click command; helper() and library() are library code.
    assert lines == [8, 15]


def test_vbr303_spares_scripts_and_console_script_entry_points(tmp_path: Path) -> None:
    source = "import os\n\ndef main():\n    os.environ['TZ'] = 'UTC'\n"
    assert [f.line for f in found(tmp_path, "VBR303", source)] == [4]
    assert found(tmp_path, "VBR303", source, filename="scripts/setup_env.py") == []
    assert found(tmp_path, "VBR303", "#!/usr/bin/env python3\n" + source) == []
    project = write(tmp_path / "proj", {
        "pyproject.toml": '[project]\nname = "p"\n[project.scripts]\np = "pkg.m:main"\n'
                          '[tool.vibrails]\nassume-ai = true\nselect = ["VBR303"]\n',
        "pkg/__init__.py": "",
        "pkg/m.py": source + "\ndef other():\n    os.chdir('/')\n",
    })
    result = run_vibrails("check", "--no-cache", "--format", "json", "pkg/m.py", cwd=project)
    assert [f["line"] for f in json.loads(result.stdout)] == [7]


def test_vbr301_related_location_is_valid_sarif(tmp_path: Path) -> None:
    project = write(tmp_path, {
        "pyproject.toml": '[tool.vibrails]\nassume-ai = true\nselect = ["VBR101", "VBR301"]\n',
        "m.py": "def fill(rows):\n    rows.append(1)\n" + textwrap.dedent(ACCOUNT),
    })
    result = run_vibrails("check", "--no-cache", "--format", "sarif", "m.py", cwd=project)
    log = json.loads(result.stdout)
    jsonschema.validate(log, SCHEMA)
    results = log["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    related = by_rule["VBR301"]["relatedLocations"][0]
    assert by_rule["VBR301"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert related["physicalLocation"]["region"]["startLine"] == 1
    assert related["message"]["text"] == "'fill' receives 'rows' here"
    assert by_rule["VBR101"]["relatedLocations"][0]["physicalLocation"]["region"][
        "startLine"] == 9


def test_cached_findings_keep_their_related_location(tmp_path: Path) -> None:
    project = write(tmp_path, {
        "pyproject.toml": '[tool.vibrails]\nassume-ai = true\nselect = ["VBR101", "VBR301"]\n',
        "m.py": "def fill(rows):\n    rows.append(1)\n" + textwrap.dedent(ACCOUNT),
    })
    args = ("check", "--format", "sarif", "--cache-dir", ".cache", "m.py")
    cold = run_vibrails(*args, cwd=project)
    warm = run_vibrails(*args, cwd=project)
    assert (project / ".cache").is_dir()
    assert warm.stdout == cold.stdout
    assert '"relatedLocations"' in warm.stdout


@pytest.mark.parametrize(
    ("spec", "entry"),
    [("pkg.m:main", True), (" pkg.m : main ", True), ("m:main", True),
     ("pkg.m:main.run", True), ("pkg.m", False), ("other.m:main", False), (":main", False),
     ("pkg.m:", False)],
)
def test_console_script_specs(spec: str, entry: bool) -> None:
    import libcst as cst

    from vibrails.checks.shared.entrypoints import find_entry_points
    from vibrails.checks.shared.names import Names

    module = cst.parse_module("def main():\n    pass\n")
    found = find_entry_points(module, "src/pkg/m.py", module.code, Names(module), [spec],
                              location="/nonexistent/src/pkg/m.py")
    assert (id(module.body[0]) in found.functions) is entry


@pytest.mark.parametrize(
    ("body", "condition"),
    [("return [i / n for i in range(1, n)]", "n >= 1"),
     ("return list(range(n - 1))", "n >= 1"),
     ("return [0 for _ in range(2, n + 3)]", "n >= -1"),
     ("return items[:n - 1] + items", "n >= 1"),
     ("return [[0] * (n + 1)]", "n >= -1"),
     ("return [i for i in range(0, 10, n)]", "n > 0")],
)
def test_the_condition_follows_the_arithmetic_of_the_use(tmp_path: Path, body: str,
                                                         condition: str) -> None:
    [finding] = found(tmp_path, "VBR101", f"def f(items, n):\n    {body}\n")
    assert f"relies on '{condition}'" in finding.message
    assert f"lambda n: {condition}" in finding.message


def test_a_merge_counts_into_named_settings_only(tmp_path: Path) -> None:
    source = """
    class Box:
        def __init__(self):
            self.settings = {"theme": "light"}
            self.headers = {}

        def configure(self, options):
            self.settings.update(options)

        def add_headers(self, extra):
            self.headers.update(extra)
    """
    [finding] = found(tmp_path, "VBR101", source)
    assert finding.line == 6
    assert "'set(options) <= set(self.settings)'" in finding.message
