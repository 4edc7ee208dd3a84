"""How PortalClient talks to the portal: one place for the HTTP mechanics.

`PortalHttp` holds the httpx client and does what every call shares, so that each
endpoint in `client/portal.py` is a few lines:
- the headers of a signed-in call (bearer token, membership) and the Idempotency-Key of
  every state-changing POST (uuid4);
- one retry, with the same key, of a call whose request may not have arrived (connection
  refused, dropped, timed out) when it is idempotent: GET/PUT/DELETE, or any call that
  carries a key. A caller that retries a whole operation after `PortalUnreachable` (the
  user pressed r) passes its own `idempotency_key` so the portal still sees one operation;
- the answer parsed into the `cc_tui.api` model a call names, or a problem answer turned
  into `PortalError`; no answer at all into `PortalUnreachable`. Errors never surface as
  httpx or pydantic exceptions;
- the one download (streamed to a new file, digest and kind checked: client/transfer.py)
  and the one streaming GET (server-sent events).
Request bodies are built from the contract's models by `checked_body`, so the contract's
limits (empty or over-long fields) are refused before any request, in the same
`PortalError(422, "validation_failed")` shape the server would send.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Self, TypeVar, overload
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from cc_tui import __version__
from cc_tui.api import API_PREFIX
from cc_tui.api.problem import PROBLEM_MEDIA_TYPE, Problem
from cc_tui.client.errors import FieldProblem, PortalError, PortalUnreachable, problem_error
from cc_tui.client.transfer import DigestMismatch, WrongKind, save_response
from cc_tui.domain.files import KINDS, Kind
from cc_tui.domain.i18n import _

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Below the portal's 5 s keep-alive: a connection idle for exactly that long was reused as
# the server closed it ("server disconnected", bench/soak.py).
KEEPALIVE_EXPIRY_S = 4.0


def api_url(base_url: str) -> str:
    """`http://host:port` or `http://host:port/api/v1` -> the API root, without a slash."""
    root = base_url.rstrip("/")
    return root if root.endswith(API_PREFIX) else root + API_PREFIX


# The longest wait a portal's Retry-After is taken at: the weekly maintenance window
# (16 hours) fits; a larger figure from a portal is read as this, not as years.
MAX_RETRY_AFTER = 24 * 3600.0


def whole_number(text: str, most_digits: int = 18) -> int | None:
    """`text` as a whole number if it is ASCII digits only (str.isdigit also takes "²",
    which int() refuses) and not absurdly long; else None. For numbers a portal sends."""
    if not (text.isascii() and text.isdigit()) or len(text) > most_digits:
        return None
    return int(text)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date), at
    most MAX_RETRY_AFTER; None when it says neither."""
    if not value:
        return None
    value = value.strip()
    seconds = whole_number(value)
    if seconds is not None:
        return min(float(seconds), MAX_RETRY_AFTER)
    if value.isdigit():
        return MAX_RETRY_AFTER if value.isascii() else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max(0.0, (moment - datetime.now(UTC)).total_seconds()), MAX_RETRY_AFTER)


def segment(text: str) -> str:
    """A value made safe as one URL path segment (a reference typed by a user)."""
    return quote(text, safe="")


def checked_body(model: type[M], **values: Any) -> M:
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
            _("Correct the field and try again."),
            problems,
        ) from None


def _field_message(item: Any) -> str:
    kind = item.get("type", "")
    context = item.get("ctx") or {}
    if kind == "string_too_short":
        return _("this field is empty") if context.get("min_length") == 1 else _("too short")
    if kind == "string_too_long":
        return _("longer than {limit} characters").format(limit=context.get("max_length"))
    return str(item.get("msg", _("not valid")))


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: refused as pydantic's reader refuses them."""
    raise ValueError(f"{name} is not JSON")


class PortalHttp:
    """The httpx client and the mechanics every call of PortalClient shares. Use as
    `async with ...:` or call `aclose()` when done."""

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
            base_url=api_url(base_url),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_S),
            transport=transport,
            headers={
                "Accept": f"application/json, {PROBLEM_MEDIA_TYPE}",
                "User-Agent": f"cc-tui/{__version__}",
                "Accept-Language": language,
            },
        )

    @property
    def language(self) -> str:
        return str(self._http.headers["Accept-Language"])

    @language.setter
    def language(self, language: str) -> None:
        """The language the portal answers in from the next call on (Accept-Language)."""
        self._http.headers["Accept-Language"] = language

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _signed_in_headers(self, acting: str | None = None) -> dict[str, str]:
        """Who is asking: the session's bearer token and the membership acted for
        (`acting` for one call, else `participant_id`)."""
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if acting or self.participant_id:
            headers["X-Participant-ID"] = acting or self.participant_id or ""
        return headers

    def _unreachable(self, error: httpx.TransportError) -> PortalUnreachable:
        """No answer came (refused, dropped, timed out): what the screens are told."""
        if isinstance(error, httpx.TimeoutException):
            return PortalUnreachable(self.base_url, "timeout", timed_out=True)
        return PortalUnreachable(self.base_url, type(error).__name__)

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
        headers = self._signed_in_headers(acting)
        if idempotency_key is None and method == "POST":
            idempotency_key = str(uuid.uuid4())
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        payload: Any = json
        if isinstance(json, BaseModel):
            payload = json.model_dump(mode="json", exclude_none=True)
        query = {k: v for k, v in (params or {}).items() if v is not None} or None
        retryable = method in IDEMPOTENT_METHODS or idempotency_key is not None
        response = await self._sent_with_retry(
            lambda: self._http.request(method, path, json=payload, params=query, headers=headers),
            attempts=2 if retryable else 1,
        )
        if response.is_success:
            return response
        raise self._problem(response)

    async def _sent_with_retry(
        self, send: Callable[[], Any], *, attempts: int = 2
    ) -> httpx.Response:
        """`send()`'s response, tried again (`attempts` in all) when no answer came."""
        for attempt in range(1, attempts + 1):
            try:
                response: httpx.Response = await send()
            except httpx.TransportError as error:
                if attempt < attempts:
                    continue
                raise self._unreachable(error) from error
            return response
        raise AssertionError("attempts must be at least 1")

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
        sent = {"Accept": "text/event-stream", **(headers or {}), **self._signed_in_headers()}
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0), read=read_timeout)
        request = self._http.build_request("GET", path, headers=sent, timeout=timeout)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise self._unreachable(error) from error
        try:
            if not response.is_success:
                await response.aread()
                raise self._problem(response)
            yield response
        finally:
            await response.aclose()

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
            async with self._http.stream("GET", url, headers=self._signed_in_headers()) as got:
                if not got.is_success:
                    await got.aread()
                    raise self._problem(got)
                chosen = name(got.headers.get("content-disposition"))
                return await save_response(got, dest, chosen, kinds)
        except httpx.TransportError as error:
            raise self._unreachable(error) from error
        except DigestMismatch as error:
            raise PortalError(
                200,
                "bad_download",
                str(error),
                _("Download it again; if it keeps happening, tell the portal's support desk."),
            ) from None
        except WrongKind as error:
            raise PortalError(
                200,
                "bad_response",
                _("{error} (from the portal at {base_url})").format(
                    error=error, base_url=self.base_url
                ),
                _("Try again; if it keeps happening, tell the portal's support desk."),
            ) from None

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
                _("The portal at {base_url} sent an answer cc-tui does not understand.").format(
                    base_url=self.base_url
                ),
                _("Check that --server points at a Client Connect portal of a matching version."),
            ) from None

    def _problem(self, response: httpx.Response) -> PortalError:
        wait = retry_after(response.headers.get("Retry-After"))
        try:
            problem = Problem.model_validate_json(response.content)
        except ValidationError:
            return PortalError(
                response.status_code,
                f"http_{response.status_code}",
                _("The portal answered {status_code} {reason_phrase}.").format(
                    status_code=response.status_code, reason_phrase=response.reason_phrase
                ),
                _("Try again; if it keeps happening, tell the portal's support desk."),
                retry_after=wait,
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
            wait,
        )
