"""The questions asked before acting on a request, in one place for every screen that
acts: the comment the maker or firm will read (return, reject), an optional reply to
the checker (submitting a returned request again), then y/N naming the reference and
what the action leads to ("Approve ECS00012345? y/N").

`you_can_words` and `not_now_words` say what a user can do on a request now, and what
not now and why. `ask_to_act` only asks: the caller sends the action (with one
Idempotency-Key from the moment of the y) in `decided`, and says that nothing was done
in `cancelled`. `ask_to_submit` is the form's own submit (`screens/form.py`): its reply
to the checker is offered again after a cancelled or failed submit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cc_tui.domain.i18n import N_, _
from cc_tui.domain.workflow import Action, Status
from cc_tui.tui.review import action_label, reason_words
from cc_tui.tui.screens.comment import CommentScreen, reply_editor
from cc_tui.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from textual.app import App

    from cc_tui.api.requests import Request, UnavailableAction
    from cc_tui.client.errors import PortalError

# Marked with N_() and shown through _() (the reader's language).
CONFIRM_DETAIL: dict[Action, str] = {
    Action.SUBMIT: N_("A checker of the firm then approves, returns or rejects it."),
    Action.APPROVE: N_("It then goes on to its next stage; this cannot be undone."),
    Action.RETURN: N_("The maker gets it back to change, with your comment."),
    Action.REJECT: N_("Rejected is final: the request ends here, with your comment."),
    Action.WITHDRAW: N_("Withdrawn is final: to try again, make a new request."),
    Action.DISCARD: N_("Discarded is final: the draft is kept only in the audit trail."),
    Action.COMPLETE: N_("The request is then finished, as processed by the exchange."),
}
COMMENT_ACTIONS = frozenset({Action.RETURN, Action.REJECT})
SHOWN_COMMENT = 120  # characters of the comment repeated in the y/N question


def you_can_words(offered: Sequence[str]) -> str:
    """The line of what this user can do now (`a Approve`, ...), or that there is none."""
    if not offered:
        return _("Nothing for you to do on this request now.")
    return _("You can: {actions}").format(actions=" · ".join(offered))


def not_now_words(items: Sequence[UnavailableAction], named: Sequence[str]) -> str:
    """What this user could do but not now, grouped by the reason (`named`: each item's
    words with its key)."""
    by_reason: dict[str, list[str]] = {}
    for item, name in zip(items, named, strict=True):
        by_reason.setdefault(reason_words(item), []).append(name)
    return _("Not now: {actions}").format(
        actions=_("; ").join(f"{' · '.join(names)}: {why}" for why, names in by_reason.items())
    )


def ask_to_act(
    app: App[Any],
    action: Action,
    request: Request,
    decided: Callable[[str | None], None],
    cancelled: Callable[[], None],
) -> None:
    """Ask what `action` on `request` needs; `decided(comment)` after y (the comment,
    or None when there is none), `cancelled()` after Esc or N at any step."""
    ref = request.ref

    def commented(comment: str | None) -> None:
        if comment is None:
            cancelled()
        else:
            confirm(comment or None)

    def confirm(comment: str | None) -> None:
        detail = _(CONFIRM_DETAIL[action])
        if comment:
            long = len(comment) > SHOWN_COMMENT
            shown = comment[: SHOWN_COMMENT - 1] + "…" if long else comment
            detail = _("Comment: {comment}").format(comment=shown) + f"\n{detail}"
        app.push_screen(
            ConfirmScreen(
                _("{action} {ref}?").format(action=action_label(action), ref=ref), detail
            ),
            lambda yes: decided(comment) if yes else cancelled(),
        )

    if action in COMMENT_ACTIONS:
        app.push_screen(
            CommentScreen(
                f"{action_label(action)} {ref}",
                _("Your comment goes to the maker with the request. Say what to change or why.")
                if request.status is Status.PENDING_CHECKER
                else _(
                    "Your comment goes to the firm with the request. Say what to change or why."
                ),
            ),
            commented,
        )
    elif action is Action.SUBMIT and request.status is Status.RETURNED:
        app.push_screen(reply_editor(ref), commented)
    else:
        confirm(None)


def ask_to_submit(
    app: App[Any],
    request: Request,
    reply: str,
    decided: Callable[[str], None],
    cancelled: Callable[[str, str], None],
) -> None:
    """Ask before the form submits `request`: a Returned one first asks for the maker's
    optional reply to the checker (offering `reply`, typed before), then y/N naming the
    reference. `decided(reply)` after y; `cancelled(words, reply)` after Esc or N, with
    what to tell the user and the reply to offer next time."""
    ref = request.ref

    def confirm(reply: str) -> None:
        detail = _(
            "A checker of your firm then approves, returns or rejects it; you can withdraw it "
            "until then."
        )
        if reply:
            long = len(reply) > SHOWN_COMMENT
            shown = reply[: SHOWN_COMMENT - 1] + "…" if long else reply
            detail = _("Your reply: {reply}").format(reply=shown) + f"\n{detail}"
        not_sent = _("Not submitted. The draft is saved on the portal.")
        app.push_screen(
            ConfirmScreen(_("Submit {ref} for checking?").format(ref=ref), detail),
            lambda yes: decided(reply) if yes else cancelled(not_sent, reply),
        )

    def replied(text: str | None) -> None:
        if text is None:
            cancelled(_("Not submitted. The request is saved on the portal."), reply)
        else:
            confirm(text)

    if request.status is Status.RETURNED:
        app.push_screen(reply_editor(ref, reply), replied)
    else:
        confirm("")


def ask_to_reload(
    app: App[Any],
    ref: str,
    conflict: PortalError | None,
    reload: Callable[[], object],
    not_now: Callable[[str], object],
) -> None:
    """Ask before the form loads `ref` again from the portal (its typed values go into a
    file it names): after someone else changed it (`conflict`, the portal's 409), or on
    ctrl+r with unsent changes. `reload()` after y; `not_now(words)` after Esc or N."""
    if conflict is None:
        title = _("Reload {ref} from the portal?").format(ref=ref)
        detail = _(
            "Your unsent changes are kept in a file on this computer, and the screen says where."
        )
    else:
        title = _("Someone else changed {ref}. Reload it?").format(ref=ref)
        detail = (
            conflict.detail
            + " "
            + _(
                "Reloading shows the portal's version; your typed values are kept in a "
                "file on this computer, and the screen says where."
            )
        )
    words = _(
        "Nothing was saved. Your typed values are kept on this computer; press "
        "ctrl+r to load the portal's version when you are ready."
    )

    def answered(yes: bool | None) -> None:
        if yes:
            reload()
        else:
            not_now(words)

    app.push_screen(ConfirmScreen(title, detail), answered)
