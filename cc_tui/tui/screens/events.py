"""Events: upcoming seminars, with seats left, the waiting list and my enrolment.

- One row per event, two lines high so that 80 columns hold it all: the day and the
  time (HKT), the title over the venue, the seats ("12 left" over "of 40", or "full —"
  over "waiting list"), and my status in words ("✓ enrolled", "waiting #2"). The
  highlighted event's full time, venue, counts and description are shown under the list.
- `e` enrols (a full event puts me on its waiting list, and the portal's sentence says
  so); `w` withdraws after a y/N that names the event and says what happens to the seat.
  Each key is offered only where it applies (the footer shows what works on the row).
- One change at a time: the keys are off while a change is on its way. The portal's
  answer carries the event as it is now, so the row is updated in place; `r` fetches
  the whole list again.
- Words say everything colour says: the status is a word, "full" is a word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from cc_tui.client.errors import PortalError
from cc_tui.domain.calendar import format_day, month_word, to_hkt, weekday_word
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.safe_text import cut_content, safe_content
from cc_tui.tui.screens.base import FAILED, RefreshingScreen
from cc_tui.tui.widgets.cells import cursor_row_key, keep_cursor_on
from cc_tui.tui.widgets.list_keys import ListTable
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.admin import Enrolment, Event

DATE_WIDTH = 11
SEATS_WIDTH = 12
MINE_WIDTH = 10
# Cell padding (1 each side, 4 columns), the table's margins and a scrollbar.
CHROME = 8 + 2 + 2
# 60 columns: 11 + 14 + 12 + 10 + 12 of chrome (the narrowest terminal cc-tui fits).
MIN_TITLE_WIDTH = 14


def when_lines(event: Event) -> str:
    """`Tue 24 Nov` over `14:30` (HKT)."""
    starts = to_hkt(event.starts_at)
    # 11 columns: zh-Hant puts the weekday on the time's line ("12月05日" over "週六 14:30").
    return _("{weekday} {day} {month}\n{time}").format(
        weekday=weekday_word(starts.date()),
        day=f"{starts:%d}",
        month=month_word(starts.date()),
        time=f"{starts:%H:%M}",
    )


def short_venue(venue: str) -> str:
    """The venue's first part: "HKEX Connect Hall", "Online"."""
    return venue.split(",")[0].split(" (")[0].strip()


def seats_lines(event: Event) -> str:
    if event.seats_left <= 0:
        return _("full —\nwaiting list")
    return _("{left} left\nof {capacity}").format(left=event.seats_left, capacity=event.capacity)


def mine_words(event: Event) -> str:
    if event.my_enrolment == "enrolled":
        return _("✓ enrolled")
    if event.my_enrolment == "waitlisted":
        place = event.my_waitlist_position
        return _("waiting #{place}").format(place=place) if place else _("waiting")
    return ""


def event_moment(event: Event) -> str:
    """`Tue 24 Nov 2026, 14:30-16:30 HKT`."""
    starts = to_hkt(event.starts_at)
    time = f"{starts:%H:%M}"
    if event.ends_at is not None:
        time += f"-{to_hkt(event.ends_at):%H:%M}"
    return _("{day}, {time} HKT").format(
        day=format_day(starts.date(), padded=True, year=True), time=time
    )


def detail_text(event: Event) -> str:
    """What the detail pane says about the highlighted event."""
    taken = _("{enrolled} of {capacity} seats taken").format(
        enrolled=event.enrolled, capacity=event.capacity
    )
    if event.seats_left <= 0:
        taken = _("Full ({capacity} seats)").format(capacity=event.capacity)
    waiting = (
        _("{count} on the waiting list").format(count=event.waitlisted)
        if event.waitlisted
        else _("nobody waiting")
    )
    mine = {
        "enrolled": _("You are enrolled."),
        "waitlisted": _("You are number {place} on the waiting list.").format(
            place=event.my_waitlist_position
        ),
        "none": "",
    }[event.my_enrolment]
    lines = [
        f"{event.title}",
        f"{event_moment(event)} · {event.venue}",
        _("{taken} · {waiting}. {mine}").format(taken=taken, waiting=waiting, mine=mine).rstrip(),
    ]
    if event.description:
        lines.append(event.description)
    return "\n".join(lines)


def withdraw_detail(event: Event) -> str:
    if event.my_enrolment == "waitlisted":
        return _(
            "You leave the waiting list (you are number {place}); enrolling again puts you "
            "at its end."
        ).format(place=event.my_waitlist_position)
    if event.waitlisted:
        return _("Your seat goes to the first person on the waiting list.")
    return _("Your seat becomes free for anyone to take.")


class EventsScreen(RefreshingScreen):
    """Upcoming events: `e` enrol, `w` withdraw (y/N), `r` refresh."""

    CSS_PATH = "events.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e",
            "enrol",
            "Enrol",
            id="events.enrol",
            tooltip=N_("Take a seat at the highlighted event (its waiting list when it is full)."),
        ),
        Binding(
            "w",
            "withdraw",
            "Withdraw",
            id="events.withdraw",
            tooltip=N_("Give up your seat or waiting-list place (asks y/N first)."),
        ),
        Binding(
            "r",
            "retry",
            "Refresh",
            id="events.refresh",
            tooltip=N_("Fetch the events, seats and waiting lists again."),
        ),
        Binding("escape", "back", "Back", id="events.back", tooltip=N_("Close the events.")),
    ]

    def __init__(self) -> None:
        super().__init__(id="events")
        self.title = _("Events")
        self.events: list[Event] = []
        self.busy = False
        self.loaded = False
        self._width = 0
        self._keys: tuple[bool | None, ...] = ()

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(_("Events and seminars"), id="events-title")
        table: DataTable[str | Content] = ListTable(id="events-list")
        yield table
        yield Static(id="events-detail")
        yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one("#events-list", DataTable).focus()
        self.load()

    def on_resize(self) -> None:
        if self.is_mounted and self.size.width != self._width:
            self._show()

    # Loading

    @work(exclusive=True, group="events-load", exit_on_error=False)
    async def load(self) -> None:
        found = await self.call_portal(lambda portal: portal.events(), retry=self.load)
        if found is FAILED:
            return
        self.events = found
        self.loaded = True
        self._show()

    def _show(self) -> None:
        table: DataTable[str | Content] = self.query_one("#events-list", DataTable)
        keep = cursor_row_key(table)
        self._width = self.size.width
        title_width = max(
            MIN_TITLE_WIDTH, self._width - DATE_WIDTH - SEATS_WIDTH - MINE_WIDTH - CHROME
        )
        table.clear(columns=True)
        table.add_column(_("When (HKT)"), key="when", width=DATE_WIDTH)
        table.add_column(_("Event · venue"), key="event", width=title_width)
        table.add_column(_("Seats"), key="seats", width=SEATS_WIDTH)
        table.add_column(_("Mine"), key="mine", width=MINE_WIDTH)
        for event in self.events:
            table.add_row(*self._cells(event, title_width), key=event.id, height=2)
        keep_cursor_on(table, keep)
        if not self.loaded:
            self.query_one("#events-detail", Static).update(_("Asking the portal for events…"))
        elif not self.events:
            self.query_one("#events-detail", Static).update(
                _("No upcoming events. New seminars appear here when the exchange announces them.")
            )
        else:
            self._describe()
        self._sync_keys()

    @staticmethod
    def _cells(event: Event, title_width: int) -> tuple[Content, ...]:
        return (
            safe_content(when_lines(event), multiline=True),
            Content("\n").join(
                [
                    cut_content(event.title, title_width),
                    cut_content(short_venue(event.venue), title_width),
                ]
            ),
            safe_content(seats_lines(event), multiline=True),
            safe_content(mine_words(event), multiline=True),
        )

    @property
    def highlighted(self) -> Event | None:
        """The event under the cursor."""
        key = cursor_row_key(self.query_one("#events-list", DataTable))
        return next((event for event in self.events if event.id == key), None)

    @on(DataTable.RowHighlighted, "#events-list")
    def _highlighted(self) -> None:
        self._describe()
        self._sync_keys()

    def _describe(self) -> None:
        event = self.highlighted
        detail = self.query_one("#events-detail", Static)
        detail.update(safe_content(detail_text(event), multiline=True) if event is not None else "")

    # Enrolling and withdrawing

    def _sync_keys(self) -> None:
        """Redraw the footer only when what `e` and `w` may do has changed (a redraw
        costs a frame's worth of work; moving the cursor should not)."""
        if not self.is_attached:
            return
        keys = (self.check_action("enrol", ()), self.check_action("withdraw", ()))
        if keys != self._keys:
            self._keys = keys
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("enrol", "withdraw"):
            event = self.highlighted
            if self.busy or event is None:
                return False
            if action == "enrol":
                return event.my_enrolment == "none"
            return event.my_enrolment != "none"
        return super().check_action(action, parameters)

    def reload(self) -> None:
        self.load()

    def action_enrol(self) -> None:
        event = self.highlighted
        if event is not None and not self.busy:
            self.change(event.id, "enrol")

    def action_withdraw(self) -> None:
        from cc_tui.tui.screens.confirm import ConfirmScreen

        event = self.highlighted
        if event is None or self.busy:
            return
        starts = to_hkt(event.starts_at)
        prompt = _("Withdraw from {title} ({when})?").format(
            title=event.title,
            when=f"{format_day(starts.date(), padded=True)} {starts:%H:%M}",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.change(event.id, "withdraw")
            else:
                still = (
                    _("Nothing changed: you are still enrolled in {title}.")
                    if event.my_enrolment == "enrolled"
                    else _("Nothing changed: you are still waiting for {title}.")
                )
                self.query_one(Notice).show(
                    still.format(title=event.title),
                    "info",
                )

        self.app.push_screen(ConfirmScreen(prompt, withdraw_detail(event)), answered)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._sync_keys()

    @work(group="events-change", exit_on_error=False)
    async def change(self, event_id: str, verb: str) -> None:
        notice = self.query_one(Notice)
        self._set_busy(True)

        def refused(error: PortalError) -> None:
            notice.show(error.message)
            if error.status in (404, 409):
                self.load()

        try:
            answer = await self.call_portal(
                lambda portal: (
                    portal.enrol(event_id)
                    if verb == "enrol"
                    else portal.withdraw_enrolment(event_id)
                ),
                retry=lambda: self.change(event_id, verb),
                busy=_("Asking the portal…"),
                refused=refused,
            )
        finally:
            self._set_busy(False)
        if answer is FAILED:
            return
        self._apply(answer)
        notice.show(answer.message, "success" if answer.changed else "info")

    def _apply(self, answer: Enrolment) -> None:
        if answer.event is None:
            self.load()
            return
        self.events = [answer.event if e.id == answer.event_id else e for e in self.events]
        self._show()

    # Keys and palette

    def action_back(self) -> None:
        self.dismiss()

    def palette_commands(self) -> list[PaletteCommand]:
        commands = [
            PaletteCommand(_("Events: refresh"), _("Fetch the events and seats again."), self.load)
        ]
        event = self.highlighted
        if event is not None and event.my_enrolment == "none":
            commands.append(
                PaletteCommand(
                    _("Enrol in {title}").format(title=event.title),
                    _("Take a seat (or join the waiting list)."),
                    self.action_enrol,
                )
            )
        elif event is not None:
            commands.append(
                PaletteCommand(
                    _("Withdraw from {title}").format(title=event.title),
                    _("Asks y/N first."),
                    self.action_withdraw,
                )
            )
        return commands
