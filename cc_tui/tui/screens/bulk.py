"""Approve the marked requests (`A` on the dashboard): one y/N, then a line per request.

- The question names how many and which ("Approve 12 requests? y/N" and their
  references). Only `y` confirms; `n`, esc and enter alone cancel (STYLE.md).
- Each approval fetches the request first, to send the `version` it saw (a summary has
  none), then `POST .../actions/approve`; at most `CONCURRENCY` are under way at once,
  all in one worker, so fifty never hold up the screen.
- What the checker marked is what gets approved: a request that changed after it was
  marked (`listed`: each reference's `updated_at` as the row showed it when marked;
  every change moves it) is not approved at the version it holds now, but left out with
  a line saying so (returned, edited and sent again by its maker in the meantime, say);
  one that can no longer be approved at all is still sent, so the portal says why.
- Each request gets its line: `✔ approved`, or `✘` with the portal's sentence ("You
  made this request, so you cannot check it."), never a raw code: one refusal does not
  stop the others. esc while they run stops sending more; those under way finish and say
  how they ended.
- The screen closes with the references approved, so the dashboard can unmark them and
  refresh its list and counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from cc_tui.client.errors import PortalError, PortalUnreachable, SessionExpired
from cc_tui.domain.i18n import N_, _, ngettext
from cc_tui.domain.workflow import Action
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.base import FAILED, PortalModal

if TYPE_CHECKING:
    from cc_tui.client.portal import PortalClient

CONCURRENCY = 4
NAMED = 6
Phase = Literal["confirm", "running", "done"]


def question(refs: list[str]) -> str:
    count = len(refs)
    return ngettext("Approve {count} request? y/N", "Approve {count} requests? y/N", count).format(
        count=count
    )


def named(refs: list[str]) -> str:
    shown = ", ".join(refs[:NAMED])
    more = len(refs) - NAMED
    return shown + (" " + _("and {count} more").format(count=more) if more > 0 else "")


CHANGED = "changed_since_listed"


async def _approve(portal: PortalClient, *, ref: str, listed: datetime | None) -> None:
    """Approve `ref` at the version the portal holds now, if that is the one listed."""
    request = await portal.get_request(ref)
    if (
        listed is not None
        and request.updated_at != listed
        and Action.APPROVE in request.allowed_actions
    ):
        raise PortalError(
            409,
            CHANGED,
            _("It changed after you marked it, so it was not approved."),
            _("Open it (enter on its row) to check what it holds now, and approve it there."),
        )
    await portal.act(ref, "approve", request.version)


class BulkApproveScreen(PortalModal[frozenset[str]]):
    """Confirm, then approve each marked request and say how each went."""

    # Belongs to one membership's request: closed when the user switches (tui/membership.py).
    MEMBERSHIP_BOUND = True
    CSS_PATH = "bulk.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, approve", id="bulk.confirm", tooltip=N_("Approve them all.")),
        Binding(
            "n,escape,enter",
            "close",
            "No / close",
            id="bulk.close",
            tooltip=N_(
                "Cancel before it starts; once running, esc stops sending more; when done, close."
            ),
        ),
    ]

    def __init__(self, refs: list[str], listed: Mapping[str, datetime] | None = None) -> None:
        super().__init__(id="bulk")
        self.refs = list(dict.fromkeys(refs))
        self.listed = dict(listed or {})
        self.phase: Phase = "confirm"
        self.approved: set[str] = set()
        self.outcomes: dict[str, str] = {}
        self._stopping = False

    def compose(self) -> ComposeResult:
        with Vertical(id="bulk-box"):
            yield Static(question(self.refs), id="bulk-question")
            yield Static(safe_content(flatten(named(self.refs))), id="bulk-refs")
            with VerticalScroll(id="bulk-results"):
                for ref in self.refs:
                    yield Static(
                        safe_content(flatten(_("· {ref} waiting").format(ref=ref))),
                        classes="bulk-line",
                        id=f"r-{ref}",
                    )
            yield Static(id="bulk-summary")
            yield Static(_("y approves · n, esc or enter cancels"), id="bulk-keys")

    def on_mount(self) -> None:
        self.query_one("#bulk-results").display = False
        self.query_one("#bulk-summary").display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return self.phase == "confirm"
        return True

    def action_confirm(self) -> None:
        if self.phase != "confirm":
            return
        self.phase = "running"
        self.query_one("#bulk-refs").display = False
        self.query_one("#bulk-results").display = True
        self.query_one("#bulk-summary").display = True
        self.query_one("#bulk-keys", Static).update(_("esc stops sending more"))
        self.refresh_bindings()
        self._show_progress()
        self.approve_all()

    def action_close(self) -> None:
        if self.phase == "running":
            self._stopping = True
            self._show_progress()
            return
        self.dismiss(frozenset(self.approved))

    def line(self, ref: str) -> str:
        """The result line of one request, as shown."""
        return str(self.query_one(f"#r-{ref}", Static).content)

    def _set(self, ref: str, symbol: str, words: str, outcome: str | None = None) -> None:
        self.query_one(f"#r-{ref}", Static).update(safe_content(flatten(f"{symbol} {ref} {words}")))
        if outcome is not None:
            self.outcomes[ref] = outcome
            self._show_progress()

    def _show_progress(self) -> None:
        done = len(self.outcomes)
        refused = done - len(self.approved)
        counts = _("{approved} approved, {refused} not approved").format(
            approved=len(self.approved), refused=refused
        )
        if self.phase == "done":
            stopped = len(self.refs) - done
            if stopped:
                counts = _("{counts}, {stopped} not sent").format(counts=counts, stopped=stopped)
            text = _("Done: {counts}. enter or esc closes.").format(counts=counts)
        elif self._stopping:
            text = _("Stopping after those under way: {done} of {total} done ({counts}).").format(
                done=done, total=len(self.refs), counts=counts
            )
        else:
            text = _("Approving {at_once} at a time: {done} of {total} done ({counts}).").format(
                at_once=CONCURRENCY, done=done, total=len(self.refs), counts=counts
            )
        self.query_one("#bulk-summary", Static).update(Content(text))

    @work(exclusive=True, group="bulk-approve", exit_on_error=False)
    async def approve_all(self) -> None:
        gate = asyncio.Semaphore(CONCURRENCY)
        expired: list[SessionExpired] = []

        async def approve(ref: str) -> None:
            async with gate:
                if self._stopping or expired:
                    self._set(ref, "–", _("not sent (stopped)"))
                    return
                self._set(ref, "…", _("approving"))
                done = await self.call_portal(
                    partial(_approve, ref=ref, listed=self.listed.get(ref)),
                    unreachable=partial(self._unreachable, ref),
                    refused=partial(self._refused, ref),
                    expired=partial(self._expired, ref, expired),
                )
                if done is not FAILED:
                    self.approved.add(ref)
                    self._set(ref, "✔", _("approved"), "approved")

        await asyncio.gather(*(approve(ref) for ref in self.refs))
        self.phase = "done"
        self.query_one("#bulk-keys", Static).update(_("enter or esc closes"))
        self._show_progress()
        self.refresh_bindings()
        if expired:
            self.on_session_expired(expired[0])

    def _unreachable(self, ref: str, error: PortalUnreachable) -> None:
        words = _("no answer from the portal; refresh to see if it was approved. {error}").format(
            error=error
        )
        self._set(ref, "✘", words, "unreachable")

    def _refused(self, ref: str, error: PortalError) -> None:
        self._set(ref, "✘", error.message, error.code)

    def _expired(self, ref: str, expired: list[SessionExpired], error: SessionExpired) -> None:
        expired.append(error)
        self._set(ref, "✘", _("not sent: your session has ended"), "expired")

    def on_session_expired(self, error: SessionExpired) -> None:
        """Closed with what was approved, then the login asked for once."""
        self.dismiss(frozenset(self.approved))
        self.portal_app.session_expired(error, self.reopen_after_login())
