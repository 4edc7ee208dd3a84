"""A lane past FastAPI's per-request parameter and dependency work, for the few GET
routes every dashboard refresh calls (`/me`, the section counts, the lists, a request).

FastAPI solves each dependency and validates each declared parameter through pydantic
on every request: some 30 microseconds a parameter here, so that a page of a list spent
more on its 12 parameters than on SQLite (bench/throughput.py). A `FastRoute` whose
endpoint is marked with `@fast_lane(parse)` answers a request itself when it can:

- `parse(request)` reads the endpoint's own parameters (query and path) and returns
  them as keyword arguments, or None for anything that is not plainly valid: a value
  out of range or too long, a repeated parameter, an unknown section. None hands the
  request to FastAPI's own handler, which answers it as it always has: the same
  validation, the same 422s word for word, the same defaults. So the lane only ever
  answers what FastAPI would have answered the same way (tests/server/test_fast_route.py
  asks both for a corpus of queries and compares the answers byte for byte).
- who is asking comes from `deps.principal_of` with the two headers, as
  `deps.get_principal` does (401 and 403 leave as they always do);
- the endpoint is called with those; a `Response` it returns is sent as it is, and
  anything else as FastAPI would send it (its response field's JSON, by alias).

An endpoint marked `@fast_lane(parse, kept_by=moment)` also has its answers kept until
the store changes (memo.py's `recall` and `keep`: any commit, by any connection or
process, forgets them all): by endpoint, path and query as sent, reader
(`viewer_of(principal)`: user, acting membership, rights), the answer's language, and
`moment(context)`, all that the answer reads of the clock (`service_hours.moment_key`:
the maintenance window and the day), so an answer is never older than the store or the
hour. Only for endpoints whose answer is a pure function of those (a list page, a
request), and only successful answers: an error is worked out again each time. Who is
asking is checked first, on every request (a session ends, a right is taken away: 401
and 403 at once), as FastAPI solves the principal before it validates parameters.

The endpoint's signature stays what FastAPI documents and validates with, so the
OpenAPI document does not change. The lane is used only for endpoints whose only
dependencies are `context` (get_context) and `principal` (get_principal), with no
body, and never while the app has dependency overrides.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Final, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

from cc_tui.domain.i18n import current_language
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.deps import get_context, get_principal, principal_of, viewer_of
from cc_tui.server.store.memo import keep, recall

Parse = Callable[[Request], dict[str, Any] | None]
Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Moment = Callable[[ServerContext], Hashable]
_F = TypeVar("_F", bound=Callable[..., Any])

_PARSE_ATTRIBUTE: Final = "__cc_tui_fast_lane__"
_KEPT_ATTRIBUTE: Final = "__cc_tui_fast_lane_kept__"
_JSON: Final = "application/json"
# Tests turn the lane off to compare its answers with FastAPI's own.
enabled = True


def fast_lane(parse: Parse, *, kept_by: Moment | None = None) -> Callable[[_F], _F]:
    """Mark an endpoint of a `FastRoute` router: `parse` reads its parameters; with
    `kept_by`, its answers are kept until the store or that moment changes."""

    def mark(endpoint: _F) -> _F:
        setattr(endpoint, _PARSE_ATTRIBUTE, parse)
        setattr(endpoint, _KEPT_ATTRIBUTE, kept_by)
        return endpoint

    return mark


def no_parameters(_: Request) -> dict[str, Any]:
    """`parse` for an endpoint that takes nothing but the context and the principal."""
    return {}


def timeless(_: ServerContext) -> None:
    """`kept_by` for an answer that reads nothing of the clock."""
    return None


class FastRoute(APIRoute):
    """An APIRoute that answers plain requests to a `@fast_lane` endpoint itself."""

    def get_route_handler(self) -> Handler:
        slow = super().get_route_handler()
        parse: Parse | None = getattr(self.endpoint, _PARSE_ATTRIBUTE, None)
        if parse is None:
            return slow
        _check_shape(self)
        endpoint = self.endpoint
        kept_by: Moment | None = getattr(endpoint, _KEPT_ATTRIBUTE, None)
        field = self.response_field
        status = self.status_code or 200
        path = self.path

        async def answer(
            context: ServerContext, principal: Principal, arguments: dict[str, Any]
        ) -> Response:
            result = await endpoint(context=context, principal=principal, **arguments)
            if isinstance(result, Response):
                return result
            assert field is not None  # _check_shape
            return Response(field.serialize_json(result), status_code=status, media_type=_JSON)

        async def handler(request: Request) -> Response:
            if not enabled or request.app.dependency_overrides:
                return await slow(request)
            context: ServerContext = request.app.state.context
            if kept_by is None:
                arguments = parse(request)
                if arguments is None:
                    return await slow(request)
                return await answer(context, who(context, request), arguments)
            principal = who(context, request)
            # Keyed by the path and query as sent: `parse` is a function of them alone, so
            # a kept answer is one the lane gave, and on a hit they need not be parsed.
            scope = request.scope
            key = (
                path,
                scope["path"],
                scope["query_string"],
                viewer_of(principal),
                current_language(),
                kept_by(context),
            )
            conn = context.db.connect()
            stamp, body = recall(conn, key)
            if body is not None:
                return Response(body, status_code=status, media_type=_JSON)
            arguments = parse(request)
            if arguments is None:
                return await slow(request)
            response = await answer(context, principal, arguments)
            if _plain(response, status):
                keep(conn, stamp, key, bytes(response.body))
            return response

        return handler


def who(context: ServerContext, request: Request) -> Principal:
    """`deps.principal_of` with the request's two headers, as `get_principal` does."""
    headers = request.headers
    return principal_of(context, headers.get("authorization"), headers.get("x-participant-id"))


def _plain(response: Response, status: int) -> bool:
    """A success answered as JSON with no header but its type and length (what a kept
    answer is sent again as)."""
    return (
        response.status_code == status
        and response.media_type == _JSON
        and response.background is None
        and {name for name, _ in response.headers.items()} <= {"content-length", "content-type"}
    )


def _check_shape(route: APIRoute) -> None:
    """The lane supplies `context` and `principal` and nothing else FastAPI would."""
    dependant = route.dependant
    supplied = {(d.name, d.call) for d in dependant.dependencies}
    expected = {("context", get_context), ("principal", get_principal)}
    problems = []
    if supplied != expected:
        problems.append("its dependencies must be exactly `context` and `principal`")
    if dependant.body_params or route.body_field is not None:
        problems.append("it must take no body")
    if route.response_field is None and route.response_model is None:
        problems.append("it must declare its response model")
    if (
        route.response_model_include is not None
        or route.response_model_exclude is not None
        or not route.response_model_by_alias
        or route.response_model_exclude_unset
        or route.response_model_exclude_defaults
        or route.response_model_exclude_none
    ):
        problems.append("its response model must be sent whole, by alias")
    if problems:
        raise TypeError(f"{route.path}: the fast lane cannot serve it: {'; '.join(problems)}.")
