"""A request's history as the request screen shows it: its comments, the comment that
sent it back (returned, rejected), and its audit trail with whether the trail's hash
chain verifies.

Display only: the screen loads the request, its audit and the chain check, and hands
them over (`show`, `show_chain`). Every value from the portal goes through
`safe_content`. The ids (`#comments-text`, `#audit-chain`, `#audit-text`) are the ones
request.tcss and the tests use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from cc_tui.domain.i18n import _, ngettext
from cc_tui.domain.workflow import Action, Status
from cc_tui.tui.review import action_label, audit_entry_text, when
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.widgets.list_keys import TextScroll

if TYPE_CHECKING:
    from cc_tui.api.requests import AuditEntry, AuditVerification, Request


def sent_back_words(request: Request) -> Content | None:
    """The comment a returned or rejected request was sent back with, and by whom; None
    when the request is in another state or has no comment."""
    latest = request.comments[-1] if request.comments else None
    if latest is None or request.status not in (Status.RETURNED, Status.REJECTED):
        return None
    words = {
        Action.RETURN: _("Returned by {who} ({role}), {moment}: {comment}"),
        Action.REJECT: _("Rejected by {who} ({role}), {moment}: {comment}"),
    }.get(
        latest.action,
        f"{action_label(latest.action)} · {{who}} ({{role}}), {{moment}}: {{comment}}",
    )
    return safe_content(
        words.format(
            who=flatten(latest.user_id),
            role=flatten(latest.role),
            moment=when(latest.at),
            comment=latest.text,
        ),
        multiline=True,
    )


class CommentList(TextScroll):
    """Every comment on the request, oldest first."""

    def compose(self) -> ComposeResult:
        yield Static(id="comments-text")

    def show(self, request: Request) -> None:
        text = self.query_one("#comments-text", Static)
        if not request.comments:
            text.update(Content(_("No comments.")))
            return
        blocks = [
            f"{when(comment.at)} · {flatten(comment.user_id)} ({flatten(comment.role)}) · "
            f"{action_label(comment.action)}\n  {comment.text}"
            for comment in request.comments
        ]
        text.update(safe_content("\n\n".join(blocks), multiline=True))


class AuditTrail(TextScroll):
    """The audit entries, each wrapped, under a line saying whether the hash chain
    verifies (naming the first altered entry if not)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.audit: list[AuditEntry] = []
        self.chain: AuditVerification | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="audit-chain")
        yield Static(id="audit-text")

    @property
    def label(self) -> Content:
        """The tab's label: the count of entries, and ✔ or ✘ once the chain is checked."""
        mark = ""
        if self.chain is not None:
            mark = " ✔" if self.chain.intact else " ✘ " + _("altered")
        return Content(f"4 {_('Audit trail')} ({len(self.audit)}){mark}")

    def show(self, request: Request, audit: list[AuditEntry]) -> None:
        self.audit = audit
        blocks = [
            audit_entry_text(request.eservice, entry, number)
            for number, entry in enumerate(audit, start=1)
        ]
        self.query_one("#audit-text", Static).update(
            safe_content(
                "\n".join(blocks) if blocks else _("No actions recorded yet."), multiline=True
            )
        )

    def show_chain(self, chain: AuditVerification | None, problem: str | None = None) -> None:
        """The chain check's answer, or None with the `problem` that kept it from one."""
        self.chain = chain
        line = self.query_one("#audit-chain", Static)
        line.set_class(chain is not None and not chain.intact, "-altered")
        if chain is None:
            line.update(
                safe_content(
                    "? "
                    + _("Integrity not checked: {problem}").format(
                        problem=problem or _("no answer")
                    )
                )
            )
        elif chain.intact:
            head = (chain.head or "")[:16]
            line.update(
                safe_content(
                    "✔ "
                    + _(
                        "Verified: the {count} entries are as written (hash chain head {head}…)."
                    ).format(count=chain.entries, head=head)
                )
            )
        else:
            line.update(
                safe_content("✘ " + _("ALTERED: {what}").format(what=self._altered_words(chain)))
            )

    def _altered_words(self, chain: AuditVerification) -> str:
        position = chain.broken_at or 0
        recorded = chain.recorded_entries
        if recorded is not None and chain.entries < recorded:
            missing = recorded - chain.entries
            return ngettext(
                "{missing} entry missing at the end: the request records {recorded}, the trail "
                "holds {held}; the latest were removed from the portal's database. Do not rely "
                "on this trail; report it to the exchange.",
                "{missing} entries missing at the end: the request records {recorded}, the "
                "trail holds {held}; the latest were removed from the portal's database. Do "
                "not rely on this trail; report it to the exchange.",
                missing,
            ).format(missing=missing, recorded=recorded, held=chain.entries)
        named = _("entry {position}").format(position=position)
        if 1 <= position <= len(self.audit):
            entry = self.audit[position - 1]
            named += " " + _("({moment} {action} by {who})").format(
                moment=when(entry.at), action=action_label(entry.action), who=flatten(entry.user_id)
            )
        return _(
            "{named} does not match what was written: it was changed, or an entry before it "
            "was removed or inserted, in the portal's database. Do not rely on this trail; "
            "report it to the exchange."
        ).format(named=named)
