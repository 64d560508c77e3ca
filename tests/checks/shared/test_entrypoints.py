"""Entry points (``checks/shared/entrypoints.py``): console-script specifications."""

from __future__ import annotations

import pytest


@pytest.mark.usefixtures("in_tmp")
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
