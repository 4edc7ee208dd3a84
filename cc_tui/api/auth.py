"""Login, Me and Service: the models of API.md's first endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from cc_tui.api.safe import Line
from cc_tui.domain.i18n import DEFAULT_LANGUAGE, Language, language_of

OtpChannel = Literal["email", "app"]
DeviceRegistrationNeed = Literal["none", "offered", "required"]

# Bounds that keep bodies sane; the server answers 422 beyond them.
USER_ID_MAX = 254
PASSWORD_MAX = 256


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class ServiceStatus(BaseModel):
    now: datetime
    maintenance: bool
    next_maintenance_start: datetime
    next_maintenance_end: datetime
    business_day: bool
    message: str | None = None
    business_hours: bool = Field(
        default=False, description="Mon-Fri 09:00-18:00 HKT on a business day."
    )
    processing_day: date | None = Field(
        default=None, description="The day a request made now is processed."
    )
    portal_id: str | None = Field(
        default=None,
        description=(
            "The portal's identity, made with its data directory and never changed: clients"
            " key what they keep (drafts, last user ID, sessions) by it, not by URL."
        ),
    )


class LoginRequest(BaseModel):
    user_id: Line = Field(min_length=1, max_length=USER_ID_MAX)
    password: Line = Field(min_length=1, max_length=PASSWORD_MAX)


class LoginResponse(BaseModel):
    ticket: str
    otp_channel: OtpChannel
    device_registration: DeviceRegistrationNeed
    device_registered: bool = Field(
        default=False,
        description=(
            "Whether the user has an authenticator registered. When false and registration"
            " is offered, skipping it means this login's code comes by e-mail (the skip"
            " sends it)."
        ),
    )
    code_ttl_seconds: int = Field(
        default=300,
        description=(
            "How long this login (its ticket, and the one-time password by e-mail) lasts"
            " from now: the one lifetime the mail, the OTP screen and the portal use."
        ),
    )


class TicketRequest(BaseModel):
    ticket: Line = Field(min_length=1, max_length=200)


class DeviceRegistration(BaseModel):
    otpauth_uri: str
    secret: str
    issuer: str
    account: str


class OtpRequest(BaseModel):
    ticket: Line = Field(min_length=1, max_length=200)
    code: Line = Field(min_length=1, max_length=12)


class Membership(BaseModel):
    participant_id: str
    name: str
    kind: str
    roles: list[str] = Field(
        default_factory=list, description="The user's roles when acting for this membership."
    )


class User(BaseModel):
    user_id: str
    name: str
    roles: list[str]
    memberships: list[Membership]
    otp_channel: OtpChannel
    device_registered: bool = False
    language: Language = Field(
        default="en", description="The user's language (Profile): en or zh-Hant."
    )

    @field_validator("language", mode="before")
    @classmethod
    def _language_this_cc_tui_knows(cls, value: object) -> object:
        """A language this cc-tui does not know (a newer portal may offer more) reads as
        English, the portal's own fallback, instead of refusing the whole answer and with
        it the login; a tag of a known language in another spelling (zh-HK) is that one."""
        if isinstance(value, str):
            return language_of(value[:64]) or DEFAULT_LANGUAGE
        return value


class Session(BaseModel):
    token: str
    expires_at: datetime
    user: User


class ForgotPasswordRequest(BaseModel):
    user_id: Line = Field(min_length=1, max_length=USER_ID_MAX)


class ResetPasswordRequest(BaseModel):
    token: Line = Field(min_length=1, max_length=200)
    new_password: Line = Field(min_length=1, max_length=PASSWORD_MAX)


class ChangePasswordRequest(BaseModel):
    current_password: Line = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: Line = Field(min_length=1, max_length=PASSWORD_MAX)


class LanguageRequest(BaseModel):
    language: Line = Field(
        min_length=1,
        max_length=35,
        description="en or zh-Hant (zh-HK, zh-TW and zh-MO are taken as zh-Hant).",
    )


class OtpChannelRequest(BaseModel):
    channel: OtpChannel


class DeviceEnrolRequest(BaseModel):
    """Register or replace an authenticator from the Profile: the password again."""

    current_password: Line = Field(min_length=1, max_length=PASSWORD_MAX)


class DeviceConfirmRequest(BaseModel):
    """The first code the new authenticator shows; only then does it replace the old."""

    code: Line = Field(min_length=1, max_length=12)
