"""eServices, requests, audit, attachments and notifications on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from cc_tui.api.problem import FieldError
from cc_tui.api.safe import Line, Text
from cc_tui.domain.workflow import Action, Status

FieldType = Literal[
    "text", "number", "money", "date", "choice", "participant_id", "email", "phone", "table"
]


class EServiceSummary(BaseModel):
    code: str
    name: str
    description: str
    category: str
    business_day_only: bool


class FieldDefinition(BaseModel):
    name: str
    label: str = Field(description="In the language Accept-Language asked for.")
    type: FieldType
    required: bool
    help: str = Field(description="In the language Accept-Language asked for.")
    choices: list[str] | None = Field(
        default=None,
        description="The values a choice field takes, as stored and sent (English, whatever "
        "the language): send one of these, or one of `choice_labels`.",
    )
    choice_labels: list[str] | None = Field(
        default=None,
        description="`choices` as shown, in the language Accept-Language asked for, in the "
        "same order.",
    )
    hint: str = Field(
        default="",
        description="How to fill the field in (the fix a wrong value gets), in the language "
        "Accept-Language asked for.",
    )
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    autofill: str | None = None
    columns: list[FieldDefinition] | None = None


class EServiceDefinition(BaseModel):
    code: str
    name: str
    description: str
    category: str
    business_day_only: bool
    fields: list[FieldDefinition]
    final_status: Status
    stages: list[str]
    has_exchange_stage: bool


class UnavailableAction(BaseModel):
    """An action this user could take on the request, but not at this moment."""

    action: Action
    code: str
    detail: str
    available_from: datetime | None = Field(
        default=None, description="When the portal takes it again, if known."
    )


class RequestSummary(BaseModel):
    ref: str
    eservice: str
    eservice_name: str
    participant_id: str
    status: Status
    maker: str
    updated_at: datetime
    title: str
    unavailable_actions: list[UnavailableAction] = Field(
        default_factory=list,
        description="Actions this user could take but not at this moment (maintenance, a "
        "business-day-only eService on another day), with the reason: the dashboard marks "
        "these rows and bulk approval leaves them out.",
    )


class RequestPage(BaseModel):
    items: list[RequestSummary]
    next_cursor: str | None
    total: int
    total_is_estimate: bool = False


class SectionCounts(BaseModel):
    awaiting_my_check: int
    returned_to_me: int
    my_drafts: int
    submitted_by_me: int
    history: int
    all: int


class Attachment(BaseModel):
    id: str
    name: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: datetime | None = None
    uploaded_by: str | None = None


class Comment(BaseModel):
    at: datetime
    user_id: str
    role: str
    action: Action
    text: str


class FieldChange(BaseModel):
    """One field a save changed: its value before and after (as stored; a table field's
    value is its list of rows; null where the field was empty)."""

    field: str
    before: Any = None
    after: Any = None


class AuditEntry(BaseModel):
    at: datetime
    user_id: str
    role: str
    action: Action
    from_status: Status | None
    to_status: Status | None
    comment: str | None = None
    participant_id: str | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    file: str | None = Field(default=None, description="The file of an upload or deletion.")
    hash: str | None = Field(default=None, description="SHA-256 of this entry after prev_hash.")
    prev_hash: str | None = Field(default=None, description="The hash of the entry before.")


class AuditVerification(BaseModel):
    """GET /requests/{ref}/audit/verify: whether the trail's hash chain holds."""

    intact: bool
    entries: int
    broken_at: int | None = Field(
        default=None,
        description="The position (1 = oldest) of the first altered entry; entries + 1 "
        "when the latest entries were removed.",
    )
    head: str | None = Field(default=None, description="The hash of the latest entry.")
    recorded_entries: int | None = Field(
        default=None,
        description="How many entries the request records having: more than `entries` "
        "when the latest were removed.",
    )


class Request(RequestSummary):
    version: int
    fields: dict[str, Any]
    attachments: list[Attachment]
    comments: list[Comment]
    allowed_actions: list[Action]
    audit: list[AuditEntry] = Field(default_factory=list)
    created_at: datetime | None = None


class CreateRequest(BaseModel):
    eservice: Line = Field(min_length=1, max_length=20)
    fields: dict[str, Any] = Field(default_factory=dict)


class UpdateRequest(BaseModel):
    version: int
    fields: dict[str, Any]


class ValidateRequest(BaseModel):
    fields: dict[str, Any]


class ValidationResult(BaseModel):
    errors: list[FieldError]


class ActionRequest(BaseModel):
    version: int
    comment: Text | None = Field(default=None, max_length=2000)


class Notification(BaseModel):
    id: int
    kind: Literal["awaiting_my_check", "returned_to_me", "status_changed"]
    ref: str
    status: Status
    at: datetime
    title: str | None = None
    participant_id: str | None = Field(
        default=None,
        description="The membership the request belongs to: notices of every membership "
        "of the user arrive whichever one is acting.",
    )
