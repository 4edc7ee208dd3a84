"""A request in detail: summary, fields, supporting documents, comments, audit trail, and
exactly the actions the portal allows this user now.

Design decisions:
- The actions offered are the request's `allowed_actions` from the portal, computed by
  the same rules it enforces; a key whose action is not allowed is disabled and hidden
  (`check_action`), and the line "You can: ..." lists the allowed ones in words.
- Keys: `a` approve, `r` return, `x` reject, `w` withdraw, `d` discard, `c` complete,
  `s` submit, `e` edit and `u` attach a file (Draft or Returned, its maker), `p` audit
  trail as PDF to the downloads folder, `ctrl+r` reload, Esc back. `r` is also the
  banner's retry: retry is enabled only while the banner shows, and return only while it
  does not, so the one key never means two things at once.
- Every action confirms with y/N naming the reference ("Approve ECS00012345? y/N");
  return and reject first ask for the comment the maker will read. Each action carries
  one Idempotency-Key from the moment it is confirmed, so `r` after a dropped answer
  never acts twice. A 409 (someone acted first) says so and offers to reload; 403
  `maker_cannot_check` shows the portal's own sentence.
- Supporting documents are an `AttachmentList` (name, size, type, SHA-256 prefix; `o`
  saves one to the downloads folder, Delete removes one after y/N where the request is
  editable). `u` opens the upload screen only where the upload screen's own rule
  (`can_attach`: its maker, Draft or Returned) allows, after `reload_when_back()`, so
  the new file is listed on return; a delete in the list (`AttachmentList.Changed`)
  loads the request again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from cc_tui.client.errors import PortalError
from cc_tui.domain.calendar import format_day, to_hkt
from cc_tui.domain.forms import FieldType, UnknownEService, format_value, get_eservice
from cc_tui.domain.workflow import Action, Status, may_modify
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.base import FAILED, PortalScreen
from cc_tui.tui.screens.comment import CommentScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.upload import UploadScreen, can_attach
from cc_tui.tui.widgets.attachment_list import AttachmentList
from cc_tui.tui.widgets.form_field import problem_text
from cc_tui.tui.widgets.notice import Notice, NoticeKind, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.requests import AuditEntry, Request
    from cc_tui.client.portal import PortalClient

# The key actions of this screen, in the order they are offered.
ACTION_KEYS: dict[Action, str] = {
    Action.SUBMIT: "s",
    Action.APPROVE: "a",
    Action.RETURN: "r",
    Action.REJECT: "x",
    Action.WITHDRAW: "w",
    Action.DISCARD: "d",
    Action.COMPLETE: "c",
}
CONFIRM_DETAIL: dict[Action, str] = {
    Action.SUBMIT: "A checker of the firm then approves, returns or rejects it.",
    Action.APPROVE: "It then goes on to its next stage; this cannot be undone.",
    Action.RETURN: "The maker gets it back to change, with your comment.",
    Action.REJECT: "Rejected is final: the request ends here, with your comment.",
    Action.WITHDRAW: "Withdrawn is final: to try again, make a new request.",
    Action.DISCARD: "Discarded is final: the draft is kept only in the audit trail.",
    Action.COMPLETE: "The request is then finished, as processed by the exchange.",
}
COMMENT_ACTIONS = frozenset({Action.RETURN, Action.REJECT})


def when(moment: datetime) -> str:
    """A moment as "Mon 23 Nov 10:05" (Hong Kong time)."""
    here = to_hkt(moment)
    return f"{format_day(here.date())} {here:%H:%M}"


def _binding(action: Action, description: str, tooltip: str) -> Binding:
    return Binding(
        ACTION_KEYS[action],
        f"take('{action.value}')",
        description,
        id=f"request.{action.value}",
        tooltip=tooltip,
    )


class RequestScreen(PortalScreen):
    """The request `ref`: read it, and act on it where the portal allows."""

    CSS_PATH = "request.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding(Action.APPROVE, "Approve", "Approve the request (you confirm with y)."),
        Binding(
            "r",
            "retry",
            "Retry",
            id="screen.retry",
            tooltip="Try the last call to the portal again.",
        ),
        _binding(Action.RETURN, "Return", "Return it to the maker with a comment."),
        _binding(Action.REJECT, "Reject", "Reject it for good, with a comment."),
        _binding(Action.SUBMIT, "Submit", "Submit it for checking (you confirm with y)."),
        _binding(Action.WITHDRAW, "Withdraw", "Take it back from the checker for good."),
        _binding(Action.DISCARD, "Discard", "Discard this draft for good."),
        _binding(Action.COMPLETE, "Complete", "Mark it processed by the exchange."),
        Binding(
            "e",
            "edit",
            "Edit",
            id="request.edit",
            tooltip="Change the fields (Draft or Returned, its maker only).",
        ),
        Binding(
            "u",
            "upload",
            "Attach file",
            id="request.upload",
            tooltip="Attach a supporting document (PDF, XLS or XLSX).",
        ),
        Binding(
            "p",
            "audit_pdf",
            "Audit PDF",
            id="request.audit_pdf",
            tooltip="Save the audit trail as a PDF in your downloads folder.",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="request.reload",
            tooltip="Load the request again from the portal.",
            show=False,
        ),
        Binding("escape", "back", "Back", id="request.back", tooltip="Go back."),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__(id="request")
        self.ref = ref
        self.request: Request | None = None
        self.audit: list[AuditEntry] = []
        self.title = ref
        self._pending: tuple[Action, str | None, str] | None = None
        self._stale = False

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(safe_content(flatten(self.ref)), id="request-title")
        yield Static("Loading…", id="request-summary")
        yield Static(id="request-comment")
        yield Static(id="request-actions")
        with TabbedContent(id="request-tabs"):
            with TabPane("Fields", id="tab-fields"):
                yield self._table("fields-table", ("Field", 24), ("Value", 48))
            with TabPane("Documents", id="tab-attachments"):
                yield AttachmentList(id="attachments")
            with TabPane("Comments", id="tab-comments"), VerticalScroll(id="comments-scroll"):
                yield Static(id="comments-text")
            with TabPane("Audit trail", id="tab-audit"):
                yield self._table(
                    "audit-table",
                    ("When", 16),
                    ("Who", 22),
                    ("Action", 8),
                    ("Status", 24),
                )
        yield Notice(id="notice")
        yield Footer()

    @staticmethod
    def _table(table_id: str, *columns: tuple[str, int]) -> DataTable[str | Content]:
        table: DataTable[str | Content] = DataTable(
            id=table_id, cursor_type="row", zebra_stripes=True
        )
        for label, width in columns:
            table.add_column(label, width=width)
        return table

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one("#request-comment", Static).display = False
        self.load()

    def reload_when_back(self) -> None:
        """Load the request again when this screen is shown next: call it before pushing
        a screen that may change the request (the form, the upload screen)."""
        self._stale = True

    def on_screen_resume(self) -> None:
        # Only after a screen that may have changed the request; a y/N or comment modal
        # closing must not start a load that could race the action it confirmed.
        if self._stale and self.request is not None:
            self._stale = False
            self.load()

    # Which keys work

    @property
    def allowed(self) -> list[Action]:
        return list(self.request.allowed_actions) if self.request is not None else []

    @property
    def editable(self) -> bool:
        """Its maker may change it now: the portal lets the maker discard or submit only
        a Draft or Returned request."""
        request, user = self.request, self.portal_app.user
        return (
            request is not None
            and user is not None
            and may_modify(user.user_id, request.maker, request.status)
        )

    @property
    def may_attach(self) -> bool:
        """This user may attach files to the request now (the upload screen's rule)."""
        user = self.portal_app.user
        return self.request is not None and can_attach(
            self.request, user.user_id if user is not None else None
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "take":
            if self._retry is not None:
                return False
            name = str(parameters[0]) if parameters else ""
            return any(allowed.value == name for allowed in self.allowed)
        if action == "edit":
            return self.editable
        if action == "upload":
            return self.may_attach
        if action == "audit_pdf":
            return self.request is not None
        return super().check_action(action, parameters)

    # Loading

    @work(exclusive=True, group="request-load", exit_on_error=False)
    async def load(self) -> None:

        async def both(portal: PortalClient) -> tuple[Request, list[AuditEntry]]:
            return await asyncio.gather(portal.get_request(self.ref), portal.audit(self.ref))

        def refused(error: PortalError) -> None:
            self.query_one("#request-summary", Static).update("")
            self.notice(error.message)

        found = await self.call_portal(both, retry=self.load, refused=refused)
        if found is FAILED:
            return
        self.show(*found)

    def show(self, request: Request, audit: list[AuditEntry]) -> None:
        self.request = request
        self.audit = audit
        self.query_one("#request-title", Static).update(
            safe_content(flatten(f"{request.ref} · {request.eservice} {request.eservice_name}"))
        )
        status = request.status
        self.query_one("#request-summary", Static).update(
            Content("\n").join(
                [
                    safe_content(
                        f"{status.symbol} {status.label} · maker {flatten(request.maker)} · "
                        f"{flatten(request.participant_id)} · updated {when(request.updated_at)} · "
                        f"version {request.version}"
                    ),
                    safe_content(flatten(request.title)),
                ]
            )
        )
        self._show_comment(request)
        self._show_actions()
        self._show_fields(request)
        self._show_attachments(request)
        self._show_comments(request)
        self._show_audit(audit)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-attachments").label = Content(f"Documents ({len(request.attachments)})")
        tabs.get_tab("tab-comments").label = Content(f"Comments ({len(request.comments)})")
        tabs.get_tab("tab-audit").label = Content(f"Audit trail ({len(audit)})")
        self.refresh_bindings()

    def _show_comment(self, request: Request) -> None:
        box = self.query_one("#request-comment", Static)
        latest = request.comments[-1] if request.comments else None
        show = latest is not None and request.status in (Status.RETURNED, Status.REJECTED)
        if latest is not None and show:
            done = {Action.RETURN: "Returned", Action.REJECT: "Rejected"}.get(
                latest.action, latest.action.label
            )
            box.update(
                safe_content(
                    f"{done} by {flatten(latest.user_id)} ({flatten(latest.role)}), "
                    f"{when(latest.at)}: {latest.text}",
                    multiline=True,
                )
            )
        box.display = show

    def _show_actions(self) -> None:
        offered = [f"{ACTION_KEYS[a]} {a.label}" for a in ACTION_KEYS if a in self.allowed]
        if self.editable:
            offered.append("e Edit")
        if self.may_attach:
            offered.append("u Attach file")
        line = self.query_one("#request-actions", Static)
        if offered:
            line.update(Content("You can: " + " · ".join(offered)))
        else:
            line.update(Content("Nothing for you to do on this request now."))

    def _show_fields(self, request: Request) -> None:
        table: DataTable[str | Content] = self.query_one("#fields-table", DataTable)
        table.clear()
        try:
            eservice = get_eservice(request.eservice)
        except UnknownEService:
            for name, value in request.fields.items():
                table.add_row(safe_content(flatten(name)), safe_content(str(value), multiline=True))
            return
        for form_field in eservice.fields:
            value = request.fields.get(form_field.name)
            table.add_row(
                Content(form_field.label),
                safe_content(format_value(form_field, value), multiline=True),
            )
            if form_field.type is FieldType.TABLE and isinstance(value, list):
                columns = form_field.columns or ()
                for number, row in enumerate(value, start=1):
                    if not isinstance(row, dict):
                        continue
                    cells = [format_value(column, row.get(column.name)) for column in columns]
                    table.add_row(
                        Content(f"  row {number}"), safe_content(flatten(" · ".join(cells)))
                    )

    def _show_attachments(self, request: Request) -> None:
        self.query_one(AttachmentList).show(request, editable=self.may_attach)

    def on_attachment_list_changed(self, event: AttachmentList.Changed) -> None:
        event.stop()
        self.load()

    def _show_comments(self, request: Request) -> None:
        text = self.query_one("#comments-text", Static)
        if not request.comments:
            text.update(Content("No comments."))
            return
        blocks = [
            f"{when(comment.at)} · {flatten(comment.user_id)} ({flatten(comment.role)}) · "
            f"{comment.action.label}\n  {comment.text}"
            for comment in request.comments
        ]
        text.update(safe_content("\n\n".join(blocks), multiline=True))

    def _show_audit(self, audit: list[AuditEntry]) -> None:
        table: DataTable[str | Content] = self.query_one("#audit-table", DataTable)
        table.clear()
        for entry in audit:
            source = entry.from_status.label if entry.from_status else "new"
            target = entry.to_status.label if entry.to_status else ""
            moved = source if source == target else f"{source} → {target}"
            table.add_row(
                when(entry.at),
                safe_content(flatten(f"{entry.user_id} ({entry.role})")),
                entry.action.label,
                Content(moved),
            )

    def notice(self, text: str, kind: NoticeKind = "error") -> None:
        self.query_one(Notice).show(text, kind)

    # Acting

    def action_take(self, name: str) -> None:
        action = Action(name)
        if action not in self.allowed or self.request is None:
            return
        if action in COMMENT_ACTIONS:
            who = "the maker" if self.request.status is Status.PENDING_CHECKER else "the firm"
            self.app.push_screen(
                CommentScreen(
                    f"{action.label} {self.ref}",
                    f"Your comment goes to {who} with the request. Say what to change or why.",
                ),
                lambda comment: self._commented(action, comment),
            )
            return
        self._confirm(action, None)

    def _commented(self, action: Action, comment: str | None) -> None:
        if comment is None:
            self.notice(f"Nothing was done: {self.ref} is unchanged.", "info")
            return
        self._confirm(action, comment)

    def _confirm(self, action: Action, comment: str | None) -> None:
        detail = CONFIRM_DETAIL[action]
        if comment:
            shown = comment if len(comment) <= 120 else comment[:119] + "…"
            detail = f"Comment: {shown}\n{detail}"
        self.app.push_screen(
            ConfirmScreen(f"{action.label} {self.ref}?", detail),
            lambda yes: self._confirmed(action, comment, bool(yes)),
        )

    def _confirmed(self, action: Action, comment: str | None, yes: bool) -> None:
        if not yes:
            self.notice(f"Nothing was done: {self.ref} is unchanged.", "info")
            return
        # One key from the moment of confirming: a retry after a dropped answer is the
        # same action to the portal, never a second one.
        self._pending = (action, comment, str(uuid.uuid4()))
        self.send_action()

    @work(exclusive=True, group="request-action", exit_on_error=False)
    async def send_action(self) -> None:
        if self._pending is None or self.request is None:
            return
        action, comment, key = self._pending
        version = self.request.version

        async def act(portal: PortalClient) -> tuple[Request, list[AuditEntry]]:
            result = await portal.act(self.ref, action, version, comment, idempotency_key=key)
            return result, await portal.audit(self.ref)

        def refused(error: PortalError) -> None:
            self._pending = None
            self.on_refused(error)

        done = await self.call_portal(act, retry=self.send_action, refused=refused)
        if done is FAILED:
            return
        result, audit = done
        self._pending = None
        self.show(result, audit)
        self.notice(
            f"{action.label}: {result.ref} is now {result.status.label.lower()}.", "success"
        )

    def on_refused(self, error: PortalError) -> None:
        """A 409 offers to reload; fields the portal names are listed with the words."""
        if error.status == 409:
            self.notice(error.message)
            self.app.push_screen(
                ConfirmScreen(
                    f"Someone else acted on {self.ref} first. Reload it?",
                    f"{error.detail} Reloading shows its status now and what you can do.",
                ),
                self._reload_answered,
            )
            return
        if error.errors:
            listed = " ".join(problem_text(problem) for problem in error.errors)
            hint = " Press e to correct the fields." if self.editable else ""
            self.notice(f"{error.message} {listed}{hint}")
            return
        self.notice(error.message)

    def _reload_answered(self, yes: bool | None) -> None:
        if yes:
            self.load()

    # Other keys

    def action_edit(self) -> None:
        from cc_tui.tui.screens.form import FormScreen

        if self.editable:
            self.reload_when_back()
            self.app.push_screen(FormScreen.edit(self.ref))

    def action_upload(self) -> None:
        if self.request is not None and self.may_attach:
            self.reload_when_back()
            self.app.push_screen(UploadScreen(self.request))

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_audit_pdf(self) -> None:
        self.download_audit()

    @work(exclusive=True, group="request-pdf", exit_on_error=False)
    async def download_audit(self) -> None:
        from cc_tui.tui.config import downloads_dir

        folder = downloads_dir()
        try:
            path = await self.call_portal(
                lambda portal: portal.download_audit_pdf(self.ref, folder),
                retry=self.download_audit,
                refused=lambda error: self.notice(error.message),
            )
        except OSError as error:
            self.notice(
                f"Could not save the PDF in {folder} ({error.strerror or error}). Check that "
                "the folder is writable, or set CC_TUI_DOWNLOADS_DIR to another one."
            )
            return
        if path is FAILED:
            return
        self.notice(f"Saved the audit trail of {self.ref} to {path}", "success")

    def palette_commands(self) -> list[PaletteCommand]:
        commands = [
            PaletteCommand(
                f"{action.label} {self.ref}",
                f"Key {ACTION_KEYS[action]}: {action.label.lower()} this request.",
                partial(self.action_take, action.value),
            )
            for action in self.allowed
            if action in ACTION_KEYS
        ]
        if self.may_attach:
            commands.append(
                PaletteCommand(
                    f"Attach a supporting document to {self.ref}",
                    "Key u: choose a PDF, XLS or XLSX file and upload it.",
                    self.action_upload,
                )
            )
        commands.append(
            PaletteCommand(
                f"Download the audit trail of {self.ref} (PDF)",
                "Save it in your downloads folder.",
                self.action_audit_pdf,
            )
        )
        return commands

    def reopen_after_login(self) -> Callable[[], Screen[Any]]:
        ref = self.ref
        return lambda: RequestScreen(ref)
