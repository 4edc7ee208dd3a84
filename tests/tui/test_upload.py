"""Pilot tests of the upload screen and the attachment list, against the real portal on
loopback. Every file is made by the test in its own folder.

The app starts logged in (a session minted in the portal's store and left where cc-tui
resumes one; the login has its own tests) and lands on the home screen; each test then
opens the upload screen for a Draft, as the request screen does with `u`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Input, ProgressBar, Static

from cc_tui.api.requests import Attachment, Request
from cc_tui.domain.forms import example_values, get_eservice
from cc_tui.domain.naming import check_supporting_document_name
from cc_tui.server.context import ServerContext
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.store import request_writes
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.requests import Viewer, request_model
from cc_tui.server.store.sessions import create_session
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.safe_text import cut_content
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.screens.upload import UploadOffer, UploadScreen, can_attach
from cc_tui.tui.state import remember_user_id
from cc_tui.tui.widgets.attachment_list import AttachmentList
from cc_tui.tui.widgets.notice import Notice
from tests.server.attachment_corpus import (
    MiB,
    exe_file,
    good_name,
    minimal_pdf,
    write_xlsx_bomb,
    xlsx_bytes,
)
from tests.tui.fake_portal import FakePortal
from tests.tui.helpers import settle as settle_ignoring

MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"
REF = "ECS00000001"
# Background workers that never end by design: the directory tree's loader.
FOREVER = frozenset({"_loader"})
M = TypeVar("M", bound=Message)


class UploadApp(PortalApp):
    """The app, landing on the home screen (no dashboard stream to wait for)."""

    def make_main_screen(self) -> HomeScreen:
        return HomeScreen()


class Portal:
    """The live portal's store, for making requests and reading what was kept."""

    def __init__(self, live: BackgroundServer) -> None:
        self.live = live
        self.context: ServerContext = live.context

    def draft(self, maker: str = MAKER) -> Request:
        context = self.context
        profile = membership_profile(context.db.connect(), "B01234")
        eservice = get_eservice("CT027")
        with context.db.transaction() as conn:
            row = request_writes.create_draft(
                conn,
                eservice=eservice,
                participant_id="B01234",
                maker=maker,
                values=example_values(eservice, profile, context.now().date()) if profile else {},
                profile=profile,
                now=context.now(),
            )
        return self.request(row.ref)

    def request(self, ref: str) -> Request:
        from cc_tui.server.store.requests import get_request_row

        conn = self.context.db.connect()
        row = get_request_row(conn, ref)
        assert row is not None
        return request_model(conn, row, Viewer(MAKER, "B01234"))

    def attachments(self, ref: str) -> list[Attachment]:
        return self.request(ref).attachments

    def stored_files(self) -> list[Path]:
        files_dir = self.context.settings.files_dir
        return [p for p in files_dir.rglob("*") if p.is_file()] if files_dir.exists() else []

    def resume_as(self, user_id: str, state_dir: Path, tokens: TokenStore) -> None:
        context = self.context
        with context.db.transaction() as conn:
            token, _ = create_session(
                conn, user_id, context.now(), context.settings.session_absolute
            )
        remember_user_id(state_dir, self.live.portal_id, user_id)
        tokens.save(self.live.portal_id, user_id, token)


@pytest.fixture
def portal(live_portal: BackgroundServer) -> Portal:
    return Portal(live_portal)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    return folder


@pytest.fixture
def make_upload_app(
    portal: Portal, state_dir: Path, token_store: TokenStore
) -> Callable[[str], UploadApp]:
    def make(user_id: str = MAKER) -> UploadApp:
        portal.resume_as(user_id, state_dir, token_store)
        return UploadApp(portal.live.url, token_store=token_store, state_dir=state_dir)

    return make


async def settle(pilot: Pilot[Any]) -> None:
    """Until no worker runs but the tree's loader, and the screen has caught up."""
    await settle_ignoring(pilot, FOREVER)


async def open_upload(
    pilot: Pilot[Any], request: Request, start: Path
) -> tuple[UploadScreen, list[Attachment | None]]:
    """Wait for the resumed session, then open the upload screen as `u` would."""
    await settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)
    results: list[Attachment | None] = []
    screen = UploadScreen(request, start=start)
    await pilot.app.push_screen(screen, results.append)
    await wait_for_tree(pilot)
    return screen, results


async def wait_for_tree(pilot: Pilot[Any]) -> None:
    tree = pilot.app.screen.query_one(DirectoryTree)
    for _ in range(200):
        await pilot.pause()
        if tree.root.children:
            return
    raise AssertionError("the file browser never listed its folder")


async def highlight(pilot: Pilot[Any], name: str) -> None:
    """Move the browser's cursor down to the file `name`, key by key."""
    tree = pilot.app.screen.query_one(DirectoryTree)
    tree.focus()
    for _ in range(50):
        node = tree.cursor_node
        if node is not None and str(node.label) == name:
            await settle(pilot)
            return
        await pilot.press("down")
    raise AssertionError(f"{name} is not in the file browser")


def unique(messages: Iterable[M]) -> list[M]:
    """Each message once (the message hook sees a bubbling message at every node)."""
    return list({id(message): message for message in messages}.values())


def text_of(screen: UploadScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


# -- choosing and the name check --------------------------------------------------------


async def test_a_wrong_name_shows_every_reason_and_y_uploads_under_the_corrected_name(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    wrong = f"supporting document_{request.ref.lower()}_b01234.PDF"
    (docs / wrong).write_bytes(minimal_pdf())
    (docs / "notes.txt").write_text("not a document")
    (docs / "minutes").mkdir()
    check = check_supporting_document_name(wrong, request.ref, "B01234")
    corrected = good_name(request.ref)
    assert check.corrected == corrected and len(check.reasons) >= 3

    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_upload(pilot, request, docs)
        labels = [str(node.label) for node in screen.query_one(DirectoryTree).root.children]
        assert labels == ["minutes", wrong], "folders and documents only, no notes.txt"

        await highlight(pilot, wrong)
        shown = text_of(screen, "#upload-reasons")
        for reason in check.reasons:
            assert reason in shown
        assert text_of(screen, "#upload-corrected") == f"Corrected name: {corrected}"

        await pilot.press("enter")
        await settle(pilot)
        offer = screen.query_one(UploadOffer)
        assert offer.has_focus
        assert str(offer.content) == f"Upload it as {corrected}? y/N"

        await pilot.press("y")
        await settle(pilot)
        assert not screen.is_attached
        (attachment,) = results
        assert attachment is not None and attachment.name == corrected
    assert [a.name for a in portal.attachments(request.ref)] == [corrected]
    (stored,) = portal.stored_files()
    assert stored.read_bytes() == minimal_pdf()


async def test_n_and_enter_do_not_upload(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    wrong = f"Supporting Document_{request.ref}_B01234_1.pdf"
    (docs / wrong).write_bytes(minimal_pdf())
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_upload(pilot, request, docs)
        await highlight(pilot, wrong)
        assert "The suffix must be _01 to _09; '_1' is not allowed." in text_of(
            screen, "#upload-reasons"
        )
        for refusal in ("n", "enter"):
            await pilot.press("enter")  # choose it
            await settle(pilot)
            assert screen.query_one(UploadOffer).has_focus
            await pilot.press(refusal)
            await settle(pilot)
            assert screen.is_attached and results == []
            assert screen.query_one(Notice).text == "Not uploaded."
            assert screen.query_one(DirectoryTree).has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert results == [None]
    assert portal.attachments(request.ref) == []
    assert portal.stored_files() == []


async def test_a_typed_path_with_tilde_and_a_right_name_uploads_as_it_is(
    portal: Portal,
    make_upload_app: Callable[[str], UploadApp],
    docs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOME", str(docs.parent))
    request = portal.draft()
    name = good_name(request.ref, "xlsx", 3)
    content = xlsx_bytes({"xl/worksheets/sheet1.xml": b"<sheet/>"})
    (docs / name).write_bytes(content)
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_upload(pilot, request, docs.parent)
        field = screen.query_one("#upload-path", Input)
        field.focus()
        field.value = f"  '~/docs/{name}'  "
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(screen, "#upload-verdict") == "✓ The name is right."
        offer = screen.query_one(UploadOffer)
        assert str(offer.content).startswith(f"Upload {name} (")
        assert "an Excel workbook (XLSX)" in str(offer.content)
        await pilot.press("y")
        await settle(pilot)
    (attachment,) = results
    assert attachment is not None and attachment.name == name
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()


async def test_the_bytes_decide_the_extension_offered(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    name = good_name(request.ref, "xlsx")  # a right name, but the file is a PDF
    (docs / name).write_bytes(minimal_pdf())
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_upload(pilot, request, docs)
        await highlight(pilot, name)
        assert "This file is a PDF, so its name must end in .pdf, not .xlsx." in text_of(
            screen, "#upload-reasons"
        )
        await pilot.press("enter", "y")
        await settle(pilot)
    (attachment,) = results
    assert attachment is not None and attachment.name == good_name(request.ref, "pdf")


async def test_a_program_renamed_pdf_is_caught_before_anything_is_sent(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    name = good_name(request.ref)
    (docs / name).write_bytes(exe_file())
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await open_upload(pilot, request, docs)
        await highlight(pilot, name)
        await pilot.press("enter")
        await settle(pilot)
        assert "This file is an EXE (Windows program), not a PDF, XLS or XLSX." in text_of(
            screen, "#upload-reasons"
        )
        assert not screen.query_one(UploadOffer).display
        await pilot.press("y")
        await settle(pilot)
        assert screen.is_attached
    assert portal.stored_files() == []


async def test_the_portals_refusal_is_shown_with_its_fix(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    name = good_name(request.ref, "xlsx")
    write_xlsx_bomb(docs / name, 2 * MiB)  # looks like a workbook here; the portal knows
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_upload(pilot, request, docs)
        await highlight(pilot, name)
        await pilot.press("enter", "y")
        await settle(pilot)
        said = screen.query_one(Notice).text
        assert "zip bomb" in said
        assert "split it into smaller workbooks or save it as PDF" in said
        assert screen.is_attached and results == []
    assert portal.stored_files() == []


async def test_a_large_file_shows_its_progress_to_the_end(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    name = good_name(request.ref, suffix=9)
    content = minimal_pdf() + b"%" + bytes(6 * MiB)
    (docs / name).write_bytes(content)
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_upload(pilot, request, docs)
        bar = screen.query_one(ProgressBar)
        seen: list[float] = []
        bar.watch(bar, "progress", lambda value: seen.append(value), init=False)
        await highlight(pilot, name)
        await pilot.press("enter", "y")
        await settle(pilot)
        assert results, screen.query_one(Notice).text
    (attachment,) = results
    assert attachment is not None and attachment.size == len(content)
    assert seen[-1] == len(content) and len(seen) > 10
    assert seen == sorted(seen)


# -- the attachment list ----------------------------------------------------------------


async def test_the_list_saves_to_the_downloads_folder_and_deletes_after_y(
    portal: Portal,
    make_upload_app: Callable[[str], UploadApp],
    docs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    downloads = tmp_path / "downloads"
    monkeypatch.setenv("CC_TUI_DOWNLOADS_DIR", str(downloads))
    request = portal.draft()
    for suffix in (None, 1):
        (docs / good_name(request.ref, suffix=suffix)).write_bytes(minimal_pdf())
    messages: list[Message] = []
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        for suffix in (None, 1):
            _, results = await open_upload(pilot, portal.request(request.ref), docs)
            await highlight(pilot, good_name(request.ref, suffix=suffix))
            await pilot.press("enter", "y")
            await settle(pilot)
            assert results and results[0] is not None
        current = portal.request(request.ref)
        table = AttachmentList(id="attachments")
        await pilot.app.screen.mount(table)
        table.show(current, editable=can_attach(current, MAKER))
        table.focus()
        await pilot.pause()
        # Each name as the column shows it: cut with "…" where it is wider (issue 13).
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
            cut_content(good_name(request.ref), table.name_width).plain,
            cut_content(good_name(request.ref, suffix=1), table.name_width).plain,
        ]
        first = table.get_row_at(0)
        assert (
            (first[1], first[2], first[3])
            == (
                f"{len(minimal_pdf())} bytes",  # one size unit everywhere (was "B" here)
                "PDF",
                hashlib.sha256(minimal_pdf()).hexdigest()[:12],
            )
        )

        await pilot.press("o")
        await settle(pilot)
        saved = unique(m for m in messages if isinstance(m, AttachmentList.Saved))
        assert [m.path for m in saved] == [downloads / "cc-tui" / good_name(request.ref)]
        assert saved[0].path.read_bytes() == minimal_pdf()

        await pilot.press("down", "delete")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        assert good_name(request.ref, suffix=1) in str(
            pilot.app.screen.query_one("#confirm-prompt", Static).content
        )
        await pilot.press("enter")  # Enter alone never confirms
        await settle(pilot)
        assert len(portal.attachments(request.ref)) == 2
        await pilot.press("delete", "y")
        await settle(pilot)
        changed = unique(m for m in messages if isinstance(m, AttachmentList.Changed))
        assert [m.ref for m in changed] == [request.ref]
    assert [a.name for a in portal.attachments(request.ref)] == [good_name(request.ref)]
    assert len(portal.stored_files()) == 1


async def test_a_checker_can_save_but_not_delete(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    assert not can_attach(request, CHECKER) and can_attach(request, MAKER)
    app = make_upload_app(CHECKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = AttachmentList()
        await pilot.app.screen.mount(table)
        table.show(request, editable=can_attach(request, CHECKER))
        table.focus()
        await pilot.pause()
        assert str(table.get_row_at(0)[0]) == "No supporting documents."
        assert table.check_action("delete", ()) is False
        assert table.check_action("download", ()) is False


# -- the screen at 80x24 ----------------------------------------------------------------


def test_snapshot_a_wrong_name_with_its_reasons_and_offer(
    snap_compare: Callable[..., bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The canned portal (no socket, no clock); HOME is the test's folder, so the browser
    shows `~/docs` on every run."""
    monkeypatch.setenv("HOME", str(tmp_path))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "minutes").mkdir()
    wrong = "supporting document_ECS00012345_b01234 (final).pdf"
    (docs / wrong).write_bytes(minimal_pdf())
    (docs / good_name("ECS00012345", "xlsx")).write_bytes(xlsx_bytes())
    request = Request(
        ref="ECS00012345",
        eservice="CT027",
        eservice_name="Order Consideration Limit setting",
        participant_id="B01234",
        status="draft",
        maker=MAKER,
        updated_at="2026-11-23T10:00:00+08:00",
        title="Order Consideration Limit setting",
        version=1,
        fields={},
        attachments=[
            Attachment(
                id="a1",
                name=good_name("ECS00012345", "xlsx"),
                size=1234,
                sha256="0" * 64,
                content_type="application/vnd.ms-excel",
            )
        ],
        comments=[],
        allowed_actions=[],
    )
    app = PortalApp(
        "http://127.0.0.1:8765",
        transport=FakePortal().transport,
        token_store=TokenStore(memory_only=True),
        state_dir=tmp_path / "state",
    )

    async def choose_the_wrong_file(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.app.push_screen(UploadScreen(request, start=docs))
        await wait_for_tree(pilot)
        await highlight(pilot, wrong)
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one("#upload-path", Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=choose_the_wrong_file)


async def test_a_name_taken_meanwhile_is_offered_again_with_the_next_suffix(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()  # as the screen was opened: nothing attached yet
    name = good_name(request.ref)
    (docs / name).write_bytes(minimal_pdf())
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_upload(pilot, request, docs)
        # Meanwhile, in another terminal, the same name is attached.
        client = await app.client()
        await client.upload_attachment(request.ref, docs / name)
        await highlight(pilot, name)
        assert text_of(screen, "#upload-verdict") == "✓ The name is right."
        await pilot.press("enter", "y")
        await settle(pilot)
        assert screen.is_attached and results == []
        said = screen.query_one(Notice).text
        assert f"'{name}' is already attached to this request." in said
        next_name = good_name(request.ref, suffix=1)
        assert f"Use the next free name: {next_name}" in said
        offer = screen.query_one(UploadOffer)
        assert offer.has_focus and str(offer.content) == f"Upload it as {next_name}? y/N"
        assert "1 of 20 attached" in text_of(screen, "#upload-title")
        await pilot.press("y")
        await settle(pilot)
    assert [a.name for a in results if a is not None] == [next_name]
    assert sorted(a.name for a in portal.attachments(request.ref)) == [name, next_name]


# The folder last used, and the same bytes twice (issue 13 point 8)


async def test_the_browser_reopens_in_the_folder_last_used(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    deep = docs / "2026" / "limits"
    deep.mkdir(parents=True)
    (deep / good_name(request.ref)).write_bytes(minimal_pdf())
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # First time: a typed path chooses the file (its folder is the one used).
        first = UploadScreen(request, start=docs)
        await app.push_screen(first)
        await wait_for_tree(pilot)
        await pilot.click("#upload-path")
        await pilot.press(*str(deep / good_name(request.ref)), "enter")
        await settle(pilot)
        assert first.query_one(UploadOffer).has_focus
        await pilot.press("escape")  # not this one...
        await settle(pilot)
        await pilot.press("escape")  # ...and back, nothing attached
        await settle(pilot)
        assert not first.is_attached
        # Next time (as `u` opens it, no folder given): the browser starts there.
        again = UploadScreen(request)
        await app.push_screen(again)
        await wait_for_tree(pilot)
        assert Path(again.query_one(DirectoryTree).path) == deep.absolute()


async def test_the_same_bytes_already_attached_are_asked_about_first(
    portal: Portal, make_upload_app: Callable[[str], UploadApp], docs: Path
) -> None:
    request = portal.draft()
    name = good_name(request.ref)
    (docs / name).write_bytes(minimal_pdf())
    copy = name.replace(".pdf", "_01.pdf")
    (docs / copy).write_bytes(minimal_pdf())
    app = make_upload_app(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        results: list[Attachment | None] = []
        await app.push_screen(UploadScreen(request, start=docs), results.append)
        await wait_for_tree(pilot)
        await highlight(pilot, name)
        await pilot.press("enter", "y")
        await settle(pilot)
        (attached,) = results
        assert attached is not None
        request = portal.request(request.ref)

        screen: Any = UploadScreen(request, start=docs)
        await app.push_screen(screen)
        await wait_for_tree(pilot)
        await highlight(pilot, copy)
        await pilot.press("enter")
        await settle(pilot)
        offer = screen.query_one(UploadOffer)
        assert str(offer.content) == (
            f"These bytes are already attached to {request.ref} as {name}. "
            f"Upload them again as {copy}? y/N"
        )
        await pilot.press("n")  # no: nothing is sent
        await settle(pilot)
    assert [a.name for a in portal.attachments(request.ref)] == [name]
