"""Requests, the read side: the dashboard's lists and counts, a request, its audit trail.

Thin: parse and check the parameters, build the reader (`Viewer`) from the session, call
the store (`store/request_query.py` for lists, `store/requests.py` for one request).

- `q` takes the filter grammar, parsed by `cc_tui.domain.query`; the `status`,
  `eservice`, `maker`, `firm`, `from` and `to` parameters are the same filters written
  separately (each may repeat) and are parsed by the same grammar. A filter that cannot
  be read is 400 `bad_query`, saying what is wrong, at which column, and how to fix it.
- `limit` is 1 to 200 (422 beyond); a cursor that is not this list's is 400 `bad_cursor`.
- Another firm's request is 404 `not_found`, exactly like a reference that does not
  exist.

The four reads a dashboard refresh makes (the lists, the counts, a request) take
fast_route.py's lane: a plain request is answered without FastAPI's per-parameter
validation (`_list_arguments` reads the list's parameters; anything unusual goes to
FastAPI, which validates and answers as declared below). A list page is sent as the
JSON bytes of its summaries, kept per row (`request_query.page_json`); whole answers
are kept until the store, the reader or the service hours' moment changes.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request, Response

from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.api.requests import AuditEntry, AuditVerification, RequestPage, SectionCounts
from cc_tui.api.requests import Request as RequestModel
from cc_tui.domain.i18n import _
from cc_tui.domain.query import Query as FilterQuery
from cc_tui.domain.query import QueryError, QueryField, parse_query
from cc_tui.domain.sections import Section, Sort
from cc_tui.server.deps import Context, CurrentPrincipal, viewer_of
from cc_tui.server.errors import ApiError
from cc_tui.server.fast_route import FastRoute, fast_lane, no_parameters, timeless
from cc_tui.server.openapi import problem_responses
from cc_tui.server.service_hours import ServiceHours, moment_key
from cc_tui.server.store import request_query
from cc_tui.server.store.audit_chain import verify_chain
from cc_tui.server.store.requests import get_visible_request, list_audit, request_model

router = APIRouter(prefix="/requests", tags=["requests"], route_class=FastRoute)

MAX_Q: Final = 500
MAX_VALUES: Final = 100  # status, eservice, maker and firm parameters, each
MAX_DATES: Final = 20  # from and to, each
MAX_CURSOR: Final = 2000
Values = Annotated[list[str] | None, Query(max_length=MAX_VALUES)]
Dates = Annotated[list[str] | None, Query(max_length=MAX_DATES)]


def _bad_query(error: QueryError, where: str, text: str) -> ApiError:
    return ApiError(
        400,
        ProblemCode.BAD_QUERY,
        _("{message} ({where}, at column {column}: {text})").format(
            message=error.message, where=where, column=error.column, text=repr(text[:80])
        ),
        error.fix,
        [
            FieldError(
                field=where,
                message=_("column {column}: {message}").format(
                    column=error.column, message=error.message
                ),
                fix=error.fix,
            )
        ],
    )


def filter_query(
    q: str,
    params: dict[QueryField, list[str] | None],
) -> FilterQuery:
    """`q` and the separate filter parameters as one typed query."""
    try:
        query = parse_query(q)
    except QueryError as error:
        raise _bad_query(error, "q", q) from None
    filters = list(query.filters)
    for field, values in params.items():
        for value in values or ():
            text = f"{field.value}:{value}" if " " not in value else f'{field.value}:"{value}"'
            try:
                extra = parse_query(text)
            except QueryError as error:
                raise _bad_query(error, field.value, text) from None
            if len(extra.filters) != 1 or extra.terms:
                raise ApiError(
                    400,
                    ProblemCode.BAD_QUERY,
                    _("The {parameter} parameter holds more than one value: {value}.").format(
                        parameter=field.value, value=repr(value[:80])
                    ),
                    _("Send one value per {parameter} parameter; repeat it for more.").format(
                        parameter=field.value
                    ),
                )
            filters.extend(extra.filters)
    for field in (QueryField.FROM, QueryField.TO):
        if sum(1 for f in filters if f.field is field) > 1:
            raise ApiError(
                400,
                ProblemCode.BAD_QUERY,
                _("{parameter}: is given more than once (in q and as a parameter).").format(
                    parameter=field.value
                ),
                _("Keep one {parameter} date.").format(parameter=field.value),
            )
    return FilterQuery(query.terms, tuple(filters))


_SECTIONS: Final = {section.value: section for section in Section}
_SORTS: Final = {sort.value: sort for sort in Sort}
_SCALARS: Final = ("section", "q", "sort", "cursor", "limit")
_LISTS: Final = (
    ("status", MAX_VALUES),
    ("eservice", MAX_VALUES),
    ("maker", MAX_VALUES),
    ("firm", MAX_VALUES),
)


def _list_arguments(request: Request) -> dict[str, Any] | None:
    """`list_requests`' parameters as FastAPI would pass them, or None when any is not
    plainly valid (FastAPI then validates them all and answers as declared)."""
    params = request.query_params
    for name in _SCALARS:
        if len(params.getlist(name)) > 1:
            return None
    section = _SECTIONS.get(params.get("section", Section.ALL.value))
    sort = _SORTS.get(params.get("sort", Sort.UPDATED_DESC.value))
    q = params.get("q", "")
    cursor = params.get("cursor")
    limit_text = params.get("limit")
    limit = request_query.DEFAULT_LIMIT
    if limit_text is not None:
        if not (limit_text.isascii() and limit_text.isdigit() and limit_text[0] != "0"):
            return None
        limit = int(limit_text)
    if (
        section is None
        or sort is None
        or len(q) > MAX_Q
        or (cursor is not None and len(cursor) > MAX_CURSOR)
        or not 1 <= limit <= request_query.MAX_LIMIT
    ):
        return None
    arguments: dict[str, Any] = {
        "section": section,
        "q": q,
        "sort": sort,
        "cursor": cursor,
        "limit": limit,
    }
    for name, most in (*_LISTS, ("from", MAX_DATES), ("to", MAX_DATES)):
        values = params.getlist(name)
        if len(values) > most:
            return None
        arguments["from_" if name == "from" else name] = values or None
    return arguments


@router.get("", response_model=RequestPage, responses=problem_responses(400, 401, 403, 422))
@fast_lane(_list_arguments, kept_by=moment_key)
async def list_requests(
    context: Context,
    principal: CurrentPrincipal,
    section: Section = Section.ALL,
    q: Annotated[str, Query(max_length=MAX_Q)] = "",
    status: Values = None,
    eservice: Values = None,
    maker: Values = None,
    firm: Values = None,
    from_: Annotated[list[str] | None, Query(alias="from", max_length=MAX_DATES)] = None,
    to: Dates = None,
    sort: Sort = Sort.UPDATED_DESC,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=request_query.MAX_LIMIT)] = request_query.DEFAULT_LIMIT,
) -> Response:
    """One page of a section, filtered and sorted; `next_cursor` continues it. Each item
    carries the actions this user could take on it but not now (`unavailable_actions`)."""
    query = filter_query(
        q,
        {
            QueryField.STATUS: status,
            QueryField.ESERVICE: eservice,
            QueryField.MAKER: maker,
            QueryField.FIRM: firm,
            QueryField.FROM: from_,
            QueryField.TO: to,
        },
    )
    viewer = viewer_of(principal)
    page = request_query.find_page(
        context.db.connect(), viewer, section, query, sort, cursor or None, limit
    )
    waiting = request_query.waiting_actions(page, viewer, ServiceHours.of(context))
    return Response(request_query.page_json(page, waiting), media_type="application/json")


@router.get("/sections", responses=problem_responses(401, 403))
@fast_lane(no_parameters, kept_by=timeless)
async def section_counts(context: Context, principal: CurrentPrincipal) -> SectionCounts:
    """How many requests each section holds for this user, for the tabs."""
    return request_query.section_counts(context.db.connect(), viewer_of(principal))


def _ref_argument(request: Request) -> dict[str, Any]:
    return {"ref": request.path_params["ref"]}


@router.get("/{ref}", responses=problem_responses(401, 403, 404))
@fast_lane(_ref_argument, kept_by=moment_key)
async def get_request(ref: str, context: Context, principal: CurrentPrincipal) -> RequestModel:
    """A request: fields, attachments, comments, audit and what this user may do now."""
    conn = context.db.connect()
    viewer = viewer_of(principal)
    row = get_visible_request(conn, viewer, ref)
    return request_model(conn, row, viewer, ServiceHours.of(context))


@router.get("/{ref}/audit", responses=problem_responses(401, 403, 404))
async def get_audit(ref: str, context: Context, principal: CurrentPrincipal) -> list[AuditEntry]:
    """The request's audit trail, oldest first."""
    conn = context.db.connect()
    return list_audit(conn, get_visible_request(conn, viewer_of(principal), ref).id)


@router.get("/{ref}/audit/verify", responses=problem_responses(401, 403, 404))
async def verify_audit(
    ref: str, context: Context, principal: CurrentPrincipal
) -> AuditVerification:
    """Whether the request's audit trail still verifies: each entry's SHA-256 over its
    content and the entry before it. `broken_at` is the first entry (1 = oldest) that
    was altered, or after which one was removed or slipped in (entries + 1 when the latest
    were removed: `recorded_entries` says how many the request records); `head` the
    latest hash."""
    conn = context.db.connect()
    row = get_visible_request(conn, viewer_of(principal), ref)
    check = verify_chain(conn, row.id)
    return AuditVerification(
        intact=check.intact,
        entries=check.entries,
        broken_at=check.broken_at,
        head=check.head,
        recorded_entries=check.recorded,
    )
