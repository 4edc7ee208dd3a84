"""Dashboard sections: saved filters over the requests a user can see."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from cc_tui.domain.i18n import N_
from cc_tui.domain.rights import Role


class Section(StrEnum):
    AWAITING_MY_CHECK = "awaiting_my_check"
    RETURNED_TO_ME = "returned_to_me"
    MY_DRAFTS = "my_drafts"
    SUBMITTED_BY_ME = "submitted_by_me"
    HISTORY = "history"
    ALL = "all"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Section.AWAITING_MY_CHECK: N_("Awaiting my check"),
    Section.RETURNED_TO_ME: N_("Returned to me"),
    Section.MY_DRAFTS: N_("My drafts"),
    Section.SUBMITTED_BY_ME: N_("Submitted by me"),
    Section.HISTORY: N_("History"),
    Section.ALL: N_("All"),
}


def landing_section(roles: Iterable[str]) -> Section:
    """Where a user's dashboard opens, from the roles they act in: a checker (and an
    exchange officer, whose checks are the requests with the exchange) on what awaits
    their check, a maker on what came back to them, anyone else on all."""
    held = set(roles)
    if held & {Role.CHECKER.value, Role.EXCHANGE_OFFICER.value}:
        return Section.AWAITING_MY_CHECK
    if Role.MAKER.value in held:
        return Section.RETURNED_TO_ME
    return Section.ALL


class Sort(StrEnum):
    """Sort orders of a request list; `-` first means newest / highest first."""

    UPDATED_DESC = "-updated"
    UPDATED_ASC = "updated"
    REF_DESC = "-ref"
    REF_ASC = "ref"
    STATUS = "status"
    ESERVICE = "eservice"
