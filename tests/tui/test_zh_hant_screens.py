"""Issue 15, point 1: "a zh-Hant screen shows no English sentence", across the screens a
user walks after login (the login's own steps: test_zh_hant.py). The app runs against the
real portal in zh-Hant; on each screen the test reads the program's own words (labels,
buttons, headings, notices, placeholders, table headings, every key's description and
tooltip, and the palette's commands) and finds no English left in them.

Portal data is not the program's words and stays as the portal holds it: request titles
and fields, names of people and firms, event and document titles. The widgets that show
only such data are left out by id, and the acting user's and firms' names are taken out
of the text before it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, OptionList, Static

from cc_tui.domain.i18n import set_default_language
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.accounts.screen import AccountsScreen
from cc_tui.tui.screens.bulk import BulkApproveScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.documents import DocumentsScreen
from cc_tui.tui.screens.events import EventsScreen
from cc_tui.tui.screens.help import HelpScreen, help_rows
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.screens.jump import JumpScreen
from cc_tui.tui.screens.membership import MembershipScreen
from cc_tui.tui.screens.profile import ProfileScreen
from cc_tui.tui.screens.service import ServiceScreen
from cc_tui.tui.widgets.task_table import TaskTable
from tests.tui.helpers import HomeApp
from tests.tui.maker_checker import LEAD, STREAMS, PortalApi, QueueApp, resume_as, settle

ADMIN = "admin@harbour.example"
# Three English words in a row: a sentence left untranslated.
SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,.'’-]+[A-Za-z]{2,}){2,}")
# An English word of three letters or more, in a key's words or a heading.
WORD = re.compile(r"[A-Za-z]{3,}")
# Names, codes and units that are the same in both languages.
KEPT = frozenset(
    {"Client", "Connect", "OTP", "PDF", "PDFs", "XLS", "XLSX", "HKT", "CCDA", "SHA", "OSC"}
    | {"esc", "Esc", "enter", "Enter", "ctrl", "tab", "Tab", "cc-tui", "tui", "SSH", "App"}
    | {"English", "HKEX", "ECS", "Retry-After"}
    | {"space", "home", "end", "pgup", "pgdn", "delete", "escape", "up", "down"}
    # Words to type in the library's search: its documents are the exchange's, in English.
    | {"buy", "terminal", "investor", "participant"}
)
# Widgets that show the portal's data only (its words are the portal's, not ours).
DATA = frozenset(
    {
        "tasks",
        "preview-title",
        "preview-body",
        "dash-header",
        "user",
        "events-list",
        "events-detail",
        "documents-list",
        "documents-detail",
        "accounts-table",
        "account-detail",
        "bulk-refs",
        "membership-list",
    }
)


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_default_language("en")


def _is_data(widget: Widget) -> bool:
    return any(node.id in DATA for node in widget.ancestors_with_self if isinstance(node, Widget))


def program_words(app: App[Any], screen: Screen[Any]) -> list[str]:
    """Every text of the program's own on `screen`, and its keys and palette."""
    texts: list[str] = []
    for widget in screen.query("*"):
        if not widget.display or _is_data(widget):
            continue
        if isinstance(widget, Button):
            texts.append(str(widget.label))
        elif isinstance(widget, Input):
            texts.append(widget.placeholder)
        elif isinstance(widget, DataTable):
            texts += [str(column.label) for column in widget.columns.values()]
        elif isinstance(widget, Static) and not isinstance(widget, OptionList):
            texts.append(str(widget.render()))
    # The keys as the footer and F1 show them (F1 lists every key with an id).
    for row in help_rows(app, screen):
        texts += [row.description, row.tooltip]
    if isinstance(app, PortalApp):
        for command in app.palette_commands(screen):
            texts += [command.name, command.help]
    return texts


def english_in(app: PortalApp, texts: list[str]) -> list[str]:
    """The English left in `texts` once the portal's data (names, titles) is taken out."""
    data: list[str] = []
    for item in [*getattr(app.screen, "events", []), *getattr(app.screen, "documents", [])]:
        data += [item.title, getattr(item, "category", item.title)]
    if app.user is not None:
        data += [app.user.name, app.user.user_id]
        data += [m.name for m in app.user.memberships]
    found: list[str] = []
    for text in texts:
        for name in sorted(data, key=len, reverse=True):
            text = text.replace(name, "")
        text = re.sub(r"\S+@\S+|https?://\S+|\b[a-z_]+:\S*|!\S+|\b[a-z]+\.[a-z_.]+\b", "", text)
        found += SENTENCE.findall(text)
        found += [word for word in WORD.findall(text) if word not in KEPT]
    return found


async def open_and_check(pilot: Any, key: str, kind: type[Screen[Any]]) -> Screen[Any]:
    app = pilot.app
    await pilot.press(key)
    await settle(pilot, ignore=STREAMS)
    screen = app.screen
    assert isinstance(screen, kind), (key, screen)
    left = english_in(app, program_words(app, screen))
    assert not left, (kind.__name__, sorted(set(left)))
    return screen


async def back(pilot: Any) -> None:
    await pilot.press("escape")
    await settle(pilot, ignore=STREAMS)


def chinese(app_class: type[PortalApp], user_id: str, portal: BackgroundServer, **kw: Any) -> Any:
    settings: ServerSettings = kw.pop("settings")
    state_dir: Path = kw.pop("state_dir")
    store = TokenStore(memory_only=True)
    resume_as(user_id, portal.url, settings, state_dir, store)
    return app_class(
        portal.url,
        token_store=store,
        state_dir=state_dir,
        language="zh-Hant",
        language_forced=True,
    )


async def test_a_checkers_screens_speak_chinese_only(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    maker_api: PortalApi,
    tmp_path: Path,
) -> None:
    waiting = maker_api.act(maker_api.create(), "submit")
    app = chinese(
        QueueApp, LEAD, live_portal, settings=server_settings, state_dir=tmp_path / "state"
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, ignore=STREAMS)
        dashboard = app.screen
        assert dashboard.query_one("#tasks", TaskTable).current_ref == waiting["ref"]
        left = english_in(app, program_words(app, dashboard))
        assert not left, ("DashboardScreen", sorted(set(left)))
        await pilot.press("space")
        await open_and_check(pilot, "A", BulkApproveScreen)
        await pilot.press("n")
        await settle(pilot, ignore=STREAMS)
        await open_and_check(pilot, "colon", JumpScreen)
        await back(pilot)
        await open_and_check(pilot, "f1", HelpScreen)
        await back(pilot)
        await open_and_check(pilot, "f7", MembershipScreen)
        await back(pilot)
        for key, kind in (
            ("f2", ProfileScreen),
            ("f4", EventsScreen),
            ("f5", DocumentsScreen),
            ("f6", ServiceScreen),
        ):
            await open_and_check(pilot, key, kind)
            await open_and_check(pilot, "f1", HelpScreen)
            await back(pilot)
            await back(pilot)
        assert app.screen is dashboard


async def test_an_administrators_screens_speak_chinese_only(
    live_portal: BackgroundServer, server_settings: ServerSettings, tmp_path: Path
) -> None:
    app = chinese(
        HomeApp, ADMIN, live_portal, settings=server_settings, state_dir=tmp_path / "state"
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        left = english_in(app, program_words(app, app.screen))
        assert not left, ("HomeScreen", left)
        accounts = await open_and_check(pilot, "f3", AccountsScreen)
        assert str(accounts.query_one("#accounts-table", DataTable).columns) != ""
        await open_and_check(pilot, "s", ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        for key in ("n", "e", "h"):
            await pilot.press(key)
            await settle(pilot)
            left = english_in(app, program_words(app, app.screen))
            assert not left, (key, type(app.screen).__name__, left)
            await back(pilot)
