"""Every error leaves the server as RFC 9457 problem+json with a stable `code`.

Routers and stores raise `ApiError`; the handlers here turn it, FastAPI's validation
errors, unknown routes and any unexpected exception into a `Problem`. No traceback
ever reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cc_tui.api.problem import PROBLEM_MEDIA_TYPE, FieldError, Problem, ProblemCode
from cc_tui.domain.i18n import N_, _, current_language, ngettext, speaking
from cc_tui.domain.text import shown
from cc_tui.domain.workflow import WorkflowError
from cc_tui.server.language import language_of_scope

log = logging.getLogger("cc_tui.server")

# A problem lists at most this many field errors, and says how many there were in all:
# a body of 100,000 unknown fields must not make an answer ten times its size.
MAX_LISTED_ERRORS = 20
# A field's name as an error quotes it (a hostile key may be a megabyte long).
MAX_FIELD_NAME = 120

_TITLES = {
    400: N_("Bad request"),
    401: N_("Not logged in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    408: N_("Request timeout"),
    409: N_("Conflict"),
    413: N_("Too large"),
    422: N_("Invalid input"),
    423: N_("Locked"),
    429: N_("Too many requests"),
    500: N_("Server error"),
    503: N_("Unavailable"),
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        fix: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        error_count: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.fix = fix
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})
        # How many errors there were when `errors` holds only some of them.
        self.error_count = error_count

    def problem(self) -> Problem:
        errors = self.errors
        total = max(self.error_count or 0, len(errors or ()))
        count = total if errors is not None and total > MAX_LISTED_ERRORS else None
        detail = self.detail
        if count is not None:
            errors = (errors or [])[:MAX_LISTED_ERRORS]
            found = ngettext(
                "{count:,} error was found; the first {listed} are listed.",
                "{count:,} errors were found; the first {listed} are listed.",
                count,
            )
            detail = f"{detail} {found.format(count=count, listed=MAX_LISTED_ERRORS)}"
        if errors is not None:
            errors = [_shown(error) for error in errors]
        return Problem(
            title=_(_TITLES.get(self.status, N_("Error"))),
            status=self.status,
            detail=shown(detail, multiline=True),
            code=self.code,
            fix=self.fix,
            errors=errors,
            error_count=count,
        )


def _shown(error: FieldError) -> FieldError:
    """A field error safe to send: a field name is a key the caller chose, and may hold
    anything (a lone surrogate would not even encode as UTF-8)."""
    return FieldError(
        field=shown(error.field, multiline=False),
        message=shown(error.message, multiline=True),
        fix=shown(error.fix, multiline=True) if error.fix is not None else None,
    )


# Workflow refusals map onto HTTP statuses here, once.
_WORKFLOW_STATUS = {
    "maker_cannot_check": 403,
    "forbidden": 403,
    "invalid_transition": 409,
    "validation_failed": 422,
}


def from_workflow(error: WorkflowError) -> ApiError:
    return ApiError(_WORKFLOW_STATUS.get(error.code, 409), error.code, error.message, error.fix)


def problem_response(error: ApiError) -> JSONResponse:
    return JSONResponse(
        error.problem().model_dump(exclude_none=True),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        # The problem's words are in the language Accept-Language asked for (i18n.py).
        headers={**error.headers, "Content-Language": current_language()},
    )


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    name = ".".join(parts) or "body"
    return name if len(name) <= MAX_FIELD_NAME else name[: MAX_FIELD_NAME - 1] + "…"


# What FastAPI raises (HTTPException 400) when a body cannot be decoded at all.
_FASTAPI_BODY_ERROR = "There was an error parsing the body"


def _not_json() -> JSONResponse:
    return problem_response(
        ApiError(
            400,
            ProblemCode.MALFORMED,
            _("The request body is not valid JSON."),
            _("Send a JSON object as the API documents it."),
        )
    )


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(WorkflowError)
    async def _workflow_error(request: Request, exc: WorkflowError) -> JSONResponse:
        return problem_response(from_workflow(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return _not_json()
        errors = [
            FieldError(field=_field_name(p.get("loc", ())), message=str(p.get("msg", "")))
            for p in problems[: MAX_LISTED_ERRORS + 1]
        ]
        return problem_response(
            ApiError(
                422,
                ProblemCode.VALIDATION_FAILED,
                _("Some of what was sent is missing or not valid."),
                _("Correct the fields listed and send again."),
                errors,
                error_count=len(problems),
            )
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _FASTAPI_BODY_ERROR:
            # A body that is not even text in a JSON encoding (bytes that are not UTF-8,
            # a UTF-16 mark before UTF-8): FastAPI's own words have no fix; ours do.
            return _not_json()
        code = ProblemCode.NOT_FOUND if exc.status_code == 404 else ProblemCode.MALFORMED
        detail = _("There is no such resource.") if exc.status_code == 404 else str(exc.detail)
        return problem_response(ApiError(exc.status_code, code, detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        # This handler runs outside the language middleware: ask the header again.
        with speaking(language_of_scope(request.scope)):
            return problem_response(
                ApiError(
                    500,
                    "server_error",
                    _("The portal hit an unexpected error; nothing was changed by it."),
                    _("Try again; if it happens again, tell the portal's support desk."),
                )
            )
