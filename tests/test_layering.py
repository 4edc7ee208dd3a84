"""The layers hold at import time (as in Harlequin's CI): a fresh interpreter imports every
module of a layer, then looks at what `sys.modules` holds.

import-linter checks the import graph statically; this checks what really gets loaded,
including through third-party packages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_PROBE = """
import importlib, json, pkgutil, sys
loaded = []
for package_name in {packages!r}:
    package = importlib.import_module(package_name)
    loaded.append(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        importlib.import_module(info.name)
        loaded.append(info.name)
print(json.dumps({{"loaded": loaded, "modules": sorted(sys.modules)}}))
"""


def probe(*packages: str) -> tuple[list[str], set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(packages=list(packages))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    return found["loaded"], set(found["modules"])


def under(modules: set[str], top: str) -> list[str]:
    return sorted(m for m in modules if m == top or m.startswith(top + "."))


@pytest.mark.parametrize("layer", ["cc_tui.domain", "cc_tui.api", "cc_tui.client", "cc_tui.server"])
def test_no_layer_below_the_tui_imports_textual(layer: str) -> None:
    loaded, modules = probe(layer)
    assert layer in loaded
    assert under(modules, "textual") == []
    assert under(modules, "cc_tui.tui") == []


def test_the_domain_imports_no_framework_and_no_database() -> None:
    _, modules = probe("cc_tui.domain")
    for framework in ("fastapi", "starlette", "httpx", "uvicorn", "sqlite3", "textual"):
        assert under(modules, framework) == [], f"cc_tui.domain pulled in {framework}"


def test_the_server_never_loads_the_client() -> None:
    _, modules = probe("cc_tui.server")
    assert under(modules, "cc_tui.client") == []
