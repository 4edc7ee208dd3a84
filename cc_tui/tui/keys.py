"""What config.toml may name, to check it at start: every key id (`Binding.id`) of
cc-tui's app, screens and widgets, and the themes of the running app.

Binding ids are read from the classes themselves, so a screen added later is checked
without an edit here. The screens are imported to do so: call `known_binding_ids` from a
worker thread after the first frame, never before it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable

PACKAGES = ("cc_tui.tui.screens", "cc_tui.tui.widgets")


def known_binding_ids() -> set[str]:
    from textual.binding import Binding
    from textual.dom import DOMNode

    modules = [importlib.import_module("cc_tui.tui.app")]
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            modules.append(importlib.import_module(info.name))
    ids: set[str] = set()
    for module in modules:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode):
                for binding in cls.BINDINGS:
                    if isinstance(binding, Binding) and binding.id:
                        ids.add(binding.id)
    return ids


def settings_problems(
    keymap: Iterable[str], theme: str, themes: Iterable[str], known_ids: set[str]
) -> list[str]:
    """One sentence for each key id and the theme that config.toml names in vain."""
    problems: list[str] = []
    unknown = sorted(key for key in keymap if key not in known_ids)
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        verb = "is no key id" if len(unknown) == 1 else "are no key ids"
        problems.append(
            f"keymap names {names}, which {verb} of cc-tui, so it changes nothing. F1 on"
            " each screen and screens.md list the ids (e.g. 'app.help')."
        )
    available = sorted(themes)
    if theme not in available:
        problems.append(
            f"theme {theme!r} is not one of the themes: {', '.join(available)}. cc-tui uses"
            " its default; ctrl+p, Change theme, picks and saves one."
        )
    return problems
