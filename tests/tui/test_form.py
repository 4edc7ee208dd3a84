"""The form screen against the real portal: checks when a field is left (the domain's own
validators), auto-fill tags, table rows from the keyboard, saving a draft, submitting
with the portal's errors against their fields, and nothing typed lost to a kill or an
expired session."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, cast

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input, Static

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.drafts import DraftStore, drafts_root
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.widgets.form_field import TableEditor
from tests.tui.helpers import (
    DEMO_PASSWORD,
    log_in_with_mailed_code,
)
from tests.tui.maker_checker import (
    MAKER,
    PortalApi,
    app_for,
    choose,
    field,
    form_of,
    leave_field,
    notice_text,
    revoke_sessions,
    settle,
    type_cell,
    type_in,
)


def stored_requests(settings: ServerSettings) -> list[sqlite3.Row]:
    conn = sqlite3.connect(settings.db_path)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute("SELECT ref, status, version, fields FROM requests ORDER BY id"))
    finally:
        conn.close()


async def open_form(pilot: Pilot[Any], code: str) -> FormScreen:
    await settle(pilot)
    pilot.app.push_screen(FormScreen.new(code))
    await settle(pilot)
    return form_of(cast(PortalApp, pilot.app))


async def fill_ct027(pilot: Pilot[Any], effective: str = "2026-11-30") -> None:
    await choose(pilot, "setting_type", "Increase")
    await type_in(pilot, "current_limit", "5,000,000")
    await type_in(pilot, "new_limit", "8,000,000")
    await type_in(pilot, "effective_date", effective)
    await leave_field(pilot)


async def test_each_field_is_checked_when_left_and_says_how_to_fix_it(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "CT027")
        cases = {
            "participant_id": (
                "B1234",
                "Participant ID 'B1234' is not a participant ID. "
                "Enter one capital letter and five digits",
            ),
            "new_limit": ("5000", "New limit (HKD) must be at least 100,000. Enter an amount"),
            "effective_date": (
                "2026-12-25",
                "Effective date 2026-12-25 is a Hong Kong public "
                "holiday (Christmas Day), not a business day. Choose a "
                "business day, e.g. 2026-12-28.",
            ),
            "contact_email": ("ops@", "Contact e-mail 'ops@' is not an e-mail address."),
            "contact_phone": (
                "12345",
                "Contact phone '12345' is not a Hong Kong phone number. "
                "Enter a Hong Kong phone number: 8 digits",
            ),
        }
        for name, (typed, _) in cases.items():
            await type_in(pilot, name, typed)
            await leave_field(pilot)
        for name, (typed, message) in cases.items():
            row = field(app, name)
            assert message in " ".join(row.error_text.split()), name
            assert row.value == typed, "typed values stay as typed"
        # The setting was passed through without a choice: required, with the choices.
        assert "Setting is required. Choose one of: New limit, Increase, Decrease." in " ".join(
            field(app, "setting_type").error_text.split()
        )
        # Too long: the limit, and what to do.
        remarks = field(app, "remarks").input_widget
        assert isinstance(remarks, Input)
        remarks.value = "x" * 501
        remarks.focus()
        await leave_field(pilot)
        assert (
            "is 501 characters long; the limit is 500. Shorten it"
            in field(app, "remarks").error_text
        )
        # A cross-field rule lands on its field too: three working days' notice.
        await type_in(pilot, "effective_date", "2026-11-25")
        await leave_field(pilot)
        assert "less than three working days after today (2026-11-23)" in " ".join(
            field(app, "effective_date").error_text.split()
        )
        # Corrected: the error goes.
        await type_in(pilot, "new_limit", "8,000,000")
        await leave_field(pilot)
        assert field(app, "new_limit").error_text == ""


async def test_table_rows_from_the_keyboard_and_their_errors(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "DA3")
        editor = field(app, "administrators").input_widget
        assert isinstance(editor, TableEditor)
        # A table with no rows: left empty, it says how many it needs.
        editor.cell(0, "name").focus()
        await pilot.pause()
        await type_in(pilot, "effective_date", "")
        await leave_field(pilot)
        assert "Delegated administrators needs at least 1 row; it has 0." in " ".join(
            field(app, "administrators").error_text.split()
        )
        await type_cell(pilot, "administrators", 0, "name", "Chan Tai Man")
        await type_cell(pilot, "administrators", 0, "email", "chan@harbour")
        await pilot.press("tab")
        await pilot.pause()
        assert "Row 1: E-mail 'chan@harbour' is not an e-mail address." in " ".join(
            field(app, "administrators").error_text.split()
        )
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert len(editor.rows) == 2
        await type_cell(pilot, "administrators", 1, "email", "chan@harbour")
        await type_cell(pilot, "administrators", 0, "email", "chan@harbour.example")
        await type_cell(pilot, "administrators", 1, "email", "chan@harbour.example")
        await pilot.press("tab")
        await pilot.pause()
        assert "Row 2: E-mail 'chan@harbour.example' is already in row 1." in " ".join(
            field(app, "administrators").error_text.split()
        )
        editor.cell(1, "email").focus()
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert len(editor.rows) == 1
        assert editor.rows[0]["name"] == "Chan Tai Man"


async def test_auto_fill_is_tagged_until_changed(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "CT027")
        auto = {row.form_field.name for row in form_of(app).rows if row.auto}
        assert auto == {
            "participant_id",
            "firm_name",
            "contact_name",
            "contact_email",
            "contact_phone",
        }
        assert field(app, "firm_name").value == "Harbour Securities Limited"
        assert field(app, "participant_id").query_one(".auto-tag").display
        await type_in(pilot, "contact_name", "Mary Maker")
        assert not field(app, "contact_name").auto
        assert not field(app, "contact_name").query_one(".auto-tag").display
        await type_in(pilot, "contact_name", "Grace Leung")
        assert field(app, "contact_name").auto


async def test_ctrl_d_saves_a_draft_and_the_portal_gives_it_a_reference(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    store = DraftStore(drafts_root(state_dir))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, "CT027")
        await type_in(pilot, "new_limit", "8,000,000")
        assert len(store.unsent(live_portal.portal_id, MAKER)) == 1, "every keystroke is kept"
        await pilot.press("ctrl+d")
        await settle(pilot)
        (stored,) = stored_requests(server_settings)
        assert notice_text(app) == f"✓ Saved {stored['ref']} as a draft (version 1)."
        assert form.ref == stored["ref"]
        assert json.loads(stored["fields"])["new_limit"] == "8000000.00"
        assert store.unsent(live_portal.portal_id, MAKER) == [], "the portal has it all"
        # Later saves change the same request, with its version.
        await type_in(pilot, "remarks", "Raise for the new desk")
        await pilot.press("ctrl+d")
        await settle(pilot)
        (stored,) = stored_requests(server_settings)
        assert stored["version"] == 2
        assert notice_text(app) == f"✓ Saved {stored['ref']} as a draft (version 2)."


async def test_submit_checks_locally_first_then_shows_the_portals_errors_per_field(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "CT027")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert "3 problems to fix before submitting" in notice_text(app)
        assert "Setting is required" in field(app, "setting_type").error_text
        assert stored_requests(server_settings) == [], "nothing was sent"
        await fill_ct027(pilot)
        # A valid shape the portal refuses: another firm's participant ID.
        await type_in(pilot, "participant_id", "B05678")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        (stored,) = stored_requests(server_settings)
        assert f"Submit {stored['ref']} for checking? y/N" in str(
            app.screen.query_one("#confirm-prompt", Static).content
        )
        await pilot.press("y")
        await settle(pilot)
        form = form_of(app)
        assert "cannot be submitted: 1 field needs attention" in notice_text(app)
        assert "'B05678' is not the membership this request is for (B01234)" in " ".join(
            field(app, "participant_id").error_text.split()
        )
        assert field(app, "participant_id").value == "B05678"
        assert field(app, "new_limit").value == "8,000,000"
        assert stored_requests(server_settings)[0]["status"] == "draft"
        await type_in(pilot, "participant_id", "B01234")
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert stored_requests(server_settings)[0]["status"] == "pending_checker"
        assert not isinstance(app.screen, FormScreen)
        assert form.store.unsent(live_portal.portal_id, MAKER) == []


async def test_enter_alone_does_not_submit(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "CT027")
        await fill_ct027(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert "Not submitted" in notice_text(app)
        assert stored_requests(server_settings)[0]["status"] == "draft"


async def test_a_killed_tui_gives_back_the_typed_form(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    first = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with first.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "CT027")
        await choose(pilot, "setting_type", "Decrease")
        await type_in(pilot, "new_limit", "2,500,000")
        await type_in(pilot, "remarks", "typed, never saved")
        # The app is dropped here without saving (as a kill would).
    assert stored_requests(server_settings) == []
    second = app_for(MAKER, live_portal.url, server_settings, state_dir)
    posted: list[Message] = []
    async with second.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await settle(pilot)
        said = [m.notification.message for m in posted if isinstance(m, Notify)]
        assert (
            "1 unsent draft kept on this computer: a new CT027 form. Open New request (n, or "
            "ctrl+p) to carry on with them." in said
        ), "the login mentions it"
        second.push_screen(CatalogueScreen())
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        form = form_of(second)
        assert "Restored the form you had not sent yet" in notice_text(second)
        assert field(second, "setting_type").value == "Decrease"
        assert field(second, "new_limit").value == "2,500,000"
        assert field(second, "remarks").value == "typed, never saved"
        assert field(second, "participant_id").auto
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert form.ref is not None
        assert form.store.unsent(live_portal.portal_id, MAKER) == []


async def test_an_expired_session_logs_in_again_and_the_form_carries_on(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "CT027")
        await type_in(pilot, "new_limit", "9,000,000")
        await type_in(pilot, "remarks", "before the session ended")
        revoke_sessions(server_settings, MAKER)
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in_with_mailed_code(pilot, MAKER, DEMO_PASSWORD, server_settings.mail_dir)
        form = form_of(app)
        assert field(app, "new_limit").value == "9,000,000"
        assert field(app, "remarks").value == "before the session ended"
        await pilot.press("ctrl+d")
        await settle(pilot)
        (stored,) = stored_requests(server_settings)
        assert form.ref == stored["ref"]
        assert json.loads(stored["fields"])["remarks"] == "before the session ended"


async def test_unsent_changes_to_a_saved_request_come_back_when_it_is_opened_again(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    api = PortalApi(live_portal.url, server_settings, MAKER)
    request = api.create()
    api.close()
    first = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first.push_screen(FormScreen.edit(request["ref"]))
        await settle(pilot)
        await type_in(pilot, "remarks", "changed, not saved")
        # Dropped without saving.
    second = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with second.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        second.push_screen(FormScreen.edit(request["ref"]))
        await settle(pilot)
        assert "Restored the changes you had not sent yet" in notice_text(second)
        assert field(second, "remarks").value == "changed, not saved"
        assert "unsent changes kept on this computer" in str(
            form_of(second).query_one("#form-state", Static).content
        )


async def test_a_cleared_auto_filled_field_stays_cleared(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, "CT027")
        assert field(app, "contact_phone").auto and field(app, "contact_phone").value
        await type_in(pilot, "contact_phone", "")
        await leave_field(pilot)
        await pilot.press("ctrl+d")
        await settle(pilot)
        (stored,) = stored_requests(server_settings)
        kept = json.loads(stored["fields"])
        assert kept.get("contact_phone") in (None, ""), "the portal did not fill it again"
        assert kept["contact_name"], "the auto-filled fields left alone are kept"
        # Opened again, the field is still empty.
        await pilot.press("escape")
        await settle(pilot)
        app.push_screen(FormScreen.edit(form.ref or ""))
        await settle(pilot)
        assert field(app, "contact_phone").value in (None, "")
