"""The RFC 9457 problem+json error shape, and the stable machine codes it carries."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    ACCOUNT_LOCKED = "account_locked"
    OTP_INVALID = "otp_invalid"
    OTP_REUSED = "otp_reused"
    SESSION_EXPIRED = "session_expired"
    TICKET_EXPIRED = "ticket_expired"
    NOT_LOGGED_IN = "not_logged_in"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    VERSION_CONFLICT = "version_conflict"
    MAKER_CANNOT_CHECK = "maker_cannot_check"
    INVALID_TRANSITION = "invalid_transition"
    VALIDATION_FAILED = "validation_failed"
    MALFORMED = "malformed"
    BAD_FILE_NAME = "bad_file_name"
    BAD_FILE_TYPE = "bad_file_type"
    FILE_TOO_LARGE = "file_too_large"
    TOO_MANY_FILES = "too_many_files"
    DUPLICATE_FILE_NAME = "duplicate_file_name"
    MAINTENANCE = "maintenance"
    BUSINESS_DAY_ONLY = "business_day_only"
    RATE_LIMITED = "rate_limited"
    BAD_QUERY = "bad_query"
    BAD_CURSOR = "bad_cursor"
    EVENT_FULL = "event_full"
    ENROLMENT_CLOSED = "enrolment_closed"
    DEVICE_NOT_REGISTERED = "device_not_registered"
    MAIL_FAILED = "mail_failed"
    TOKEN_NOT_PASSWORD = "token_not_password"
    TOO_LARGE = "too_large"
    TIMED_OUT = "timed_out"
    BUSY = "busy"


class FieldError(BaseModel):
    field: str
    message: str
    fix: str | None = None


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    fix: str | None = None
    errors: list[FieldError] | None = None
    error_count: int | None = Field(
        default=None,
        description="How many errors were found in all, when `errors` lists only the first.",
    )
