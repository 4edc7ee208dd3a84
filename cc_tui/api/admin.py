"""Accounts (CCDA), events and the document library on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from cc_tui.api.safe import Line

# A right's code as a request names it (the portal's codes are short words).
RightCode = Annotated[Line, Field(max_length=64)]

UserStatus = Literal["active", "suspended"]
RightKind = Literal["make", "check", "admin"]
AccountAction = Literal[
    "create", "rights", "suspend", "reactivate", "unlock", "reset_device", "setup_mail"
]


class Right(BaseModel):
    code: str
    name: str
    description: str
    kind: RightKind = Field(
        default="make", description="make, check (an eService's two rights) or admin (CCDA)."
    )
    eservices: list[str] = Field(
        default_factory=list, description="The eServices this right is for (codes)."
    )
    grantable: bool = Field(
        default=False,
        description=(
            "Whether the caller may grant or remove it: a CCDA the business rights, "
            "the exchange the CCDA right."
        ),
    )


class AdminUser(BaseModel):
    user_id: str
    name: str
    rights: list[str]
    status: UserStatus
    locked: bool
    otp_channel: Literal["email", "app"]
    device_registered: bool
    participant_id: str | None = Field(
        default=None, description="The membership whose rights `rights` lists."
    )
    roles: list[str] = Field(
        default_factory=list, description="The roles these rights make, in words of the API."
    )
    password_set: bool = Field(
        default=True,
        description="False until the user has set a password with the set-up e-mail's token.",
    )
    device_registration: Literal["none", "offered", "required"] = Field(
        default="none", description="What the next login by app must do about the device."
    )
    allowed: list[
        Literal["rights", "suspend", "reactivate", "unlock", "reset_device", "setup_mail"]
    ] = Field(
        default_factory=list,
        description=(
            "What the caller may do to this user now (segregation of duties: never to "
            "one's own account; a CCDA never to another CCDA's; unlock only when locked, "
            "setup_mail only before a password is set)."
        ),
    )


class CreateUserRequest(BaseModel):
    user_id: Line = Field(min_length=3, max_length=254)
    name: Line = Field(min_length=1, max_length=120)
    rights: list[RightCode] = Field(default_factory=list)
    participant_id: Line | None = Field(
        default=None,
        description=(
            "The membership to create the user for: a CCDA's own acting membership (may be "
            "left out); required from the exchange, which creates a firm's CCDAs."
        ),
    )


class PatchUserRequest(BaseModel):
    status: UserStatus | None = None
    rights: list[RightCode] | None = None


class AccountAuditEntry(BaseModel):
    """One change to an account, as the Accounts screen's history shows it."""

    at: datetime
    actor: str
    actor_role: Literal["ccda", "exchange_officer"]
    participant_id: str | None
    user_id: str
    action: AccountAction
    detail: str


EnrolmentStatus = Literal["none", "enrolled", "waitlisted"]


class Event(BaseModel):
    id: str
    title: str
    starts_at: datetime
    venue: str
    capacity: int
    enrolled: int
    waitlisted: int
    my_enrolment: EnrolmentStatus
    ends_at: datetime | None = Field(default=None, description="When the event ends.")
    description: str = Field(default="", description="What the event covers, for whom.")
    seats_left: int = Field(default=0, description="Seats not yet taken (0 when full).")
    my_waitlist_position: int | None = Field(
        default=None, description="1 for the first on the waiting list; null when not on it."
    )


class Enrolment(BaseModel):
    event_id: str
    status: EnrolmentStatus
    waitlist_position: int | None = Field(
        default=None, description="Place on the waiting list when `status` is waitlisted."
    )
    message: str = Field(default="", description="What happened, in a sentence to show.")
    changed: bool = Field(
        default=True, description="False when the call changed nothing (already so)."
    )
    event: Event | None = Field(default=None, description="The event as it is now.")


class Document(BaseModel):
    id: str
    title: str
    category: str
    description: str
    size: int
    updated_at: datetime
    file_name: str = Field(default="", description="The PDF's name for saving it.")
    original_signature: bool = Field(
        default=False,
        description="A form that must be printed, signed by hand and delivered on paper.",
    )
