"""The app's own keys (`APP_KEYS`, the ones that work on every screen), and what
config.toml may name, to check it at start: every key id (`Binding.id`) of cc-tui's app,
screens and widgets, and the themes of the running app; then a theme chosen in the
palette is kept in config.toml (`check_settings`).

Binding ids are read from the classes themselves, so a screen added later is checked
without an edit here. The screens are imported to do so: call `known_binding_ids` from a
worker thread after the first frame, never before it.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

from cc_tui.domain.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from textual.app import App
    from textual.theme import Theme

    from cc_tui.tui.config import Settings

PACKAGES = ("cc_tui.tui.screens", "cc_tui.tui.widgets")

APP_KEYS: list[BindingType] = [
    Binding(
        "ctrl+q,q",
        "quit",
        "Quit",
        id="app.quit",
        tooltip=N_("Quit cc-tui. A logged-in session stays open for next time."),
    ),
    Binding(
        "f1,question_mark",
        "help",
        "Help",
        id="app.help",
        tooltip=N_("Show every key of this screen."),
    ),
    Binding(
        "ctrl+p",
        "command_palette",
        "Commands",
        id="app.command_palette",
        tooltip=N_("Find a command by name."),
        show=False,
        priority=True,
    ),
    Binding(
        "ctrl+l",
        "logout",
        "Log out",
        id="app.logout",
        tooltip=N_("Log out: the portal ends this session at once."),
    ),
    Binding(
        "f2",
        "go('profile')",
        "Profile",
        id="app.profile",
        tooltip=N_("Your memberships and roles; change your password or OTP channel."),
        show=False,
    ),
    Binding(
        "f3",
        "go('accounts')",
        "Accounts",
        id="app.accounts",
        tooltip=N_("Users of your firm (CCDAs) or every firm's CCDAs (the exchange)."),
        show=False,
    ),
    Binding(
        "f4",
        "go('events')",
        "Events",
        id="app.events",
        tooltip=N_("Seminars and events: seats left, enrol, withdraw, waiting lists."),
        show=False,
    ),
    Binding(
        "f5",
        "go('documents')",
        "Documents",
        id="app.documents",
        tooltip=N_("The document library: technical documents and paper forms as PDFs."),
        show=False,
    ),
    Binding(
        "f6",
        "go('service')",
        "Service hours",
        id="app.service",
        tooltip=N_("Service hours: maintenance window, business days and hours."),
        show=False,
    ),
    Binding(
        "f7,ctrl+o",
        "switch_membership",
        "Switch membership",
        id="app.switch_membership",
        tooltip=N_("Act for another of your memberships (its requests, forms and users)."),
        show=False,
    ),
]


def known_binding_ids() -> set[str]:
    from textual.dom import DOMNode

    modules = [importlib.import_module("cc_tui.tui.app")]
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            modules.append(importlib.import_module(info.name))
    ids: set[str] = set()
    for module in modules:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
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
        problems.append(
            ngettext(
                "keymap names {names}, which is no key id of cc-tui, so it changes nothing. "
                "F1 on each screen and screens.md list the ids (e.g. 'app.help').",
                "keymap names {names}, which are no key ids of cc-tui, so it changes nothing. "
                "F1 on each screen and screens.md list the ids (e.g. 'app.help').",
                len(unknown),
            ).format(names=names)
        )
    available = sorted(themes)
    if theme not in available:
        problems.append(
            _(
                "theme {theme} is not one of the themes: {themes}. cc-tui uses its default; "
                "ctrl+p, Change theme, picks and saves one."
            ).format(theme=repr(theme), themes=", ".join(available))
        )
    return problems


async def check_settings(app: App[Any], settings: Settings, *, remember_theme: bool) -> None:
    """Say in words what config.toml names in vain (a key id, a theme), once, at
    start; then keep a theme chosen in the palette (when the app may write there)."""
    known = await asyncio.to_thread(known_binding_ids)
    problems = settings_problems(settings.keymap, settings.theme, app.available_themes, known)
    if problems:
        from cc_tui.tui.config import config_file

        app.notify(
            _("In {file}: {problems}").format(
                file=config_file(), problems=" ".join(p[0].upper() + p[1:] for p in problems)
            ),
            title=_("Settings"),
            severity="warning",
            timeout=20,
        )
    if remember_theme:

        def chosen(theme: Theme) -> None:
            if theme.name != settings.theme:
                settings.theme = theme.name
                app.run_worker(_save_theme(app, theme.name), group="settings", exit_on_error=False)

        app.theme_changed_signal.subscribe(app, chosen)


async def _save_theme(app: App[Any], name: str) -> None:
    from cc_tui.tui.config import save_theme

    try:
        path = await asyncio.to_thread(save_theme, name)
    except OSError as error:
        app.notify(
            _(
                "The theme {name} is on, but could not be saved ({error}); it lasts until you quit."
            ).format(name=name, error=error),
            title=_("Settings"),
            severity="warning",
        )
        return
    app.notify(
        _("Theme {name} saved in {path}.").format(name=name, path=path),
        title=_("Settings"),
        timeout=4,
    )
