"""The catalogue: find a blank form by keyword and open it as a new request.

- The list comes from `GET /eservices?q=` (only what this user's rights allow), searched
  as you type: each keystroke starts a worker in one exclusive group that waits 250 ms
  before it asks, so a newer keystroke cancels the older search before it is sent and a
  stale answer never overwrites a fresh one.
- Unsent drafts of new requests kept on this computer (see `tui/drafts.py`) are listed
  first, marked "✎ unsent", so a form lost to a crash or an expired session is one Enter
  away. Drafts of requests that already have a reference come back when the request is
  opened for editing.
- `may_make(app)` says whether the user holds a maker role in the acting membership:
  the portal lists only the forms its rights allow, so an exchange officer, a CCDA or a
  pure checker would get an empty catalogue; keys that open it (the dashboard's `n`) are
  offered only to makers.
- Several memberships: the list is the acting membership's (its rights), and so are the
  drafts offered; drafts typed for another membership are not offered here (they would be
  sent for the wrong one), but counted under the list with the membership to switch to.
  A switch while the catalogue is open searches again and shows the new membership's.
- Columns fit 80 columns: code, name, category, and "business days" for an eService
  refused outside Hong Kong business days. The highlighted row's description is shown
  under the list.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Input, Static

from cc_tui.domain.forms import UnknownEService, get_eservice
from cc_tui.domain.i18n import N_, _, e_, ngettext
from cc_tui.domain.rights import Role
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.drafts import Draft, DraftStore, drafts_root
from cc_tui.tui.safe_text import cut_content, flatten, safe_content
from cc_tui.tui.screens.base import FAILED, PortalScreen
from cc_tui.tui.widgets.list_keys import ListTable
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.requests import EServiceSummary
    from cc_tui.tui.shell import AppShell

SEARCH_DELAY = 0.25
NAME_WIDTH = 35
CATEGORY_WIDTH = 16
BUSINESS_DAYS = N_("business days")


def acting_roles(app: AppShell) -> list[str]:
    """The logged-in user's roles in the acting membership (none when logged out)."""
    user = app.user
    if user is None:
        return []
    return next(
        (m.roles for m in user.memberships if m.participant_id == app.participant_id),
        user.roles,
    )


def may_make(app: AppShell) -> bool:
    """Whether the logged-in user may make requests for the acting membership (the
    portal decides per eService; this only spares a catalogue with nothing in it)."""
    return Role.MAKER.value in acting_roles(app)


def reads_across_firms(app: AppShell) -> bool:
    """Whether the user's lists span firms (an exchange officer's): they name each
    request's firm, and `firm:` narrows them."""
    return Role.EXCHANGE_OFFICER.value in acting_roles(app)


def may_check(app: AppShell) -> bool:
    """Whether the logged-in user checks requests for the acting membership (bulk
    approval is offered only then; the portal decides per eService and request)."""
    return Role.CHECKER.value in acting_roles(app)


def column_widths(width: int) -> tuple[int, int]:
    """The eService and Category columns' widths: as designed from 80 columns; narrower,
    the category gives way first (to 8), then the name, so no column is pushed off the
    right edge."""
    if width >= 80:
        return NAME_WIDTH, CATEGORY_WIDTH
    # Code (5), Hours, cell padding of 4 columns and the table's margins and scrollbar.
    spare = width - 5 - _hours_width() - 8 - 4
    category = max(8, min(CATEGORY_WIDTH, spare - NAME_WIDTH))
    return max(10, spare - category), category


def _hours_width() -> int:
    """The Hours column's width: its words' display width (a Chinese character is two)."""
    return max(cell_len(_(BUSINESS_DAYS)), cell_len(_("Hours")))


class CatalogueScreen(PortalScreen):
    """Search the eServices you may make; Enter opens a new request of one."""

    CSS_PATH = "catalogue.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            id="catalogue.search",
            tooltip="Type words or a code to find a form.",
        ),
        Binding(
            "down",
            "focus_list",
            "List",
            id="catalogue.list",
            tooltip="From the search field down to the list.",
            show=False,
        ),
        Binding("escape", "back", "Back", id="catalogue.back", tooltip="Close the catalogue."),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__(id="catalogue")
        self.title = _("New request")
        self.initial_query = query
        self.eservices: list[EServiceSummary] = []
        self.drafts: list[Draft] = []
        self.elsewhere: list[Draft] = []
        self._rows: dict[str, EServiceSummary | Draft] = {}
        self._widths = (0, 0)

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(_("New request: find a form"), id="catalogue-title")
        yield Input(
            value=self.initial_query,
            placeholder=_("Search by words or code, e.g. buy-in, limit, CT027"),
            id="catalogue-search",
        )
        yield ListTable(id="catalogue-list", screen_keys=("find",))
        yield Static(id="catalogue-description")
        yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one("#catalogue-search", Input).focus()
        self.drafts = self._new_drafts()
        self.search(self.initial_query, delay=0.0)

    def on_screen_resume(self) -> None:
        # Back from a form: its draft may have been sent, or kept.
        if self.is_mounted:
            self.drafts = self._new_drafts()
            self._show()

    def _new_drafts(self) -> list[Draft]:
        """Unsent new requests typed for the acting membership (or before drafts named
        one); those of the user's other memberships go to `elsewhere`."""
        app = self.portal_app
        self.elsewhere = []
        if app.user is None:
            return []
        store = DraftStore(drafts_root(app.state_dir))
        mine: list[Draft] = []
        for draft in store.unsent(app.portal_key, app.user.user_id):
            if not draft.is_new:
                continue
            if draft.participant_id in (None, app.participant_id):
                mine.append(draft)
            else:
                self.elsewhere.append(draft)
        return mine

    def membership_switched(self) -> None:
        """Another membership acts now: its forms and its drafts."""
        if self.is_mounted:
            self.drafts = self._new_drafts()
            self.search(self.query_text, delay=0.0)

    def _elsewhere_words(self) -> str:
        if not self.elsewhere:
            return ""
        by: dict[str, int] = {}
        for draft in self.elsewhere:
            by[draft.participant_id or ""] = by.get(draft.participant_id or "", 0) + 1
        parts = [
            ngettext("{count} for {firm}", "{count} for {firm}", n).format(count=n, firm=pid)
            for pid, n in sorted(by.items())
        ]
        return _(
            "Unsent drafts of your other memberships: {drafts}. Switch (F7) to carry on with them."
        ).format(drafts=_(", ").join(parts))

    # Searching

    @on(Input.Changed, "#catalogue-search")
    def _query_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#catalogue-search")
    def _open_first(self) -> None:
        table = self.query_one("#catalogue-list", DataTable)
        if table.row_count:
            table.focus()
            self._open_row(table.cursor_row)

    @work(exclusive=True, group="catalogue-search", exit_on_error=False)
    async def search(self, query: str, delay: float = SEARCH_DELAY) -> None:
        if delay:
            await asyncio.sleep(delay)
        found = await self.call_portal(
            lambda portal: portal.eservices(query.strip()),
            retry=lambda: self.search(self.query_text, 0.0),
        )
        if found is FAILED:
            return
        self.eservices = found
        self._show()

    @property
    def query_text(self) -> str:
        return self.query_one("#catalogue-search", Input).value

    def on_resize(self) -> None:
        if self.is_mounted and column_widths(self.size.width) != self._widths:
            self._show()

    def _show(self) -> None:
        table: DataTable[str | Content] = self.query_one("#catalogue-list", DataTable)
        words = self.query_text.strip().casefold()
        drafts = [d for d in self.drafts if self._draft_matches(d, words)]
        widths = column_widths(self.size.width)
        name_width, category_width = widths
        if widths != self._widths or not table.columns:
            self._widths = widths
            table.clear(columns=True)
            table.add_column(_("Code"), key="code", width=5)
            table.add_column(_("eService"), key="name", width=name_width)
            table.add_column(_("Category"), key="category", width=category_width)
            table.add_column(_("Hours"), key="hours", width=_hours_width())
        table.clear()
        self._rows.clear()
        for draft in drafts:
            key = f"draft:{draft.key}"
            self._rows[key] = draft
            label = _("✎ unsent: {title}").format(title=draft.title or draft.eservice)
            table.add_row(
                safe_content(flatten(draft.eservice)),
                cut_content(label, name_width),
                cut_content(self._category(draft.eservice), category_width),
                "",
                key=key,
            )
        for eservice in self.eservices:
            key = f"eservice:{eservice.code}"
            self._rows[key] = eservice
            table.add_row(
                safe_content(flatten(eservice.code)),
                cut_content(eservice.name, name_width),
                cut_content(eservice.category, category_width),
                _(BUSINESS_DAYS) if eservice.business_day_only else "",
                key=key,
            )
        notice = self.query_one(Notice)
        elsewhere = self._elsewhere_words()
        if not table.row_count and not may_make(self.portal_app):
            firm = self.portal_app.participant_id or _("your firm")
            notice.show(
                _(
                    "You hold no maker right for {firm}, so there is no form you may make. As "
                    "a checker you review requests on the dashboard; to make them, ask your "
                    "firm's delegated administrator (CCDA) for a maker right."
                ).format(firm=firm)
                + (f" {elsewhere}" if elsewhere else ""),
                "info",
            )
        elif not table.row_count:
            notice.show(
                _(
                    "No form matches {query}. Try fewer or other words, or a code such as CT027."
                ).format(query=repr(self.query_text.strip()))
                + (f" {elsewhere}" if elsewhere else ""),
                "info",
            )
        elif elsewhere:
            notice.show(elsewhere, "info")
        else:
            notice.clear()
        self._describe(table.cursor_row if table.row_count else None)

    def _draft_matches(self, draft: Draft, words: str) -> bool:
        if not words:
            return True
        text = f"{draft.eservice} {draft.title} {self._category(draft.eservice)}".casefold()
        return all(word in text for word in words.split())

    @staticmethod
    def _category(code: str) -> str:
        try:
            return e_(get_eservice(code).category)
        except UnknownEService:
            return ""

    @on(DataTable.RowHighlighted, "#catalogue-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe(event.cursor_row)

    def _describe(self, row: int | None) -> None:
        description = self.query_one("#catalogue-description", Static)
        item = self._item(row)
        if item is None:
            description.update("")
        elif isinstance(item, Draft):
            description.update(
                Content(
                    _(
                        "Not sent yet: typed on this computer, last changed {moment} UTC. "
                        "Enter carries on with it."
                    ).format(moment=item.updated_at[:16])
                )
            )
        else:
            hours = (
                " " + _("Refused outside Hong Kong business days.")
                if item.business_day_only
                else ""
            )
            description.update(
                safe_content(f"{item.code}: {item.description}{hours}", multiline=True)
            )

    def _item(self, row: int | None) -> EServiceSummary | Draft | None:
        table = self.query_one("#catalogue-list", DataTable)
        if row is None or not 0 <= row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
        return self._rows.get(key or "")

    # Opening a form

    @on(DataTable.RowSelected, "#catalogue-list")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._open_row(event.cursor_row)

    def _open_row(self, row: int) -> None:
        from cc_tui.tui.screens.form import FormScreen

        item = self._item(row)
        if isinstance(item, Draft):
            self.app.push_screen(FormScreen.restore(item))
        elif item is not None:
            self.app.push_screen(FormScreen.new(item.code))

    # Keys

    def action_focus_search(self) -> None:
        self.query_one("#catalogue-search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one("#catalogue-list", DataTable).focus()

    def action_back(self) -> None:
        self.dismiss()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                _("New request: {code} {name}").format(code=eservice.code, name=eservice.name),
                _("Open a blank form of this eService."),
                partial(self._open_code, eservice.code),
            )
            for eservice in self.eservices
        ]

    def _open_code(self, code: str) -> None:
        from cc_tui.tui.screens.form import FormScreen

        self.app.push_screen(FormScreen.new(code))
