"""PortalClient: the portal's HTTP API (API.md) as typed async methods.

Design:
- One public method per endpoint, each a few lines over `_request`, which sends, retries,
  maps errors and parses the answer into the `cc_tui.api` model it names. Later endpoints
  (dashboard, requests, forms) slot in the same way.
- Every state-changing POST carries an `Idempotency-Key` (uuid4). A call whose request
  may not have arrived (connection refused, dropped, timed out) is retried once, with the
  same key, when it is idempotent: GET/PUT/DELETE, or any call that carries a key. A
  caller that retries a whole operation after `PortalUnreachable` (the user pressed r)
  passes its own `idempotency_key` so the portal still sees one operation.
- Bodies are built from the contract's request models, so the contract's limits (empty
  or over-long fields) are refused here, before any request, with the same
  `PortalError(422, "validation_failed")` shape the server would send.
- Errors never surface as httpx or pydantic exceptions: `PortalError` (a problem from the
  portal), `SessionExpired`, or `PortalUnreachable` (no answer).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar, overload
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from cc_tui import __version__
from cc_tui.api import API_PREFIX
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
from cc_tui.api.problem import PROBLEM_MEDIA_TYPE, FieldError, Problem
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
from cc_tui.client.errors import FieldProblem, PortalError, PortalUnreachable, problem_error
from cc_tui.client.transfer import (
    DigestMismatch,
    MultipartUpload,
    Progress,
    WrongKind,
    download_name,
    save_response,
)
from cc_tui.domain.files import KINDS, Kind

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

PDF_ONLY: tuple[Kind, ...] = ("pdf",)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _api_url(base_url: str) -> str:
    """`http://host:port` or `http://host:port/api/v1` -> the API root, without a slash."""
    root = base_url.rstrip("/")
    return root if root.endswith(API_PREFIX) else root + API_PREFIX


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


_ESERVICE_LIST = TypeAdapter(list[EServiceSummary])
_FIELD_VALUES = TypeAdapter(dict[str, Any])
_AUDIT = TypeAdapter(list[AuditEntry])
_ADMIN_USERS = TypeAdapter(list[AdminUser])
_RIGHTS = TypeAdapter(list[Right])
_ACCOUNT_AUDIT = TypeAdapter(list[AccountAuditEntry])
_EVENTS = TypeAdapter(list[Event])
_DOCUMENTS = TypeAdapter(list[Document])


def _body(model: type[M], **values: Any) -> M:
    """A request body checked against the contract's limits before it is sent."""
    try:
        return model(**values)
    except ValidationError as error:
        problems = tuple(
            FieldProblem(
                field=".".join(str(part) for part in item["loc"]) or "body",
                message=_field_message(item),
            )
            for item in error.errors()
        )
        raise PortalError(
            422,
            "validation_failed",
            "; ".join(f"{p.field}: {p.message}" for p in problems) + ".",
            "Correct the field and try again.",
            problems,
        ) from None


_NOTIFICATIONS: TypeAdapter[list[Notification]] = TypeAdapter(list[Notification])


def _segment(text: str) -> str:
    """A value made safe as one URL path segment (a reference typed by a user)."""
    return quote(text, safe="")


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _download_name(disposition: str | None, document_id: str) -> str:
    """A library document's file name: the portal's, reduced to a plain name (never a
    path) and ending in .pdf; else `<id>.pdf`."""
    fallback = (_UNSAFE_NAME.sub("_", document_id).strip(" .") or "document") + ".pdf"
    name = download_name(disposition, fallback)
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def _field_message(item: Any) -> str:
    kind = item.get("type", "")
    context = item.get("ctx") or {}
    if kind == "string_too_short":
        return "this field is empty" if context.get("min_length") == 1 else "too short"
    if kind == "string_too_long":
        return f"longer than {context.get('max_length')} characters"
    return str(item.get("msg", "not valid"))


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: refused as pydantic's reader refuses them."""
    raise ValueError(f"{name} is not JSON")


KEEPALIVE_EXPIRY_S = 4.0


class PortalClient:
    """The portal's API over async httpx. Use as `async with PortalClient(url) as portal:`
    or call `aclose()` when done."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 15.0,
        token: str | None = None,
        participant_id: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        language: str = "en",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token
        self.participant_id = participant_id
        self._http = httpx.AsyncClient(
            base_url=_api_url(base_url),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            # Below the portal's 5 s keep-alive: a connection idle for exactly that long
            # was reused as the server closed it ("server disconnected", bench/soak.py).
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_S),
            transport=transport,
            headers={
                "Accept": f"application/json, {PROBLEM_MEDIA_TYPE}",
                "User-Agent": f"cc-tui/{__version__}",
                "Accept-Language": language,
            },
        )

    async def __aenter__(self) -> PortalClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # Service

    async def health(self) -> Health:
        return await self._request("GET", "/health", model=Health)

    async def service_status(self) -> ServiceStatus:
        return await self._request("GET", "/service/status", model=ServiceStatus)

    # Login

    async def login(self, user_id: str, password: str) -> LoginResponse:
        body = _body(LoginRequest, user_id=user_id, password=password)
        return await self._request("POST", "/auth/login", json=body, model=LoginResponse)

    async def send_email_otp(self, ticket: str) -> None:
        """Send a fresh code by e-mail; 429 (with `retry_after`) within 30 s of the last."""
        await self._request("POST", "/auth/otp/email", json=_body(TicketRequest, ticket=ticket))

    async def register_device(self, ticket: str) -> DeviceRegistration:
        body = _body(TicketRequest, ticket=ticket)
        return await self._request("POST", "/auth/device", json=body, model=DeviceRegistration)

    async def skip_device(self, ticket: str) -> None:
        await self._request("POST", "/auth/device/skip", json=_body(TicketRequest, ticket=ticket))

    async def verify_otp(self, ticket: str, code: str) -> Session:
        """Finish the login; the client keeps the new session's token for later calls."""
        body = _body(OtpRequest, ticket=ticket, code=code.strip())
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
        body = _body(ForgotPasswordRequest, user_id=user_id)
        await self._request("POST", "/auth/password/forgot", json=body)

    async def reset_password(self, token: str, new_password: str) -> None:
        body = _body(ResetPasswordRequest, token=token, new_password=new_password)
        await self._request("POST", "/auth/password/reset", json=body)

    # Me

    async def me(self) -> User:
        return await self._request("GET", "/me", model=User)

    async def change_password(self, current_password: str, new_password: str) -> None:
        body = _body(
            ChangePasswordRequest, current_password=current_password, new_password=new_password
        )
        await self._request("POST", "/me/password", json=body)

    async def set_otp_channel(self, channel: OtpChannel) -> User | None:
        """Switch the OTP channel; the updated user when the portal returns it."""
        body = _body(OtpChannelRequest, channel=channel)
        response = await self._send("PUT", "/me/otp-channel", json=body)
        if response.status_code == 204 or not response.content:
            return None
        user: User = self._parse(response, User)
        return user

    async def start_device_enrolment(self, current_password: str) -> DeviceRegistration:
        """Register or replace the authenticator from the Profile: the password again,
        then the new secret (pending until `confirm_device`)."""
        body = _body(DeviceEnrolRequest, current_password=current_password)
        return await self._request("POST", "/me/device", json=body, model=DeviceRegistration)

    async def confirm_device(self, code: str) -> None:
        """The first code from the new authenticator: it replaces the old one, and the
        channel becomes the app."""
        body = _body(DeviceConfirmRequest, code=code.strip())
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
        return await self._request("GET", f"/requests/{_segment(ref)}", model=Request)

    async def find_request(
        self, ref: str, memberships: Sequence[str]
    ) -> tuple[str, Request] | None:
        """`ref` as read while acting for each of `memberships` in turn (not the acting
        one: `participant_id` stays as it is): the first membership it belongs to, with the
        request; None when none of them can read it."""
        for participant_id in memberships:
            try:
                response = await self._send(
                    "GET", f"/requests/{_segment(ref)}", acting=participant_id
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
        body = _body(ActionRequest, version=version, comment=comment)
        path = f"/requests/{_segment(ref)}/actions/{_segment(action)}"
        return await self._request(
            "POST", path, json=body, model=Request, idempotency_key=idempotency_key
        )

    @asynccontextmanager
    async def open_stream(
        self,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A streaming GET (server-sent events), its status already checked; read it with
        `response.aiter_lines()`. Raises like any call; used by `client.notices`."""
        sent = {"Accept": "text/event-stream", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.participant_id:
            sent["X-Participant-ID"] = self.participant_id
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0), read=read_timeout)
        request = self._http.build_request("GET", path, headers=sent, timeout=timeout)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TimeoutException as error:
            raise PortalUnreachable(self.base_url, "timeout", timed_out=True) from error
        except httpx.TransportError as error:
            raise PortalUnreachable(self.base_url, type(error).__name__) from error
        try:
            if not response.is_success:
                await response.aread()
                raise self._problem(response)
            yield response
        finally:
            await response.aclose()

    # eServices

    async def eservices(self, q: str = "") -> list[EServiceSummary]:
        """The forms this user may make, best match for `q` first."""
        return await self._request(
            "GET", "/eservices", params={"q": q or None}, model=_ESERVICE_LIST
        )

    async def eservice(self, code: str) -> EServiceDefinition:
        return await self._request("GET", f"/eservices/{_segment(code)}", model=EServiceDefinition)

    async def autofill(self, code: str) -> dict[str, Any]:
        """The acting membership's values for the form's auto-fill fields."""
        return await self._request(
            "GET", f"/eservices/{_segment(code)}/autofill", model=_FIELD_VALUES
        )

    # Requests (forms and the detail screen)

    async def create_request(
        self, eservice: str, fields: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> Request:
        """Save a new Draft (auto-fill applied, reference assigned). Pass the same
        `idempotency_key` when retrying, so a dropped answer never makes a second one."""
        body = _body(CreateRequest, eservice=eservice, fields=dict(fields))
        return await self._request(
            "POST", "/requests", json=body, model=Request, idempotency_key=idempotency_key
        )

    async def update_request(self, ref: str, version: int, fields: Mapping[str, Any]) -> Request:
        """Save a Draft or Returned request; 409 `version_conflict` if `version` is stale."""
        body = _body(UpdateRequest, version=version, fields=dict(fields))
        return await self._request("PATCH", f"/requests/{_segment(ref)}", json=body, model=Request)

    async def validate_request(self, ref: str, fields: Mapping[str, Any]) -> list[FieldError]:
        """What the portal would refuse in `fields` (nothing is saved)."""
        body = _body(ValidateRequest, fields=dict(fields))
        result = await self._request(
            "POST", f"/requests/{_segment(ref)}/validate", json=body, model=ValidationResult
        )
        return result.errors

    async def audit(self, ref: str) -> list[AuditEntry]:
        return await self._request("GET", f"/requests/{_segment(ref)}/audit", model=_AUDIT)

    async def verify_audit(self, ref: str) -> AuditVerification:
        """Whether the audit trail's hash chain holds (`broken_at`: the first altered)."""
        return await self._request(
            "GET", f"/requests/{_segment(ref)}/audit/verify", model=AuditVerification
        )

    async def audit_pdf(self, ref: str) -> bytes:
        """The audit trail as a PDF file's bytes."""
        response = await self._send("GET", f"/requests/{_segment(ref)}/audit.pdf")
        return response.content

    async def download_audit_pdf(self, ref: str, dest: Path) -> Path:
        """Save the audit trail's PDF in the folder `dest` as `<ref> audit trail.pdf`
        (never replacing a file: " (2)" is added); returns its path."""
        name = f"{_UNSAFE_NAME.sub('_', ref)} audit trail.pdf"
        url = f"/requests/{_segment(ref)}/audit.pdf"
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
        url = f"/requests/{_segment(ref)}/attachments"
        response: httpx.Response | None = None
        for attempt in (1, 2):
            headers = {**self._attachment_headers(), **upload.headers, "Idempotency-Key": key}
            try:
                response = await self._http.post(
                    url, content=upload.body(progress), headers=headers
                )
            except httpx.TimeoutException as error:
                if attempt == 1:
                    continue
                raise PortalUnreachable(self.base_url, "timeout", timed_out=True) from error
            except httpx.TransportError as error:
                if attempt == 1:
                    continue
                raise PortalUnreachable(self.base_url, type(error).__name__) from error
            break
        assert response is not None
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
        url = f"/requests/{_segment(ref)}/attachments/{_segment(attachment_id)}"
        return await self._download(url, dest, lambda given: download_name(given, attachment_id))

    async def _download(
        self,
        url: str,
        dest: Path,
        name: Callable[[str | None], str],
        *,
        kinds: Collection[Kind] = KINDS,
    ) -> Path:
        """The one download: streamed into a new file in `dest` (client/transfer.py),
        named by `name` from the portal's Content-Disposition, checked against its digest
        and `kinds`."""
        try:
            async with self._http.stream("GET", url, headers=self._attachment_headers()) as got:
                if not got.is_success:
                    await got.aread()
                    raise self._problem(got)
                chosen = name(got.headers.get("content-disposition"))
                return await save_response(got, dest, chosen, kinds)
        except httpx.TimeoutException as error:
            raise PortalUnreachable(self.base_url, "timeout", timed_out=True) from error
        except httpx.TransportError as error:
            raise PortalUnreachable(self.base_url, type(error).__name__) from error
        except DigestMismatch as error:
            raise PortalError(
                200,
                "bad_download",
                str(error),
                "Download it again; if it keeps happening, tell the portal's support desk.",
            ) from None
        except WrongKind as error:
            raise PortalError(
                200,
                "bad_response",
                f"{error} (from the portal at {self.base_url})",
                "Try again; if it keeps happening, tell the portal's support desk.",
            ) from None

    async def delete_attachment(self, ref: str, attachment_id: str) -> None:
        """Remove an attachment from a Draft or Returned request (its maker only)."""
        url = f"/requests/{_segment(ref)}/attachments/{_segment(attachment_id)}"
        await self._request("DELETE", url)

    def _attachment_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.participant_id:
            headers["X-Participant-ID"] = self.participant_id
        return headers

    # Accounts (a CCDA's users; the exchange's CCDAs)

    async def admin_users(self) -> list[AdminUser]:
        """The users this CCDA administers (the exchange: every firm's CCDAs)."""
        return await self._request("GET", "/admin/users", model=_ADMIN_USERS)

    async def admin_user(self, user_id: str) -> AdminUser:
        return await self._request("GET", f"/admin/users/{_segment(user_id)}", model=AdminUser)

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
        body = _body(
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
        body = _body(PatchUserRequest, status=status, rights=rights)
        return await self._request(
            "PATCH", f"/admin/users/{_segment(user_id)}", json=body, model=AdminUser
        )

    async def unlock_user(self, user_id: str, *, idempotency_key: str | None = None) -> AdminUser:
        return await self._request(
            "POST",
            f"/admin/users/{_segment(user_id)}/unlock",
            model=AdminUser,
            idempotency_key=idempotency_key,
        )

    async def reset_device(self, user_id: str, *, idempotency_key: str | None = None) -> AdminUser:
        """Forget the user's authenticator: its next login by app registers a new one."""
        return await self._request(
            "POST",
            f"/admin/users/{_segment(user_id)}/reset-device",
            model=AdminUser,
            idempotency_key=idempotency_key,
        )

    async def resend_setup_mail(
        self, user_id: str, *, idempotency_key: str | None = None
    ) -> AdminUser:
        """A new set-up token for a user who has not set a password yet."""
        return await self._request(
            "POST",
            f"/admin/users/{_segment(user_id)}/setup-mail",
            model=AdminUser,
            idempotency_key=idempotency_key,
        )

    async def account_audit(self, user_id: str) -> list[AccountAuditEntry]:
        """The account's changes, newest first."""
        return await self._request(
            "GET", f"/admin/users/{_segment(user_id)}/audit", model=_ACCOUNT_AUDIT
        )

    # Events and the document library

    async def events(self) -> list[Event]:
        """Upcoming events, soonest first, with seats left and my enrolment."""
        return await self._request("GET", "/events", model=_EVENTS)

    async def enrol(self, event_id: str) -> Enrolment:
        """A seat, or a place on the waiting list when full; twice changes nothing."""
        return await self._request(
            "POST", f"/events/{_segment(event_id)}/enrolment", model=Enrolment
        )

    async def withdraw_enrolment(self, event_id: str) -> Enrolment:
        """Give up a seat or a waiting-list place; not enrolled changes nothing."""
        return await self._request(
            "DELETE", f"/events/{_segment(event_id)}/enrolment", model=Enrolment
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
        url = f"/documents/{_segment(document_id)}/file"
        return await self._download(
            url, dest, lambda given: _download_name(given, document_id), kinds=PDF_ONLY
        )

    # The machinery

    @overload
    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        model: type[M],
        idempotency_key: str | None = None,
    ) -> M: ...

    @overload
    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        model: TypeAdapter[T],
        idempotency_key: str | None = None,
    ) -> T: ...

    @overload
    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        model: None = None,
        idempotency_key: str | None = None,
    ) -> None: ...

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        model: type[BaseModel] | TypeAdapter[Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Send a call and parse its answer into `model` (a model class, or a TypeAdapter
        for lists and other shapes); `model=None` for 202/204 answers."""
        response = await self._send(
            method, path, json=json, params=params, idempotency_key=idempotency_key
        )
        return None if model is None else self._parse(response, model)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        acting: str | None = None,
    ) -> httpx.Response:
        """Send with auth headers, retry once where safe, raise on a problem answer.
        `acting`: the membership to act for in this one call (else `participant_id`)."""
        method = method.upper()
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if acting or self.participant_id:
            headers["X-Participant-ID"] = acting or self.participant_id or ""
        if idempotency_key is None and method == "POST":
            idempotency_key = str(uuid.uuid4())
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        payload: Any = json
        if isinstance(json, BaseModel):
            payload = json.model_dump(mode="json", exclude_none=True)
        query = {k: v for k, v in (params or {}).items() if v is not None} or None
        retryable = method in IDEMPOTENT_METHODS or idempotency_key is not None
        attempts = 2 if retryable else 1
        for attempt in range(1, attempts + 1):
            try:
                response = await self._http.request(
                    method, path, json=payload, params=query, headers=headers
                )
            except httpx.TimeoutException as error:
                if attempt < attempts:
                    continue
                raise PortalUnreachable(self.base_url, "timeout", timed_out=True) from error
            except httpx.TransportError as error:
                if attempt < attempts:
                    continue
                raise PortalUnreachable(self.base_url, type(error).__name__) from error
            break
        if response.is_success:
            return response
        raise self._problem(response)

    def _parse(self, response: httpx.Response, model: type[BaseModel] | TypeAdapter[Any]) -> Any:
        try:
            try:
                if isinstance(model, TypeAdapter):
                    return model.validate_json(response.content)
                return model.model_validate_json(response.content)
            except ValidationError as error:
                if not any(e["type"] == "json_invalid" for e in error.errors()):
                    raise
                # pydantic's JSON reader refuses a lone surrogate escape ("\ud800"), which
                # Python's accepts: read it so, and let the screens show it as a mark
                # (tui/safe_text.py) rather than refuse the whole answer.
                data = json.loads(response.content, parse_constant=_no_constant)
                if isinstance(model, TypeAdapter):
                    return model.validate_python(data)
                return model.model_validate(data)
        except (ValidationError, ValueError):
            raise PortalError(
                response.status_code,
                "bad_response",
                f"The portal at {self.base_url} sent an answer cc-tui does not understand.",
                "Check that --server points at a Client Connect portal of a matching version.",
            ) from None

    def _problem(self, response: httpx.Response) -> PortalError:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        try:
            problem = Problem.model_validate_json(response.content)
        except ValidationError:
            return PortalError(
                response.status_code,
                f"http_{response.status_code}",
                f"The portal answered {response.status_code} {response.reason_phrase}.",
                "Try again; if it keeps happening, tell the portal's support desk.",
                retry_after=retry_after,
            )
        errors = tuple(
            FieldProblem(field=item.field, message=item.message, fix=item.fix)
            for item in problem.errors or ()
        )
        return problem_error(
            problem.status or response.status_code,
            problem.code,
            problem.detail,
            problem.fix,
            errors,
            retry_after,
        )
