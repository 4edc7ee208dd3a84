"""Helpers for the pilot tests of the catalogue, the form and the request screen.

- `resume_as` makes a session in the portal's store and leaves it where cc-tui resumes
  one (keyring and last user ID), so a test starts logged in without the two-factor
  login it does not test (tests/tui/test_login.py covers that).
- `FormsApp` lands on the home screen instead of the dashboard: these tests open their
  screens themselves, and the dashboard's live notice stream would keep a worker
  running for ever. The end-to-end test uses the real app and `settle(ignore=...)`.
- `settle` waits for the app's workers (not for time), optionally ignoring long-lived
  ones such as the notice stream.
- Typing goes through `pilot.press`, key by key, as a person types.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, cast

import httpx
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import example_values, get_eservice
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import identity, sessions
from cc_tui.server.store.profiles import membership_profile
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.state import remember_user_id
from cc_tui.tui.widgets.form_field import FormFieldRow, TableEditor
from cc_tui.tui.widgets.notice import Notice
from tests.tui.helpers import settle

__all__ = ["settle"]  # the one idle wait, as the tests that drive two sessions know it

MAKER = "maker@harbour.example"
LEAD = "lead@harbour.example"
CHECKER = LEAD  # checks what MAKER makes (checker@ must re-register its device first)
OFFICER = "officer@hkex.example"
KOWLOON = "maker@kowloon.example"
STREAMS = ("dashboard-notices",)


class FormsApp(PortalApp):
    """The app, landing on the home screen after login."""

    def make_main_screen(self) -> Screen[Any]:
        return HomeScreen()


class QueueApp(PortalApp):
    """The app landing on the dashboard (its checker's queue), without live notices."""

    def make_main_screen(self) -> Screen[Any]:
        from cc_tui.tui.screens.dashboard import DashboardScreen

        return DashboardScreen(live_notices=False, debounce=0, preview_delay=0)


def resume_as(
    user_id: str, url: str, settings: ServerSettings, state_dir: Path, token_store: TokenStore
) -> None:
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    try:
        token, _ = sessions.create_session(
            conn, user_id, settings.clock.now(), settings.session_absolute
        )
        portal = identity.portal_id(conn)  # local state is kept under the portal's id
    finally:
        conn.close()
    remember_user_id(state_dir, portal, user_id)
    token_store.save(portal, user_id, token)


def revoke_sessions(settings: ServerSettings, user_id: str) -> None:
    """End every session of `user_id` on the portal, as an administrator would."""
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    try:
        sessions.revoke_user_sessions(conn, user_id, settings.clock.now())
    finally:
        conn.close()


def form_of(app: PortalApp) -> FormScreen:
    screen = app.screen
    assert isinstance(screen, FormScreen), f"on {type(screen).__name__}, not the form"
    return screen


def field(app: PortalApp, name: str) -> FormFieldRow:
    return form_of(app).row(name)


def notice_text(app: PortalApp) -> str:
    return app.screen.query_one("#notice", Notice).text


PASTE_OVER = 10


async def enter_text(pilot: Pilot[Any], widget: Input, text: str) -> None:
    """Clear `widget` and enter `text`: key by key, or pasted when it is long (as people
    do; and it keeps the tests quick)."""
    widget.focus()
    await pilot.pause()
    await pilot.press("end", *(["backspace"] * len(widget.value)))
    if len(text) > PASTE_OVER:
        widget.post_message(events.Paste(text))
        await pilot.pause()
    elif text:
        await pilot.press(*text)
    await pilot.pause()


async def type_in(pilot: Pilot[Any], name: str, text: str) -> None:
    """Focus a plain field, clear it and type `text`."""
    widget = field(cast(PortalApp, pilot.app), name).input_widget
    assert isinstance(widget, Input)
    await enter_text(pilot, widget, text)


async def choose(pilot: Pilot[Any], name: str, choice: str) -> None:
    widget = field(cast(PortalApp, pilot.app), name).input_widget
    assert isinstance(widget, Select)
    widget.focus()
    widget.value = choice
    await pilot.pause()


async def type_cell(pilot: Pilot[Any], name: str, row: int, column: str, text: str) -> None:
    editor = field(cast(PortalApp, pilot.app), name).input_widget
    assert isinstance(editor, TableEditor)
    await enter_text(pilot, editor.cell(row, column), text)


async def leave_field(pilot: Pilot[Any]) -> None:
    """Tab away, as a person leaves a field."""
    await pilot.press("tab")
    await pilot.pause()
    await pilot.pause()


def app_for(
    user_id: str,
    url: str,
    settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore | None = None,
    app_class: type[PortalApp] = FormsApp,
) -> PortalApp:
    """An app that starts logged in as `user_id` (its own keyring and state)."""
    store = token_store or TokenStore(memory_only=True)
    resume_as(user_id, url, settings, state_dir, store)
    return app_class(url, token_store=store, state_dir=state_dir)


class PortalApi:
    """The portal's API as another user acts on it (a session minted in the store)."""

    def __init__(self, url: str, settings: ServerSettings, user_id: str) -> None:
        conn = sqlite3.connect(settings.db_path, isolation_level=None)
        try:
            token, _ = sessions.create_session(
                conn, user_id, settings.clock.now(), settings.session_absolute
            )
        finally:
            conn.close()
        self.settings = settings
        self.http = httpx.Client(
            base_url=url + API_PREFIX, headers={"Authorization": f"Bearer {token}"}
        )

    def good_values(self, code: str = "CT027", participant_id: str = "B01234") -> dict[str, Any]:
        conn = sqlite3.connect(self.settings.db_path)
        conn.row_factory = sqlite3.Row
        try:
            profile = membership_profile(conn, participant_id)
        finally:
            conn.close()
        assert profile is not None
        today = self.settings.clock.now().date()
        return example_values(get_eservice(code), profile, today)

    def create(self, code: str = "CT027", fields: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post(
            "/requests", json={"eservice": code, "fields": fields or self.good_values(code)}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def act(
        self, request: dict[str, Any], action: str, comment: str | None = None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"version": request["version"]}
        if comment is not None:
            payload["comment"] = comment
        response = self.http.post(f"/requests/{request['ref']}/actions/{action}", json=payload)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def patch(self, request: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        response = self.http.patch(
            f"/requests/{request['ref']}", json={"version": request["version"], "fields": fields}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def close(self) -> None:
        self.http.close()


def stored_status(settings: ServerSettings, ref: str) -> str:
    conn = sqlite3.connect(settings.db_path)
    try:
        row = conn.execute("SELECT status FROM requests WHERE ref = ?", (ref,)).fetchone()
    finally:
        conn.close()
    return str(row[0])
