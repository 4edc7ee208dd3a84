"""A request in detail: summary, fields, supporting documents, comments, audit trail, and
exactly the actions the portal allows this user now.

    ECS00012345 · CT027 Change of Trading Limit
    … Pending checker · maker maker@harbour.example · B01234 · updated Mon 23 Nov 10:05
    You can: a Approve · r Return · x Reject · n Next request
    [1 Fields] [2 Documents (1)] [3 Comments (2)] [4 Audit trail (5) ✔]
    ┃ Changed since checker@harbour.example returned it on Mon 23 Nov 10:05:
    ┃ • New trading limit (HKD): 5,000,000.00 → 6,000,000.00
    ┃ Maker's reply: Raised to 6M as asked.
    Participant ID          B01234
    Remarks                 A long remark wraps here, to its last word,
                            at any width from 60 columns.

Design decisions:
- The actions offered are the request's `allowed_actions` from the portal, computed by
  the same rules it enforces; a key whose action is not allowed is disabled and hidden
  (`check_action`), and the line "You can: ..." lists the allowed ones in words.
- An action this user could take but not at this moment (`unavailable_actions`: the
  maintenance window, a business-day-only eService on another day) is shown greyed in
  the footer (`check_action` None) and in words under "You can:" ("Not now: a Approve ·
  r Return: Mon 30 Nov (business days only)"), never as a key that fails after `y`.
- "You can:" names the keys as bound now (the user's keymap), read from the live
  bindings, not the defaults written here.
- Fields (`widgets/request_fields.py`): every value whole and wrapped, tables as
  tables; `enter` on a field opens its value in a reader. A request back with its
  checker after a return starts with what changed since the return and the maker's
  reply (`review.changes_since_return`, from the audit's `changes`).
- Comments and the audit tab are `widgets/request_history.py`. The audit tab wraps each
  entry (who, what, status, comment or file, each field changed) and says whether the
  trail's hash chain verifies, naming the first altered entry if not
  (`GET /requests/{ref}/audit/verify`).
- The review loop: opened from a dashboard section, the screen knows the refs listed
  after it; after an action, `n` opens the next one (a checker clears a queue with
  `a`, `y`, `n`: three keys a request). `1`-`4` and `[`/`]` switch tabs.
- Keys: `a` approve, `r` return, `x` reject, `w` withdraw, `d` discard, `c` complete,
  `s` submit (a returned request first asks for an optional reply to the checker),
  `e` edit and `u` attach a file (Draft or Returned, its maker), `p` audit trail as PDF
  to the downloads folder, `y` copy the reference (OSC 52), `n` next request,
  `ctrl+r` reload, Esc back. `r` is also the
  banner's retry: retry is enabled only while the banner shows, and return only while it
  does not, so the one key never means two things at once.
- Every action confirms with y/N naming the reference ("Approve ECS00012345? y/N");
  return and reject first ask for the comment the maker will read (the questions are
  `screens/act.py`'s, for every screen that acts). Each action carries
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
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from cc_tui.client.errors import PortalError
from cc_tui.domain.forms.words import eservice_name
from cc_tui.domain.i18n import _
from cc_tui.domain.workflow import Action, may_modify
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.membership import membership_of, membership_title, other_memberships
from cc_tui.tui.review import (
    action_label,
    changes_since_return,
    copied_words,
    field_views,
    since_return_text,
    status_label,
    when,
)
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.act import ask_to_act, not_now_words, you_can_words
from cc_tui.tui.screens.base import FAILED, PortalScreen, say_nothing
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.request_keys import ACTION_KEYS, REQUEST_KEYS, TAB_WORDS, TABS
from cc_tui.tui.screens.upload import UploadScreen, can_attach
from cc_tui.tui.widgets.attachment_list import AttachmentList
from cc_tui.tui.widgets.form_field import problem_text
from cc_tui.tui.widgets.notice import Notice, NoticeKind, ServerBanner
from cc_tui.tui.widgets.request_fields import FieldList, FieldRow
from cc_tui.tui.widgets.request_history import AuditTrail, CommentList, sent_back_words

if TYPE_CHECKING:
    from cc_tui.api.requests import AuditEntry, AuditVerification, Request
    from cc_tui.client.portal import PortalClient

__all__ = ["ACTION_KEYS", "TABS", "RequestScreen", "copied_words", "when"]


class RequestScreen(PortalScreen):
    """The request `ref`: read it, and act on it where the portal allows.

    `queue`: the references listed with it (a dashboard section, in order); after an
    action `n` opens the one after `ref`."""

    # Belongs to one membership's request: closed when the user switches (tui/membership.py).
    MEMBERSHIP_BOUND = True
    CSS_PATH = "request.tcss"
    AUTO_FOCUS = "#fields-list"
    BINDINGS: ClassVar[list[BindingType]] = REQUEST_KEYS

    def __init__(self, ref: str, queue: list[str] | None = None) -> None:
        # No fixed id: `n` replaces this screen with the next request's before it is gone.
        super().__init__()
        self.ref = ref
        self.queue = list(queue or [])
        self.request: Request | None = None
        self.audit: list[AuditEntry] = []
        self.title = ref
        self._pending: tuple[Action, str | None, str] | None = None
        self._stale = False
        self._acted = False

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(safe_content(flatten(self.ref)), id="request-title")
        yield Static(_("Loading…"), id="request-summary")
        yield Static(id="request-comment")
        yield Static(id="request-actions")
        yield Static(id="request-unavailable")
        with TabbedContent(id="request-tabs"):
            with TabPane(f"1 {_(TAB_WORDS[0])}", id="tab-fields"):
                yield FieldList(id="fields-list")
            with TabPane(f"2 {_(TAB_WORDS[1])}", id="tab-attachments"):
                yield AttachmentList(id="attachments")
            with TabPane(f"3 {_(TAB_WORDS[2])}", id="tab-comments"):
                yield CommentList(id="comments-scroll")
            with TabPane(f"4 {_(TAB_WORDS[3])}", id="tab-audit"):
                yield AuditTrail(id="audit-scroll")
        yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one("#request-comment", Static).display = False
        self.query_one("#request-unavailable", Static).display = False
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
    def unavailable(self) -> list[Action]:
        if self.request is None:
            return []
        return [item.action for item in self.request.unavailable_actions]

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

    @property
    def next_ref(self) -> str | None:
        """The reference listed after this one, if it came from a list."""
        if self.ref not in self.queue:
            return None
        index = self.queue.index(self.ref)
        return self.queue[index + 1] if index + 1 < len(self.queue) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "take":
            if self._retry is not None:
                return False
            name = str(parameters[0]) if parameters else ""
            if any(allowed.value == name for allowed in self.allowed):
                return True
            # Greyed, with its reason under "You can:": could, but not now.
            return None if any(a.value == name for a in self.unavailable) else False
        if action == "edit":
            return self.editable
        if action == "upload":
            return self.may_attach
        if action == "audit_pdf":
            return self.request is not None
        if action == "next_request":
            return self.next_ref is not None
        return super().check_action(action, parameters)

    def key_of(self, binding_id: str) -> str | None:
        """The key bound now to the binding `binding_id` (the user's keymap applied)."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id:
                return self.app.get_key_display(active.binding)
        return None

    # Loading

    @work(exclusive=True, group="request-load", exit_on_error=False)
    async def load(self) -> None:
        answer = await self.call_portal(
            lambda portal: asyncio.gather(portal.get_request(self.ref), portal.audit(self.ref)),
            retry=self.load,
            refused=self._load_refused,
        )
        if answer is FAILED:
            return
        request, audit = answer
        self.show(request, audit)
        self.check_chain()

    def _load_refused(self, error: PortalError) -> None:
        self.query_one("#request-summary", Static).update("")
        self.notice(error.message)
        app = self.portal_app
        if error.status == 404 and other_memberships(app.user, app.participant_id):
            self.look_elsewhere()

    @work(exclusive=True, group="request-elsewhere", exit_on_error=False)
    async def look_elsewhere(self) -> None:
        """Unknown in the acting membership: a request of another of the user's (a notice
        or a reference from elsewhere named it) is opened there, saying so."""
        app = self.portal_app
        others = other_memberships(app.user, app.participant_id)
        found = await self.call_portal(
            lambda portal: portal.find_request(self.ref, others), refused=say_nothing
        )
        if found is FAILED or found is None:
            return
        membership = membership_of(app.user, found[0])
        if membership is None:
            return
        self.app.notify(
            _("{ref} belongs to {membership}, not {acting}: switching to it.").format(
                ref=self.ref, membership=membership_title(membership), acting=app.participant_id
            ),
            title=_("Membership"),
        )
        app.switch_membership(found[0], then_open=self.ref)

    @work(exclusive=True, group="request-verify", exit_on_error=False)
    async def check_chain(self) -> None:
        """Whether the audit trail verifies (said in the audit tab and its label)."""
        chain = await self.call_portal(
            lambda portal: portal.verify_audit(self.ref),
            unreachable=lambda error: self._show_chain(None, error.message),
            refused=lambda error: self._show_chain(None, error.message),
        )
        if chain is not FAILED:
            self._show_chain(chain)

    def show(self, request: Request, audit: list[AuditEntry]) -> None:
        self.request = request
        self.audit = audit
        self.query_one("#request-title", Static).update(
            safe_content(
                flatten(
                    f"{request.ref} · {request.eservice} "
                    + eservice_name(request.eservice, request.eservice_name)
                )
            )
        )
        status = request.status
        self.query_one("#request-summary", Static).update(
            Content("\n").join(
                [
                    safe_content(
                        f"{status.symbol} {status_label(status)} · "
                        + _("maker {maker}").format(maker=flatten(request.maker))
                        + f" · {flatten(request.participant_id)} · "
                        + _("updated {moment}").format(moment=when(request.updated_at))
                        + " · "
                        + _("version {version}").format(version=request.version)
                    ),
                    safe_content(flatten(request.title)),
                ]
            )
        )
        focused = self.focused
        take_focus = focused is None or not focused.is_attached or isinstance(focused, FieldList)
        self._show_comment(request)
        self._show_fields(request, audit, focus=take_focus)
        self._show_attachments(request)
        self._show_comments(request)
        self._show_audit(request, audit)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-attachments").label = Content(
            f"2 {_(TAB_WORDS[1])} ({len(request.attachments)})"
        )
        tabs.get_tab("tab-comments").label = Content(
            f"3 {_(TAB_WORDS[2])} ({len(request.comments)})"
        )
        self._label_audit_tab()
        self.refresh_bindings()
        self._show_actions()

    def _show_comment(self, request: Request) -> None:
        box = self.query_one("#request-comment", Static)
        words = sent_back_words(request)
        if words is not None:
            box.update(words)
        box.display = words is not None

    def _show_actions(self) -> None:
        """ "You can:" with the keys as bound now, and what is greyed and why."""
        offered = [
            (f"request.{a.value}", action_label(a)) for a in ACTION_KEYS if a in self.allowed
        ]
        for binding_id, words, show in (
            ("request.edit", _("Edit"), self.editable),
            ("request.upload", _("Attach file"), self.may_attach),
            ("request.next", _("Next request"), self.next_ref is not None),
        ):
            if show:
                offered.append((binding_id, words))
        self.query_one("#request-actions", Static).update(
            Content(you_can_words([self._keyed(*item) for item in offered]))
        )
        greyed = self.query_one("#request-unavailable", Static)
        items = self.request.unavailable_actions if self.request is not None else []
        greyed.display = bool(items)
        if items:
            named = [
                self._keyed(f"request.{i.action.value}", action_label(i.action)) for i in items
            ]
            greyed.update(safe_content(not_now_words(items, named)))
            greyed.tooltip = safe_content(items[0].detail, multiline=True)

    def _keyed(self, binding_id: str, words: str) -> str:
        """`a Approve`: the words after the key bound to them now, if any."""
        key = self.key_of(binding_id)
        return f"{key} {words}" if key else words

    def _show_fields(self, request: Request, audit: list[AuditEntry], *, focus: bool) -> None:
        since = changes_since_return(request, audit)
        text = since_return_text(request, since) if since is not None else None
        self.query_one(FieldList).show(field_views(request), text, focus=focus)

    def _show_attachments(self, request: Request) -> None:
        self.query_one(AttachmentList).show(request, editable=self.may_attach)

    def on_attachment_list_changed(self, event: AttachmentList.Changed) -> None:
        event.stop()
        self.load()

    def _show_comments(self, request: Request) -> None:
        self.query_one(CommentList).show(request)

    def _show_audit(self, request: Request, audit: list[AuditEntry]) -> None:
        self.query_one(AuditTrail).show(request, audit)

    @property
    def chain(self) -> AuditVerification | None:
        """The audit trail's chain check, once answered."""
        return self.query_one(AuditTrail).chain

    def _show_chain(self, chain: AuditVerification | None, problem: str | None = None) -> None:
        self.query_one(AuditTrail).show_chain(chain, problem)
        self._label_audit_tab()

    def _label_audit_tab(self) -> None:
        label = self.query_one(AuditTrail).label
        self.query_one(TabbedContent).get_tab("tab-audit").label = label

    def notice(self, text: str, kind: NoticeKind = "error") -> None:
        self.query_one(Notice).show(text, kind)

    # Tabs

    def action_tab(self, index: int) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == TABS[index]:
            self._focus_tab_content()
        tabs.active = TABS[index]

    def action_cycle_tab(self, step: int) -> None:
        current = self.query_one(TabbedContent).active
        index = TABS.index(current) if current in TABS else 0
        self.action_tab((index + step) % len(TABS))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # A tab chosen by click or key: the keys go to what it shows, and the field that
        # had the focus in the hidden pane does not pull its pane back to the front.
        event.stop()
        self._focus_tab_content()

    def _focus_tab_content(self) -> None:
        active = self.query_one(TabbedContent).active
        if active == "tab-fields":
            rows = self.query(FieldRow)
            if rows:
                rows.first().focus(scroll_visible=False)
                return
            self.query_one(FieldList).focus()
        elif active == "tab-attachments":
            self.query_one(AttachmentList).focus()
        elif active == "tab-comments":
            self.query_one("#comments-scroll").focus()
        else:
            self.query_one("#audit-scroll").focus()

    # Acting

    def action_take(self, name: str) -> None:
        action = Action(name)
        if action not in self.allowed or self.request is None:
            return
        ask_to_act(
            self.app,
            action,
            self.request,
            decided=partial(self._confirmed, action),
            cancelled=lambda: self.notice(
                _("Nothing was done: {ref} is unchanged.").format(ref=self.ref), "info"
            ),
        )

    def _confirmed(self, action: Action, comment: str | None) -> None:
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

        async def act_and_read(portal: PortalClient) -> tuple[Request, list[AuditEntry]]:
            result = await portal.act(self.ref, action, version, comment, idempotency_key=key)
            return result, await portal.audit(self.ref)

        answer = await self.call_portal(
            act_and_read,
            retry=self.send_action,
            refused=lambda error: self._refused(action, error),
        )
        if answer is FAILED:
            return
        result, audit = answer
        self._pending = None
        self._acted = True
        self.show(result, audit)
        self.check_chain()
        message = _("{action}: {ref} is now {status}.").format(
            action=action_label(action), ref=result.ref, status=status_label(result.status).lower()
        )
        following = self.next_ref
        if following is not None:
            key = self.key_of("request.next") or "n"
            left = len(self.queue) - self.queue.index(following)
            message += " " + _("{key}: next request, {ref} ({left} left in the list).").format(
                key=key, ref=following, left=left
            )
        self.notice(message, "success")

    def _refused(self, action: Action, error: PortalError) -> None:
        self._pending = None
        if error.status == 409 and error.code != "business_day_only":
            self.notice(error.message)
            self.app.push_screen(
                ConfirmScreen(
                    _("Someone else acted on {ref} first. Reload it?").format(ref=self.ref),
                    error.detail + " " + _("Reloading shows its status now and what you can do."),
                ),
                self._reload_answered,
            )
            return
        if error.errors:
            listed = " ".join(problem_text(problem) for problem in error.errors)
            hint = " " + _("Press e to correct the fields.") if self.editable else ""
            self.notice(f"{error.message} {listed}{hint}")
            return
        self.notice(error.message)

    def _reload_answered(self, yes: bool | None) -> None:
        if yes:
            self.load()

    # Other keys

    def action_next_request(self) -> None:
        following = self.next_ref
        if following is not None:
            self.app.switch_screen(RequestScreen(following, self.queue))

    def action_copy_ref(self) -> None:
        self.app.copy_to_clipboard(self.ref)
        self.notice(copied_words(self.ref), "info")

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
        self.query_one(Notice).clear_problem()  # it was about the request read again
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_audit_pdf(self) -> None:
        self.download_audit()

    @work(exclusive=True, group="request-pdf", exit_on_error=False)
    async def download_audit(self) -> None:
        from cc_tui.tui.downloads import Destination

        destination = Destination(self.app)
        try:
            path = await self.call_portal(
                lambda portal: portal.download_audit_pdf(self.ref, destination.folder),
                retry=self.download_audit,
                refused=lambda error: self.notice(error.message),
            )
        except OSError as error:
            self.notice(destination.cannot_save("the PDF", error))
            return
        if path is FAILED:
            return
        self.notice(
            _("Saved the audit trail of {ref} to {path}").format(
                ref=self.ref, path=destination.hand_over(path)
            ),
            "success",
        )

    def palette_commands(self) -> list[PaletteCommand]:
        commands = [
            PaletteCommand(
                f"{action_label(action)} {self.ref}",
                _("Key {key}: {action} this request.").format(
                    key=ACTION_KEYS[action], action=action_label(action).lower()
                ),
                partial(self.action_take, action.value),
            )
            for action in self.allowed
            if action in ACTION_KEYS
        ]
        if self.may_attach:
            commands.append(
                PaletteCommand(
                    _("Attach a supporting document to {ref}").format(ref=self.ref),
                    _("Key u: choose a PDF, XLS or XLSX file and upload it."),
                    self.action_upload,
                )
            )
        commands.append(
            PaletteCommand(
                _("Download the audit trail of {ref} (PDF)").format(ref=self.ref),
                _("Save it in your downloads folder."),
                self.action_audit_pdf,
            )
        )
        commands.append(
            PaletteCommand(
                _("Copy the reference {ref}").format(ref=self.ref),
                _("Key y: send it to your terminal's clipboard (OSC 52)."),
                self.action_copy_ref,
            )
        )
        return commands

    def reopen_after_login(self) -> Callable[[], Screen[Any]] | None:
        ref, queue = self.ref, self.queue
        return lambda: RequestScreen(ref, queue)
