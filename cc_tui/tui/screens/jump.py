"""Go to a request (`:` on the dashboard): type a reference, enter opens it.

The reference is read as people type it: `ECS00012345`, `ecs 0001 2345`, full-width
digits, or just the number (`12345`). The prompt asks the portal before it closes, so a
reference that does not exist, or that belongs to another firm (the portal answers 404
for both and so do we), is said in place ("No request ECS00012345 that you can see.")
and the text stays to be corrected. The answer, a `Request`, goes back to the dashboard,
which opens it.

A user of several memberships may type the reference of a request of another of them (a
notice names it): the prompt then looks in the others (`PortalClient.find_request`), and
the dashboard switches to the membership it belongs to before opening it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from cc_tui.api.requests import Request
from cc_tui.client.errors import PortalError
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.naming import REF_DIGITS, REF_EXAMPLE, REF_PREFIX, format_ref, normalise_ref
from cc_tui.tui.membership import other_memberships
from cc_tui.tui.screens.base import FAILED, PortalModal
from cc_tui.tui.widgets.notice import Notice

if TYPE_CHECKING:
    from cc_tui.client.portal import PortalClient

_TYPED_REF = re.compile(rf"(?:{REF_PREFIX})?0*(\d{{1,{REF_DIGITS}}})", re.ASCII)


def reference_of(text: str) -> str:
    """The reference a person meant; ValueError saying how to type one otherwise."""
    typed = normalise_ref(text)
    if not typed:
        raise ValueError(
            _("Type a reference, e.g. {example} (or just 12345).").format(example=REF_EXAMPLE)
        )
    match = _TYPED_REF.fullmatch(typed)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(
            _(
                "{typed} is not a reference: type {prefix} and {digits} digits, e.g. {example}, "
                "or just the number."
            ).format(typed=typed, prefix=REF_PREFIX, digits=REF_DIGITS, example=REF_EXAMPLE)
        )
    return format_ref(int(match.group(1)))


class JumpScreen(PortalModal[Request | None]):
    """A one-line prompt for a reference; dismisses with the request found."""

    CSS_PATH = "jump.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="jump.cancel",
            tooltip=N_("Close the prompt and stay on the list."),
        ),
    ]

    def __init__(self, text: str = "") -> None:
        super().__init__(id="jump")
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-box"):
            yield Static(_("Go to request"), id="jump-title")
            yield Input(self._text, placeholder=REF_EXAMPLE, id="jump-input", compact=True)
            yield Notice(id="jump-notice")
            yield Static(_("enter opens it · esc cancels"), id="jump-keys")

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one(Input).focus()

    @property
    def notice(self) -> str:
        return self.query_one(Notice).text

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#jump-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            ref = reference_of(event.value)
        except ValueError as error:
            self.query_one(Notice).show(str(error))
            return
        self.query_one(Notice).show(_("Looking for {ref}…").format(ref=ref), "info")
        self.look_up(ref)

    @work(exclusive=True, group="jump", exit_on_error=False)
    async def look_up(self, ref: str) -> None:
        notice = self.query_one(Notice)

        def refused(error: PortalError) -> None:
            notice.show(
                _("No request {ref} that you can see.").format(ref=ref)
                if error.status == 404
                else error.message
            )

        app = self.portal_app
        others = other_memberships(app.user, app.participant_id)

        async def find(portal: PortalClient) -> Request:
            try:
                return await portal.get_request(ref)
            except PortalError as error:
                if error.status != 404 or not others:
                    raise
                found = await portal.find_request(ref, others)
                if found is None:
                    raise
                return found[1]

        request = await self.call_portal(find, refused=refused)
        if request is not FAILED:
            self.dismiss(request)
