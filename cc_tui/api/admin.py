"""Accounts (CCDA), events and the document library on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

UserStatus = Literal["active", "suspended"]


class Right(BaseModel):
    code: str
    name: str
    description: str


class AdminUser(BaseModel):
    user_id: str
    name: str
    rights: list[str]
    status: UserStatus
    locked: bool
    otp_channel: Literal["email", "app"]
    device_registered: bool


class CreateUserRequest(BaseModel):
    user_id: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    rights: list[str] = Field(default_factory=list)


class PatchUserRequest(BaseModel):
    status: UserStatus | None = None
    rights: list[str] | None = None


class Event(BaseModel):
    id: str
    title: str
    starts_at: datetime
    venue: str
    capacity: int
    enrolled: int
    waitlisted: int
    my_enrolment: Literal["none", "enrolled", "waitlisted"]


class Enrolment(BaseModel):
    event_id: str
    status: Literal["enrolled", "waitlisted", "none"]


class Document(BaseModel):
    id: str
    title: str
    category: str
    description: str
    size: int
    updated_at: datetime
