"""The dashboard's live notices, and the commands it offers the palette.

Live notices: one worker for the life of the dashboard (the whole session) iterates
`NoticeStream`; each notice is a toast (bursts gather into one, `tui/toasts.py`), the
counts refresh and, when it concerns the section shown, the rows refresh in place. The
status line says whether notices are live. Notices of every membership arrive and each
names its membership; opening one switches to its membership first.

The last notice's request is offered by the palette on every screen (the app asks the
dashboard below), since the notice may arrive over any of them.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from cc_tui.domain.i18n import _
from cc_tui.domain.sections import Section
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.membership import notice_membership, notice_ref
from cc_tui.tui.screens.base import say_nothing
from cc_tui.tui.screens.dashboard_words import notice_message
from cc_tui.tui.widgets.section_tabs import SECTIONS

if TYPE_CHECKING:
    from cc_tui.api.requests import Notification
    from cc_tui.client.errors import PortalError
    from cc_tui.client.notices import StreamState
    from cc_tui.client.portal import PortalClient
    from cc_tui.tui.screens.dashboard import DashboardScreen

NOTICE_SECTIONS = {
    "awaiting_my_check": Section.AWAITING_MY_CHECK,
    "returned_to_me": Section.RETURNED_TO_ME,
}


class LiveNotices:
    """The notices `screen` (the dashboard) listens to, and the last one."""

    def __init__(self, screen: DashboardScreen) -> None:
        self.screen = screen
        self.last: Notification | None = None

    async def listen(self) -> None:
        """Iterate the stream until the screen goes (run in the screen's worker)."""
        from cc_tui.client.notices import NoticeStream

        screen = self.screen

        async def listen(portal: PortalClient) -> None:
            async for notice in NoticeStream(portal, on_state=self._stream_state):
                self.on_notice(notice)

        def refused(error: PortalError) -> None:
            screen.live = _("○ no live notices ({code})").format(code=error.code)
            screen.show_status()

        await screen.call_portal(listen, unreachable=say_nothing, refused=refused)

    def _stream_state(self, state: StreamState) -> None:
        screen = self.screen
        if state.connected:
            screen.live = _("● live")
        elif state.retry_in is not None:
            screen.live = _("○ notices reconnecting in {seconds} s").format(
                seconds=max(1, round(state.retry_in))
            )
        screen.show_status()

    def on_notice(self, notice: Notification) -> None:
        """A new task (or a change to one of mine): toast, counts, and rows if shown."""
        screen = self.screen
        app = screen.portal_app
        self.last = notice
        membership = notice_membership(app.user, app.participant_id, notice.participant_id)
        screen.task_toasts.add(
            notice_message(notice, membership),
            notice_ref(app.user, notice.ref, notice.participant_id),
        )
        screen.refresh_counts()
        section = NOTICE_SECTIONS.get(notice.kind)
        if screen.section in (section, Section.ALL):
            screen.refresh_list()

    def commands(self) -> list[PaletteCommand]:
        """The last notice's request (none before the first notice)."""
        if self.last is None:
            return []
        return [
            PaletteCommand(
                _("Open the last notice's request ({ref})").format(ref=self.last.ref),
                _("Open the request of the latest notice, in its membership."),
                partial(self.screen.open_in_membership, self.last.ref, self.last.participant_id),
            )
        ]


def dashboard_commands(screen: DashboardScreen) -> list[PaletteCommand]:
    """What the dashboard offers the palette: the last notice's request, its keys' work,
    and each section."""
    commands = screen.notices.commands()
    commands += [
        PaletteCommand(
            _("Go to a request"), _("Open a request by its reference."), screen.action_jump
        ),
        PaletteCommand(
            _("Filter the list"), _("Type a filter for this section."), screen.action_filter
        ),
        PaletteCommand(
            _("Cycle the sort"), _("Sort the list by the next order."), screen.action_cycle_sort
        ),
        PaletteCommand(
            _("Refresh the list"), _("Fetch the list and counts again."), screen.action_retry
        ),
    ]
    ref = screen.table.current_ref
    if ref is not None:
        commands.append(
            PaletteCommand(
                _("Copy the reference"),
                _("Send {ref} to your terminal to copy (OSC 52).").format(ref=ref),
                screen.action_copy_ref,
            )
        )
    if screen.may_bulk_approve:
        commands += [
            PaletteCommand(
                _("Mark all shown"), _("Mark every request listed."), screen.action_mark_all
            ),
            PaletteCommand(
                _("Approve marked requests"),
                _("Approve every marked request (those the portal takes only later are left out)."),
                screen.action_approve_marked,
            ),
        ]
    for section in SECTIONS:
        commands.append(
            PaletteCommand(
                _("Show {section}").format(section=_(section.label)),
                _("Switch the dashboard to {section}.").format(section=_(section.label)),
                partial(screen.show_section, section),
            )
        )
    return commands
