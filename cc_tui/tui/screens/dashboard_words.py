"""The dashboard's words: the sort orders, the header, the status line, the toast of a
notice and the line of what bulk approval leaves out; and the section a user lands on.

Plain functions of what they are given (no screen), so they read and test on their own;
`screens/dashboard.py` shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cc_tui.domain import sections
from cc_tui.domain.i18n import N_, _, ngettext
from cc_tui.domain.sections import Section, Sort
from cc_tui.tui.membership import kind_words, membership_of
from cc_tui.tui.review import reason_words

if TYPE_CHECKING:
    from cc_tui.api.auth import User
    from cc_tui.api.requests import Notification, UnavailableAction

# English, marked: `_()` where they are shown.
SORT_LABELS = {
    Sort.UPDATED_DESC: N_("updated, newest first"),
    Sort.UPDATED_ASC: N_("updated, oldest first"),
    Sort.REF_DESC: N_("reference, highest first"),
    Sort.REF_ASC: N_("reference, lowest first"),
    Sort.STATUS: N_("status"),
    Sort.ESERVICE: N_("eService"),
}
FIRMS_PLACEHOLDER = N_("words, firm:B01234 status:… eservice:CT027 maker:… ref:… !word")


def notice_message(notice: Notification, membership: str = "") -> str:
    """The toast for a notice, in words; `membership`: what to add about its membership
    (`tui.membership.notice_membership`)."""
    if notice.kind == "awaiting_my_check":
        said = _("New task: {ref} awaiting your check").format(ref=notice.ref)
    elif notice.kind == "returned_to_me":
        said = _("New task: {ref} was returned to you").format(ref=notice.ref)
    else:
        said = _("{ref} is now {status}").format(
            ref=notice.ref, status=_(notice.status.label).lower()
        )
    return said + membership


def left_out_words(waiting: dict[str, UnavailableAction]) -> str:
    """One line: the marked requests bulk approval leaves out, and why (the first
    one's reason; they share it, since the day or the window is the same for all)."""
    count = len(waiting)
    refs = sorted(waiting)
    named = _(", ").join(refs[:4])
    if count > 4:
        named = _("{some} and {count} more").format(some=named, count=count - 4)
    first = waiting[refs[0]]
    if first.available_from is None:
        said = ngettext(
            "Left out {count} marked request the portal does not take now ({reason}): {refs}.",
            "Left out {count} marked requests the portal does not take now ({reason}): {refs}.",
            count,
        )
    else:
        said = ngettext(
            "Left out {count} marked request the portal takes only from {reason}: {refs}.",
            "Left out {count} marked requests the portal takes only from {reason}: {refs}.",
            count,
        )
    return said.format(count=count, reason=reason_words(first), refs=named)


def landing_section(user: User | None, participant_id: str | None) -> Section:
    """Where the dashboard opens for `user` acting for `participant_id`: by the roles
    held there and the user's own (sections.landing_section)."""
    roles: set[str] = set(user.roles) if user else set()
    if user is not None:
        for membership in user.memberships:
            if membership.participant_id == participant_id:
                roles |= set(membership.roles)
    return sections.landing_section(roles)


def header_words(user: User | None, participant_id: str | None) -> str:
    """Who is acting for which firm (the app's name is in the terminal's title); for
    a user of several memberships, also its kind and the key that switches."""
    parts: list[str] = []
    if user is not None:
        acting = membership_of(user, participant_id)
        if len(user.memberships) > 1 and acting is not None:
            parts += [
                user.name,
                f"{acting.participant_id} {acting.name}",
                kind_words(acting.kind),
                "F7",  # the switch; 80 columns hold no more
            ]
        else:
            parts += [user.name, user.user_id]
            if acting is not None:
                parts.append(f"{acting.participant_id} {acting.name}")
    return " · ".join(parts)


def status_words(listed: str, sort: Sort, *, marked: int, loading_more: bool, live: str) -> str:
    """The status line under the list: what is listed (or "Loading…"), the sort, the
    marks, a page on its way and whether notices are live."""
    parts = [listed, _("sort: {order}").format(order=_(SORT_LABELS[sort]))]
    if marked:
        parts.append(_("{count} marked").format(count=marked))
    if loading_more:
        parts.append(_("loading more…"))
    if live:
        parts.append(live)
    return " · ".join(parts)
