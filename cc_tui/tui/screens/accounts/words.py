"""Accounts: what the table and the dialogs say about a user, and the Change a key sends."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cc_tui.domain.forms import FieldType, FormField
from cc_tui.domain.text import flatten
from cc_tui.tui.membership import roles_words

if TYPE_CHECKING:
    from cc_tui.api.admin import AdminUser, Right
    from cc_tui.client.portal import PortalClient

USER_ID_FIELD = FormField(
    name="user_id", label="User ID", type=FieldType.EMAIL, example="kim.lee@harbour.example"
)
DELEGATED_ADMIN = "CC_DelegatedAdmin"

ACTION_WORDS = {
    "create": "Created",
    "rights": "Rights",
    "suspend": "Suspended",
    "reactivate": "Reactivated",
    "unlock": "Unlocked",
    "reset_device": "Device reset",
    "setup_mail": "Set-up mail",
}


# Words ------------------------------------------------------------------------------------


def status_word(user: AdminUser) -> str:
    if user.status == "suspended":
        return "Suspended"
    return "Active" if user.password_set else "Set-up"


def device_word(user: AdminUser) -> str:
    if user.device_registration == "required":
        return "Re-register"
    if user.device_registered:
        return "Registered"
    return "Needed" if user.otp_channel == "app" else "None"


def account_cells(user: AdminUser, *, with_firm: bool) -> tuple[str, ...]:
    cells = (
        user.user_id,
        user.name,
        status_word(user),
        "Locked" if user.locked else "No",
        "App" if user.otp_channel == "app" else "E-mail",
        device_word(user),
    )
    return ((user.participant_id or "",) if with_firm else ()) + cells


def who(user: AdminUser) -> str:
    return flatten(f"{user.name} ({user.user_id})")


def matches(user: AdminUser, words: Sequence[str]) -> bool:
    """Whether every word occurs in the user's ID, name, status, firm or rights."""
    text = " ".join(
        [user.user_id, user.name, status_word(user), user.participant_id or "", *user.rights]
        + (["locked"] if user.locked else [])
    ).lower()
    return all(word in text for word in words)


def rights_change(held: Iterable[str], wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """(granted, removed), each sorted."""
    before, after = set(held), set(wanted)
    return sorted(after - before), sorted(before - after)


def right_names(codes: Iterable[str], catalogue: Mapping[str, Right]) -> str:
    """Rights by their names ("Make Change of trading limit"), never their codes; a
    code the portal's catalogue does not name is said to be one, with the code."""
    names = [
        catalogue[code].name if code in catalogue else f"a right the portal does not name ({code})"
        for code in codes
    ]
    return ", ".join(names)


def change_words(
    granted: Sequence[str], removed: Sequence[str], catalogue: Mapping[str, Right]
) -> str:
    parts = []
    if granted:
        parts.append("Grant " + right_names(granted, catalogue))
    if removed:
        parts.append(("remove " if parts else "Remove ") + right_names(removed, catalogue))
    return "; ".join(parts) + "." if parts else "No change."


def rights_lines(codes: Iterable[str], catalogue: Mapping[str, Right]) -> list[str]:
    """Rights by what they let the user do, eServices by code: short enough for 80x24."""
    held = [catalogue[code] for code in codes if code in catalogue]
    lines = []
    for kind, verb in (("make", "Makes"), ("check", "Checks")):
        eservices = sorted({e for right in held if right.kind == kind for e in right.eservices})
        if eservices:
            lines.append(f"{verb}: " + ", ".join(eservices))
    if any(right.kind == "admin" for right in held):
        lines.append("Administers the firm's accounts (CCDA).")
    unknown = sorted(set(codes) - catalogue.keys())
    if unknown:
        lines.append("Also: " + right_names(unknown, catalogue))
    return lines


def detail_lines(
    user: AdminUser, catalogue: Mapping[str, Right], *, narrow: bool = False
) -> list[str]:
    """The highlighted user under the table; `narrow`: the OTP channel too (a narrow
    table has no OTP column)."""
    roles = roles_words(user.roles) if user.roles else "no role"  # in words, never `ccda`
    firm = f" · {user.participant_id}" if user.participant_id else ""
    otp = f" · OTP by {'app' if user.otp_channel == 'app' else 'e-mail'}" if narrow else ""
    lines = [f"{who(user)} · {roles}{firm}{otp}"]
    lines.extend(rights_lines(user.rights, catalogue) or ["No rights yet: e grants them."])
    if not user.password_set and user.status == "active":
        lines.append("Has not set a password yet: m e-mails a new set-up token.")
    return lines


def right_prompt(right: Right) -> str:
    """A right as the checklist names it: its name, and the eServices it is for by code
    (the codes the catalogue and the dashboard show), never the right's own code."""
    if right.kind == "admin":
        return f"{right.name} (administers the firm's accounts)"
    eservices = ", ".join(right.eservices)
    return f"{right.name} ({eservices})" if eservices else right.name


# The confirm-then-call step the screens share --------------------------------------------


@dataclass
class Change:
    """A change to send: its y/N question, the call, and its success sentence. The
    Idempotency-Key is made once, so a retry is the same change to the portal."""

    prompt: str
    detail: str
    call: Callable[[PortalClient, str], Awaitable[AdminUser]]
    done: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        self.key = self.key or str(uuid.uuid4())
