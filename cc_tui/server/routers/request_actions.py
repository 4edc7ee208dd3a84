"""Requests, the write side: create, save, validate, the workflow's actions, the audit PDF.

Thin on purpose: each endpoint reads who is asking, refuses during the maintenance
window, and calls `store.request_writes` inside one transaction (BEGIN IMMEDIATE); the
request is read inside that transaction, so its version, status and the conditional
UPDATE all see the same row. Task notices are e-mailed after the commit, as a background
task once the answer has gone (a Maildir write fsyncs; a mail server may be slow): the
notice rows are already committed, so nobody waits for the mail.

- Every state-changing call (POST /requests, PATCH, POST .../actions/...) honours
  `Idempotency-Key`: a retry with the same key gets the first answer back (status and
  body, with `Idempotent-Replayed: true`) and changes nothing, even during maintenance.
- During the weekly maintenance window every write answers 503 `maintenance` with
  `Retry-After`; reads and POST .../validate (which changes nothing) still work.
- A business-day-only eService takes no new request and no action outside business
  days (409 `business_day_only`); saving an existing draft is still allowed.
- The audit PDF is available at every status: a request's trail is worth reading before
  it is final too, and the PDF's summary states the status, so a trail that may still
  grow is never mistaken for a final one. It is rendered in a worker thread (fpdf2 is
  CPU work; the first render also imports it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Request, Response
from starlette.background import BackgroundTask

from cc_tui.api.forms import eservice_definition
from cc_tui.api.problem import ProblemCode
from cc_tui.api.requests import (
    ActionRequest,
    CreateRequest,
    UpdateRequest,
    ValidateRequest,
    ValidationResult,
)
from cc_tui.api.requests import Request as RequestModel
from cc_tui.domain import calendar
from cc_tui.domain.forms import EService, FieldIssue, UnknownEService, get_eservice
from cc_tui.domain.i18n import _
from cc_tui.domain.workflow import USER_ACTIONS, Action
from cc_tui.server import pdf
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.deps import Context, CurrentPrincipal, viewer_of
from cc_tui.server.errors import ApiError
from cc_tui.server.idempotency import IdempotentCall, check_key, run_once
from cc_tui.server.notice_hub import hub_of
from cc_tui.server.openapi import problem_responses
from cc_tui.server.routers.eservices import find_eservice
from cc_tui.server.service_hours import (
    ServiceHours,
    refuse_during_maintenance,
    refuse_outside_business_day,
    refuse_when_closed,
)
from cc_tui.server.store import request_writes as writes
from cc_tui.server.store.audit_chain import one_moment, verify_chain
from cc_tui.server.store.idempotency import StoredAnswer
from cc_tui.server.store.notifications import TaskNotice, mail_task_notices
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.requests import (
    RequestRow,
    get_visible_request,
    list_audit,
    request_model,
)

router = APIRouter(prefix="/requests", tags=["requests"])

IdempotencyKey = Annotated[
    str | None,
    Header(description="A unique key per change; a retry with the same key changes nothing."),
]

Change = Callable[[sqlite3.Connection], tuple[int, RequestModel, list[TaskNotice]]]
Changed = tuple[RequestModel, list[TaskNotice]]


def _today(context: ServerContext) -> date:
    return calendar.to_hkt(context.now()).date()


async def _run_change(
    context: ServerContext,
    principal: Principal,
    http_request: Request,
    key: str | None,
    operation: str,
    change: Change,
    *,
    headers: Callable[[RequestModel], dict[str, str]] | None = None,
    refuse_maintenance: bool = True,
) -> Response:
    """Run `change` in one transaction with its idempotency key; mail its notices after.

    `operation` is what makes a retry the same operation (see `store.idempotency`).
    `refuse_maintenance=False` where `change` checks the window itself, after the checks
    a person needs first.

    The key's lookup, the transaction and a race lost to another process are
    `idempotency.run_once`'s.
    """
    call = IdempotentCall.of(http_request, principal.user_id, check_key(key), operation)

    def keyed(
        conn: sqlite3.Connection,
    ) -> tuple[StoredAnswer, tuple[RequestModel, list[TaskNotice]]]:
        status, model, notices = change(conn)
        return StoredAnswer(status, model.model_dump_json()), (model, notices)

    ran = run_once(
        context.db,
        context.now(),
        call,
        keyed,
        before=(lambda: refuse_during_maintenance(context)) if refuse_maintenance else None,
    )
    if isinstance(ran, Response):
        return ran
    model, notices = ran.result
    if notices:
        # Wake the open streams of every server process on this store.
        hub_of(http_request.app).announce()
    response = ran.response(headers(model) if headers else None)
    if notices:
        # A plain function: Starlette runs it in its thread pool after the answer is sent.
        response.background = BackgroundTask(mail_task_notices, context.mailer, notices)
    return response


def _eservice_of(row: RequestRow) -> EService:
    try:
        return get_eservice(row.eservice)
    except UnknownEService as unknown:
        raise ApiError(404, ProblemCode.NOT_FOUND, unknown.message, unknown.fix) from None


@router.post(
    "",
    status_code=201,
    response_model=RequestModel,
    responses=problem_responses(400, 401, 403, 409, 422, 503),
)
async def create_request(
    body: CreateRequest,
    http_request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A new Draft of an eService, auto-filled from the acting membership's profile."""
    writes.refuse_unencodable(body.fields)
    viewer = viewer_of(principal)

    def change(conn: sqlite3.Connection) -> tuple[int, RequestModel, list[TaskNotice]]:
        try:
            eservice = get_eservice(body.eservice)
        except UnknownEService as unknown:
            raise ApiError(
                422,
                ProblemCode.VALIDATION_FAILED,
                unknown.message,
                unknown.fix,
                writes.field_errors([FieldIssue("eservice", unknown.message, unknown.fix)]),
            ) from None
        if principal.participant_id is None or not principal.has_right(eservice.make_right):
            raise ApiError(
                403,
                ProblemCode.FORBIDDEN,
                (
                    _("You may not make {code} {name} requests for this membership.")
                    if principal.participant_id
                    else _("You may not make {code} {name} requests.")
                ).format(code=eservice.code, name=eservice.name),
                _(
                    "Ask your firm's delegated administrator (CCDA) for the right {make_right}."
                ).format(make_right=eservice.make_right),
            )
        refuse_outside_business_day(context, eservice)
        row = writes.create_draft(
            conn,
            eservice=eservice,
            participant_id=principal.participant_id,
            maker=principal.user_id,
            values=body.fields,
            profile=membership_profile(conn, principal.participant_id),
            now=context.now(),
        )
        return 201, request_model(conn, row, viewer, ServiceHours.of(context)), []

    return await _run_change(
        context,
        principal,
        http_request,
        idempotency_key,
        # The eService alone: a retry after a crash may carry what was typed since.
        body.eservice.strip().upper(),
        change,
        headers=lambda model: {"Location": f"{http_request.url.path}/{model.ref}"},
    )


@router.patch(
    "/{ref}",
    response_model=RequestModel,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
async def update_request(
    ref: str,
    body: UpdateRequest,
    http_request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Save a Draft or Returned request (its maker only) at the version it was read."""
    writes.refuse_unencodable(body.fields)
    viewer = viewer_of(principal)

    def change(conn: sqlite3.Connection) -> tuple[int, RequestModel, list[TaskNotice]]:
        row = get_visible_request(conn, viewer, ref)
        eservice = _eservice_of(row)
        if not principal.has_right(eservice.make_right) and row.maker == principal.user_id:
            raise ApiError(
                403,
                ProblemCode.FORBIDDEN,
                _("You no longer hold the right to make {code} requests.").format(
                    code=eservice.code
                ),
                _(
                    "Ask your firm's delegated administrator (CCDA) for {make_right}, or discard "
                    "the request."
                ).format(make_right=eservice.make_right),
            )
        updated = writes.save_fields(
            conn,
            row,
            eservice,
            user_id=principal.user_id,
            acting_participant_id=principal.participant_id,
            expected_version=body.version,
            values=body.fields,
            now=context.now(),
        )
        return 200, request_model(conn, updated, viewer, ServiceHours.of(context)), []

    return await _run_change(
        context, principal, http_request, idempotency_key, body.model_dump_json(), change
    )


@router.post("/{ref}/validate", responses=problem_responses(401, 403, 404))
async def validate_request(
    ref: str, body: ValidateRequest, context: Context, principal: CurrentPrincipal
) -> ValidationResult:
    """What submit would refuse if these values (over the stored ones) were saved.

    Changes nothing, so it works during maintenance too.
    """
    writes.refuse_unencodable(body.fields)
    conn = context.db.connect()
    row = get_visible_request(conn, viewer_of(principal), ref)
    eservice = _eservice_of(row)
    values: dict[str, object] = dict(row.fields)
    values.update(body.fields)
    issues = writes.submission_issues(eservice, values, row.participant_id, _today(context))
    return ValidationResult(errors=writes.field_errors(issues))


def _user_action(action: str) -> Action:
    for known in USER_ACTIONS:
        if known.value == action:
            return known
    raise ApiError(
        404,
        ProblemCode.NOT_FOUND,
        _("There is no action {action} on a request.").format(action=repr(action[:40])),
        _("Use one of: {actions}.").format(actions=", ".join(a.value for a in USER_ACTIONS)),
    )


@router.post(
    "/{ref}/actions/{action}",
    response_model=RequestModel,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 503),
)
async def take_action(
    ref: str,
    action: str,
    body: ActionRequest,
    http_request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """submit, approve, return, reject, withdraw, discard or complete, at `version`.

    Refusals come in the order a person needs them: 409 `version_conflict` for a stale
    version, then who may do what (403 `maker_cannot_check` for the maker of the request
    whatever rights it holds, 403 `forbidden`, 409 `invalid_transition`, 422 for a
    missing comment), and only then the hour and day rules (503 `maintenance`, 409
    `business_day_only`), then (submit) the fields.

    403 `maker_cannot_check` for the maker of the request whatever rights it holds;
    409 `invalid_transition` from a status the action does not leave; 409
    `version_conflict` for a stale version; 422 when a comment is required and missing,
    or (submit) with every field error.
    """
    chosen = _user_action(action)
    viewer = viewer_of(principal)

    def change(conn: sqlite3.Connection) -> tuple[int, RequestModel, list[TaskNotice]]:
        row = get_visible_request(conn, viewer, ref)
        eservice = _eservice_of(row)
        outcome = writes.take_action(
            conn,
            row,
            eservice,
            party=viewer.party(row.eservice),
            action=chosen,
            expected_version=body.version,
            comment=body.comment,
            acting_participant_id=principal.participant_id,
            now=context.now(),
            today=_today(context),
            refuse_closed=lambda: refuse_when_closed(context, eservice),
        )
        return (
            200,
            request_model(conn, outcome.row, viewer, ServiceHours.of(context)),
            outcome.notices,
        )

    return await _run_change(
        context,
        principal,
        http_request,
        idempotency_key,
        body.model_dump_json(),
        change,
        refuse_maintenance=False,
    )


@router.get(
    "/{ref}/audit.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The audit trail as a PDF"},
        **problem_responses(401, 403, 404),
    },
)
async def audit_pdf(ref: str, context: Context, principal: CurrentPrincipal) -> Response:
    """The request's summary, fields and whole audit trail as a PDF, at any status, with
    the hash chain's head and whether it verifies."""
    viewer = viewer_of(principal)
    # One moment of the store: the entries printed are the ones the chain verdict is of.
    with one_moment(context.db.connect()) as conn:
        row = get_visible_request(conn, viewer, ref)
        model = request_model(conn, row, viewer)
        entries = list_audit(conn, row.id)
        chain = verify_chain(conn, row.id)
    definition = eservice_definition(find_eservice(row.eservice))
    now = context.now()
    document = await anyio.to_thread.run_sync(
        lambda: pdf.audit_pdf(model, entries, now, eservice=definition, chain=chain)
    )
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="audit_{row.ref}.pdf"'},
    )
