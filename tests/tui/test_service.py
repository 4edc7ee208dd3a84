"""Pilot tests of the Service hours screen against the real portal on loopback."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from cc_tui.api.auth import ServiceStatus
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.screens.service import ServiceScreen, service_rows
from tests.tui.conftest import AppFactory
from tests.tui.helpers import settle
from tests.tui.library_helpers import MAKER, start_logged_in


def service(app: object) -> ServiceScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ServiceScreen)
    return screen


async def test_service_hours_in_the_portals_time_and_refresh(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
    clock: FakeClock,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = service(app)
        assert screen.value("now") == "Mon 23 Nov 2026 10:00 HKT"
        assert screen.value("maintenance") == "No: eServices are open."
        assert screen.value("window") == (
            "Sat 28 Nov 08:00 to Sun 29 Nov 00:00 HKT (starts in 4 d 22 h)."
        )
        assert screen.value("business-day") == "Yes."
        assert screen.value("business-hours").startswith("Yes")
        assert screen.value("processed") == "Processed on Mon 23 Nov 2026 (today)."

        clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=HKT))
        await pilot.press("r")
        await settle(pilot)
        assert screen.value("maintenance") == (
            "Yes: eServices are closed until Sun 29 Nov 00:00 HKT (14 h 0 min)."
        )
        assert screen.value("window").startswith("This window: Sat 28 Nov 08:00")
        assert screen.value("business-day").startswith("No")
        assert "maintenance" in screen.value("message")


async def test_service_hours_open_from_the_login_screen(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("f6")
        await settle(pilot)
        assert service(app).value("maintenance") == "No: eServices are open."
        await pilot.press("f4")  # Events need a login: nothing opens
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


def test_a_holiday_evening_reads_in_words() -> None:
    status = ServiceStatus(
        now=datetime(2026, 12, 25, 19, 30, tzinfo=HKT),
        maintenance=False,
        next_maintenance_start=datetime(2026, 12, 26, 8, 0, tzinfo=HKT),
        next_maintenance_end=datetime(2026, 12, 27, 0, 0, tzinfo=HKT),
        business_day=False,
        message="Today is a Hong Kong public holiday (Christmas Day); requests made today "
        "are processed on Mon 28 Dec.",
        business_hours=False,
        processing_day=date(2026, 12, 28),
    )
    rows = {key: words for key, _, words in service_rows(status)}
    assert rows["window"] == "Sat 26 Dec 08:00 to Sun 27 Dec 00:00 HKT (starts in 12 h 30 min)."
    assert rows["business-day"].startswith("No")
    assert rows["processed"] == "Processed on Mon 28 Dec 2026."
    assert "Christmas Day" in rows["message"]


def test_every_key_has_an_id_a_description_and_a_tooltip() -> None:
    for binding in ServiceScreen.BINDINGS:
        assert not isinstance(binding, tuple)
        assert binding.id and binding.id.startswith("service.")
        assert binding.description and binding.tooltip
