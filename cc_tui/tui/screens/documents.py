"""The document library: technical documents and paper-only forms, searched as you type.

- Search as you type: each keystroke starts a worker in one exclusive group that waits
  250 ms before it asks, so a newer keystroke cancels the older search before it is sent
  and a stale answer never overwrites a fresh one. The portal matches every word as the
  start of a word ("buy-i" finds "Buy-in").
- Enter (or `o`) on a document downloads it into the downloads folder
  (`config.downloads_dir()`, `CC_TUI_DOWNLOADS_DIR` to change it) and says the full path
  where it went (under `cc-tui web`, the browser's downloads: tui/downloads.py); a file
  already there is never replaced (" (2)" is added). Enter in the
  search field moves to the list, so a download is always a deliberate key on a row.
- A form that needs an original signature says so in words in its row ("sign") and
  under the list: it has to be printed, signed by hand and delivered on paper.
- Columns fit 80 columns; the title column takes what a wider terminal adds.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Static

from cc_tui.domain.calendar import to_hkt
from cc_tui.domain.files import size_in_words
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.safe_text import cut_content, safe_content
from cc_tui.tui.screens.base import FAILED, RefreshingScreen
from cc_tui.tui.widgets.cells import cursor_row_key, keep_cursor_on
from cc_tui.tui.widgets.list_keys import ListTable
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.admin import Document

SEARCH_DELAY = 0.25
CATEGORY_WIDTH = 12
SIZE_WIDTH = 8  # domain.files.size_in_words: "14 KiB", "2.3 MiB"
UPDATED_WIDTH = 11
CHROME = 2 * 5 + 2 + 2  # cell padding of 5 columns, the margins, a scrollbar
MIN_TITLE_WIDTH = 20
SIGN = N_("sign")  # four cells in either language ("簽署")


def short_category(document: Document) -> str:
    """The category without a parenthesis (the row's "sign" column says the rest)."""
    return document.category.split(" (")[0]


def short_date(day: date | datetime) -> str:
    """`05 Dec 2026` (zh-Hant `2026-12-05`): 11 columns at most, for a table's cell."""
    # The strftime pattern is the message: a translation chooses the order (%b stays
    # English under the C locale, so zh-Hant writes the month as a number).
    return day.strftime(_("%d %b %Y"))


def detail_text(document: Document) -> str:
    lines = [document.title, document.description]
    updated = to_hkt(document.updated_at)
    lines.append(
        _("{category} · {size} PDF · updated {day}").format(
            category=document.category, size=size_in_words(document.size), day=short_date(updated)
        )
    )
    if document.original_signature:
        lines.append(_("✎ Original signature needed: print, sign by hand, deliver on paper."))
    return "\n".join(lines)


class DocumentsScreen(RefreshingScreen):
    """Search the library; Enter or `o` downloads the highlighted PDF."""

    CSS_PATH = "documents.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            id="documents.search",
            tooltip=N_("Type words to find a document or form."),
        ),
        Binding(
            "o",
            "download",
            "Download",
            id="documents.download",
            tooltip=N_("Save the highlighted PDF in your downloads folder (Enter too)."),
        ),
        Binding(
            "down",
            "focus_list",
            "List",
            id="documents.list",
            tooltip=N_("From the search field down to the list."),
            show=False,
        ),
        Binding(
            "r",
            "retry",
            "Refresh",
            id="documents.refresh",
            tooltip=N_("Search the library again."),
            show=False,
        ),
        Binding("escape", "back", "Back", id="documents.back", tooltip=N_("Close the library.")),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__(id="documents")
        self.title = _("Document library")
        self.initial_query = query
        self._nothing_found = False  # the notice says so
        self.documents: list[Document] = []
        self.loaded = False
        self._width = 0
        self._can_download: bool | None = None

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(
            _("Document library: technical documents and paper forms"), id="documents-title"
        )
        yield Input(
            value=self.initial_query,
            placeholder=_("Search by words, e.g. buy-in, terminal, investor participant"),
            id="documents-search",
        )
        yield ListTable(id="documents-list", screen_keys=("find",))
        yield Static(id="documents-detail")
        yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one("#documents-search", Input).focus()
        self.search(self.initial_query, delay=0.0)

    def on_resize(self) -> None:
        if self.is_mounted and self.size.width != self._width:
            self._show()

    # Searching

    @property
    def query_text(self) -> str:
        return self.query_one("#documents-search", Input).value

    @on(Input.Changed, "#documents-search")
    def _query_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#documents-search")
    def _to_list(self) -> None:
        table = self.query_one("#documents-list", DataTable)
        if table.row_count:
            table.focus()

    @work(exclusive=True, group="documents-search", exit_on_error=False)
    async def search(self, query: str, delay: float = SEARCH_DELAY) -> None:
        if delay:
            await asyncio.sleep(delay)
        found = await self.call_portal(
            lambda portal: portal.documents(query), retry=lambda: self.search(self.query_text, 0.0)
        )
        if found is FAILED:
            return
        self.documents = found
        self.loaded = True
        self._show()

    def _show(self) -> None:
        table: DataTable[str | Content] = self.query_one("#documents-list", DataTable)
        keep = cursor_row_key(table)
        self._width = self.size.width
        sign = _(SIGN)
        title_width = (
            self._width - CATEGORY_WIDTH - cell_len(sign) - SIZE_WIDTH - UPDATED_WIDTH - CHROME
        )
        # A narrow terminal (60 columns) drops the Updated column rather than cut every
        # row: the detail under the list says when the highlighted document was updated.
        dated = title_width >= MIN_TITLE_WIDTH
        if not dated:
            title_width = max(MIN_TITLE_WIDTH // 2, title_width + UPDATED_WIDTH + 2)
        table.clear(columns=True)
        table.add_column(_("Title"), key="title", width=title_width)
        table.add_column(_("Category"), key="category", width=CATEGORY_WIDTH)
        table.add_column("", key="sign", width=cell_len(sign))
        table.add_column(_("Size"), key="size", width=SIZE_WIDTH)
        if dated:
            table.add_column(_("Updated"), key="updated", width=UPDATED_WIDTH)
        for document in self.documents:
            cells: list[str | Content] = [
                cut_content(document.title, title_width),
                cut_content(short_category(document), CATEGORY_WIDTH),
                sign if document.original_signature else "",
                size_in_words(document.size),
            ]
            if dated:
                cells.append(short_date(to_hkt(document.updated_at)))
            table.add_row(*cells, key=document.id)
        keep_cursor_on(table, keep)
        notice = self.query_one(Notice)
        if self.loaded and not self.documents:
            self._nothing_found = True
            notice.show(
                _("No document matches {strip}. Try fewer or other words.").format(
                    strip=repr(self.query_text.strip())
                ),
                "info",
            )
        elif self._nothing_found:
            self._nothing_found = False
            notice.clear()
        self._describe()
        self._sync_keys()

    @property
    def highlighted(self) -> Document | None:
        key = cursor_row_key(self.query_one("#documents-list", DataTable))
        return next((d for d in self.documents if d.id == key), None)

    @on(DataTable.RowHighlighted, "#documents-list")
    def _highlighted(self) -> None:
        self._describe()
        self._sync_keys()

    def _describe(self) -> None:
        document = self.highlighted
        detail = self.query_one("#documents-detail", Static)
        detail.update(
            safe_content(detail_text(document), multiline=True) if document is not None else ""
        )

    # Downloading

    def _sync_keys(self) -> None:
        """Redraw the footer only when whether `o` works has changed."""
        can_download = self.highlighted is not None
        if can_download != self._can_download:
            self._can_download = can_download
            self.refresh_bindings()

    @on(DataTable.RowSelected, "#documents-list")
    def _selected(self) -> None:
        self.action_download()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "download":
            return self.highlighted is not None
        return super().check_action(action, parameters)

    def action_download(self) -> None:
        document = self.highlighted
        if document is not None:
            self.download(document)

    @work(group="documents-download", exit_on_error=False)
    async def download(self, document: Document) -> None:
        from cc_tui.tui.downloads import Destination

        notice = self.query_one(Notice)
        destination = Destination(self.app)
        try:
            saved = await self.call_portal(
                lambda portal: portal.download_document(document.id, destination.folder),
                retry=lambda: self.download(document),
                busy=_("Downloading {title}…").format(title=document.title),
            )
        except OSError as error:
            notice.show(destination.cannot_save(document.title, error))
            return
        if saved is FAILED:
            return
        said = _("Saved {title} to {where}.").format(
            title=document.title, where=destination.hand_over(saved)
        )
        if document.original_signature:
            said += " " + _("Print it, sign it by hand and deliver the original on paper.")
        notice.show(said, "success")

    # Keys and palette

    def reload(self) -> None:
        self.search(self.query_text, 0.0)

    def action_focus_search(self) -> None:
        self.query_one("#documents-search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one("#documents-list", DataTable).focus()

    def action_back(self) -> None:
        self.dismiss()

    def palette_commands(self) -> list[PaletteCommand]:
        document = self.highlighted
        if document is None:
            return []
        return [
            PaletteCommand(
                _("Download {title}").format(title=document.title),
                _("Save the PDF in your downloads folder."),
                self.action_download,
            )
        ]
