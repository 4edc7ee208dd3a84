"""End to end: a maker's TUI, a checker's TUI and an exchange officer's TUI (three pilots
of the real app, dashboard and all, each with its own keyring and data dir) on one real
portal take a DA3 request from Draft to Completed, with a return in between.

Draft (maker fills the form, table rows and all, saves) -> Pending checker (submit, y)
-> Returned (checker: r, comment, y) -> modified by the maker, who sees the comment on
top -> Pending checker -> With exchange (checker: a, y) -> Completed (officer: c, y).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.comment import CommentScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.request import RequestScreen
from cc_tui.tui.widgets.form_field import TableEditor
from tests.tui.maker_checker import (
    CHECKER,
    MAKER,
    OFFICER,
    PASTE_OVER,
    STREAMS,
    app_for,
    form_of,
    settle,
    stored_status,
)


async def inside(pilot: Pilot[Any], action: Callable[[], object]) -> None:
    """Run `action` in the app's own message loop. Three apps share this event loop, and
    a widget finds its app through the context it runs in; keys sent with `pilot.press`
    already go to the right app, but a direct call from the test would not."""
    pilot.app.call_later(action)
    await settle(pilot, ignore=STREAMS)


async def type_into(pilot: Pilot[Any], widget: Input, text: str) -> None:
    """Key by key, or pasted when long (as `maker_checker.enter_text`)."""
    await inside(pilot, widget.focus)
    await pilot.press("end", *(["backspace"] * len(widget.value)))
    if len(text) > PASTE_OVER:
        await inside(pilot, lambda: widget.post_message(events.Paste(text)))
    else:
        await pilot.press(*text)


async def choose_in(pilot: Pilot[Any], name: str, choice: str) -> None:
    widget = form_of(cast(PortalApp, pilot.app)).row(name).input_widget
    assert isinstance(widget, Select)

    def pick() -> None:
        widget.focus()
        widget.value = choice

    await inside(pilot, pick)


async def type_field(pilot: Pilot[Any], name: str, text: str) -> None:
    widget = form_of(cast(PortalApp, pilot.app)).row(name).input_widget
    assert isinstance(widget, Input)
    await type_into(pilot, widget, text)


async def type_table(pilot: Pilot[Any], name: str, row: int, cells: dict[str, str]) -> None:
    editor = form_of(cast(PortalApp, pilot.app)).row(name).input_widget
    assert isinstance(editor, TableEditor)
    for column, text in cells.items():
        await type_into(pilot, editor.cell(row, column), text)


async def quiet(*pilots: Pilot[Any]) -> None:
    for pilot in pilots:
        await settle(pilot, ignore=STREAMS)


async def confirm(pilot: Pilot[Any], expected: str) -> None:
    await quiet(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ConfirmScreen)
    assert str(screen.query_one("#confirm-prompt", Static).content) == f"{expected} y/N"
    await pilot.press("y")
    await quiet(pilot)


def detail(app: PortalApp) -> RequestScreen:
    screen = app.screen
    assert isinstance(screen, RequestScreen), type(screen).__name__
    return screen


def summary(app: PortalApp) -> str:
    return str(detail(app).query_one("#request-summary", Static).content)


async def test_draft_to_completed_with_a_return_between(
    live_portal: BackgroundServer, server_settings: ServerSettings, tmp_path: Path
) -> None:
    url = live_portal.url
    maker = app_for(MAKER, url, server_settings, tmp_path / "maker", app_class=PortalApp)
    checker = app_for(CHECKER, url, server_settings, tmp_path / "checker", app_class=PortalApp)
    officer = app_for(OFFICER, url, server_settings, tmp_path / "officer", app_class=PortalApp)
    async with (
        maker.run_test(size=(80, 24)) as m,
        checker.run_test(size=(80, 24)) as c,
        officer.run_test(size=(80, 24)) as o,
    ):
        await quiet(m, c, o)

        # The maker finds the form by keyword and fills it in.
        await inside(m, maker.open_catalogue)
        assert isinstance(maker.screen, CatalogueScreen)
        await m.press(*"delegated")
        await quiet(m)
        await m.press("enter")
        await quiet(m)
        form = form_of(maker)
        await choose_in(m, "system", "CCASS")
        await choose_in(m, "action", "Appoint")
        chan = {
            "name": "Chan Tai Man",
            "title": "Director",
            "email": "chan@harbour.example",
            "phone": "2345 6789",
        }
        await type_table(m, "administrators", 0, chan)
        await m.press("ctrl+n")
        await quiet(m)
        lee = {
            "name": "Lee Siu Ming",
            "title": "Manager",
            "email": "lee@harbour.example",
            "phone": "+852 3456 7890",
        }
        await type_table(m, "administrators", 1, lee)
        await type_field(m, "effective_date", "2026-11-30")
        await m.press("tab")
        await m.press("ctrl+d")
        await quiet(m)
        ref = form.ref
        assert ref is not None and stored_status(server_settings, ref) == "draft"

        # ... and submits it.
        await m.press("ctrl+g")
        await confirm(m, f"Submit {ref} for checking?")
        assert "Pending checker" in summary(maker)
        assert stored_status(server_settings, ref) == "pending_checker"

        # The checker finds it by its reference and returns it with a comment.
        await inside(c, lambda: checker.push_screen(RequestScreen(ref)))
        assert "Pending checker" in summary(checker)
        await c.press("r")
        await quiet(c)
        assert isinstance(checker.screen, CommentScreen)
        await inside(c, checker.screen.query_one(TextArea).focus)
        await c.press(*"Add the effective date 2026-12-01 instead")
        await c.press("ctrl+g")
        await confirm(c, f"Return {ref}?")
        assert stored_status(server_settings, ref) == "returned"

        # The maker reloads, reads the comment on top, changes the date, submits again.
        await m.press("ctrl+r")
        await quiet(m)
        assert "Returned" in summary(maker)
        await m.press("e")
        await quiet(m)
        form = form_of(maker)
        assert "Add the effective date 2026-12-01 instead" in str(
            form.query_one("#form-returned", Static).content
        )
        administrators = cast(list[dict[str, str]], form.row("administrators").value)
        assert administrators[1]["name"] == "Lee Siu Ming"
        await type_field(m, "effective_date", "2026-12-01")
        await m.press("ctrl+g")
        # A returned request's maker is asked for an optional reply to the checker.
        await quiet(m)
        assert isinstance(maker.screen, CommentScreen)
        await inside(m, maker.screen.query_one(TextArea).focus)
        await m.press(*"Effective date moved to 1 December")
        await m.press("ctrl+g")
        await confirm(m, f"Submit {ref} for checking?")
        assert isinstance(maker.screen, RequestScreen)
        assert stored_status(server_settings, ref) == "pending_checker"

        # The checker approves: on to the exchange.
        await c.press("ctrl+r")
        await quiet(c)
        await c.press("a")
        await confirm(c, f"Approve {ref}?")
        assert "With exchange" in summary(checker)

        # The exchange officer completes it.
        await inside(o, lambda: officer.push_screen(RequestScreen(ref)))
        await o.press("c")
        await confirm(o, f"Complete {ref}?")
        assert "Completed" in summary(officer)
        assert stored_status(server_settings, ref) == "completed"

        # Everyone reads the same trail.
        await m.press("ctrl+r")
        await quiet(m)
        actions = [entry.action.value for entry in detail(maker).audit]
        assert actions[0] == "save"
        assert [a for a in actions if a != "save"] == [
            "submit",
            "return",
            "submit",
            "approve",
            "complete",
        ]
        submits = [entry for entry in detail(maker).audit if entry.action.value == "submit"]
        assert submits[-1].comment == "Effective date moved to 1 December"
        assert not isinstance(maker.screen, FormScreen)
