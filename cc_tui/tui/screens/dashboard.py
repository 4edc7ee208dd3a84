"""The dashboard: the landing screen after login, where a day's work is found.

    Lydia Lam · lead@harbour.example · B01234 Harbour Securities Limited
    Check 12  Returned 3  Drafts 5  Submitted 40  History 1,234  All 12,408
    / status:pending_checker
     Reference   eService Status            Maker    Updated    Title
    ● ECS00012345 CT027    … Pending checker lead     2026-11-23 OCL B01234 HKD…
    Showing 50 of 12,408 · sort: updated, newest first · 1 marked · ● live

Design:
- Everything on the network runs in workers; the screen never waits. A listing load is
  `@work(exclusive=True, group="dashboard-load")`, so a newer filter cancels an older
  request in flight. Typing is debounced: the first key after a pause is sent at once,
  keys typed in a burst wait for a `debounce` pause (200 ms).
- The filter is parsed here with the domain's parser before anything is sent; a mistake
  is shown under the bar (caret, message, fix) and the last good rows stay.
- Each section keeps its own filter text, sort and highlighted request (gh-dash); the
  counts in the tabs come from `GET /requests/sections` and are fetched again on every
  notice, after bulk approval and when the screen comes back into view.
- Paging (`dashboard_paging.py`): at most four pages of 50 held; the next page is fetched
  near the bottom, the one before near the top of a slid window; "refresh" refetches the
  pages held (keeping your place); a new filter, sort or section starts from the top.
- Live notices and the palette's commands: `dashboard_live.py`; the words shown:
  `dashboard_words.py`.
- Several memberships (tui/membership.py): the header names the acting one, its kind and
  F7 (the switch). After a switch the screen keeps its section and each section's filter
  and sort, forgets marks and the places in the lists (they were the other membership's
  requests), and loads the lists and counts again. Notices of every membership arrive
  and each names its membership.
- A mark remembers the row's `updated_at` as it was marked (`marked_at`): bulk approval
  approves a request only as it was when marked, and leaves out one that changed since
  (returned, edited and sent again meanwhile, even if the list has been refreshed).
- The preview (>= 120 columns, by the screen's breakpoint classes) fetches the
  highlighted request after a short pause and keeps the last few in a small cache.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Static

from cc_tui.client.errors import PortalError
from cc_tui.domain.i18n import _
from cc_tui.domain.query import QueryError, parse_query
from cc_tui.domain.sections import Section, Sort
from cc_tui.domain.workflow import Action
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.membership import membership_of
from cc_tui.tui.review import copied_words
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.base import FAILED, PortalScreen, say_nothing
from cc_tui.tui.screens.catalogue import may_check, may_make, reads_across_firms
from cc_tui.tui.screens.dashboard_keys import DASHBOARD_KEYS
from cc_tui.tui.screens.dashboard_live import LiveNotices, dashboard_commands
from cc_tui.tui.screens.dashboard_paging import (
    Direction,
    LoadMode,
    fetch_pages,
    more_cursor,
    show_listing,
    show_more,
    wanted_page,
)
from cc_tui.tui.screens.dashboard_words import (
    FIRMS_PLACEHOLDER,
    header_words,
    landing_section,
    left_out_words,
    status_words,
)
from cc_tui.tui.toasts import TaskToasts
from cc_tui.tui.widgets.filter_bar import FilterBar
from cc_tui.tui.widgets.notice import ServerBanner
from cc_tui.tui.widgets.preview import RequestPreview
from cc_tui.tui.widgets.section_tabs import SECTIONS, SectionTabs
from cc_tui.tui.widgets.task_table import PAGE_SIZE, RequestWindow, TaskTable

if TYPE_CHECKING:
    from cc_tui.api.requests import Request, UnavailableAction

PREVIEW_CACHE = 32
SORTS = tuple(Sort)


@dataclass
class SectionView:
    """What one section remembers while you look at another."""

    text: str = ""
    applied: str = ""
    sort: Sort = Sort.UPDATED_DESC
    cursor_ref: str | None = None


class DashboardScreen(PortalScreen):
    """Sections, the task table, the filter bar, the preview and live notices."""

    CSS_PATH = "dashboard.tcss"
    AUTO_FOCUS = "#tasks"
    # Screen declares it as an instance variable, so no ClassVar here.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = DASHBOARD_KEYS

    def __init__(
        self,
        section: Section | None = None,
        *,
        debounce: float = 0.2,
        preview_delay: float = 0.15,
        live_notices: bool = True,
    ) -> None:
        super().__init__(id="dashboard")
        self.debounce = debounce
        self.preview_delay = preview_delay
        self.live_notices = live_notices
        self._initial_section = section
        self.section = section or Section.AWAITING_MY_CHECK
        self.views: dict[Section, SectionView] = {s: SectionView() for s in SECTIONS}
        self.window = RequestWindow()
        self.marks: set[str] = set()
        # Each mark's row as it was marked (its updated_at): what bulk approval approves.
        self.marked_at: dict[str, datetime] = {}
        self.live = _("○ live notices starting") if live_notices else ""
        self._generation = 0
        self._last_key_at = 0.0
        self._loading = False
        self._more: str | None = None
        self._more_generation = 0
        self._previews: OrderedDict[str, Request] = OrderedDict()
        self.notices = LiveNotices(self)
        # Bursts of notices collapse into one toast ("3 new tasks"), never a stack.
        self.task_toasts = TaskToasts(
            self, lambda message: self.app.notify(message, title=_("Portal"), timeout=8)
        )

    # Layout

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(id="dash-header")
        yield SectionTabs(id="tabs")
        yield FilterBar(id="filter")
        with Horizontal(id="dash-body"):
            yield TaskTable(id="tasks", screen_keys=("find", "first", "last"))
            yield RequestPreview(id="preview")
        yield Static(id="dash-status")
        yield Footer(compact=True)

    @property
    def table(self) -> TaskTable:
        return self.query_one("#tasks", TaskTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter", FilterBar)

    @property
    def tabs(self) -> SectionTabs:
        return self.query_one("#tabs", SectionTabs)

    @property
    def preview(self) -> RequestPreview:
        return self.query_one("#preview", RequestPreview)

    @property
    def view(self) -> SectionView:
        return self.views[self.section]

    @property
    def fetching(self) -> bool:
        """A page of the list is on its way."""
        return self._loading or self._more is not None

    @property
    def status_text(self) -> str:
        return str(self.query_one("#dash-status", Static).content)

    def on_mount(self) -> None:
        app = self.portal_app
        if self._initial_section is None:
            self.section = landing_section(app.user, app.participant_id)
        self.tabs.section = self.section
        if reads_across_firms(app):
            self.table.show_firms(True)
            self.filter_bar.input.placeholder = _(FIRMS_PLACEHOLDER)
        self.query_one("#dash-header", Static).update(safe_content(flatten(self._header())))
        self.preview.show_empty()
        self.show_status()
        self.load("reset")
        if self.live_notices and app.user is not None:
            self.listen_for_notices()

    def on_screen_resume(self) -> None:
        self.refresh_list()
        self.refresh_counts()

    def _header(self) -> str:
        return header_words(self.portal_app.user, self.portal_app.participant_id)

    def membership_switched(self) -> None:
        """Another membership acts now: the same section, filters and sorts, its own
        requests and counts (marks and places in the lists were the old one's)."""
        self.query_one("#dash-header", Static).update(safe_content(flatten(self._header())))
        self.marks.clear()
        self._previews.clear()
        for view in self.views.values():
            view.cursor_ref = None
        self._generation += 1
        self.workers.cancel_group(self, "dashboard-more")
        self._more = None
        self.window = RequestWindow()
        self.table.show_rows([], self.marks)
        self.preview.show_empty()
        self.load("reset")
        self.refresh_counts()
        self.refresh_bindings()

    def show_status(self) -> None:
        listed = (
            _("Loading…") if self._loading and not self.window.pages else self.window.describe()
        )
        words = status_words(
            listed,
            self.view.sort,
            marked=len(self.marks),
            loading_more=self._more is not None,
            live=self.live,
        )
        # One line of fixed size: no layout pass for the whole screen on each update.
        self.query_one("#dash-status", Static).update(safe_content(flatten(words)), layout=False)

    # Loading the list

    def _debounce_delay(self) -> float:
        now = time.monotonic()
        idle = now - self._last_key_at
        self._last_key_at = now
        return 0.0 if idle >= self.debounce else self.debounce

    @work(exclusive=True, group="dashboard-load", exit_on_error=False)
    async def load(self, mode: LoadMode = "reset", *, typed: bool = False) -> None:
        """Fetch the list: from the top ("reset") or the pages held again ("refresh").
        `typed`: the filter text changed; wait for a pause, and on a mistake keep the rows."""
        if typed:
            delay = self._debounce_delay()
            if delay:
                await asyncio.sleep(delay)
        section, view = self.section, self.view
        text = view.applied if mode == "refresh" else view.text
        try:
            parse_query(text)
        except QueryError as error:
            self.filter_bar.show_error(error)
            if typed and self.window.pages:
                return
            text = view.applied
        else:
            if mode == "reset":
                self.filter_bar.clear_error()
        self._generation += 1
        generation = self._generation
        self.workers.cancel_group(self, "dashboard-more")
        self._more = None
        self._loading = True
        self.show_status()

        def refused(error: PortalError) -> None:
            if error.status == 400:  # the filter: said under it, as typed
                self.filter_bar.show_problem(error.message)
            else:
                self.notify(error.message, title=_("The list"), severity="error")

        try:
            pages = await self.call_portal(
                lambda portal: fetch_pages(portal, self.window, section, text, view.sort, mode),
                retry=lambda: self.load(mode),
                refused=refused,
            )
        finally:
            if generation == self._generation:
                self._loading = False
                self.show_status()
        if pages is FAILED:
            return
        if generation != self._generation or section is not self.section:
            return
        if self._retry is not None:
            self.hide_banner()
        view.applied = text
        show_listing(self.table, self.window, pages, self.marks, mode, view.cursor_ref)
        self.show_status()
        self._highlighted()

    def refresh_list(self) -> None:
        """The same listing again, in place; not when a newer one is on its way (it is
        fresh anyway, and a refresh must not cancel what the user just asked for)."""
        if not self.window.pages:
            return
        loading = any(
            worker.node is self and worker.group == "dashboard-load" and worker.is_running
            for worker in self.workers
        )
        if not loading:
            self.load("refresh")

    @work(exclusive=True, group="dashboard-more", exit_on_error=False)
    async def load_more(self, direction: Direction) -> None:
        """The page after the last held, or before the first (the window slides)."""
        window = self.window
        there, cursor = more_cursor(window, direction)
        if not there:
            return
        generation = self._generation
        section, view = self.section, self.view
        self._more = direction
        self._more_generation += 1
        more_generation = self._more_generation
        self.show_status()
        try:
            page = await self.call_portal(
                lambda portal: portal.list_requests(
                    section.value, view.applied, view.sort.value, cursor, PAGE_SIZE
                ),
                retry=lambda: self.load_more(direction),
                refused=lambda error: self.notify(
                    error.message, title=_("The next page"), severity="error"
                ),
            )
        finally:
            if more_generation == self._more_generation:
                self._more = None
                self.show_status()
        if page is FAILED:
            return
        if generation != self._generation:
            return
        show_more(self.table, window, page, direction, self.marks)
        self.show_status()

    @work(exclusive=True, group="dashboard-counts", exit_on_error=False)
    async def refresh_counts(self) -> None:
        counts = await self.call_portal(  # the list's own load says what else is wrong
            lambda portal: portal.section_counts(), unreachable=say_nothing, refused=say_nothing
        )
        if counts is not FAILED:
            self.tabs.counts = counts

    # The highlighted request

    @on(TaskTable.Highlighted, "#tasks")
    def _row_highlighted(self, event: TaskTable.Highlighted) -> None:
        event.stop()
        self._highlighted()

    def _highlighted(self) -> None:
        table = self.table
        ref = table.current_ref
        if ref is None:
            self.preview.show_empty(_("Nothing to show here."))
            return
        self.view.cursor_ref = ref
        wanted = wanted_page(self.window, table.cursor_row, table.row_count)
        if self._more is None and wanted is not None:
            self.load_more(wanted)
        if self.preview.display:
            summary = next((s for s in self.window.rows if s.ref == ref), None)
            if summary is not None:
                self.preview.show_summary(summary)
                self.load_preview(ref)

    @work(exclusive=True, group="dashboard-preview", exit_on_error=False)
    async def load_preview(self, ref: str) -> None:
        summary = next((s for s in self.window.rows if s.ref == ref), None)
        if summary is None:
            return
        cached = self._previews.get(ref)
        if cached is not None and cached.updated_at == summary.updated_at:
            self._previews.move_to_end(ref)
            self.preview.show_request(cached)
            return
        await asyncio.sleep(self.preview_delay)
        request = await self.call_portal(
            lambda portal: portal.get_request(ref),
            unreachable=lambda error: self.preview.show_problem(summary, str(error)),
            refused=lambda error: self.preview.show_problem(summary, str(error)),
        )
        if request is FAILED:
            return
        self._previews[ref] = request
        while len(self._previews) > PREVIEW_CACHE:
            self._previews.popitem(last=False)
        if self.table.current_ref == ref:
            self.preview.show_request(request)

    @on(TaskTable.Selected, "#tasks")
    def _row_selected(self, event: TaskTable.Selected) -> None:
        event.stop()
        self.open_request(event.ref)

    def open_request(self, ref: str) -> None:
        """The request's own screen (detail, actions), with the references listed here, so
        `n` there opens the next one; the list refreshes on return."""
        from cc_tui.tui.screens.request import RequestScreen

        self.app.push_screen(RequestScreen(ref, [row.ref for row in self.window.rows]))

    # Filter and sort

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        event.stop()
        if event.text == self.view.text:
            return
        self.view.text = event.text
        self.view.cursor_ref = None
        self.load("reset", typed=True)

    @on(FilterBar.Submitted)
    def _filter_submitted(self, event: FilterBar.Submitted) -> None:
        event.stop()
        self.view.text = event.text
        if event.text != self.view.applied or self.filter_bar.error:
            self.load("reset")
        self.table.focus()

    @on(FilterBar.Left)
    def _filter_left(self, event: FilterBar.Left) -> None:
        event.stop()
        self.table.focus()

    def action_filter(self) -> None:
        self.filter_bar.input.focus()

    def action_cycle_sort(self) -> None:
        view = self.view
        view.sort = SORTS[(SORTS.index(view.sort) + 1) % len(SORTS)]
        view.cursor_ref = None
        self.show_status()
        self.load("reset")

    # Sections

    def action_section(self, value: str) -> None:
        self.show_section(Section(value))

    def action_next_section(self) -> None:
        self.show_section(SECTIONS[(SECTIONS.index(self.section) + 1) % len(SECTIONS)])

    def action_previous_section(self) -> None:
        self.show_section(SECTIONS[(SECTIONS.index(self.section) - 1) % len(SECTIONS)])

    @on(SectionTabs.Selected)
    def _tab_clicked(self, event: SectionTabs.Selected) -> None:
        event.stop()
        self.show_section(event.section)

    def show_section(self, section: Section) -> None:
        if section is self.section:
            return
        self.section = section
        self.tabs.section = section
        self.refresh_bindings()  # bulk approval is offered in one section
        self.filter_bar.set_text(self.view.text)
        self.filter_bar.clear_error()
        self._generation += 1
        self.window = RequestWindow()
        self.table.show_rows([], self.marks)
        self.preview.show_empty()
        self.load("reset")
        self.refresh_counts()

    # Moving

    def action_first_request(self) -> None:
        if self.window.has_previous:
            self.view.cursor_ref = None
            self.load("reset")
        else:
            self.table.action_first()

    def action_last_request(self) -> None:
        self.table.action_last()

    # Marks and bulk approval

    @property
    def may_bulk_approve(self) -> bool:
        """Bulk approval where it can act: a checker of the acting membership, in the
        section of the requests awaiting its check."""
        return self.section is Section.AWAITING_MY_CHECK and may_check(self.portal_app)

    def _listed_times(self) -> dict[str, datetime]:
        return {row.ref: row.updated_at for row in self.window.rows}

    def _mark(self, ref: str, listed: dict[str, datetime]) -> None:
        self.marks.add(ref)
        if ref in listed:
            self.marked_at[ref] = listed[ref]

    def action_mark_all(self) -> None:
        table = self.table
        listed = self._listed_times()
        for ref in table.refs:
            if ref not in self.marks:
                self._mark(ref, listed)
                table.show_mark(ref, True)
        self.show_status()

    def action_copy_ref(self) -> None:
        ref = self.table.current_ref
        if ref is None:
            self.notify(_("No request is highlighted."), title=_("Copy"), severity="warning")
            return
        self.app.copy_to_clipboard(ref)
        self.notify(copied_words(ref), title=_("Copy"))

    def action_mark(self) -> None:
        table = self.table
        ref = table.current_ref
        if ref is None:
            return
        marked = ref not in self.marks
        if marked:
            self._mark(ref, self._listed_times())
        else:
            self.marks.discard(ref)
        table.show_mark(ref, marked)
        table.action_cursor_down()
        self.show_status()

    def action_clear_marks(self) -> None:
        if self.marks:
            for ref in list(self.marks):
                self.table.show_mark(ref, False)
            self.marks.clear()
            self.show_status()

    def action_approve_marked(self) -> None:
        if not self.marks:
            self.notify(
                _("Nothing is marked: press space on each request to approve, then A."),
                title=_("Approve marked"),
                severity="warning",
            )
            return
        shown = [ref for ref in self.table.refs if ref in self.marks]
        others = sorted(self.marks - set(shown))
        waiting = self._waiting(self.marks)
        chosen = [ref for ref in shown + others if ref not in waiting]
        if waiting:
            self.notify(
                left_out_words(waiting), title=_("Approve marked"), severity="warning", timeout=10
            )
        if not chosen:
            return
        from cc_tui.tui.screens.bulk import BulkApproveScreen

        seen = {ref: self.marked_at[ref] for ref in chosen if ref in self.marked_at}
        self.app.push_screen(BulkApproveScreen(chosen, seen), self._bulk_done)

    def _waiting(self, refs: set[str]) -> dict[str, UnavailableAction]:
        """Of `refs`, the listed ones whose approval the portal takes only later (a day
        or hour rule), each with its reason: left out up front, not refused after y."""
        waiting: dict[str, UnavailableAction] = {}
        for row in self.window.rows:
            if row.ref in refs:
                for item in row.unavailable_actions:
                    if item.action is Action.APPROVE:
                        waiting[row.ref] = item
        return waiting

    def _bulk_done(self, approved: frozenset[str] | None) -> None:
        for ref in approved or ():
            self.marks.discard(ref)
            self.table.show_mark(ref, False)
        self.show_status()

    # New request

    def action_new_request(self) -> None:
        if may_make(self.portal_app):
            self.portal_app.open_catalogue()

    # Go to

    def action_jump(self) -> None:
        from cc_tui.tui.screens.jump import JumpScreen

        self.app.push_screen(JumpScreen(), self._jumped)

    def _jumped(self, request: Request | None) -> None:
        if request is not None:
            self.open_in_membership(request.ref, request.participant_id)

    def open_in_membership(self, ref: str, participant_id: str | None) -> None:
        """`ref`'s screen, switching first to its membership (`participant_id`) when it
        is another of the user's (a notice's or a found request's)."""
        app = self.portal_app
        if participant_id not in (None, app.participant_id) and membership_of(
            app.user, participant_id
        ):
            assert participant_id is not None
            self.notify(
                _("{ref} belongs to {participant_id}: switching to it.").format(
                    ref=ref, participant_id=participant_id
                ),
                title=_("Membership"),
            )
            app.switch_membership(participant_id, then_open=ref)
            return
        self.open_request(ref)

    # Refresh and retry

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return True
        if action == "new_request":
            return may_make(self.portal_app)
        if action in ("mark", "mark_all", "approve_marked"):
            return self.may_bulk_approve
        if action == "clear_marks":
            return bool(self.marks) or self.may_bulk_approve
        return super().check_action(action, parameters)

    def action_retry(self) -> None:
        if self._retry is not None:
            super().action_retry()
            self.refresh_counts()
            return
        if self.window.pages:
            self.refresh_list()
        else:
            self.load("reset")
        self.refresh_counts()

    # Live notices and the palette (dashboard_live.py)

    @work(group="dashboard-notices", exit_on_error=False)
    async def listen_for_notices(self) -> None:
        await self.notices.listen()

    def notice_commands(self) -> list[PaletteCommand]:
        """The last notice's request: offered by the palette on every screen (the app
        asks the dashboard below), since the notice may arrive over any of them."""
        return self.notices.commands()

    def palette_commands(self) -> list[PaletteCommand]:
        return dashboard_commands(self)
