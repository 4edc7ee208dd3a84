"""Every screen and widget calls the portal through `call_portal` (screens/base.py), which
alone decides what no answer, an ended session and a refusal mean: none catches
`PortalUnreachable` or `SessionExpired` itself, so none can forget the banner, the retry
or the login in place."""

from __future__ import annotations

import ast
from pathlib import Path

import cc_tui.tui

TUI = Path(cc_tui.tui.__file__).parent
HANDLED_ONCE = {"PortalUnreachable", "SessionExpired"}


def caught_names(handler: ast.ExceptHandler) -> set[str]:
    kinds = handler.type
    nodes = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds] if kinds else []
    return {node.id for node in nodes if isinstance(node, ast.Name)} | {
        node.attr for node in nodes if isinstance(node, ast.Attribute)
    }


def test_no_screen_or_widget_catches_what_call_portal_decides() -> None:
    found = []
    for path in sorted([*TUI.glob("screens/**/*.py"), *TUI.glob("widgets/**/*.py")]):
        if path.name == "base.py" and path.parent.name == "screens":
            continue  # the one place that decides
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and caught_names(node) & HANDLED_ONCE:
                found.append(f"{path.relative_to(TUI)}:{node.lineno}")
    assert found == [], f"use call_portal instead of catching these yourself: {found}"
