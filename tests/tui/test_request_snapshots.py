"""SVG snapshots at 80x24 of the catalogue, the form with an error showing, the request
detail and the y/N confirm prompt (pytest-textual-snapshot).

Each runs against the real portal with its clock held at Monday 2026-11-23 10:00 HKT and
a fresh database, so references (ECS00000001), times and values are the same every run;
the screens show no URL and no local time; text cursors are steady. Update after a
deliberate change with `make snapshots` and look at the SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.request import RequestScreen
from tests.tui.maker_checker import LEAD, MAKER, PortalApi, app_for, leave_field, settle, type_in

SnapCompare = Callable[..., bool]


async def steady(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()  # "Welcome back", from resuming the session
    await pilot.pause()


def then(
    *steps: Callable[[Pilot[Any]], Awaitable[None]],
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()  # "Welcome back", from resuming the session
        for step in steps:
            await step(pilot)
            await settle(pilot)
        await steady(pilot)

    return run


async def open_catalogue(pilot: Pilot[Any]) -> None:
    pilot.app.push_screen(CatalogueScreen())


async def open_ct027(pilot: Pilot[Any]) -> None:
    pilot.app.push_screen(FormScreen.new("CT027"))


async def too_small_a_limit(pilot: Pilot[Any]) -> None:
    await type_in(pilot, "new_limit", "5000")
    await leave_field(pilot)


def test_catalogue(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(open_catalogue))


def test_form_with_an_error(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(open_ct027, too_small_a_limit))


def pending_request(url: str, settings: ServerSettings) -> str:
    maker = PortalApi(url, settings, MAKER)
    try:
        pending = maker.act(maker.create(), "submit")
    finally:
        maker.close()
    return str(pending["ref"])


def open_request(ref: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def step(pilot: Pilot[Any]) -> None:
        pilot.app.push_screen(RequestScreen(ref))

    return step


async def press_approve(pilot: Pilot[Any]) -> None:
    await pilot.press("a")


def test_request_detail(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    ref = pending_request(live_portal.url, server_settings)
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(open_request(ref)))


def test_confirm_prompt(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    ref = pending_request(live_portal.url, server_settings)
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=then(open_request(ref), press_approve)
    )


LONG_REMARK = (
    "Raised for the December block trades with our two largest institutional clients; "
    "the board approved it on 20 November. IMPORTANT: do not approve before the FRR "
    "filing is confirmed."
)


def test_request_with_long_values(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    """Every value whole and wrapped: the remark to its last word."""
    maker = PortalApi(live_portal.url, server_settings, MAKER)
    try:
        values = maker.good_values() | {"remarks": LONG_REMARK}
        ref = str(maker.act(maker.create("CT027", values), "submit")["ref"])
    finally:
        maker.close()
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=then(open_request(ref), scroll_to_remarks)
    )


async def scroll_to_remarks(pilot: Pilot[Any]) -> None:
    for _ in range(12):
        await pilot.press("j")


def test_request_with_the_changes_panel(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    """A resubmitted request starts with what changed since the return and the reply."""
    maker = PortalApi(live_portal.url, server_settings, MAKER)
    checker = PortalApi(live_portal.url, server_settings, LEAD)
    try:
        request = maker.act(maker.create(), "submit")
        request = checker.act(request, "return", "Raise the limit to 6M.")
        request = maker.patch(request, {"new_limit": "6000000", "contact_name": "Grace Leung"})
        request = maker.act(request, "submit", "Raised to 6M as asked; new contact.")
    finally:
        maker.close()
        checker.close()
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(open_request(request["ref"])))
