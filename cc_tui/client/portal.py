"""PortalClient: the portal's HTTP API (API.md) as typed async methods.

One public method per endpoint, each a few lines over `_request` and the other mechanics
of `client/http.py` (headers, Idempotency-Key, one safe retry, errors, parsing, the one
download); the bytes of uploads and downloads move through `client/transfer.py`. Errors
never surface as httpx or pydantic exceptions: `PortalError` (a problem from the portal,
or a body the contract refuses before it is sent), `SessionExpired`, or
`PortalUnreachable` (no answer).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from cc_tui.api.admin import (
    AccountAuditEntry,
    AdminUser,
    CreateUserRequest,
    Document,
    Enrolment,
    Event,
    PatchUserRequest,
    Right,
    UserStatus,
)
from cc_tui.api.auth import (
    ChangePasswordRequest,
    DeviceConfirmRequest,
    DeviceEnrolRequest,
    DeviceRegistration,
    ForgotPasswordRequest,
    Health,
    LanguageRequest,
    LoginRequest,
    LoginResponse,
    OtpChannel,
    OtpChannelRequest,
    OtpRequest,
    ResetPasswordRequest,
    ServiceStatus,
    Session,
    TicketRequest,
    User,
)
from cc_tui.api.problem import FieldError
from cc_tui.api.requests import (
    ActionRequest,
    Attachment,
    AuditEntry,
    AuditVerification,
    CreateRequest,
    EServiceDefinition,
    EServiceSummary,
    Notification,
    Request,
    RequestPage,
    SectionCounts,
    UpdateRequest,
    ValidateRequest,
    ValidationResult,
)
from cc_tui.client.errors import PortalError
from cc_tui.client.http import PortalHttp, checked_body, segment
from cc_tui.client.transfer import (
    MultipartUpload,
    Progress,
    download_name,
)
from cc_tui.domain.files import Kind
from cc_tui.domain.i18n import Language

PDF_ONLY: tuple[Kind, ...] = ("pdf",)

_ESERVICE_LIST = TypeAdapter(list[EServiceSummary])
_FIELD_VALUES = TypeAdapter(dict[str, Any])
_AUDIT = TypeAdapter(list[AuditEntry])
_ADMIN_USERS = TypeAdapter(list[AdminUser])
_RIGHTS = TypeAdapter(list[Right])
_ACCOUNT_AUDIT = TypeAdapter(list[AccountAuditEntry])
_EVENTS = TypeAdapter(list[Event])
_DOCUMENTS = TypeAdapter(list[Document])
_NOTIFICATIONS: TypeAdapter[list[Notification]] = TypeAdapter(list[Notification])

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _download_name(disposition: str | None, document_id: str) -> str:
    """A library document's file name: the portal's, reduced to a plain name (never a
    path) and ending in .pdf; else `<id>.pdf`."""
    fallback = (_UNSAFE_NAME.sub("_", document_id).strip(" .") or "document") + ".pdf"
    name = download_name(disposition, fallback)
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


class PortalClient(PortalHttp):
    """The portal's API over async httpx. Use as `async with PortalClient(url) as portal:`
    or call `aclose()` when done."""

    # Service

    async def health(self) -> Health:
        return await self._request("GET", "/health", model=Health)

    async def service_status(self) -> ServiceStatus:
        return await self._request("GET", "/service/status", model=ServiceStatus)

    # Login

    async def login(self, user_id: str, password: str) -> LoginResponse:
        body = checked_body(LoginRequest, user_id=user_id, password=password)
        return await self._request("POST", "/auth/login", json=body, model=LoginResponse)

    async def send_email_otp(self, ticket: str) -> None:
        """Send a fresh code by e-mail; 429 (with `retry_after`) within 30 s of the last."""
        await self._request(
            "POST", "/auth/otp/email", json=checked_body(TicketRequest, ticket=ticket)
        )

    async def register_device(self, ticket: str) -> DeviceRegistration:
        body = checked_body(TicketRequest, ticket=ticket)
        return await self._request("POST", "/auth/device", json=body, model=DeviceRegistration)

    async def skip_device(self, ticket: str) -> None:
        await self._request(
            "POST", "/auth/device/skip", json=checked_body(TicketRequest, ticket=ticket)
        )

    async def verify_otp(self, ticket: str, code: str) -> Session:
        """Finish the login; the client keeps the new session's token for later calls."""
        body = checked_body(OtpRequest, ticket=ticket, code=code.strip())
        session = await self._request("POST", "/auth/otp", json=body, model=Session)
        self.token = session.token
        return session

    async def logout(self) -> None:
        """Revoke the session. The token is forgotten even if the portal already had."""
        try:
            if self.token:
                await self._request("POST", "/auth/logout")
        except PortalError as error:
            if not error.session_expired:
                raise
        finally:
            self.token = None

    async def forgot_password(self, user_id: str) -> None:
        body = checked_body(ForgotPasswordRequest, user_id=user_id)
        await self._request("POST", "/auth/password/forgot", json=body)

    async def reset_password(self, token: str, new_password: str) -> None:
        body = checked_body(ResetPasswordRequest, token=token, new_password=new_password)
        await self._request("POST", "/auth/password/reset", json=body)

    # Me

    async def me(self) -> User:
        return await self._request("GET", "/me", model=User)

    async def change_password(self, current_password: str, new_password: str) -> None:
        body = checked_body(
            ChangePasswordRequest, current_password=current_password, new_password=new_password
        )
        await self._request("POST", "/me/password", json=body)

    async def set_language(self, language: Language) -> User:
        """Store the user's language on the portal (PUT /me/language); the updated user.
        Answers from now on come in it."""
        body = checked_body(LanguageRequest, language=language)
        user: User = self._parse(await self._send("PUT", "/me/language", json=body), User)
        self.language = language
        return user

    async def set_otp_channel(self, channel: OtpChannel) -> User | None:
        """Switch the OTP channel; the updated user when the portal returns it."""
        body = checked_body(OtpChannelRequest, channel=channel)
        response = await self._send("PUT", "/me/otp-channel", json=body)
        if response.status_code == 204 or not response.content:
            return None
        user: User = self._parse(response, User)
        return user

    async def start_device_enrolment(self, current_password: str) -> DeviceRegistration:
        """Register or replace the authenticator from the Profile: the password again,
        then the new secret (pending until `confirm_device`)."""
        body = checked_body(DeviceEnrolRequest, current_password=current_password)
        return await self._request("POST", "/me/device", json=body, model=DeviceRegistration)

    async def confirm_device(self, code: str) -> None:
        """The first code from the new authenticator: it replaces the old one, and the
        channel becomes the app."""
        body = checked_body(DeviceConfirmRequest, code=code.strip())
        await self._request("POST", "/me/device/confirm", json=body)

    # Requests (the dashboard)

    async def list_requests(
        self,
        section: str = "all",
        q: str = "",
        sort: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> RequestPage:
        """One page of a section (`Section` values), filtered by `q` (the filter grammar)
        and sorted by `sort` (`Sort` values); pass the page's `next_cursor` for the next."""
        params = {
            "section": section,
            "q": q or None,
            "sort": sort,
            "cursor": cursor,
            "limit": limit,
        }
        return await self._request("GET", "/requests", params=params, model=RequestPage)

    async def section_counts(self) -> SectionCounts:
        return await self._request("GET", "/requests/sections", model=SectionCounts)

    async def get_request(self, ref: str) -> Request:
        return await self._request("GET", f"/requests/{segment(ref)}", model=Request)

    async def find_request(
        self, ref: str, memberships: Sequence[str]
    ) -> tuple[str, Request] | None:
        """`ref` as read while acting for each of `memberships` in turn (not the acting
        one: `participant_id` stays as it is): the first membership it belongs to, with the
        request; None when none of them can read it."""
        for participant_id in memberships:
            try:
                response = await self._send(
                    "GET", f"/requests/{segment(ref)}", acting=participant_id
                )
            except PortalError as error:
                if error.status in (403, 404):
                    continue
                raise
            return participant_id, self._parse(response, Request)
        return None

    async def notifications(self, since: int | None = None) -> list[Notification]:
        """This user's notices after notice `since` (all recent ones when None)."""
        params = {"since": since}
        return await self._request("GET", "/notifications", params=params, model=_NOTIFICATIONS)

    async def act(
        self,
        ref: str,
        action: str,
        version: int,
        comment: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Request:
        """Take `action` (submit, approve, return, ...) on the version of `ref` you saw."""
        body = checked_body(ActionRequest, version=version, comment=comment)
        path = f"/requests/{segment(ref)}/actions/{segment(action)}"
        return await self._request(
            "POST", path, json=body, model=Request, idempotency_key=idempotency_key
        )

    # eServices

    async def eservices(self, q: str = "") -> list[EServiceSummary]:
        """The forms this user may make, best match for `q` first."""
        return await self._request(
            "GET", "/eservices", params={"q": q or None}, model=_ESERVICE_LIST
        )

    async def eservice(self, code: str) -> EServiceDefinition:
        return await self._request("GET", f"/eservices/{segment(code)}", model=EServiceDefinition)

    async def autofill(self, code: str) -> dict[str, Any]:
        """The acting membership's values for the form's auto-fill fields."""
        return await self._request(
            "GET", f"/eservices/{segment(code)}/autofill", model=_FIELD_VALUES
        )

    # Requests (forms and the detail screen)

    async def create_request(
        self, eservice: str, fields: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Request:
        """Save a new Draft (auto-fill applied, reference assigned). Pass the same
        `idempotency_key` when retrying, so a dropped answer never makes a second one."""
        body = checked_body(CreateRequest, eservice=eservice, fields=dict(fields))
        return await self._request(
            "POST", "/requests", json=body, model=Request, idempotency_key=idempotency_key
        )

    async def update_request(self, ref: str, version: int, fields: Mapping[str, Any]) -> Request:
        """Save a Draft or Returned request; 409 `version_conflict` if `version` is stale."""
        body = checked_body(UpdateRequest, version=version, fields=dict(fields))
        return await self._request("PATCH", f"/requests/{segment(ref)}", json=body, model=Request)

    async def validate_request(self, ref: str, fields: Mapping[str, Any]) -> list[FieldError]:
        """What the portal would refuse in `fields` (nothing is saved)."""
        body = checked_body(ValidateRequest, fields=dict(fields))
        result = await self._request(
            "POST", f"/requests/{segment(ref)}/validate", json=body, model=ValidationResult
        )
        return result.errors

    async def audit(self, ref: str) -> list[AuditEntry]:
        return await self._request("GET", f"/requests/{segment(ref)}/audit", model=_AUDIT)

    async def verify_audit(self, ref: str) -> AuditVerification:
        """Whether the audit trail's hash chain holds (`broken_at`: the first altered)."""
        return await self._request(
            "GET", f"/requests/{segment(ref)}/audit/verify", model=AuditVerification
        )

    async def audit_pdf(self, ref: str) -> bytes:
        """The audit trail as a PDF file's bytes."""
        response = await self._send("GET", f"/requests/{segment(ref)}/audit.pdf")
        return response.content

    async def download_audit_pdf(self, ref: str, dest: Path) -> Path:
        """Save the audit trail's PDF in the folder `dest` as `<ref> audit trail.pdf`
        (never replacing a file: " (2)" is added); returns its path."""
        name = f"{_UNSAFE_NAME.sub('_', ref)} audit trail.pdf"
        url = f"/requests/{segment(ref)}/audit.pdf"
        return await self._download(url, dest, lambda _: name, kinds=PDF_ONLY)

    # Supporting documents (attachments); the bytes move through client/transfer.py

    async def upload_attachment(
        self,
        ref: str,
        path: Path,
        name: str | None = None,
        progress: Progress | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Attachment:
        """Attach the file at `path` to `ref` as `name` (the file's own name if None).

        The file streams from disk; `progress(sent, size)` follows it. A dropped connection
        is retried once, from the start, with the same Idempotency-Key, so the portal keeps
        one attachment. OSError if the file cannot be read (or changes while it is sent).
        """
        upload = await asyncio.to_thread(MultipartUpload, path, name or path.name)
        key = idempotency_key or str(uuid.uuid4())
        url = f"/requests/{segment(ref)}/attachments"
        headers = {**self._signed_in_headers(), **upload.headers, "Idempotency-Key": key}
        response = await self._sent_with_retry(
            lambda: self._http.post(url, content=upload.body(progress), headers=headers)
        )
        if not response.is_success:
            raise self._problem(response)
        attachment: Attachment = self._parse(response, Attachment)
        return attachment

    async def download_attachment(self, ref: str, attachment_id: str, dest: Path) -> Path:
        """Save an attachment in the folder `dest` (made if missing); returns its path.

        Named as the portal names it (a plain file name, never a path), never replacing a
        file already there (" (2)" is added); checked against the SHA-256 the portal sends.
        Nothing is left behind when the download fails.
        """
        url = f"/requests/{segment(ref)}/attachments/{segment(attachment_id)}"
        return await self._download(url, dest, lambda given: download_name(given, attachment_id))

    async def delete_attachment(self, ref: str, attachment_id: str) -> None:
        """Remove an attachment from a Draft or Returned request (its maker only)."""
        url = f"/requests/{segment(ref)}/attachments/{segment(attachment_id)}"
        await self._request("DELETE", url)

    # Accounts (a CCDA's users; the exchange's CCDAs)

    async def admin_users(self) -> list[AdminUser]:
        """The users this CCDA administers (the exchange: every firm's CCDAs)."""
        return await self._request("GET", "/admin/users", model=_ADMIN_USERS)

    async def admin_user(self, user_id: str) -> AdminUser:
        return await self._request("GET", f"/admin/users/{segment(user_id)}", model=AdminUser)

    async def rights(self) -> list[Right]:
        """The rights catalogue; `grantable` marks what this administrator may change."""
        return await self._request("GET", "/admin/rights", model=_RIGHTS)

    async def create_user(
        self,
        user_id: str,
        name: str,
        rights: list[str],
        *,
        participant_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> AdminUser:
        """Create a user (no password yet) and have the portal e-mail its set-up token."""
        body = checked_body(
            CreateUserRequest,
            user_id=user_id,
            name=name,
            rights=list(rights),
            participant_id=participant_id,
        )
        return await self._request(
            "POST", "/admin/users", json=body, model=AdminUser, idempotency_key=idempotency_key
        )

    async def update_user(
        self, user_id: str, *, status: UserStatus | None = None, rights: list[str] | None = None
    ) -> AdminUser:
        """Change status, rights (the whole new list) or both, all or nothing."""
        body = checked_body(PatchUserRequest, status=status, rights=rights)
        return await self._request(
            "PATCH", f"/admin/users/{segment(user_id)}", json=body, model=AdminUser
        )

    async def unlock_user(self, user_id: str, *, idempotency_key: str | None = None) -> AdminUser:
        return await self._request(
            "POST",
            f"/admin/users/{segment(user_id)}/unlock",
            model=AdminUser,
            idempotency_key=idempotency_key,
        )

    async def reset_device(self, user_id: str, *, idempotency_key: str | None = None) -> AdminUser:
        """Forget the user's authenticator: its next login by app registers a new one."""
        return await self._request(
            "POST",
            f"/admin/users/{segment(user_id)}/reset-device",
            model=AdminUser,
            idempotency_key=idempotency_key,
        )

    async def resend_setup_mail(
        self, user_id: str, *, idempotency_key: str | None = None
    ) -> AdminUser:
        """A new set-up token for a user who has not set a password yet."""
        return await self._request(
            "POST",
            f"/admin/users/{segment(user_id)}/setup-mail",
            model=AdminUser,
            idempotency_key=idempotency_key,
        )

    async def account_audit(self, user_id: str) -> list[AccountAuditEntry]:
        """The account's changes, newest first."""
        return await self._request(
            "GET", f"/admin/users/{segment(user_id)}/audit", model=_ACCOUNT_AUDIT
        )

    # Events and the document library

    async def events(self) -> list[Event]:
        """Upcoming events, soonest first, with seats left and my enrolment."""
        return await self._request("GET", "/events", model=_EVENTS)

    async def enrol(self, event_id: str) -> Enrolment:
        """A seat, or a place on the waiting list when full; twice changes nothing."""
        return await self._request(
            "POST", f"/events/{segment(event_id)}/enrolment", model=Enrolment
        )

    async def withdraw_enrolment(self, event_id: str) -> Enrolment:
        """Give up a seat or a waiting-list place; not enrolled changes nothing."""
        return await self._request(
            "DELETE", f"/events/{segment(event_id)}/enrolment", model=Enrolment
        )

    async def documents(self, q: str = "") -> list[Document]:
        """The library's documents matching every word of `q` (all for none)."""
        return await self._request(
            "GET", "/documents", params={"q": q.strip() or None}, model=_DOCUMENTS
        )

    async def download_document(self, document_id: str, dest: Path) -> Path:
        """Save a library PDF in the directory `dest` (made if missing); returns its path.

        The file takes the portal's name for it, reduced to a plain file name, and never
        replaces a file already there (" (2)" and so on is added); a write that fails
        leaves nothing behind.
        """
        url = f"/documents/{segment(document_id)}/file"
        return await self._download(
            url, dest, lambda given: _download_name(given, document_id), kinds=PDF_ONLY
        )
