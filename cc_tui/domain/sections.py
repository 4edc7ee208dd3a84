"""Dashboard sections: saved filters over the requests a user can see."""

from __future__ import annotations

from enum import StrEnum

from cc_tui.domain.i18n import N_


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


class Sort(StrEnum):
    """Sort orders of a request list; `-` first means newest / highest first."""

    UPDATED_DESC = "-updated"
    UPDATED_ASC = "updated"
    REF_DESC = "-ref"
    REF_ASC = "ref"
    STATUS = "status"
    ESERVICE = "eservice"
