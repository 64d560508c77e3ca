"""Configuration files: discovery, every key, every error (vibrails.config)."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vibrails.config import (
    DEFAULT_EXCLUDE,
    FAIL_ON,
    ConfigError,
    check_codes,
    defaults,
    find_config,
    load_config,
)
from vibrails.core.catalogue import load_catalogue

PYTHON = sys.executable
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_text(tmp_path: Path, body: str, name: str = "pyproject.toml") -> dict[str, Any]:
    """Load ``body`` put under ``[tool.vibrails]`` of a pyproject.toml."""
    header = "[tool.vibrails]\n" if name == "pyproject.toml" else ""
    write(tmp_path / name, header + body)
    return load_config(cwd=tmp_path).values


def config_error(tmp_path: Path, body: str, name: str = "pyproject.toml") -> str:
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, body, name)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert name in message
    return message


# -- finding the file ----------------------------------------------------------------


def test_no_configuration_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config.source is None
    assert config.root == tmp_path.resolve()
    assert config.values == defaults()
    assert config.values["exclude"] == list(DEFAULT_EXCLUDE)
    assert config.values["fail-on"] == "warning"
    assert config.values["select"] is None


def test_nearest_pyproject_with_the_table_is_found_upward(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.vibrails]\nfail-on = "error"\n')
    write(tmp_path / "a" / "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nx = 1\n')
    cwd = tmp_path / "a" / "b"
    cwd.mkdir()
    config = load_config(cwd=cwd)
    assert config.source == (tmp_path / "pyproject.toml").resolve()
    assert config.root == tmp_path.resolve()
    assert config.values["fail-on"] == "error"
    assert find_config(cwd.resolve()) == tmp_path.resolve() / "pyproject.toml"


def test_nearer_configuration_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.vibrails]\nfail-on = "error"\n')
    write(tmp_path / "a" / "pyproject.toml", '[tool.vibrails]\nfail-on = "note"\n')
    assert load_config(cwd=tmp_path / "a").values["fail-on"] == "note"
    write(tmp_path / "a" / "b" / "vibrails.toml", 'fail-on = "none"\n')
    assert load_config(cwd=tmp_path / "a" / "b").values["fail-on"] == "none"


def test_vibrails_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.vibrails]\nfail-on = "error"\n')
    write(tmp_path / "vibrails.toml", 'fail-on = "note"\n')
    config = load_config(cwd=tmp_path)
    assert config.source == (tmp_path / "vibrails.toml").resolve()
    assert config.values["fail-on"] == "note"


def test_vibrails_toml_with_a_tool_table(tmp_path: Path) -> None:
    values = load_text(tmp_path, '[tool.vibrails]\nfail-on = "note"\n', "vibrails.toml")
    assert values["fail-on"] == "note"


def test_vibrails_toml_cannot_mix_top_level_keys_and_the_table(tmp_path: Path) -> None:
    message = config_error(
        tmp_path, 'assume-ai = true\n[tool.vibrails]\nfail-on = "note"\n', "vibrails.toml"
    )
    assert "'assume-ai'" in message


def test_vibrails_toml_with_another_tool_table_is_an_unknown_key(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[tool.black]\nline-length = 3\n", "vibrails.toml")
    assert "unknown key 'tool'" in message


def test_empty_tool_vibrails_table_is_found(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.vibrails]\n")
    write(tmp_path / "sub" / "pyproject.toml", "[tool.other]\n")
    config = load_config(cwd=tmp_path / "sub")
    assert config.source == (tmp_path / "pyproject.toml").resolve()


def test_invalid_pyproject_on_the_way_up_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.vibrails\n")
    (tmp_path / "sub").mkdir()
    with pytest.raises(ConfigError, match=r"pyproject\.toml"):
        load_config(cwd=tmp_path / "sub")


def test_explicit_config_file(tmp_path: Path) -> None:
    write(tmp_path / "conf" / "lint.toml", 'fail-on = "error"\n')
    write(tmp_path / "pyproject.toml", '[tool.vibrails]\nfail-on = "note"\n')
    config = load_config(Path("conf/lint.toml"), cwd=tmp_path)
    assert config.values["fail-on"] == "error"
    assert config.root == (tmp_path / "conf").resolve()
    config = load_config(tmp_path / "conf" / "lint.toml", cwd=tmp_path / "conf")
    assert config.source == (tmp_path / "conf" / "lint.toml").resolve()


def test_explicit_pyproject_without_the_table_gives_the_defaults(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(Path("pyproject.toml"), cwd=tmp_path).values == defaults()


def test_values_are_not_shared_between_loads(tmp_path: Path) -> None:
    first = load_config(cwd=tmp_path)
    first.values["exclude"].append("mine")
    first.values["contracts"]["decorators"].append("x.y")
    second = load_config(cwd=tmp_path)
    assert "mine" not in second.values["exclude"]
    assert second.values["contracts"]["decorators"] == []


def test_settings_and_fingerprint(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.vibrails]\nai-generated = ["gen/**"]\n')
    config = load_config(cwd=tmp_path)
    settings = pickle.loads(pickle.dumps(config.settings()))
    assert settings["_ai_generated_matcher"]("gen/a.py") == "gen/**"
    # No patterns of the project's own: the built-in signatures, surviving a pickle.
    assert settings["_marker_patterns"] == () and settings["_signatures"] is True
    assert settings["_assistants"] == config.settings()["_assistants"]
    assert config.fingerprint() == load_config(cwd=tmp_path).fingerprint()
    write(tmp_path / "pyproject.toml", '[tool.vibrails]\nai-generated = ["other/**"]\n')
    assert config.fingerprint() != load_config(cwd=tmp_path).fingerprint()


# -- every key -----------------------------------------------------------------------

VALID: list[tuple[str, str, Any]] = [
    ("select", '["VBR0", "VBR304"]', ["VBR0", "VBR304"]),
    ("select", "[]", []),
    ("select", '["ALL"]', ["ALL"]),
    ("extend-select", '["VBR004"]', ["VBR004"]),
    ("ignore", '["VBR", "VBR001"]', ["VBR", "VBR001"]),
    ("per-file-ignores", '{"tests/**" = ["VBR304"], "__init__.py" = ["ALL"]}',
     {"tests/**": ["VBR304"], "__init__.py": ["ALL"]}),
    ("exclude", '["gen"]', ["gen"]),
    ("extend-exclude", '["*_pb2.py", "/scripts"]', ["*_pb2.py", "/scripts"]),
    ("ai-generated", '["src/gen/**"]', ["src/gen/**"]),
    ("assume-ai", "true", True),
    ("markers", '["Generated by \\\\w+"]', ["Generated by \\w+"]),
    ("extend-markers", '["made by robots"]', ["made by robots"]),
    ("git-trailers", "true", True),
    ("fail-on", '"error"', "error"),
    ("ledger", '"history/ledger.jsonl"', "history/ledger.jsonl"),
    ("max-file-bytes", "1000", 1000),
    ("timeout-per-file", "2.5", 2.5),
    ("timeout-per-file", "3", 3),
    ("cache-dir", '".cache/vibrails"', ".cache/vibrails"),
]


@pytest.mark.parametrize(("key", "toml", "expected"), VALID)
def test_every_key_is_accepted(tmp_path: Path, key: str, toml: str, expected: Any) -> None:
    assert load_text(tmp_path, f"{key} = {toml}\n")[key] == expected
    # the same in a vibrails.toml with top-level keys
    (tmp_path / "pyproject.toml").unlink()
    assert load_text(tmp_path, f"{key} = {toml}\n", "vibrails.toml")[key] == expected


@pytest.mark.parametrize("level", FAIL_ON)
def test_fail_on_levels(tmp_path: Path, level: str) -> None:
    assert load_text(tmp_path, f'fail-on = "{level}"\n')["fail-on"] == level
    assert set(FAIL_ON) == {"error", "warning", "note", "none"}


TABLES: list[tuple[str, str, str, Any]] = [
    ("contracts", "decorators", '["mylib.contracts.require"]', ["mylib.contracts.require"]),
    ("contracts", "validators", '["check_positive"]', ["check_positive"]),
    ("contracts", "annotations", "true", True),
    ("contracts", "verifier", '"crosshair"', "crosshair"),
    ("invariants", "decorators", '["mylib.inv"]', ["mylib.inv"]),
    ("invariants", "methods", '["_check"]', ["_check"]),
    ("mutation", "declaration-words", '["clobbers"]', ["clobbers"]),
    ("state", "process-calls", '["mylib.set_global"]', ["mylib.set_global"]),
    ("provenance", "required", '["model"]', ["model"]),
]


@pytest.mark.parametrize(("table", "key", "toml", "expected"), TABLES)
def test_every_table_key_is_accepted(
    tmp_path: Path, table: str, key: str, toml: str, expected: Any
) -> None:
    values = load_text(tmp_path, f"[tool.vibrails.{table}]\n{key} = {toml}\n")
    assert values[table][key] == expected
    # other keys of the table keep their defaults
    for other, default in defaults()[table].items():
        if other != key:
            assert values[table][other] == default


def test_tables_written_inline(tmp_path: Path) -> None:
    values = load_text(tmp_path, 'contracts = { annotations = true }\nstate = {}\n')
    assert values["contracts"]["annotations"] is True
    assert values["state"] == defaults()["state"]


def test_every_spec_key_has_a_default() -> None:
    keys = set(defaults())
    assert keys == {
        "select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
        "ai-generated", "assume-ai", "markers", "extend-markers", "git-trailers", "fail-on",
        "ledger", "max-file-bytes", "timeout-per-file", "cache-dir", "contracts",
        "invariants", "mutation", "state", "provenance",
        "tagging",  # [tool.vibrails.tagging] signatures / extra-assistants (issue 17)
        "agents",  # [tool.vibrails.agents] feedback / max-rounds (issue 14)
    }


# -- errors ----------------------------------------------------------------------------

WRONG: list[tuple[str, str]] = [
    ("select", '"VBR304"'),
    ("select", "[1]"),
    ("extend-select", "true"),
    ("ignore", '[["VBR304"]]'),
    ("per-file-ignores", '["x.py"]'),
    ("per-file-ignores", '{"x.py" = "VBR304"}'),
    ("exclude", '"build"'),
    ("extend-exclude", "[1, 2]"),
    ("ai-generated", '"gen/**"'),
    ("assume-ai", '"yes"'),
    ("assume-ai", "1"),
    ("markers", '"x"'),
    ("extend-markers", "[true]"),
    ("git-trailers", "0"),
    ("fail-on", '"fatal"'),
    ("fail-on", "1"),
    ("ledger", "1"),
    ("ledger", '""'),
    ("max-file-bytes", "0"),
    ("max-file-bytes", "1.5"),
    ("max-file-bytes", "true"),
    ("max-file-bytes", '"10MB"'),
    ("timeout-per-file", "-1"),
    ("timeout-per-file", "false"),
    ("cache-dir", "[]"),
    ("contracts", "1"),
    ("contracts", '["decorators"]'),
]


@pytest.mark.parametrize(("key", "toml"), WRONG)
def test_wrong_type_is_an_error_naming_the_key(tmp_path: Path, key: str, toml: str) -> None:
    message = config_error(tmp_path, f"{key} = {toml}\n")
    assert f"'{key}" in message
    assert "must be" in message


TABLE_WRONG: list[tuple[str, str, str]] = [
    ("contracts", "decorators", '"x.y"'),
    ("contracts", "validators", "[1]"),
    ("contracts", "annotations", '"yes"'),
    ("contracts", "verifier", '"z3"'),
    ("invariants", "decorators", "true"),
    ("invariants", "methods", '"check"'),
    ("mutation", "declaration-words", "{}"),
    ("state", "process-calls", "[[]]"),
    ("provenance", "required", '"model"'),
]


@pytest.mark.parametrize(("table", "key", "toml"), TABLE_WRONG)
def test_wrong_type_in_a_table_names_table_and_key(
    tmp_path: Path, table: str, key: str, toml: str
) -> None:
    message = config_error(tmp_path, f"[tool.vibrails.{table}]\n{key} = {toml}\n")
    assert f"'{table}.{key}'" in message


def test_unknown_key(tmp_path: Path) -> None:
    message = config_error(tmp_path, "selct = []\n")
    assert "unknown key 'selct'" in message


@pytest.mark.parametrize("table", ["contracts", "invariants", "mutation", "state", "provenance"])
def test_unknown_key_inside_a_table(tmp_path: Path, table: str) -> None:
    message = config_error(tmp_path, f"[tool.vibrails.{table}]\nbogus = 1\n")
    assert f"'{table}.bogus'" in message


def test_unknown_key_in_vibrails_toml(tmp_path: Path) -> None:
    message = config_error(tmp_path, "line-length = 3\n", "vibrails.toml")
    assert "'line-length'" in message


def test_odd_key_names_stay_on_one_line(tmp_path: Path) -> None:
    message = config_error(tmp_path, '"bad\\nkey" = 1\n')
    assert "bad\\nkey" in message
    message = config_error(tmp_path, '[tool.vibrails.contracts]\n"a b" = 1\n')
    assert "contracts.\"a b\"" in message


def test_tool_vibrails_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool]\nvibrails = 1\n")
    with pytest.raises(ConfigError, match=r"tool\.vibrails"):
        load_config(cwd=tmp_path)


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore"])
@pytest.mark.parametrize("code", ["VBR999", "VBR9", "E501", "vbr304", "VBR0001", "", "all"])
def test_unknown_rule_code(tmp_path: Path, key: str, code: str) -> None:
    message = config_error(tmp_path, f'{key} = ["{code}"]\n')
    assert f"'{key}'" in message
    assert repr(code) in message


def test_unknown_rule_code_in_per_file_ignores(tmp_path: Path) -> None:
    message = config_error(tmp_path, '[tool.vibrails.per-file-ignores]\n"tests/*" = ["VBR999"]\n')
    assert "per-file-ignores" in message and "tests/*" in message and "VBR999" in message


@pytest.mark.parametrize("code", ["ALL", "VBR", "VBR0", "VBR00", "VBR001", "VBR3", "VBR304"])
def test_known_codes_and_prefixes(tmp_path: Path, code: str) -> None:
    values = load_text(tmp_path, f'select = ["{code}"]\nignore = ["{code}"]\n')
    assert values["select"] == [code]


def test_every_catalogue_code_is_accepted() -> None:
    check_codes(list(load_catalogue()), "here", "select")  # raises for an unknown one


@pytest.mark.parametrize("key", ["markers", "extend-markers"])
def test_invalid_marker_regex(tmp_path: Path, key: str) -> None:
    message = config_error(tmp_path, f'{key} = ["Generated (by"]\n')
    assert f"'{key}'" in message and "Generated (by" in message


def test_invalid_toml_gives_line_and_column(tmp_path: Path) -> None:
    message = config_error(tmp_path, "select = [\n  \"VBR304\",\n  oops\n]\n")
    assert "invalid TOML" in message
    assert "line 4" in message and "column" in message


def test_invalid_toml_at_the_end_gives_line_and_column(tmp_path: Path) -> None:
    message = config_error(tmp_path, 'select = ["VBR304"\n')
    assert "line" in message and "column" in message


def test_duplicate_key_is_invalid_toml(tmp_path: Path) -> None:
    message = config_error(tmp_path, "assume-ai = true\nassume-ai = false\n")
    assert "line 3" in message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(
        b"\xef\xbb\xbf[tool.vibrails]\nfail-on = \"note\"\n"
    )
    assert load_config(cwd=tmp_path).values["fail-on"] == "note"


def test_bom_does_not_shift_error_positions(tmp_path: Path) -> None:
    (tmp_path / "vibrails.toml").write_bytes(b"\xef\xbb\xbfx = = 1\n")
    with pytest.raises(ConfigError, match="line 1, column 5"):
        load_config(cwd=tmp_path)


def test_not_utf8_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(
        b"[tool.vibrails]\n# caf\xe9\nfail-on = \"note\"\n"
    )
    with pytest.raises(ConfigError, match=r"not UTF-8.*line 2"):
        load_config(cwd=tmp_path)


def test_config_path_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    with pytest.raises(ConfigError, match="conf: is a directory"):
        load_config(Path("conf"), cwd=tmp_path)


def test_missing_config_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: configuration file not found"):
        load_config(Path("nope.toml"), cwd=tmp_path)


@pytest.mark.skipif(IS_ROOT or not hasattr(os, "geteuid"), reason="root reads every file")
def test_unreadable_config(tmp_path: Path) -> None:
    path = write(tmp_path / "vibrails.toml", 'fail-on = "note"\n')
    path.chmod(0)
    try:
        with pytest.raises(ConfigError, match="cannot read configuration"):
            load_config(cwd=tmp_path)
    finally:
        path.chmod(0o644)


# -- through the command line ----------------------------------------------------------


def run_cli(cwd: Path, *args: str, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    command = [PYTHON, "-m", "vibrails", "check", "--no-cache", *args]
    if as_nobody:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_config_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert result.stdout == ""


CLI_CASES: list[tuple[str, str, bytes, tuple[str, ...]]] = [
    ("unknown-key", "pyproject.toml", b"[tool.vibrails]\nfoo = 1\n", ("pyproject.toml", "'foo'")),
    ("unknown-table-key", "pyproject.toml", b"[tool.vibrails.contracts]\nfoo = 1\n",
     ("pyproject.toml", "contracts.foo")),
    ("wrong-type", "vibrails.toml", b'select = "VBR304"\n', ("vibrails.toml", "'select'")),
    ("wrong-table-type", "vibrails.toml", b"[provenance]\nrequired = 1\n",
     ("vibrails.toml", "provenance.required")),
    ("fail-on", "vibrails.toml", b'fail-on = "fatal"\n', ("vibrails.toml", "'fail-on'")),
    ("unknown-code", "pyproject.toml", b'[tool.vibrails]\nignore = ["VBR999"]\n',
     ("pyproject.toml", "'ignore'", "VBR999")),
    ("unknown-code-per-file", "pyproject.toml",
     b'[tool.vibrails.per-file-ignores]\n"a.py" = ["X1"]\n', ("per-file-ignores", "X1")),
    ("marker-regex", "vibrails.toml", b'extend-markers = ["(unclosed"]\n',
     ("vibrails.toml", "'extend-markers'")),
    ("invalid-toml", "pyproject.toml", b"[tool.vibrails]\nselect = [\n",
     ("pyproject.toml", "line", "column")),
    ("not-utf8", "vibrails.toml", b"# \xff\xfe\n", ("vibrails.toml", "UTF-8")),
    ("newline-key", "vibrails.toml", b'"a\\nb" = 1\n', ("vibrails.toml", "a\\nb")),
]


@pytest.mark.parametrize(
    ("name", "content", "needles"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_cli_reports_configuration_errors(
    tmp_path: Path, name: str, content: bytes, needles: tuple[str, ...]
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    assert_config_failure(run_cli(tmp_path), *needles)


def test_cli_accepts_a_bom(tmp_path: Path) -> None:
    (tmp_path / "vibrails.toml").write_bytes(b'\xef\xbb\xbfselect = ["VBR304"]\n')
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    result = run_cli(tmp_path, "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_cli_config_option_errors(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    assert_config_failure(run_cli(tmp_path, "--config", "conf"), "conf", "directory")
    assert_config_failure(run_cli(tmp_path, "--config", "missing.toml"), "missing.toml")
    write(tmp_path / "conf" / "mine.toml", "bogus = true\n")
    assert_config_failure(run_cli(tmp_path, "--config", "conf/mine.toml"), "mine.toml", "'bogus'")


def test_cli_explicit_config_is_used(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.vibrails]\nbogus = true\n")
    write(tmp_path / "ok.toml", 'fail-on = "none"\nassume-ai = true\n')
    write(tmp_path / "a.py", "def f(x=[]):\n    return x\n")
    result = run_cli(tmp_path, "--config", "ok.toml", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "VBR304" in result.stdout


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can enter (pytest's own are private)."""
    folder = Path(tempfile.mkdtemp(prefix="vibrails-config-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _nobody_can_run_vibrails() -> bool:
    if not IS_ROOT or shutil.which("setpriv") is None:
        return False
    probe = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", PYTHON, "-c",
         "import vibrails.commands.cli"],
        capture_output=True, cwd="/", timeout=60,
    )
    return probe.returncode == 0


def test_cli_unreadable_config(shared_dir: Path) -> None:
    config = write(shared_dir / "vibrails.toml", 'fail-on = "note"\n')
    write(shared_dir / "a.py", "x = 1\n")
    config.chmod(0)
    if IS_ROOT:
        if not _nobody_can_run_vibrails():
            pytest.skip("running as root and cannot drop privileges to test an unreadable file")
        result = run_cli(shared_dir, as_nobody=True)
    else:
        result = run_cli(shared_dir)
    assert_config_failure(result, "vibrails.toml", "cannot read configuration")


@pytest.mark.parametrize("key", ["cache-dir", "ledger"])
@pytest.mark.parametrize("value", ["../outside", "/tmp/elsewhere", "a/../../b"])
def test_paths_in_the_configuration_stay_inside_the_project(
    tmp_path: Path, key: str, value: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        f'[tool.vibrails]\n{key} = "{value}"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=f"key '{key}' must name a path inside the project"):
        load_config(cwd=project)


def test_paths_inside_the_project_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.vibrails]\ncache-dir = "build/.cache"\nledger = "meta/ledger.jsonl"\n',
        encoding="utf-8",
    )
    config = load_config(cwd=tmp_path)
    assert config.values["cache-dir"] == "build/.cache"


# -- scopes and console scripts (VBR101, VBR201, entry points) -------------------------


@pytest.mark.parametrize(("table", "value"), [("contracts", '"all"'), ("invariants", "true")])
def test_a_scope_outside_its_choices_is_an_error(tmp_path: Path, table: str, value: str) -> None:
    message = config_error(tmp_path, f"{table} = {{scope = {value}}}\n")
    assert f"{table}.scope" in message or "scope" in message


def test_console_scripts_come_from_the_projects_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml",
          '[project]\nname = "p"\n[project.scripts]\nb = "pkg.cli:main"\na = "pkg.gui:run"\n'
          '[project.gui-scripts]\ng = "pkg.gui:window"\n[tool.vibrails]\n')
    config = load_config(cwd=tmp_path)
    assert config.console_scripts == ["pkg.cli:main", "pkg.gui:run", "pkg.gui:window"]
    assert config.settings()["_console_scripts"] == tuple(config.console_scripts)


@pytest.mark.parametrize(
    "pyproject",
    [
        "[project\nname = ",                             # not TOML
        '[project]\nscripts = "pkg.cli:main"\n',         # not a table
        '[project.scripts]\na = 3\nb = ["x"]\n',         # not strings
        b"\xff\xfe[project]\n",                          # not UTF-8
    ],
)
def test_unusable_console_scripts_are_ignored_not_fatal(tmp_path: Path,
                                                        pyproject: str | bytes) -> None:
    # The configuration is in vibrails.toml; the pyproject beside it is only
    # read for its console scripts, leniently.
    write(tmp_path / "vibrails.toml", "assume-ai = true\n")
    target = tmp_path / "pyproject.toml"
    if isinstance(pyproject, bytes):
        target.write_bytes(pyproject)
    else:
        target.write_text(pyproject, encoding="utf-8")
    config = load_config(cwd=tmp_path)
    assert config.console_scripts == []
    assert config.values["assume-ai"] is True
