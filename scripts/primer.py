#!/usr/bin/env python3
"""The primer: vibrails on pinned wheels of popular pure-Python packages.

As pylint's primer and ruff's ecosystem check do it: download the pinned
wheels below (``pip download --no-deps --only-binary=:all:``; a wheel is a
zip file, opened with :mod:`zipfile` — nothing is installed, built or run),
check each with ``vibrails check --assume-ai``, and compare the findings
``(code, path, fingerprint)`` with the committed snapshot
``tests/primer/snapshot.json``. Any difference is printed per package and
rule (new findings, vanished findings) and fails the run.

A change to a rule's precision is accepted by updating the snapshot in the
same commit, with the reason in the commit message:

    python scripts/primer.py --update

Downloads are cached under ``.ci-cache/primer/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SNAPSHOT = REPO / "tests" / "primer" / "snapshot.json"
CACHE = REPO / ".ci-cache" / "primer"

#: Small, popular, pure-Python wheels, pinned.
PACKAGES = {
    "attrs": "24.2.0",
    "idna": "3.10",
    "packaging": "24.1",
    "requests": "2.32.3",
    "six": "1.16.0",
}

Finding = tuple[str, str, str]


def _ignore_everything(folder: Path) -> None:
    """Create ``folder``; the whole ``.ci-cache/`` is git-ignored by its own file."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = CACHE.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by scripts/primer.py and .ci/run.\n*\n", encoding="utf-8")


def wheel(name: str, version: str) -> Path:
    """The pinned wheel, downloaded once into the cache."""
    downloads = CACHE / "wheels"
    _ignore_everything(downloads)
    prefix = name.replace("-", "_").lower() + "-" + version + "-"
    found = [p for p in downloads.glob("*.whl") if p.name.lower().startswith(prefix)]
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", str(downloads), f"{name}=={version}"],
            check=True,
        )
        found = [p for p in downloads.glob("*.whl") if p.name.lower().startswith(prefix)]
    if len(found) != 1:
        raise SystemExit(f"primer: expected one wheel for {name}=={version}, found {found}")
    return found[0]


def unpack(name: str, version: str) -> Path:
    """The wheel's files under the cache (zipfile only: nothing runs)."""
    target = CACHE / "trees" / f"{name}-{version}"
    if not (target / ".complete").exists():
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel(name, version)) as archive:
            for member in archive.infolist():
                path = Path(member.filename)
                if path.is_absolute() or ".." in path.parts or member.is_dir():
                    continue
                if not member.filename.endswith(".py"):
                    continue
                destination = target / path
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(archive.read(member))
        (target / "pyproject.toml").write_text("[tool.vibrails]\n", encoding="utf-8")
        (target / ".complete").write_text("", encoding="utf-8")
    return target


#: The blanket VBR101 scope of earlier versions, checked on its own: it must keep
#: finding everything it found (``<package> scope=public`` in the snapshot).
PUBLIC_SCOPE = '[tool.vibrails]\nselect = ["VBR101"]\ncontracts = {scope = "public"}\n'


def raw_findings(tree: Path, config: Path | None = None) -> list[dict[str, Any]]:
    """vibrails' JSON findings on ``tree`` (every file, ``--assume-ai``, default rules)."""
    extra = ["--config", str(config)] if config is not None else []
    result = subprocess.run(
        [sys.executable, "-P", "-m", "vibrails", "check", "--assume-ai", "--no-cache",
         "--format", "json", "--exit-zero", *extra,
         # Named one by one: the cache folder is git-ignored, and vibrails
         # skips ignored files when it walks a folder.
         *sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*.py"))],
        cwd=tree, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"primer: vibrails failed on {tree.name} ({result.returncode}):\n"
                         f"{result.stderr}")
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def findings(tree: Path, config: Path | None = None) -> list[Finding]:
    return sorted((f["code"], f["path"], f["fingerprint"]) for f in raw_findings(tree, config))


def collect() -> dict[str, list[Finding]]:
    _ignore_everything(CACHE)
    public = CACHE / "public-scope.toml"
    public.write_text(PUBLIC_SCOPE, encoding="utf-8")
    out = {}
    for name, version in sorted(PACKAGES.items()):
        tree = unpack(name, version)
        out[f"{name}=={version}"] = findings(tree)
        out[f"{name}=={version} scope=public"] = findings(tree, public)
    return out


def diff(old: dict[str, list[Finding]], new: dict[str, list[Finding]]) -> list[str]:
    lines: list[str] = []
    for package in sorted(set(old) | set(new)):
        before, after = set(map(tuple, old.get(package, []))), set(new.get(package, []))
        added, gone = sorted(after - before), sorted(before - after)
        if not added and not gone:
            continue
        lines.append(f"{package}: {len(added)} new, {len(gone)} vanished")
        codes = sorted({c for c, _, _ in added} | {c for c, _, _ in gone})
        plus, minus = Counter(c for c, _, _ in added), Counter(c for c, _, _ in gone)
        for code in codes:
            lines.append(f"  {code}: +{plus[code]} -{minus[code]}")
        for code, path, fp in added[:20]:
            lines.append(f"    + {code} {path} {fp}")
        for code, path, fp in gone[:20]:
            lines.append(f"    - {code} {path} {fp}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the snapshot")
    args = parser.parse_args()
    current = collect()
    total = {p: Counter(c for c, _, _ in f) for p, f in current.items()}
    for package, counts in total.items():
        print(f"{package}: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())))
    if args.update or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1) + "\n", encoding="utf-8")
        print(f"primer: snapshot written to {SNAPSHOT.relative_to(REPO)}")
        return 0
    old = json.loads(SNAPSHOT.read_text("utf-8"))
    lines = diff(old, current)
    if not lines:
        print("primer: findings match the snapshot")
        return 0
    print("primer: findings differ from the snapshot:")
    print("\n".join(lines))
    print("\nIf the change is intended, accept it with `python scripts/primer.py --update` "
          "and commit tests/primer/snapshot.json with the reason in the commit message.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
