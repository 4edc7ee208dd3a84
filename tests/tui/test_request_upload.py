"""Attaching from where the work is done, against the real portal: `u` on the request
screen and `ctrl+t` on the form (saving what was typed first) open the upload screen;
the request's Documents tab lists the file with its size, type and SHA-256 prefix; `o`
saves it to the downloads folder; Delete asks y/N and removes it; nobody but the maker
of a Draft or Returned request is offered `u`.

The upload screen's file browser starts in the home folder, so HOME is the test's own
folder holding the files it made; the downloads folder is CC_TUI_DOWNLOADS_DIR.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.request import RequestScreen
from cc_tui.tui.screens.upload import UploadScreen
from cc_tui.tui.widgets.attachment_list import AttachmentList
from tests.server.attachment_corpus import good_name, minimal_pdf
from tests.tui.maker_checker import (
    LEAD,
    MAKER,
    PortalApi,
    app_for,
    field,
    notice_text,
    settle,
    type_in,
)
from tests.tui.test_upload import highlight, wait_for_tree

# The file browser's loader runs for as long as the upload screen is open.
LOADER = ("_loader",)


@pytest.fixture
def maker_api(
    live_portal: BackgroundServer, server_settings: ServerSettings
) -> Iterator[PortalApi]:
    api = PortalApi(live_portal.url, server_settings, MAKER)
    yield api
    api.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "Downloads"
    monkeypatch.setenv("CC_TUI_DOWNLOADS_DIR", str(folder))
    return folder / "cc-tui"


def showing(app: PortalApp) -> Screen[Any]:
    """The screen on top (read afresh, not narrowed by an earlier check)."""
    return app.screen


async def quiet(pilot: Pilot[Any]) -> None:
    await settle(pilot, ignore=LOADER)


async def open_request(pilot: Pilot[Any], ref: str) -> RequestScreen:
    await quiet(pilot)
    pilot.app.push_screen(RequestScreen(ref))
    await quiet(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RequestScreen)
    return screen


def stored_attachments(api: PortalApi, ref: str) -> list[dict[str, Any]]:
    response = api.http.get(f"/requests/{ref}")
    assert response.status_code == 200, response.text
    attachments: list[dict[str, Any]] = response.json()["attachments"]
    return attachments


def enabled(screen: RequestScreen | FormScreen, action: str) -> bool:
    """Whether the screen's key for `action` works now (as the footer and help show)."""
    return any(
        active.enabled and active.binding.action == action
        for active in screen.active_bindings.values()
    )


def documents_label(screen: RequestScreen) -> str:
    return str(screen.query_one(TabbedContent).get_tab("tab-attachments").label)


def rows(listing: AttachmentList) -> list[tuple[str, ...]]:
    return [
        tuple(str(cell) for cell in listing.get_row_at(index)) for index in range(listing.row_count)
    ]


async def upload_from_home(pilot: Pilot[Any], name: str) -> None:
    """On the upload screen: the file `name` in the home folder, Enter, then y."""
    assert isinstance(pilot.app.screen, UploadScreen), type(pilot.app.screen).__name__
    await wait_for_tree(pilot)
    await highlight(pilot, name)
    await pilot.press("enter", "y")
    await quiet(pilot)


async def test_u_on_a_draft_attaches_a_file_that_o_saves_and_delete_removes(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
    home: Path,
    downloads: Path,
) -> None:
    ref = maker_api.create()["ref"]
    name = good_name(ref)
    (home / name).write_bytes(minimal_pdf())
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        assert enabled(screen, "upload")
        assert "u Attach file" in str(screen.query_one("#request-actions", Static).content)
        assert documents_label(screen) == "2 Documents (0)"

        await pilot.press("u")
        await quiet(pilot)
        await upload_from_home(pilot, name)

        assert showing(app) is screen, "back on the request once the file is attached"
        assert [a["name"] for a in stored_attachments(maker_api, ref)] == [name]
        assert documents_label(screen) == "2 Documents (1)", "the request was read again"
        listing = screen.query_one(AttachmentList)
        assert rows(listing) == [
            (
                name,
                f"{len(minimal_pdf())} bytes",
                "PDF",
                hashlib.sha256(minimal_pdf()).hexdigest()[:12],
            )
        ]

        screen.query_one(TabbedContent).active = "tab-attachments"
        listing.focus()
        await pilot.pause()
        await pilot.press("o")
        await quiet(pilot)
        assert (downloads / name).read_bytes() == minimal_pdf()

        await pilot.press("delete")
        await quiet(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#confirm-prompt", Static).content) == (
            f"Delete {name} from {ref}? y/N"
        )
        await pilot.press("y")
        await quiet(pilot)
        assert showing(app) is screen
        assert stored_attachments(maker_api, ref) == []
        assert documents_label(screen) == "2 Documents (0)"
        assert rows(listing)[0][0] == "No supporting documents."


async def test_esc_on_the_upload_screen_attaches_nothing(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
    home: Path,
) -> None:
    ref = maker_api.create()["ref"]
    (home / good_name(ref)).write_bytes(minimal_pdf())
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        await pilot.press("u")
        await quiet(pilot)
        assert isinstance(app.screen, UploadScreen)
        await wait_for_tree(pilot)
        await pilot.press("escape")
        await quiet(pilot)
        assert showing(app) is screen
        assert documents_label(screen) == "2 Documents (0)"
    assert stored_attachments(maker_api, ref) == []


async def test_nobody_but_the_maker_of_an_editable_request_is_offered_u(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    tmp_path: Path,
    maker_api: PortalApi,
) -> None:
    pending = maker_api.act(maker_api.create(), "submit")["ref"]
    draft = maker_api.create()["ref"]
    # The checker of a pending request, its maker once submitted, another user of the
    # firm looking at a draft that is not theirs.
    cases = [(LEAD, pending), (MAKER, pending), (LEAD, draft)]
    for number, (user, ref) in enumerate(cases):
        app = app_for(user, live_portal.url, server_settings, tmp_path / f"state-{number}")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_request(pilot, ref)
            assert screen.request is not None, "the firm's requests are readable by its users"
            assert not enabled(screen, "upload"), (user, ref)
            assert "Attach" not in str(screen.query_one("#request-actions", Static).content)
            await pilot.press("u")
            await quiet(pilot)
            assert showing(app) is screen, "u did nothing"
            assert screen.query_one(AttachmentList).check_action("delete", ()) is False


async def test_ctrl_t_on_the_form_saves_what_was_typed_then_attaches(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
    home: Path,
) -> None:
    ref = maker_api.create()["ref"]
    name = good_name(ref)
    (home / name).write_bytes(minimal_pdf())
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        app.push_screen(FormScreen.edit(ref))
        await quiet(pilot)
        form = app.screen
        assert isinstance(form, FormScreen) and enabled(form, "upload")
        await type_in(pilot, "remarks", "see the attached")
        await pilot.press("ctrl+t")  # from inside the field: a priority key
        await quiet(pilot)
        remarks = maker_api.http.get(f"/requests/{ref}").json()["fields"]["remarks"]
        assert remarks == "see the attached", "saved before the upload screen opened"
        await upload_from_home(pilot, name)
        assert showing(app) is form
        assert notice_text(app) == f"✓ Attached {name} to {ref} (1 supporting document)."
        assert field(app, "remarks").value == "see the attached"
    assert [a["name"] for a in stored_attachments(maker_api, ref)] == [name]


async def test_a_new_form_offers_ctrl_t_only_once_saved(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        app.push_screen(FormScreen.new("CT027"))
        await quiet(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert not enabled(form, "upload"), "no reference yet, nothing to attach to"
        await pilot.press("ctrl+t")
        await quiet(pilot)
        assert isinstance(showing(app), FormScreen), "ctrl+t did nothing"
        await pilot.press("ctrl+d")
        await quiet(pilot)
        assert form.ref is not None, notice_text(app)
        assert enabled(form, "upload")
