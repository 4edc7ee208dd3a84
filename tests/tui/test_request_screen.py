"""The request screen against the real portal: exactly the allowed actions, y/N confirms
naming the reference (Enter never confirms), the comment editor, someone else acting
first (409), maker-cannot-check (403), the audit PDF, and a Returned request edited with
the checker's comment on top."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from textual.events import DeliveryFailed
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from cc_tui.domain.workflow import Action
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.downloads import DELIVERY_PREFIX
from cc_tui.tui.screens.comment import CommentScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.request import RequestScreen
from tests.tui.maker_checker import (
    KOWLOON,
    LEAD,
    MAKER,
    OFFICER,
    PortalApi,
    app_for,
    field,
    notice_text,
    settle,
    stored_status,
    type_in,
)

CHECKER_TOO = "checker@harbour.example"


@pytest.fixture
def maker_api(
    live_portal: BackgroundServer, server_settings: ServerSettings
) -> Iterator[PortalApi]:
    api = PortalApi(live_portal.url, server_settings, MAKER)
    yield api
    api.close()


def greyed(screen: RequestScreen) -> set[str]:
    """The request actions shown greyed: this user could, but not at this moment."""
    return {
        active.binding.action.removeprefix("take('").removesuffix("')")
        for active in screen.active_bindings.values()
        if not active.enabled and active.binding.action.startswith("take(")
    }


def offered(screen: RequestScreen) -> set[str]:
    """The request actions whose keys work now (the footer and help show the same)."""
    return {
        active.binding.action.removeprefix("take('").removesuffix("')")
        for active in screen.active_bindings.values()
        if active.enabled
        and (active.binding.action.startswith("take(") or active.binding.action == "edit")
    }


async def open_request(pilot: Pilot[Any], ref: str) -> RequestScreen:
    await settle(pilot)
    pilot.app.push_screen(RequestScreen(ref))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RequestScreen)
    return screen


def actions_line(screen: RequestScreen) -> str:
    return str(screen.query_one("#request-actions", Static).content)


def prompt(app: PortalApp) -> str:
    assert isinstance(app.screen, ConfirmScreen), (type(app.screen).__name__, notice_text(app))
    return str(app.screen.query_one("#confirm-prompt", Static).content)


async def test_each_person_is_offered_exactly_what_the_portal_allows(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    tmp_path: Path,
    maker_api: PortalApi,
) -> None:
    draft = maker_api.create()
    pending = maker_api.act(maker_api.create(), "submit")
    officer_case = maker_api.act(maker_api.create(), "submit")
    checker = PortalApi(live_portal.url, server_settings, LEAD)
    checker.act(officer_case, "approve")
    checker.close()
    cases = [
        (MAKER, draft["ref"], {"submit", "discard", "edit"}),
        (MAKER, pending["ref"], {"withdraw"}),
        (LEAD, pending["ref"], {"approve", "return", "reject"}),
        (OFFICER, officer_case["ref"], {"complete", "return", "reject"}),
        (KOWLOON, draft["ref"], None),  # another firm's request: not even visible
    ]
    for number, (user, ref, expected) in enumerate(cases):
        app = app_for(user, live_portal.url, server_settings, tmp_path / f"state-{number}")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_request(pilot, ref)
            if expected is None:
                assert screen.request is None
                assert "ECS" in notice_text(app)
                assert offered(screen) == set()
                continue
            assert screen.request is not None
            assert {a.value for a in screen.request.allowed_actions} | (
                {"edit"} if screen.editable else set()
            ) == expected
            assert offered(screen) == expected, user
            if expected == {"withdraw"}:
                assert actions_line(screen) == "You can: w Withdraw"


async def test_approve_confirms_with_y_and_enter_alone_does_nothing(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    pending = maker_api.act(maker_api.create(), "submit")
    ref = pending["ref"]
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        for refusal in ("enter", "n", "escape"):
            await pilot.press("a")
            await settle(pilot)
            assert prompt(app) == f"Approve {ref}? y/N"
            await pilot.press(refusal)
            await settle(pilot)
            assert app.screen is screen
            assert stored_status(server_settings, ref) == "pending_checker"
            assert "Nothing was done" in notice_text(app)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert stored_status(server_settings, ref) == "with_exchange"
        assert notice_text(app) == f"✓ Approve: {ref} is now with exchange."
        assert "With exchange" in str(screen.query_one("#request-summary", Static).content)
        assert offered(screen) == set()
        audit = str(screen.query_one("#audit-text", Static).content).splitlines()
        assert audit[-1].startswith("3. ") and " · Approve · " in audit[-1]


async def test_return_asks_for_the_comment_first(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    pending = maker_api.act(maker_api.create(), "submit")
    ref = pending["ref"]
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        await pilot.press("ctrl+g")
        assert "A comment is required" in notice_text(app)
        app.screen.query_one(TextArea).focus()
        await pilot.press(*"Please use a later date")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert prompt(app) == f"Return {ref}? y/N"
        await pilot.press("y")
        await settle(pilot)
        assert stored_status(server_settings, ref) == "returned"
        comment = str(screen.query_one("#request-comment", Static).content)
        assert "Returned by lead@harbour.example (checker)" in comment
        assert "Please use a later date" in comment


async def test_someone_acting_first_is_said_and_a_reload_offered(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    pending = maker_api.act(maker_api.create(), "submit")
    ref = pending["ref"]
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        other = PortalApi(live_portal.url, server_settings, CHECKER_TOO)
        other.act(pending, "approve")
        other.close()
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert prompt(app) == f"Someone else acted on {ref} first. Reload it? y/N", notice_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "With exchange" in str(screen.query_one("#request-summary", Static).content)
        assert actions_line(screen) == "Nothing for you to do on this request now."


async def test_maker_cannot_check_shows_the_portals_sentence(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    lead_api = PortalApi(live_portal.url, server_settings, LEAD)
    pending = lead_api.act(lead_api.create(), "submit")
    lead_api.close()
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, pending["ref"])
        assert offered(screen) == {"withdraw"}, "a maker is never offered its own check"
        # A stale or tampered view that offers approve anyway: the portal still says no.
        assert screen.request is not None
        screen.request = screen.request.model_copy(update={"allowed_actions": [Action.APPROVE]})
        screen.refresh_bindings()
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "You made this request, so you cannot check it." in notice_text(app)
        assert stored_status(server_settings, pending["ref"]) == "pending_checker"


async def test_the_audit_trail_pdf_goes_to_the_downloads_folder(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    tmp_path: Path,
    maker_api: PortalApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CC_TUI_DOWNLOADS_DIR", str(tmp_path / "Downloads"))
    request = maker_api.create()
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_request(pilot, request["ref"])
        await pilot.press("p")
        await settle(pilot)
        saved = tmp_path / "Downloads" / "cc-tui" / f"{request['ref']} audit trail.pdf"
        assert notice_text(app) == f"✓ Saved the audit trail of {request['ref']} to {saved}"
        assert saved.read_bytes().startswith(b"%PDF")
        await pilot.press("p")
        await settle(pilot)
        assert (saved.parent / f"{request['ref']} audit trail (2).pdf").exists()


async def test_in_a_browser_the_audit_trail_pdf_goes_to_the_browser(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    maker_api: PortalApi,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    """Under textual-serve (Textual's web driver) the PDF is handed to the browser with
    App.deliver_binary, and nothing is left on the serving machine."""
    monkeypatch.setenv("CC_TUI_DOWNLOADS_DIR", str(tmp_path / "Downloads"))
    delivered: list[tuple[bytes, str | None, str | None]] = []

    def deliver_binary(
        app: PortalApp,
        path_or_file: BinaryIO,
        *,
        save_filename: str | None = None,
        mime_type: str | None = None,
        name: str | None = None,
        **_: object,
    ) -> str:
        with path_or_file:
            delivered.append((path_or_file.read(), save_filename, name))
        return "key"

    monkeypatch.setattr(PortalApp, "is_web", property(lambda app: True))
    monkeypatch.setattr(PortalApp, "deliver_binary", deliver_binary)
    request = maker_api.create()
    name = f"{request['ref']} audit trail.pdf"
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_request(pilot, request["ref"])
        await pilot.press("p")
        await settle(pilot)
        assert notice_text(app) == (
            f"✓ Saved the audit trail of {request['ref']} to your browser's downloads ({name})"
        )
        ((data, save_filename, delivery),) = delivered
        assert data.startswith(b"%PDF") and save_filename == name
        assert delivery == f"{DELIVERY_PREFIX}{name}"
        assert not (tmp_path / "Downloads").exists()
        # Textual says when the browser did not take it: the user hears of it.
        app.post_message(DeliveryFailed("key", ConnectionResetError("tab closed"), delivery))
        await settle(pilot)
        assert any(
            f"Your browser did not receive {name} (tab closed)" in note.message
            for note in app._notifications
        )
    assert not any(Path(tempfile.gettempdir()).glob(f"cc-tui-web-*/{name}"))


async def test_a_returned_request_opens_for_change_with_the_comment_on_top(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    pending = maker_api.act(maker_api.create(), "submit")
    ref = pending["ref"]
    checker = PortalApi(live_portal.url, server_settings, LEAD)
    checker.act(pending, "return", "New limit too high; use 6,000,000.")
    checker.close()
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        detail = await open_request(pilot, ref)
        assert offered(detail) == {"submit", "discard", "edit"}
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        on_top = str(form.query_one("#form-returned", Static).content)
        assert on_top.startswith("↩ Returned by lead@harbour.example (checker)")
        assert on_top.endswith("New limit too high; use 6,000,000.")
        await type_in(pilot, "new_limit", "6,000,000")
        # Submitting again from the form asks first for the optional reply.
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        assert str(app.screen.query_one("#comment-title", Static).content) == (
            f"Submit {ref} again"
        )
        app.screen.query_one(TextArea).insert("Lowered to 6M as asked.")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert prompt(app) == f"Submit {ref} for checking? y/N"
        assert str(app.screen.query_one("#confirm-detail", Static).content).startswith(
            "Your reply: Lowered to 6M as asked."
        )
        await pilot.press("n")  # not yet: the reply is kept and offered again
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert stored_status(server_settings, ref) == "returned"
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == "Lowered to 6M as asked."
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is detail
        assert stored_status(server_settings, ref) == "pending_checker"
        assert offered(detail) == {"withdraw"}
    audit = maker_api.http.get(f"/requests/{ref}/audit").json()
    assert (audit[-1]["action"], audit[-1]["comment"]) == ("submit", "Lowered to 6M as asked.")


async def test_a_change_made_elsewhere_offers_a_reload_and_keeps_the_typed_values(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    request = maker_api.create()
    ref = request["ref"]
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(FormScreen.edit(ref))
        await settle(pilot)
        await type_in(pilot, "remarks", "typed here")
        maker_api.patch(request, {"remarks": "changed in another window"})
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert prompt(app) == f"Someone else changed {ref}. Reload it? y/N"
        await pilot.press("y")
        await settle(pilot)
        assert field(app, "remarks").value == "changed in another window"
        message = notice_text(app)
        assert message.startswith(f"Reloaded {ref}. Your typed values are kept in ")
        kept = Path(message.split(" are kept in ", 1)[1].rstrip("."))
        assert "typed here" in kept.read_text(encoding="utf-8")


async def test_a_checker_acting_in_the_maintenance_window_is_told_when_to_come_back(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
    clock: FakeClock,
) -> None:
    pending = maker_api.act(maker_api.create(), "submit")
    clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=HKT))  # Saturday: maintenance
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, pending["ref"])
        # Offered greyed with its reason, never as a key that fails after y.
        assert "approve" not in offered(screen)
        assert greyed(screen) == {"approve", "return", "reject"}
        line = str(screen.query_one("#request-unavailable", Static).content)
        assert line == (
            "Not now: a Approve · r Return · x Reject: Sun 29 Nov 00:00 (weekly maintenance)"
        )
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen, "no y/N for what the portal would refuse"
        assert stored_status(server_settings, pending["ref"]) == "pending_checker"
