"""The dashboard's words: the sort orders, the header, the status line, the toast of a
notice and the line of what bulk approval leaves out; and the section a user lands on.

Plain functions of what they are given (no screen), so they read and test on their own;
`screens/dashboard.py` shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cc_tui.domain.rights import Role
from cc_tui.domain.sections import Section, Sort
from cc_tui.tui.membership import kind_words, membership_of
from cc_tui.tui.review import reason_words

if TYPE_CHECKING:
    from cc_tui.api.auth import User
    from cc_tui.api.requests import Notification, UnavailableAction

SORT_LABELS = {
    Sort.UPDATED_DESC: "updated, newest first",
    Sort.UPDATED_ASC: "updated, oldest first",
    Sort.REF_DESC: "reference, highest first",
    Sort.REF_ASC: "reference, lowest first",
    Sort.STATUS: "status",
    Sort.ESERVICE: "eService",
}
FIRMS_PLACEHOLDER = "words, firm:B01234 status:… eservice:CT027 maker:… ref:… !word"


def notice_message(notice: Notification, membership: str = "") -> str:
    """The toast for a notice, in words; `membership`: what to add about its membership
    (`tui.membership.notice_membership`)."""
    if notice.kind == "awaiting_my_check":
        return f"New task: {notice.ref} awaiting your check{membership}"
    if notice.kind == "returned_to_me":
        return f"New task: {notice.ref} was returned to you{membership}"
    return f"{notice.ref} is now {notice.status.label.lower()}{membership}"


def left_out_words(waiting: dict[str, UnavailableAction]) -> str:
    """One line: the marked requests bulk approval leaves out, and why (the first
    one's reason; they share it, since the day or the window is the same for all)."""
    count = len(waiting)
    refs = sorted(waiting)
    named = ", ".join(refs[:4]) + (f" and {count - 4} more" if count > 4 else "")
    noun = "request" if count == 1 else "requests"
    first = waiting[refs[0]]
    if first.available_from is None:
        when = f"does not take now ({reason_words(first)})"
    else:
        when = f"takes only from {reason_words(first)}"
    return f"Left out {count} marked {noun} the portal {when}: {named}."


def landing_section(user: User | None, participant_id: str | None) -> Section:
    """Checkers start on their checks (an exchange officer on the requests with the
    exchange), makers on what came back to them."""
    roles: set[str] = set(user.roles) if user else set()
    if user is not None:
        for membership in user.memberships:
            if membership.participant_id == participant_id:
                roles |= set(membership.roles)
    if Role.EXCHANGE_OFFICER.value in roles or any("check" in role for role in roles):
        return Section.AWAITING_MY_CHECK
    if any("mak" in role for role in roles):
        return Section.RETURNED_TO_ME
    return Section.ALL


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
    parts = [listed, f"sort: {SORT_LABELS[sort]}"]
    if marked:
        parts.append(f"{marked} marked")
    if loading_more:
        parts.append("loading more…")
    if live:
        parts.append(live)
    return " · ".join(parts)
