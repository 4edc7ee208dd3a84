"""The form: fill an eService's fields, save a draft, submit it for checking.

What a person sees: one field a row (label, input, help, the error in place), values
auto-filled from the membership's profile tagged "auto", and above them the checker's
comment when the request came back Returned.

Design decisions:
- The fields come from the domain's definition of the eService (`domain/forms`), and the
  checks are the domain's own `validate_form`, the very code the server runs; a field is
  checked when the focus leaves it (only the issues that land on that field are shown,
  cross-field rules included). "Today" is the portal's date (`/service/status`), not
  this computer's, so date rules agree with the server's.
- Nothing typed is lost: a change writes the whole form to the local draft file
  (`tui/drafts.py`) within half a second, in a worker thread, and at once (synced) before
  leaving or calling the portal; the file goes only when the portal has accepted exactly
  those values. A crash or kill: the catalogue lists the draft (a new request) or opening the
  request restores it. An expired session: the draft is written, the app logs in again
  and reopens this form from the draft (`PortalApp.session_expired(reopen=...)`).
- `ctrl+d` saves to the portal: the first save creates the request (its Idempotency-Key
  kept in the draft file, so a retry, even after a crash, creates nothing twice) and
  later saves PATCH with the version seen. Leaving (Escape) saves too. A 409 means
  someone else changed the request: the screen offers to reload, and a reload moves the
  typed values aside into a file it names, never deleting them.
- `ctrl+g` submits (ctrl+s and ctrl+enter are swallowed by terminals): the whole form is
  checked locally first; then saved, asked (`act.ask_to_submit`: a Returned request's
  optional reply to the checker, then y/N naming the reference), and sent.
  Every error the portal returns is shown against its field; typed values stay.
- `ctrl+t` attaches a supporting document to a request that has a reference (the upload
  screen; the request screen's `u`, which a text field would take as a letter): unsent
  changes are saved first, as on leaving, so the file goes with what is on screen.
- Keys that must work from inside an input (`ctrl+d` is the input's delete-right) are
  priority bindings.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from cc_tui.client.errors import PortalError, SessionExpired
from cc_tui.domain.calendar import to_hkt
from cc_tui.domain.forms import EService, UnknownEService, request_title, validate_form
from cc_tui.domain.i18n import _, e_, ngettext
from cc_tui.domain.workflow import Action
from cc_tui.tui.drafts import Draft, DraftError, DraftStore, DraftWriter, drafts_root
from cc_tui.tui.review import status_label
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.act import ask_to_reload, ask_to_submit
from cc_tui.tui.screens.base import FAILED, PortalScreen
from cc_tui.tui.screens.form_open import (
    Keeper,
    Opening,
    open_new,
    open_request,
    returned_comment,
    state_words,
)
from cc_tui.tui.screens.upload import UploadScreen, can_attach
from cc_tui.tui.widgets.form_field import (
    FieldValue,
    FormFieldRow,
    Problem,
    field_of,
    field_rows,
    place_problems,
    wire_value,
)
from cc_tui.tui.widgets.notice import Notice, NoticeKind, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.requests import Attachment, Request
    from cc_tui.client.portal import PortalClient


class FormScreen(PortalScreen):
    """A new request of an eService, or an existing Draft or Returned one."""

    # Belongs to one membership's request: closed when the user switches (tui/membership.py).
    MEMBERSHIP_BOUND = True
    CSS_PATH: ClassVar[list[str | PurePath]] = ["form.tcss", "../widgets/form_field.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+d",
            "save",
            "Save draft",
            id="form.save",
            tooltip="Save the form to the portal as a draft (the first save gives it a reference).",
            priority=True,
        ),
        Binding(
            "ctrl+g",
            "submit",
            "Submit",
            id="form.submit",
            tooltip="Check every field, save, and submit for checking (you confirm with y).",
            priority=True,
        ),
        Binding(
            "ctrl+t",
            "upload",
            "Attach file",
            id="form.upload",
            tooltip="Save, then attach a supporting document (PDF, XLS or XLSX) to this request.",
            priority=True,
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="form.reload",
            tooltip="Load the request again from the portal; typed values are set aside in a file.",
        ),
        Binding(
            "escape",
            "leave",
            "Back",
            id="form.back",
            tooltip="Save to the portal (if anything changed) and go back.",
        ),
    ]

    def __init__(
        self,
        eservice: str | None = None,
        *,
        ref: str | None = None,
        draft: Draft | None = None,
    ) -> None:
        super().__init__(id="form")
        self.eservice_code = eservice or (draft.eservice if draft else None)
        self.ref = ref or (draft.ref if draft else None)
        self.draft: Draft | None = draft
        self.eservice: EService | None = None
        self.request: Request | None = None
        self.today: date | None = None
        self.editable = False
        self.loaded = False
        self._autofill: dict[str, FieldValue] = {}
        self._unsent = False
        self._saving = asyncio.Lock()
        self._submit_key: str | None = None
        # The reply to the checker typed when submitting a returned request, kept until
        # it is sent (a cancelled or failed submit offers it again).
        self._reply = ""
        self._leave_anyway = False
        self._draft_problem_shown = False
        self._writer: DraftWriter | None = None
        self._last_notice = ""
        self._state_text = ""
        self.title = _("Request") if self.ref else _("New request")

    # Ways in

    @classmethod
    def new(cls, eservice: str) -> FormScreen:
        """A blank form of `eservice`, auto-filled."""
        return cls(eservice)

    @classmethod
    def edit(cls, ref: str) -> FormScreen:
        """An existing request (restoring unsent changes kept on this computer)."""
        return cls(ref=ref)

    @classmethod
    def restore(cls, draft: Draft) -> FormScreen:
        """Carry on with a draft kept on this computer."""
        return cls(draft=draft)

    # Layout

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(safe_content(flatten(self._heading())), id="form-title")
        yield Static(id="form-state")
        yield Static(id="form-returned")
        yield VerticalScroll(id="form-fields")
        yield Notice(id="notice")
        yield Footer()

    def _heading(self) -> str:
        eservice = self.eservice
        name = f"{eservice.code} {e_(eservice.name)}" if eservice else (self.eservice_code or "")
        return f"{self.ref or _('New request')} · {name}".strip(" ·")

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one("#form-returned", Static).display = False
        self._show_state(_("Loading the form…"))
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "submit"):
            return self.loaded and self.editable
        if action == "reload":
            return self.loaded and self.draft is not None and self.draft.ref is not None
        if action == "upload":
            return self.may_attach
        return super().check_action(action, parameters)

    @property
    def may_attach(self) -> bool:
        """Files may be attached now: the request has a reference and the upload
        screen's rule (`can_attach`: its maker, Draft or Returned) allows it."""
        user = self.portal_app.user
        return (
            self.loaded
            and self.editable
            and self.ref is not None
            and self.request is not None
            and can_attach(self.request, user.user_id if user is not None else None)
        )

    @property
    def store(self) -> DraftStore:
        return DraftStore(drafts_root(self.portal_app.state_dir))

    @property
    def rows(self) -> list[FormFieldRow]:
        return list(self.query(FormFieldRow))

    def row(self, name: str) -> FormFieldRow:
        return self.query_one(f"#field-{name}", FormFieldRow)

    def notice(self, text: str, kind: NoticeKind = "error") -> None:
        self._last_notice = text
        self.query_one(Notice).show(text, kind)

    # Loading

    @work(exclusive=True, group="form-load", exit_on_error=False)
    async def load(self) -> None:
        app = self.portal_app
        if app.user is None:
            return

        async def load(portal: PortalClient) -> None:
            status = await portal.service_status()
            self.today = to_hkt(status.now).date()
            if self.ref is not None:
                await self._load_request(portal, self.ref)
            else:
                await self._load_new(portal)

        def refused(error: PortalError) -> None:
            self._show_state("")
            self.notice(error.message)

        try:
            await self.call_portal(load, retry=self.load, refused=refused)
        except UnknownEService as unknown:
            self._show_state("")
            self.notice(
                unknown.message
                + " "
                + _(
                    "This version of cc-tui does not know that form; update cc-tui to fill it "
                    "in here."
                )
            )

    @property
    def keeper(self) -> Keeper:
        app = self.portal_app
        assert app.user is not None
        return Keeper(app.portal_key, app.user.user_id, app.participant_id)

    async def _load_new(self, portal: PortalClient) -> None:
        assert self.eservice_code is not None
        await self._open(await open_new(portal, self.keeper, self.eservice_code, self.draft))

    async def _load_request(self, portal: PortalClient, ref: str) -> None:
        keeper = self.keeper
        request = await portal.get_request(ref)
        local = self.draft or self.store.load(keeper.portal_key, keeper.user_id, ref)
        opening = open_request(request, keeper, local, self.writer.set_aside)
        await self._open(opening)
        comment = returned_comment(request)
        box = self.query_one("#form-returned", Static)
        box.update(safe_content(comment or "", multiline=True))
        box.display = comment is not None

    async def _open(self, opening: Opening) -> None:
        """Show what the form opens with (`form_open.py`)."""
        if opening.request is not None:
            self.request = opening.request
        self.draft = opening.draft
        self.editable = opening.editable
        self._unsent = opening.unsent
        self._autofill = opening.autofill
        await self._build(opening.eservice, opening.values)
        if opening.message:
            self.notice(opening.message, opening.kind)

    async def _build(self, eservice: EService, values: Mapping[str, Any]) -> None:
        self.eservice = eservice
        self.eservice_code = eservice.code
        self.query_one("#form-title", Static).update(safe_content(flatten(self._heading())))
        container = self.query_one("#form-fields", VerticalScroll)
        await container.remove_children()
        rows = field_rows(eservice, values, auto=self._autofill, editable=self.editable)
        await container.mount_all(rows)
        self.loaded = True
        self._show_state()
        self.refresh_bindings()
        if rows and self.editable:
            first = next((row for row in rows if not row.auto), rows[0])
            first.focus_input()

    # State line

    def _show_state(self, text: str | None = None) -> None:
        state = self.query_one("#form-state", Static)
        if text is None:
            text = state_words(
                self.request, self.draft, editable=self.editable, unsent=self._unsent
            )
        self._set_state(state, text)

    def _set_state(self, state: Static, text: str) -> None:
        # Only when it changes: an update lays the screen out again, too slow per key.
        if text != self._state_text:
            self._state_text = text
            state.update(safe_content(flatten(text)))

    # Typing

    def collect(self) -> dict[str, FieldValue]:
        """The form's values as typed."""
        return {row.form_field.name: row.value for row in self.rows}

    def wire_values(self, values: Mapping[str, FieldValue] | None = None) -> dict[str, object]:
        """The values as the portal takes them (blank fields as null)."""
        assert self.eservice is not None
        typed = self.collect() if values is None else values
        return {
            form_field.name: wire_value(form_field, typed.get(form_field.name, ""))
            for form_field in self.eservice.fields
        }

    @on(FormFieldRow.Changed)
    def _changed(self, event: FormFieldRow.Changed) -> None:
        event.stop()
        if not self.loaded or self.draft is None or self.eservice is None:
            return
        row = event.row
        name = row.form_field.name
        if name in self._autofill and (row.value == self._autofill[name]) != row.auto:
            row.set_auto(not row.auto)
        values = self.collect()
        self.draft.values = dict(values)
        self.draft.autofilled = [n for n in self._autofill if self.row(n).auto]
        self.draft.title = request_title(self.eservice, self.wire_values(values))
        self._unsent = True
        self._leave_anyway = False
        self._write_draft()
        self._show_state()

    def kept_on_switch(self) -> str | None:
        """What a membership switch that closes this form keeps in its draft, in words
        (None: nothing typed); the draft names its membership (tui/membership.py)."""
        if self.draft is None or not self._unsent:
            return None
        return self.draft.ref or _("the new {code} form").format(code=self.draft.eservice)

    def _write_draft(self, durable: bool = False) -> None:
        """Keep what is typed: within half a second, off the event loop (drafts.py's
        DraftWriter); `durable` writes and syncs it now, before a moment that matters."""
        if self.draft is None or not self._unsent:
            return
        if not durable:
            self.writer.changed(self.draft)
            return
        try:
            self.writer.flush(self.draft, durable=True)
        except DraftError as error:
            self._draft_problem(error)

    def _draft_problem(self, error: DraftError) -> None:
        if not self._draft_problem_shown:
            self._draft_problem_shown = True
            self.notice(str(error))

    @property
    def writer(self) -> DraftWriter:
        if self._writer is None:
            self._writer = DraftWriter(self.store, on_error=self._draft_problem)
        return self._writer

    def on_unmount(self) -> None:
        """Closing (or the app ending): what waits for the timer is written now."""
        if self._writer is not None and self._writer.pending and self.draft is not None:
            with contextlib.suppress(DraftError):
                self._writer.flush(self.draft)

    @on(FormFieldRow.Left)
    def _left(self, event: FormFieldRow.Left) -> None:
        event.stop()
        # Leaving the screen blurs a field too: check only on the screen in use.
        if self.loaded and self.editable and self.is_current:
            self.check_field(event.row)

    def check_field(self, row: FormFieldRow) -> None:
        """Show the issues (the domain's own checks) that land on `row`'s field."""
        if self.eservice is None or self.today is None:
            return
        name = row.form_field.name
        issues = [
            issue
            for issue in validate_form(self.eservice, self.wire_values(), self.today)
            if field_of(issue.field) == name
        ]
        row.show_issues(row.issues_in_view(issues))

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Put every problem against its field (clearing the rest); the others in the
        notice. Focus goes to the first field with a problem."""
        first, elsewhere = place_problems(self.rows, problems)
        if first is not None:
            first.focus_input()
            self.query_one("#form-fields", VerticalScroll).scroll_to_widget(first)
        if elsewhere:
            self.notice(" ".join(elsewhere))

    # Saving

    def action_save(self) -> None:
        self.save_draft()

    @work(group="form-save", exit_on_error=False)
    async def save_draft(self) -> None:
        request = await self._save(force=True)
        if request is not None:
            self.notice(
                _("Saved {ref} as a draft (version {version}).").format(
                    ref=request.ref, version=request.version
                ),
                "success",
            )

    async def _save(self, *, force: bool = False) -> Request | None:
        """Send the form to the portal (create or PATCH); the Request, or None when it did
        not happen (the reason is on screen)."""
        async with self._saving:
            return await self._save_now(force)

    async def _save_now(self, force: bool) -> Request | None:
        draft, eservice = self.draft, self.eservice
        assert draft is not None and eservice is not None
        if not force and not self._unsent and draft.ref is not None:
            return self.request
        values = self.collect()
        wire = self.wire_values(values)
        self._write_draft(durable=True)

        async def send(portal: PortalClient) -> Request:
            if draft.ref is None:
                # An empty field is left out, but an auto-filled one the maker cleared
                # is sent empty: the portal auto-fills what is missing on creation, and
                # a cleared field must stay cleared.
                sent = {k: v for k, v in wire.items() if v not in (None, []) or k in self._autofill}
                request = await portal.create_request(
                    eservice.code, sent, idempotency_key=draft.create_key
                )
                self.writer.assign_ref(draft, request.ref, request.version)
                self.ref = request.ref
                return request
            assert draft.base_version is not None
            return await portal.update_request(draft.ref, draft.base_version, wire)

        request = await self.call_portal(send, retry=self.save_draft)
        if request is FAILED:
            return None
        self.request = request
        draft.base_version = request.version
        draft.ref = request.ref
        if self.collect() == values:
            self.writer.remove(draft)
            self._unsent = False
        else:
            self._write_draft()
        self.query_one("#form-title", Static).update(safe_content(flatten(self._heading())))
        self._show_state()
        self.refresh_bindings()
        return request

    # Attaching

    def action_upload(self) -> None:
        if self.may_attach:
            self.open_upload()

    @work(exclusive=True, group="form-upload", exit_on_error=False)
    async def open_upload(self) -> None:
        """Save what is unsent (the reason is on screen if that fails), then choose a file."""
        request = await self._save()
        if request is None or not self.is_current:
            return
        self.app.push_screen(UploadScreen(request), self._attached)

    def _attached(self, attachment: Attachment | None) -> None:
        request = self.request
        if attachment is None or request is None:
            return
        # The request's version is unchanged by an attachment; keep its list current so
        # the next upload from here offers the next free name.
        self.request = request.model_copy(
            update={"attachments": [*request.attachments, attachment]}
        )
        count = len(self.request.attachments)
        self.notice(
            ngettext(
                "Attached {name} to {ref} ({count} supporting document).",
                "Attached {name} to {ref} ({count} supporting documents).",
                count,
            ).format(name=attachment.name, ref=request.ref, count=count),
            "success",
        )

    # Leaving

    def action_leave(self) -> None:
        if not self.loaded or not self.editable or not self._unsent or self._leave_anyway:
            self._write_draft(durable=True)
            self.dismiss()
            return
        self.leave()

    @work(exclusive=True, group="form-leave", exit_on_error=False)
    async def leave(self) -> None:
        request = await self._save()
        if request is not None:
            self.app.notify(_("Saved {ref} as a draft.").format(ref=request.ref), title=_("Saved"))
            self.dismiss()
            return
        if self.is_current:
            self._leave_anyway = True
            self.notice(
                self._last_notice
                + " "
                + _("Press Esc again to go back anyway: your typed values stay on this computer.")
            )

    # Submitting

    def action_submit(self) -> None:
        if self.eservice is None or self.today is None:
            return
        issues = validate_form(self.eservice, self.wire_values(), self.today)
        if issues:
            self.show_problems(issues)
            count = len(issues)
            self.notice(
                ngettext(
                    "{count} problem to fix before submitting: see the fields marked ✗. "
                    "Nothing was sent.",
                    "{count} problems to fix before submitting: see the fields marked ✗. "
                    "Nothing was sent.",
                    count,
                ).format(count=count)
            )
            return
        self.prepare_submit()

    @work(exclusive=True, group="form-submit", exit_on_error=False)
    async def prepare_submit(self) -> None:
        request = await self._save()
        if request is not None:
            ask_to_submit(self.app, request, self._reply, self._submitting, self._not_submitted)

    def _submitting(self, reply: str) -> None:
        self._reply = reply
        self._submit_key = str(uuid.uuid4())
        self.send_submit()

    def _not_submitted(self, words: str, reply: str) -> None:
        self._reply = reply
        self.notice(words, "info")

    @work(exclusive=True, group="form-submit", exit_on_error=False)
    async def send_submit(self) -> None:
        draft, request = self.draft, self.request
        assert draft is not None and request is not None and draft.ref is not None
        ref = draft.ref
        submitted = await self.call_portal(
            lambda portal: portal.act(
                ref,
                Action.SUBMIT,
                request.version,
                self._reply or None,
                idempotency_key=self._submit_key,
            ),
            retry=self.send_submit,
        )
        if submitted is FAILED:
            return
        self.writer.remove(draft)
        self._unsent = False
        self._reply = ""
        self.app.notify(
            _("Submitted {ref}: {status}.").format(
                ref=submitted.ref, status=status_label(submitted.status).lower()
            ),
            title=_("Submitted"),
        )
        self._show_submitted(submitted.ref)

    def _show_submitted(self, ref: str) -> None:
        from cc_tui.tui.screens.request import RequestScreen

        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        if isinstance(below, RequestScreen) and below.ref == ref:
            self.dismiss()
        else:
            self.app.switch_screen(RequestScreen(ref))

    # Reloading

    def _offer_reload(self, error: PortalError) -> None:
        ref = (self.draft.ref if self.draft else None) or self.ref or ""
        self.notice(error.message + " " + _("Your typed values are kept on this computer."))
        ask_to_reload(self.app, ref, error, self.reload, self.notice)

    def action_reload(self) -> None:
        if self._unsent and self.ref is not None:
            ask_to_reload(self.app, self.ref, None, self.reload, self.notice)
        else:
            self.reload()

    @work(exclusive=True, group="form-load", exit_on_error=False)
    async def reload(self) -> None:
        draft = self.draft
        kept = None
        if draft is not None and self._unsent and draft.ref is not None:
            kept = self.writer.set_aside(draft)
        self.draft = None
        self._unsent = False
        self._leave_anyway = False
        self.loaded = False
        ref = self.ref
        assert ref is not None
        reloaded = await self.call_portal(
            lambda portal: self._load_request(portal, ref),
            retry=self.reload,
            refused=lambda error: self.notice(error.message),
        )
        if reloaded is FAILED:
            return
        if kept is not None:
            self.notice(
                _("Reloaded {ref}. Your typed values are kept in {kept}.").format(
                    ref=self.ref, kept=kept
                ),
                "info",
            )
        else:
            self.notice(_("Reloaded {ref}.").format(ref=self.ref), "info")

    # The session

    def on_session_expired(self, error: SessionExpired) -> None:
        """Keep everything typed, log in again, and come back to this form."""
        self._write_draft(durable=True)
        super().on_session_expired(error)

    def reopen_after_login(self) -> Callable[[], Screen[Any]] | None:
        draft, ref, code = self.draft, self.ref, self.eservice_code
        if draft is not None and self._unsent:
            return lambda: FormScreen.restore(draft)
        if ref is not None:
            return lambda: FormScreen.edit(ref)
        if code is not None:
            return lambda: FormScreen.new(code)
        return None

    def on_refused(self, error: PortalError) -> None:
        """A stale version offers a reload; otherwise the fields named and the words."""
        if error.status == 409:
            self._offer_reload(error)
            return
        if error.errors:
            self.show_problems(error.errors)
        self.notice(error.message)
