"""A session that ends inside a form of an existing request: the login screen shows the
portal's own words, the same user logs in again in place, and the same form comes back
with every typed value (never the portal's older ones)."""

from __future__ import annotations

import json
from pathlib import Path

from cc_tui.client.errors import SessionExpired
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.login import LoginScreen
from tests.tui.helpers import (
    DEMO_PASSWORD,
    log_in_with_mailed_code,
    notice,
)
from tests.tui.maker_checker import (
    MAKER,
    PortalApi,
    app_for,
    field,
    form_of,
    revoke_sessions,
    settle,
    type_in,
)
from tests.tui.test_form import stored_requests


async def test_an_edited_request_comes_back_with_the_typed_values_after_a_new_login(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    api = PortalApi(live_portal.url, server_settings, MAKER)
    request = api.create()
    api.close()
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(FormScreen.edit(request["ref"]))
        await settle(pilot)
        await type_in(pilot, "remarks", "typed before the session ended")
        await type_in(pilot, "new_limit", "7,500,000")
        revoke_sessions(server_settings, MAKER)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        said = notice(app)
        assert "Your session has ended" in said and "anything you typed is kept" in said
        # A second call that meets the ended session says nothing over the portal's words.
        app.session_expired(SessionExpired(401, "not_logged_in", "You are not logged in."))
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Your session has ended" in notice(app)
        await log_in_with_mailed_code(pilot, MAKER, DEMO_PASSWORD, server_settings.mail_dir)
        form = form_of(app)
        assert form.ref == request["ref"]
        assert field(app, "remarks").value == "typed before the session ended"
        assert field(app, "new_limit").value == "7,500,000"
        await pilot.press("ctrl+d")
        await settle(pilot)
        (stored,) = stored_requests(server_settings)
        assert json.loads(stored["fields"])["remarks"] == "typed before the session ended"


async def test_a_form_comes_back_when_a_background_call_meets_the_ended_session_first(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    """The user sits in the form while the session ends; the notice stream (or any call
    that is not the form's) meets the 401 first. The form used to go with the screen
    stack, and the login led to the dashboard."""
    api = PortalApi(live_portal.url, server_settings, MAKER)
    request = api.create()
    api.close()
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(FormScreen.edit(request["ref"]))
        await settle(pilot)
        await type_in(pilot, "remarks", "typed while the session ran out")
        revoke_sessions(server_settings, MAKER)
        app.session_expired(
            SessionExpired(
                401, "session_expired", "Your session has ended (logged out, idle for 30 min)."
            )
        )
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Your session has ended" in notice(app)
        await log_in_with_mailed_code(pilot, MAKER, DEMO_PASSWORD, server_settings.mail_dir)
        form = form_of(app)
        assert form.ref == request["ref"]
        assert field(app, "remarks").value == "typed while the session ran out"
