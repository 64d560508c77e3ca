"""The first hour of a new user: a run from another folder, standard input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from util import run_vibrails, write

BAD = "def add(item, basket=[]):\n    basket.append(item)\n    return basket\n"


def _project(root: Path) -> Path:
    project = root / "proj"
    write(project, {
        "pyproject.toml": (
            "[tool.vibrails]\nassume-ai = true\n"
            '[tool.vibrails.per-file-ignores]\n"legacy/*.py" = ["VBR304"]\n'
        ),
        "app/core.py": BAD,
        "legacy/old.py": BAD,
    })
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    return project


def _codes(result: subprocess.CompletedProcess[str]) -> dict[str, set[str]]:
    assert "Traceback" not in result.stderr, result.stderr
    found: dict[str, set[str]] = {}
    for finding in json.loads(result.stdout):
        found.setdefault(finding["path"].rsplit("/", 2)[-2], set()).add(finding["code"])
    return found


def test_the_project_is_found_from_the_checked_path_not_the_current_folder(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    inside = run_vibrails("check", "--no-cache", "--format", "json", ".", cwd=project)
    outside = run_vibrails("check", "--no-cache", "--format", "json", str(project),
                           cwd=elsewhere)
    assert _codes(outside) == _codes(inside)
    assert "VBR304" not in _codes(outside)["legacy"]  # the per-file-ignores apply
    assert "VBR304" in _codes(outside)["app"]


def test_the_ledger_is_found_from_the_checked_path(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text("[tool.vibrails]\n", "utf-8")
    recorded = run_vibrails("ledger", "record", "app/core.py", "--model", "m", "--prompt",
                            "https://example.com/p", cwd=project)
    assert recorded.returncode == 0, recorded.stderr
    result = run_vibrails("check", "--no-cache", "--format", "json", str(project / "app"),
                          cwd=tmp_path)
    codes = {f["code"] for f in json.loads(result.stdout)}
    assert "VBR304" in codes and "VBR401" not in codes  # tagged by the ledger, recorded


def _stdin(args: list[str], text: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vibrails", "check", *args], input=text,
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_standard_input_is_checked_as_the_named_file(tmp_path: Path) -> None:
    project = _project(tmp_path)
    args = ["--format", "json", "-", "--stdin-filename"]
    app = _stdin([*args, str(project / "app" / "new.py")], BAD, tmp_path)
    assert app.returncode == 1, app.stderr
    [first, *_] = json.loads(app.stdout)
    assert first["path"] == "proj/app/new.py" and first["code"] in ("VBR301", "VBR304")
    legacy = _stdin([*args, "proj/legacy/new.py"], BAD, tmp_path)
    assert "VBR304" not in {f["code"] for f in json.loads(legacy.stdout)}
    plain = _stdin(["-"], BAD, project)
    assert "stdin.py:1:" in plain.stdout or "stdin.py:" in plain.stdout


def test_standard_input_is_not_read_with_other_paths_or_fixes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for args in (["-", "app"], ["--fix", "-"], ["--diff", "-"], ["--stdin-filename", "a.py", "app"]):
        result = _stdin(args, BAD, project)
        assert result.returncode == 2, (args, result.stdout)
        assert result.stderr.startswith("vibrails: error:"), result.stderr


def test_force_exclude_applies_to_the_stdin_filename(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text(
        '[tool.vibrails]\nassume-ai = true\nextend-exclude = ["legacy"]\n', "utf-8")
    result = _stdin(["--format", "json", "--force-exclude", "-", "--stdin-filename",
                     "legacy/x.py"], BAD, project)
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_did_you_mean_for_a_key_a_code_and_an_option_value(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": BAD})
    cases = [
        ("[tool.vibrails]\nextend-selct = [\"VBR1\"]\n", (),
         "unknown key 'extend-selct' (did you mean 'extend-select'?)"),
        ("[tool.vibrails.contracts]\nscop = \"public\"\n", (),
         "unknown key 'contracts.scop' in table [contracts] (did you mean 'contracts.scope'?)"),
        ("[tool.vibrails]\nignore = [\"VBR3O4\"]\n", (),
         "unknown rule code 'VBR3O4' (did you mean 'VBR304'?)"),
        ("", ("--select", "VBR3O4"), "unknown rule code in 'VBR3O4' (did you mean 'VBR304'?)"),
        ("", ("--ignore", "mutable-default-argumnt"),
         "(did you mean 'VBR304', the code of mutable-default-argument?)"),
        ("", ("--format", "jsn"), "Did you mean 'json'?"),
        ("", ("--fail-on", "warnings"), "Did you mean 'warning'?"),
        ("", ("--color", "alway"), "Did you mean 'always'?"),
    ]
    for config, args, hint in cases:
        (tmp_path / "pyproject.toml").write_text(config or "[tool.vibrails]\n", "utf-8")
        result = run_vibrails("check", "--no-cache", *args, ".", cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout)
        assert hint in result.stderr, (hint, result.stderr)
    # No suggestion when nothing is close.
    (tmp_path / "pyproject.toml").write_text("[tool.vibrails]\nzzz = 1\n", "utf-8")
    result = run_vibrails("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "did you mean" not in result.stderr


_PROBE = """
import sys
from vibrails.commands.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
heavy = ["vibrails.engine.cache", "multiprocessing", "astroid", "sarif_om", "difflib", "libcst",
         "vibrails.commands.ledger", "vibrails.commands.init"]
print("LOADED:" + ",".join(name for name in heavy if name in sys.modules), file=sys.stderr)
"""


def _loaded(args: list[str], cwd: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    [line] = [line for line in done.stderr.splitlines() if line.startswith("LOADED:")]
    return set(filter(None, line.removeprefix("LOADED:").split(",")))


def test_a_one_file_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    """Import cost is an editor's latency: a text run over one file loads no
    cache (with --no-cache), no SARIF, no astroid, no pool for untagged or
    cached files, and no subcommand it does not run."""
    write(tmp_path, {"pyproject.toml": "[tool.vibrails]\n", "plain.py": BAD,
                     "tagged.py": "# @ai-generated\n" + BAD})
    assert _loaded(["check", "--no-cache", "plain.py"], tmp_path) == set()
    # libcst is imported in the worker that parses, not in this process.
    cold = _loaded(["check", "--no-cache", "tagged.py"], tmp_path)
    assert cold == {"multiprocessing"}, cold
    _loaded(["check", "tagged.py"], tmp_path)  # fills the cache
    warm = _loaded(["check", "tagged.py"], tmp_path)
    assert warm == {"vibrails.engine.cache"}, warm


def test_standard_input_that_does_not_decode_is_vbr002(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vibrails", "check", "--format", "json", "-",
         "--stdin-filename", "bad.py"],
        input=b'# @ai-generated\nx = "\xff\xfe"\n', capture_output=True, cwd=tmp_path, timeout=120,
    )
    assert b"Traceback" not in done.stderr
    [finding] = json.loads(done.stdout)
    assert (finding["path"], finding["code"]) == ("bad.py", "VBR002")
    assert "cannot decode as utf-8" in finding["message"]
