"""The keys every list shares (issue 13 point 7): j/k, g/G, Home/End and `/` find, in
each list of the app, against the real portal on a loopback port."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Input, OptionList, Static

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.help import help_rows
from cc_tui.tui.widgets.list_keys import FindBar, TextScroll, matching_row
from tests.tui.conftest import AppFactory
from tests.tui.helpers import settle
from tests.tui.library_helpers import MAKER, start_logged_in

ADMIN = "admin@harbour.example"


def test_a_find_goes_to_the_next_row_holding_every_word_and_wraps_round() -> None:
    rows = ["Buy-in briefing", "Terminal guide", "Buy-in form", "Limits"]
    assert matching_row(rows, ["buy-in"], 1, 1) == 2
    assert matching_row(rows, ["buy-in"], 3, 1) == 0  # wraps round
    assert matching_row(rows, ["buy-in"], 1, -1) == 0
    assert matching_row(rows, ["BUY-IN", "form"], 0, 1) == 2
    assert matching_row(rows, ["nothing"], 0, 1) is None
    assert matching_row(rows, [], 0, 1) is None


async def walk_table(pilot: object, app: PortalApp, table: DataTable[object]) -> None:
    """j/k, G/g and End/Home move the cursor of `table` as a user expects."""
    press = pilot.press  # type: ignore[attr-defined]
    last = table.row_count - 1
    assert last >= 2
    table.focus()
    await press("g")
    assert table.cursor_row == 0
    await press("j", "j")
    assert table.cursor_row == 2
    await press("k")
    assert table.cursor_row == 1
    await press("G")
    assert table.cursor_row == last
    await press("home")
    assert table.cursor_row == 0
    await press("end")
    assert table.cursor_row == last


def keys_in_help(app: PortalApp) -> dict[str, set[str]]:
    """Each action's keys as help (F1) lists them."""
    return {row.description: set(row.keys.split()) for row in help_rows(app, app.screen)}


async def test_events_list_moves_with_list_keys_and_finds_with_slash(
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
        await pilot.press("f4")
        await settle(pilot)
        table = app.screen.query_one("#events-list", DataTable)
        await walk_table(pilot, app, table)
        help_keys = keys_in_help(app)
        assert help_keys["Down"] == {"↓", "j"}
        assert help_keys["First"] == {"g", "home"}
        assert help_keys["Last"] == {"G", "end"}
        assert help_keys["Find"] == {"/"}

        # `/` opens the find under the list; typing goes to the first row holding it.
        await pilot.press("g", "slash")
        bar = app.screen.query_one(FindBar)
        assert isinstance(app.focused, Input)
        await pilot.press(*"buy-in")
        titles = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        found = table.cursor_row
        assert "Buy-in" in titles[found]
        assert "row" in str(bar.query_one(".find-count", Static).content)
        # esc goes back where the find started and closes it; the list has the keys again.
        await pilot.press("escape")
        assert table.cursor_row == 0
        assert not app.screen.query(FindBar)
        assert app.focused is table
        # enter closes it where it found; a word in no row says so and moves nothing.
        await pilot.press("slash", *"buy-in", "enter")
        assert table.cursor_row == found
        assert app.focused is table
        await pilot.press("slash", *"zzzz")
        assert "no row holds" in str(app.screen.query_one(".find-count", Static).content)
        assert table.cursor_row == found
        await pilot.press("enter")


async def test_documents_and_catalogue_lists_take_the_same_keys(
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
        await pilot.press("f5")
        await settle(pilot)
        table = app.screen.query_one("#documents-list", DataTable)
        await walk_table(pilot, app, table)
        # `/` here is the library's own search (the list's find steps aside).
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#documents-search", Input)
        assert not app.screen.query(FindBar)
        await pilot.press("escape")
        await settle(pilot)

        app.open_catalogue()
        await settle(pilot)
        table = app.screen.query_one("#catalogue-list", DataTable)
        await walk_table(pilot, app, table)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#catalogue-search", Input)


async def test_accounts_list_and_rights_checklist_take_the_same_keys(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(ADMIN, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        table = app.screen.query_one("#accounts-table", DataTable)
        # A user ID longer than its column ends with an ellipsis, never cut silently.
        ids = [str(table.get_row_at(row)[0]) for row in range(table.row_count)]
        assert "checker@harbour.exam…" in ids
        await walk_table(pilot, app, table)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#accounts-filter", Input)
        await pilot.press("escape")

        await pilot.press("g", "e")
        await settle(pilot)
        checklist = app.screen.query_one("#edit-rights")
        checklist.focus()
        await pilot.press("G")
        last = checklist.highlighted  # type: ignore[attr-defined]
        assert last == checklist.option_count - 1  # type: ignore[attr-defined]
        await pilot.press("g")
        assert checklist.highlighted == 0  # type: ignore[attr-defined]
        await pilot.press("j")
        assert checklist.highlighted == 1  # type: ignore[attr-defined]
        await pilot.press("slash", *"check signat", "enter")
        index = checklist.highlighted  # type: ignore[attr-defined]
        prompt = str(checklist.get_option_at_index(index).prompt)  # type: ignore[attr-defined]
        assert "Check Change of authorised signatories" in prompt
        # Rights in words: the right's code (EU_...) is shown nowhere.
        prompts = [str(option.prompt) for option in checklist.options]  # type: ignore[attr-defined]
        assert not [text for text in prompts if "EU_" in text or "CC_" in text]


async def test_the_membership_picker_and_the_help_page_take_the_same_keys(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(ADMIN, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")  # admin@ acts for B01234 and C01234
        await settle(pilot)
        options = app.screen.query_one("#membership-list", OptionList)
        await pilot.press("G")
        assert options.highlighted == options.option_count - 1
        await pilot.press("g")
        assert options.highlighted == 0
        await pilot.press("j")
        assert options.highlighted == 1
        await pilot.press("k", "slash", *"C0123", "enter")
        assert "C01234" in str(options.get_option_at_index(options.highlighted or 0).prompt)
        await pilot.press("escape")
        await settle(pilot)

        # Help is text: G goes to its end, g back to the top, j a line down.
        await pilot.press("f1")
        await settle(pilot)
        body = app.screen.query_one("#help-body", TextScroll)
        body.focus()
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y > 0
        await pilot.press("g", "j")
        await pilot.pause()
        assert body.scroll_y == 1
        # `/` finds in the text too, as in a pager: the line is brought into view.
        last_line = [text for text in body.find_texts() if text.strip()][-1]
        await pilot.press("slash", *last_line.strip())
        await pilot.pause()
        assert app.screen.query(FindBar)
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("enter")
        await pilot.pause()
        assert not app.screen.query(FindBar)
        assert app.focused is body


class TextApp(App[None]):
    """A text view of 60 numbered lines, some long enough to wrap."""

    def compose(self) -> ComposeResult:
        lines = [f"line {n} " + ("wraps round " * 12 if n % 7 == 0 else "short") for n in range(60)]
        lines[41] = "line 41 the Return comment: Contact phone is missing"
        with TextScroll(id="text"):
            yield Static(Content("\n".join(lines)), id="body")


async def test_slash_in_a_text_view_finds_a_line_brings_it_into_view_and_marks_it() -> None:
    app = TextApp()
    async with app.run_test(size=(60, 20)) as pilot:
        text = app.query_one(TextScroll)
        body = app.query_one("#body", Static)
        text.focus()
        await pilot.press("slash", *"contact PHONE")
        await pilot.pause()
        # Line 41 sits below many wrapped lines: it is in view, in reverse video.
        found = body.content
        assert isinstance(found, Content)
        marked = [found.plain[s.start : s.end] for s in found.spans if s.style == "reverse"]
        assert marked == ["line 41 the Return comment: Contact phone is missing"]
        assert "1 row" in str(app.query_one(".find-count", Static).content)
        region = app.screen.get_widget_at(2, 7)[0]
        assert region is body
        assert text.scroll_y > 40
        # down goes to the next line holding the words, wrapping round; esc goes back
        # to where the reading was, and the text is drawn as it was.
        await pilot.press("escape")
        await pilot.pause()
        assert not app.query(FindBar)
        assert text.scroll_y == 0
        assert isinstance(body.content, Content) and not body.content.spans
        assert app.focused is text
        # From the end, the first line holding "line" and "1" on from the top of the
        # view is line 51; down goes on, round to line 1.
        await pilot.press("G", "slash", *"line 1")
        await pilot.pause()
        assert text.find_cursor == 51
        await pilot.press("down")
        await pilot.pause()
        assert text.find_cursor == 1
