"""Accounts: what the table and the dialogs say about a user, and the Change a key sends."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cc_tui.domain.forms import FieldType, FormField
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.text import flatten
from cc_tui.tui.membership import roles_words

if TYPE_CHECKING:
    from cc_tui.api.admin import AdminUser, Right
    from cc_tui.client.portal import PortalClient

USER_ID_FIELD = FormField(
    name="user_id", label="User ID", type=FieldType.EMAIL, example="kim.lee@harbour.example"
)
DELEGATED_ADMIN = "CC_DelegatedAdmin"

# English, marked: `_()` where they are shown.
ACTION_WORDS = {
    "create": N_("Created"),
    "rights": N_("Rights"),
    "suspend": N_("Suspended"),
    "reactivate": N_("Reactivated"),
    "unlock": N_("Unlocked"),
    "reset_device": N_("Device reset"),
    "setup_mail": N_("Set-up mail"),
}


# Words ------------------------------------------------------------------------------------


def status_word(user: AdminUser) -> str:
    if user.status == "suspended":
        return _("Suspended")
    return _("Active") if user.password_set else _("Set-up")


def device_word(user: AdminUser) -> str:
    if user.device_registration == "required":
        return _("Re-register")
    if user.device_registered:
        return _("Registered")
    return _("Needed") if user.otp_channel == "app" else _("None")


def account_cells(user: AdminUser, *, with_firm: bool) -> tuple[str, ...]:
    cells = (
        user.user_id,
        user.name,
        status_word(user),
        _("Locked") if user.locked else _("No"),
        _("App") if user.otp_channel == "app" else _("E-mail"),
        device_word(user),
    )
    return ((user.participant_id or "",) if with_firm else ()) + cells


def who(user: AdminUser) -> str:
    return flatten(f"{user.name} ({user.user_id})")


def matches(user: AdminUser, words: Sequence[str]) -> bool:
    """Whether every word occurs in the user's ID, name, status, firm or rights."""
    text = " ".join(
        [user.user_id, user.name, status_word(user), user.participant_id or "", *user.rights]
        + ([_("locked"), "locked"] if user.locked else [])
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
        catalogue[code].name
        if code in catalogue
        else _("a right the portal does not name ({code})").format(code=code)
        for code in codes
    ]
    return _(", ").join(names)


def change_words(
    granted: Sequence[str], removed: Sequence[str], catalogue: Mapping[str, Right]
) -> str:
    names = {"granted": right_names(granted, catalogue), "removed": right_names(removed, catalogue)}
    if granted and removed:
        return _("Grant {granted}; remove {removed}.").format(**names)
    if granted:
        return _("Grant {granted}.").format(**names)
    if removed:
        return _("Remove {removed}.").format(**names)
    return _("No change.")


def rights_lines(codes: Iterable[str], catalogue: Mapping[str, Right]) -> list[str]:
    """Rights by what they let the user do, eServices by code: short enough for 80x24."""
    held = [catalogue[code] for code in codes if code in catalogue]
    lines = []
    for kind, verb in (("make", N_("Makes: {eservices}")), ("check", N_("Checks: {eservices}"))):
        eservices = sorted({e for right in held if right.kind == kind for e in right.eservices})
        if eservices:
            lines.append(_(verb).format(eservices=", ".join(eservices)))
    if any(right.kind == "admin" for right in held):
        lines.append(_("Administers the firm's accounts (CCDA)."))
    unknown = sorted(set(codes) - catalogue.keys())
    if unknown:
        lines.append(_("Also: {rights}").format(rights=right_names(unknown, catalogue)))
    return lines


def detail_lines(
    user: AdminUser, catalogue: Mapping[str, Right], *, narrow: bool = False
) -> list[str]:
    """The highlighted user under the table; `narrow`: the OTP channel too (a narrow
    table has no OTP column)."""
    roles = roles_words(user.roles) if user.roles else _("no role")  # in words, never `ccda`
    firm = f" · {user.participant_id}" if user.participant_id else ""
    otp = ""
    if narrow:
        otp = " · " + (_("OTP by app") if user.otp_channel == "app" else _("OTP by e-mail"))
    lines = [f"{who(user)} · {roles}{firm}{otp}"]
    lines.extend(rights_lines(user.rights, catalogue) or [_("No rights yet: e grants them.")])
    if not user.password_set and user.status == "active":
        lines.append(_("Has not set a password yet: m e-mails a new set-up token."))
    return lines


def right_prompt(right: Right) -> str:
    """A right as the checklist names it: its name, and the eServices it is for by code
    (the codes the catalogue and the dashboard show), never the right's own code."""
    if right.kind == "admin":
        return _("{right} (administers the firm's accounts)").format(right=right.name)
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
