"""No portal text harms a checker's screen (issue 10): the hostile corpus, planted directly
in the portal's store (as if the portal's own refusal had failed), shown on the
dashboard, the request screen (fields, documents, comments, audit trail), the comment
editor's heading, the accounts screen and in toasts.

Each test captures what the app writes to the terminal (tests/tui/terminal_output.py) and
checks that:
- the output carries no escape sequence or control character that the app did not
  write itself (no ESC, C1 or bidi control from the data reaches the terminal);
- the widget shows each hostile string with its visible marks (`␛`, `\\u202e`);
- what is outside the widget is what it is without the hostile data.

Lone surrogates cannot be stored as SQLite text (they are not UTF-8), but a portal could
still send them as JSON escapes: `SurrogatePortal` stands in for such a portal, rewriting
a placeholder in the real portal's answers to the escape, so the client's defence is
tested against them too.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.content import Content
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TabbedContent
from textual.widgets.data_table import ColumnKey

from cc_tui.cli import main
from cc_tui.domain.forms import FieldType, get_eservice
from cc_tui.server.mail import MaildirMailer
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.safe_text import MARK_STYLE, MarkUnsafe, flatten, safe_content, shown
from cc_tui.tui.screens.accounts.screen import AccountsScreen
from cc_tui.tui.screens.comment import CommentScreen
from cc_tui.tui.screens.dashboard import DashboardScreen
from cc_tui.tui.screens.request import RequestScreen
from cc_tui.tui.widgets.attachment_list import AttachmentList
from cc_tui.tui.widgets.request_fields import FieldRow
from cc_tui.tui.widgets.task_table import TaskTable
from tests.hostile_corpus import CORPUS, Hostile, by_name
from tests.tui.account_helpers import resume_as
from tests.tui.helpers import settle
from tests.tui.maker_checker import LEAD, MAKER, FormsApp, PortalApi
from tests.tui.terminal_output import capture, stray_controls

ADMIN = "admin@harbour.example"
STREAMS = ("dashboard-notices",)


def storable(item: Hostile) -> bool:
    try:
        item.value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def placeholder(item: Hostile) -> str:
    return f"HOSTILE-{item.name}-HOSTILE"


def planted(item: Hostile) -> str:
    """What goes into the store: the text, or the placeholder the portal stand-in turns
    into the text (lone surrogates, which SQLite cannot hold as text)."""
    return item.value if storable(item) else placeholder(item)


class SurrogatePortal(httpx.AsyncBaseTransport):
    """The real portal over loopback, but its JSON answers carry lone surrogates where the
    store holds their placeholders: a portal that sends what it should have refused."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.swaps = {
            placeholder(item).encode(): json.dumps(item.value)[1:-1].encode()
            for item in CORPUS
            if not storable(item)
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not response.headers.get("content-type", "").startswith("application/json"):
            return response
        body = await response.aread()
        for old, new in self.swaps.items():
            body = body.replace(old, new)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


# Planting ---------------------------------------------------------------------------


def connect(settings: ServerSettings) -> sqlite3.Connection:
    return sqlite3.connect(settings.db_path, isolation_level=None)


def plant_titles(settings: ServerSettings, refs: list[str], items: Iterable[Hostile]) -> None:
    conn = connect(settings)
    try:
        for ref, item in zip(refs, items, strict=True):
            conn.execute("UPDATE requests SET title = ? WHERE ref = ?", (planted(item), ref))
    finally:
        conn.close()


def plant_request(settings: ServerSettings, ref: str) -> dict[str, Hostile]:
    """The corpus in one request: its title, its text fields, one comment each (with a
    hostile user and role), and one supporting document each. Returns field -> item."""
    eservice = get_eservice("CT027")
    text_fields = [f.name for f in eservice.fields if f.type is not FieldType.TABLE]
    by_field = dict(zip(text_fields, CORPUS, strict=False))
    conn = connect(settings)
    try:
        (request_id, fields_json) = conn.execute(
            "SELECT id, fields FROM requests WHERE ref = ?", (ref,)
        ).fetchone()
        fields = json.loads(fields_json)
        fields.update({name: planted(item) for name, item in by_field.items()})
        conn.execute(
            "UPDATE requests SET title = ?, fields = ? WHERE id = ?",
            (planted(CORPUS[2]), json.dumps(fields), request_id),
        )
        (at,) = conn.execute(
            "SELECT max(at) FROM request_audit WHERE request_id = ?", (request_id,)
        ).fetchone()
        for number, item in enumerate(CORPUS):
            conn.execute(
                "INSERT INTO request_audit (request_id, at, user_id, role, action, from_status,"
                " to_status, comment, participant_id) VALUES (?, ?, ?, ?, 'save', "
                "'pending_checker', 'pending_checker', ?, 'B01234')",
                (request_id, at + number + 1, planted(item), planted(item), planted(item)),
            )
            conn.execute(
                "INSERT INTO attachments (id, request_id, name, size, sha256, content_type,"
                " storage_name, uploaded_at, uploaded_by) VALUES (?, ?, ?, 1, ?, "
                "'application/pdf', ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    request_id,
                    planted(item)[:200] + f" {number}.pdf",
                    "0" * 64,
                    uuid.uuid4().hex,
                    at,
                    MAKER,
                ),
            )
    finally:
        conn.close()
    return by_field


def plant_users(settings: ServerSettings) -> list[str]:
    """One account of the firm per hostile string, the string as its name."""
    conn = connect(settings)
    user_ids = []
    try:
        for number, item in enumerate(CORPUS):
            user_id = f"hostile{number:02d}@harbour.example"
            conn.execute(
                "INSERT INTO users (user_id, name, created_at) VALUES (?, ?, "
                "'2026-11-01T00:00:00+00:00')",
                (user_id, planted(item)),
            )
            conn.execute(
                "INSERT INTO user_memberships (user_id, participant_id) VALUES (?, 'B01234')",
                (user_id,),
            )
            user_ids.append(user_id)
    finally:
        conn.close()
    return user_ids


@pytest.fixture
def maker_api(
    live_portal: BackgroundServer, server_settings: ServerSettings
) -> Iterator[PortalApi]:
    api = PortalApi(live_portal.url, server_settings, MAKER)
    yield api
    api.close()


def submitted(api: PortalApi, count: int) -> list[str]:
    return [api.act(api.create(), "submit")["ref"] for _ in range(count)]


def app_as(
    user_id: str,
    portal: BackgroundServer,
    settings: ServerSettings,
    state_dir: Path,
    app_class: type[PortalApp] = FormsApp,
) -> tuple[PortalApp, list[str]]:
    store = TokenStore(memory_only=True)
    resume_as(user_id, portal, settings, state_dir, store)
    app = app_class(portal.url, token_store=store, state_dir=state_dir, transport=SurrogatePortal())
    return app, capture(app)


# What is seen -------------------------------------------------------------------------


def marks_of(item: Hostile, *, multiline: bool = False) -> str:
    """The start of `item` as the sanitizer shows it (enough to be sure it is the one)."""
    text = shown(item.value if multiline else flatten(item.value), multiline=multiline)
    return text.strip()[:24]


def styled_marks(content: Content) -> list[str]:
    """The parts of `content` drawn in the marks' style."""
    return [
        content.plain[span.start : span.end] for span in content.spans if span.style == MARK_STYLE
    ]


def cell_texts(table: DataTable[Any]) -> list[str]:
    return [str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)]


def outside(screen: Widget, inside: tuple[Widget, ...]) -> list[str]:
    """The text of every Static of `screen` outside the widgets `inside`."""
    return [
        str(static.content)
        for static in screen.query(Static)
        if not any(static is w or w in static.ancestors for w in inside)
    ]


async def walk(pilot: Pilot[Any], keys: Iterable[str], ignore: tuple[str, ...] = ()) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, ignore)


def assert_clean(output: list[str]) -> None:
    written = "".join(output)
    assert written, "the app drew nothing"
    stray = stray_controls(written)
    assert stray == [], f"written to the terminal: {stray[:5]!r}"
    for item in CORPUS:
        if item.unsafe and "\x1b" in item.value:
            assert item.value not in written


# The tests ----------------------------------------------------------------------------


async def test_the_dashboard_shows_hostile_titles_as_marks_and_writes_none_of_them(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    tmp_path: Path,
    maker_api: PortalApi,
) -> None:
    refs = submitted(maker_api, len(CORPUS))
    clean, _ = app_as(LEAD, live_portal, server_settings, tmp_path / "clean", PortalApp)
    async with clean.run_test(size=(160, 50)) as pilot:
        await settle(pilot, STREAMS)
        screen = clean.screen
        assert isinstance(screen, DashboardScreen)
        before = outside(screen, (screen.query_one(TaskTable), screen.query_one("#preview")))

    plant_titles(server_settings, refs, CORPUS)
    app, output = app_as(LEAD, live_portal, server_settings, tmp_path / "hostile", PortalApp)
    async with app.run_test(size=(160, 50), headless=False) as pilot:
        await settle(pilot, STREAMS)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        table = screen.query_one(TaskTable)
        preview = screen.query_one("#preview")
        assert set(refs) <= set(table.refs)
        for ref, item in zip(refs, CORPUS, strict=True):
            line = table.line_of(ref)
            assert marks_of(item)[:10] in line, (item.name, line)
        # Every row passes under the cursor: drawn in the table and in the preview.
        await walk(pilot, ["g"], STREAMS)
        for _ in range(table.row_count):
            await walk(pilot, ["j"], STREAMS)
        assert outside(screen, (table, preview)) == before
    assert_clean(output)


async def test_the_request_screen_shows_hostile_fields_comments_audit_and_files_as_marks(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    tmp_path: Path,
    maker_api: PortalApi,
) -> None:
    (ref,) = submitted(maker_api, 1)
    by_field = plant_request(server_settings, ref)
    app, output = app_as(LEAD, live_portal, server_settings, tmp_path)
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        await settle(pilot)
        app.push_screen(RequestScreen(ref))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RequestScreen)
        assert screen.request is not None, screen.query_one("#notice").text  # type: ignore[attr-defined]
        summary = screen.query_one("#request-summary", Static).content
        assert isinstance(summary, Content)
        assert marks_of(CORPUS[2]) in summary.plain
        assert "␛" in styled_marks(summary)

        fields = [
            str(row.query_one(".field-value", Static).content)
            for row in screen.query(FieldRow)
            if not row.view.table
        ]
        for item in by_field.values():
            assert any(marks_of(item, multiline=True)[:12] in cell for cell in fields), item.name

        tabs = screen.query_one(TabbedContent)
        for tab in ("tab-attachments", "tab-comments", "tab-audit"):
            tabs.active = tab
            await settle(pilot)
            for _ in range(6):
                await walk(pilot, ["pagedown"])
        names = cell_texts(screen.query_one(AttachmentList))
        comments = screen.query_one("#comments-text", Static).content
        assert isinstance(comments, Content)
        audit_text = screen.query_one("#audit-text", Static).content
        assert isinstance(audit_text, Content)
        audit = audit_text.plain.splitlines()
        for item in CORPUS:
            assert any(marks_of(item)[:12] in name for name in names), item.name
            assert marks_of(item, multiline=True) in comments.plain, item.name
            assert any(marks_of(item)[:12] in cell for cell in audit), item.name
        assert {"␛", "\\u202e", "\\ud800", "\\x9b"} <= set(styled_marks(comments))
        assert "[bold red]URGENT[/]" in comments.plain  # markup shown, not obeyed

        # The return comment's editor names the request; its heading is safe too.
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        await pilot.press("escape")
        await settle(pilot)
    assert_clean(output)


async def test_the_accounts_screen_shows_hostile_names_as_marks(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    tmp_path: Path,
) -> None:
    user_ids = plant_users(server_settings)
    app, output = app_as(ADMIN, live_portal, server_settings, tmp_path)
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        table = screen.query_one("#accounts-table", DataTable)
        width = table.columns[ColumnKey("name")].width
        for user_id, item in zip(user_ids, CORPUS, strict=True):
            cell = table.get_row(user_id)[1]
            assert isinstance(cell, Content)
            assert cell_len(cell.plain) <= width, (item.name, cell.plain)
            # Cut with "…" after the marks were made: what is shown starts as the name's
            # marked text does, and a hostile name keeps a mark in view (its reverse
            # video), however far into the name the hostile character is.
            shown_start = cell.plain.removesuffix("…")
            marked = shown(flatten(item.value))
            if cell.plain.endswith("…") and styled_marks(cell):
                shown_start = shown_start[: cell.plain.index(styled_marks(cell)[-1])]
            assert marked.startswith(shown_start), (item.name, cell.plain)
            if styled_marks(safe_content(flatten(item.value))):
                assert styled_marks(cell), (item.name, cell.plain)
        table.focus()
        await walk(pilot, ["down"] * 3 + ["pagedown"] * (table.row_count // 8 + 1))
        detail = screen.query_one("#account-detail", Static).content
        assert isinstance(detail, Content)
        assert stray_controls(detail.plain) == []
    assert_clean(output)


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item.name)
def test_every_hostile_string_becomes_content_with_styled_marks(item: Hostile) -> None:
    for multiline in (False, True):
        content = safe_content(item.value, multiline=multiline)
        # Textual draws a tab as blanks; where a value spans lines, tabs are allowed.
        assert (
            stray_controls(content.plain.replace("\t", " ") if multiline else content.plain) == []
        )
        if item.unsafe and (not multiline or item.unsafe_multiline):
            assert styled_marks(content), item.name
        # The text is taken as it is: never parsed as markup.
        assert "[" not in item.value or "[" in content.plain


async def test_toasts_show_hostile_text_as_plain_marks(
    live_portal: BackgroundServer, server_settings: ServerSettings, tmp_path: Path
) -> None:
    app, output = app_as(LEAD, live_portal, server_settings, tmp_path)
    toasts = [by_name("osc0_title"), by_name("markup"), by_name("trojan_source")]
    async with app.run_test(size=(120, 40), headless=False, notifications=True) as pilot:
        await settle(pilot)
        for item in toasts:
            app.notify(item.value, title=item.value)
        await pilot.pause()
        await pilot.pause()
    written = "".join(output)
    for item in toasts:
        assert shown(item.value)[:20] in written, item.name
    assert_clean(output)


def test_the_mailbox_command_prints_hostile_mail_as_marks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cc-tui mailbox` prints mail people's text went into (names, titles, comments)."""
    settings = ServerSettings(data_dir=tmp_path / "portal")
    mailer = MaildirMailer(settings.mail_dir)
    items = [item for item in CORPUS if storable(item) and len(item.value.splitlines()) == 1]
    for item in items:
        mailer.send(MAKER, f"Returned: {item.value}", f"Comment:\n{item.value}\nEnd.")
    for argv in (["mailbox"], ["mailbox", "--last"]):
        with pytest.raises(SystemExit) as exit_:
            main([*argv, "--data-dir", str(settings.data_dir)])
        assert exit_.value.code == 0
        printed = capsys.readouterr().out
        assert stray_controls(printed.replace("\t", " ")) == []
        assert "Returned: ␛]0;Approved by CCO␇" in printed or "--last" in argv
    assert f"Comment:\n{shown(items[-1].value)}\nEnd." in printed


class InputApp(App[None]):
    """A form input holding what a hostile maker saved, as the form screen loads it."""

    def __init__(self, value: str) -> None:
        super().__init__()
        self.value = value

    def compose(self) -> ComposeResult:
        yield Input(self.value, highlighter=MarkUnsafe(), id="field")


async def test_a_form_input_shows_hostile_values_as_marks_and_keeps_the_value() -> None:
    values = [item.value for item in CORPUS if item.unsafe][:12]
    app = InputApp(" ".join(values))
    output = capture(app)
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        field = app.query_one("#field", Input)
        field.focus()
        for _ in range(8):
            await pilot.press("end", "home", "right")
        await pilot.press("end")
        await pilot.pause()
        assert field.value == " ".join(values)  # what is saved is what was stored
        assert field.cursor_position == len(field.value)
    assert_clean(output)
    assert "␛" in "".join(output)


class CommentApp(App[None]):
    """The comment editor over an empty screen, holding `text` as if pasted."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def on_mount(self) -> None:
        self.push_screen(CommentScreen("Return ECS00000001", "Say what to change.", self.text))


async def test_a_pasted_hostile_comment_shows_as_marks_and_is_refused_before_sending() -> None:
    pasted = "\n".join(item.value for item in CORPUS if item.unsafe_multiline)
    app = CommentApp(pasted)
    output = capture(app)
    async with app.run_test(size=(80, 24), headless=False) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CommentScreen)
        for _ in range(4):
            await pilot.press("pagedown")
        await pilot.press("ctrl+g")
        await pilot.pause()
        said = screen.query_one("#notice").text  # type: ignore[attr-defined]
        assert "an escape character (␛)" in said
        assert "paste the text again as plain text" in said
        assert screen.text.splitlines() == pasted.splitlines()  # nothing lost
        assert app.screen is screen
    assert_clean(output)
