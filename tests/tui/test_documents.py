"""Pilot tests of the Document library screen against the real portal on loopback."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from textual.widgets import DataTable, Input, Static

from cc_tui.domain.files import size_in_words
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.documents import DocumentsScreen
from tests.tui.conftest import AppFactory
from tests.tui.helpers import notice, settle
from tests.tui.library_helpers import MAKER, cell, column_texts, start_logged_in


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CC_TUI_DOWNLOADS_DIR", str(tmp_path / "Downloads"))
    return tmp_path / "Downloads" / "cc-tui"


def library(app: object) -> DocumentsScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, DocumentsScreen)
    return screen


async def test_search_as_you_type_then_enter_downloads_and_says_where(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
    downloads: Path,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = library(app)
        table = screen.query_one("#documents-list", DataTable)
        assert table.row_count == 15
        assert table.virtual_size.width <= table.size.width
        assert app.focused is screen.query_one("#documents-search", Input)

        await pilot.press(*"buy-i")
        await settle(pilot)
        assert column_texts(table, 0) == ["Buy-in Procedures"]
        detail = str(screen.query_one("#documents-detail", Static).content)
        assert "When and how the clearing house buys in securities" in detail
        assert "Procedures · " in detail and " PDF · updated " in detail

        await pilot.press("enter")  # from the search field to the list
        assert app.focused is table
        await pilot.press("enter")  # on a row: download
        await settle(pilot)
        saved = downloads / "Buy-in_Procedures.pdf"
        assert f"Saved Buy-in Procedures to {saved}." in notice(app)
        assert "Buy-in Procedures" in pypdf.PdfReader(saved).pages[0].extract_text()


async def test_o_downloads_a_paper_form_and_says_it_needs_signing(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
    downloads: Path,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press(*"applic")
        await settle(pilot)
        table = library(app).query_one("#documents-list", DataTable)
        assert table.row_count == 1
        assert cell(table, 0, 2) == "sign"
        assert "Original signature needed" in str(
            library(app).query_one("#documents-detail", Static).content
        )
        await pilot.press("down", "o")
        await settle(pilot)
        assert "Print it, sign it by hand and deliver the original on paper." in notice(app)
        await pilot.press("o")
        await settle(pilot)
        names = sorted(p.name for p in downloads.iterdir())
        assert names == [
            "Investor_Participant_Application_Form (2).pdf",
            "Investor_Participant_Application_Form.pdf",
        ]


async def test_no_match_says_so_and_escape_goes_back(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.screen
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press(*"zebra")
        await settle(pilot)
        assert "No document matches 'zebra'" in notice(app)
        assert library(app).check_action("download", ()) is False
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is main


def test_sizes_read_as_people_write_them() -> None:
    assert size_in_words(812) == "812 bytes"  # one unit everywhere: was "812 B" here
    assert size_in_words(14_500) == "14 KiB"  # was "14 KB" here, "14.2 KiB" on upload
    assert size_in_words(2_400_000) == "2.3 MiB"  # was "2.3 MB" here


def test_every_key_has_an_id_a_description_and_a_tooltip() -> None:
    for binding in DocumentsScreen.BINDINGS:
        assert not isinstance(binding, tuple)
        assert binding.id and binding.id.startswith("documents.")
        assert binding.description and binding.tooltip
