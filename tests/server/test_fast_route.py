"""fast_route.py's lane answers exactly what FastAPI's own handler answers.

Each request of a corpus (plain ones, and every kind of parameter the lane must hand
to FastAPI: out of range, too long, repeated, unknown, malformed; headers missing,
wrong or naming another firm) is asked twice, with the lane and without it, and the
two answers must be the same: status, headers and body, byte for byte. The plain ones
must actually take the lane.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.server import deps, fast_route
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.deps import principal_of
from tests.server.requests_read_helpers import (
    CHECKER,
    KOWLOON,
    LEAD,
    OFFICER,
    context_of,
    headers_for,
    in_process,
    seeded_portal,
)

Params = list[tuple[str, str]]


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = seeded_portal(tmp_path_factory, "fast", seed_random=5, count=300)
    yield app
    context_of(app).db.close()


@pytest.fixture
async def api(seeded_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(seeded_app) as client:
        yield client


@pytest.fixture(scope="module")
def refs(seeded_app: FastAPI) -> dict[str, str]:
    """A request of each firm."""
    conn = seeded_app.state.context.db.connect()
    found = {}
    for firm in ("B01234", "B05678"):
        row = conn.execute(
            "SELECT min(id) FROM requests WHERE participant_id = ?", (firm,)
        ).fetchone()
        found[firm] = f"ECS{row[0]:08d}"
    return found


PLAIN_LISTS: list[Params] = [
    [],
    [("section", "all"), ("limit", "50")],
    [("section", "awaiting_my_check")],
    [("section", "history"), ("sort", "status"), ("limit", "7")],
    [("q", "status:approved eservice:CT027")],
    [("q", "dividend"), ("limit", "200")],
    [("status", "approved"), ("status", "completed"), ("eservice", "CT027")],
    [("maker", "amy"), ("from", "2020-01-01"), ("to", "2030-12-31")],
    [("firm", "B01234"), ("firm", "c01234"), ("q", "firm:B05678 dividend")],
    [("sort", "ref"), ("limit", "1"), ("unknown", "ignored"), ("from_", "ignored too")],
    [("q", "x" * 500)],
    [("status", "approved")] * 100,
    [("from", "2020-01-01")] * 20,
    [("cursor", "")],
    [("status", "")],
    # Plain parameters the endpoint itself refuses (400 bad_cursor, bad_query).
    [("cursor", "not a cursor")],
    [("from", "2026-01-01"), ("q", "from:2025-01-01")],
    [("status", "maybe")],
    [("q", '"unclosed')],
]

HANDED_ON: list[Params] = [
    [("limit", "0")],
    [("limit", "201")],
    [("limit", "050")],
    [("limit", "+5")],
    [("limit", " 5")],
    [("limit", "5.0")],
    [("limit", "٣")],  # a digit, but not an ASCII one
    [("limit", "")],
    [("limit", "5"), ("limit", "6")],
    [("section", "")],
    [("section", "everything")],
    [("section", "all"), ("section", "history")],
    [("sort", "sideways")],
    [("q", "x" * 501)],
    [("q", "a"), ("q", "b")],
    [("cursor", "x" * 2001)],
    [("status", "approved")] * 101,
    [("to", "2030-12-31")] * 21,
]


async def both(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, path: str, **kwargs: Any
) -> tuple[httpx.Response, httpx.Response]:
    """The answer with the lane, then without it."""
    fast = await api.get(path, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(fast_route, "enabled", False)
        slow = await api.get(path, **kwargs)
    return fast, slow


def assert_same(fast: httpx.Response, slow: httpx.Response) -> None:
    assert fast.status_code == slow.status_code, fast.text
    assert fast.headers.multi_items() == slow.headers.multi_items()
    assert fast.content == slow.content


@pytest.fixture
def lane_taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The users whose requests the lane answered itself, while it was on: it asks
    principal_of first; a request it then hands on to FastAPI's handler reaches
    principal_of again, through get_principal (deps.principal_of)."""
    served: list[str] = []

    def lane(context: ServerContext, *headers: str | None) -> Principal:
        principal = principal_of(context, *headers)
        served.append(principal.user_id)
        return principal

    def handed_on(context: ServerContext, *headers: str | None) -> Principal:
        principal = principal_of(context, *headers)
        if fast_route.enabled and principal.user_id in served:
            served.remove(principal.user_id)
        return principal

    monkeypatch.setattr(fast_route, "principal_of", lane)
    monkeypatch.setattr(deps, "principal_of", handed_on)
    return served


@pytest.mark.parametrize(
    ("params", "plain"),
    [(params, True) for params in PLAIN_LISTS] + [(params, False) for params in HANDED_ON],
)
async def test_a_list_answers_the_same_and_only_plain_ones_take_the_lane(
    api: httpx.AsyncClient,
    seeded_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    lane_taken: list[str],
    params: Params,
    plain: bool,
) -> None:
    headers = headers_for(seeded_app, LEAD)
    fast, slow = await both(api, monkeypatch, "/requests", params=params, headers=headers)
    assert_same(fast, slow)
    if plain:
        assert fast.status_code in (200, 400), fast.text
        assert lane_taken == [LEAD]
    else:  # some are fine to FastAPI (limit=050, the last of two), most are 422
        assert lane_taken == []


async def test_every_page_of_a_list_is_the_same(
    api: httpx.AsyncClient, seeded_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = headers_for(seeded_app, OFFICER)
    params: dict[str, str | int] = {"section": "all", "limit": 40}
    pages = 0
    while True:
        fast, slow = await both(api, monkeypatch, "/requests", params=params, headers=headers)
        assert_same(fast, slow)
        pages += 1
        cursor = fast.json()["next_cursor"]
        if cursor is None:
            break
        params["cursor"] = cursor
    assert pages > 2


@pytest.mark.parametrize("path", ["/me", "/requests/sections", "/requests", "/requests/{ref}"])
@pytest.mark.parametrize(
    "who",
    ["checker", "kowloon for harbour", "malformed membership", "no session", "not a bearer"],
)
async def test_who_is_asking_is_checked_alike(
    api: httpx.AsyncClient,
    seeded_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    refs: dict[str, str],
    path: str,
    who: str,
) -> None:
    headers = {
        "checker": headers_for(seeded_app, CHECKER),
        "kowloon for harbour": headers_for(seeded_app, KOWLOON, "B01234"),
        "malformed membership": headers_for(seeded_app, CHECKER, "B0123<script>"),
        "no session": {},
        "not a bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
    }[who]
    fast, slow = await both(api, monkeypatch, path.format(ref=refs["B01234"]), headers=headers)
    expected = {"checker": 200, "no session": 401, "not a bearer": 401}.get(who, 403)
    assert fast.status_code == expected
    assert_same(fast, slow)


@pytest.mark.parametrize("firm", ["B01234", "B05678", "none"])
async def test_a_request_is_the_same_or_not_found_alike(
    api: httpx.AsyncClient,
    seeded_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    refs: dict[str, str],
    lane_taken: list[str],
    firm: str,
) -> None:
    ref = refs.get(firm, "ECS99999999")
    headers = headers_for(seeded_app, LEAD)
    fast, slow = await both(api, monkeypatch, f"/requests/{ref}", headers=headers)
    assert fast.status_code == (200 if firm == "B01234" else 404)
    assert_same(fast, slow)
    assert lane_taken == [LEAD]


async def test_an_ended_session_is_refused_by_the_lane(
    api: httpx.AsyncClient, seeded_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = headers_for(seeded_app, CHECKER)
    assert (await api.get("/me", headers=headers)).status_code == 200
    logout = await api.post("/auth/logout", headers=headers)
    assert logout.status_code == 204
    for path in ("/me", "/requests/sections", "/requests"):
        fast, slow = await both(api, monkeypatch, path, headers=headers)
        assert fast.status_code == 401
        assert fast.json()["code"] == "session_expired"
        assert_same(fast, slow)
