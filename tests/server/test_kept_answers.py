"""Whole answers kept until the store or the moment changes (fast_route.py's `kept_by`):
a list page and a request are worked out once and sent again while nothing changes,
and never a moment longer: a change by another connection or process shows at once,
and so does a day or the maintenance window beginning or ending, with nothing written
to the store (the rows' `unavailable_actions` and the request's `allowed_actions`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.api import API_PREFIX
from cc_tui.server import routers
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.db import Database
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.store import request_query
from cc_tui.server.store import requests as store_requests
from tests.server.request_helpers import (
    CHECKER,
    MAKER,
    act,
    context_of,
    create,
    good_values,
    headers_for,
)

FRIDAY_1000 = datetime(2026, 11, 27, 10, 0, tzinfo=HKT)
SATURDAY = datetime(2026, 11, 28, 0, 0, tzinfo=HKT)
SATURDAY_0800 = datetime(2026, 11, 28, 8, 0, tzinfo=HKT)
SUNDAY = datetime(2026, 11, 29, 0, 0, tzinfo=HKT)
MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=HKT)

Codes = list[str]


class Counted:
    """How often the list and the request were worked out (not sent from what was kept)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pages = 0
        self.requests = 0
        find_page, request_model = request_query.find_page, store_requests.request_model

        def counted_page(*args: Any, **kwargs: Any) -> Any:
            self.pages += 1
            return find_page(*args, **kwargs)

        def counted_request(*args: Any, **kwargs: Any) -> Any:
            self.requests += 1
            return request_model(*args, **kwargs)

        monkeypatch.setattr(request_query, "find_page", counted_page)
        monkeypatch.setattr(f"{routers.__name__}.requests.request_model", counted_request)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    return Counted(monkeypatch)


async def two_waiting(app: FastAPI, api: httpx.AsyncClient) -> tuple[str, str]:
    """A business-day-only request (BI04) and an everyday one (CT027), both awaiting
    the checker, made on a Friday morning."""
    maker = headers_for(app, MAKER)
    refs = []
    for code in ("BI04", "CT027"):
        request = await create(api, maker, code, good_values(app, code))
        refs.append((await act(api, maker, request, "submit")).json()["ref"])
    return refs[0], refs[1]


async def waiting_codes(
    api: httpx.AsyncClient, headers: dict[str, str], refs: tuple[str, ...]
) -> list[Codes]:
    """Per request, the codes of its listed `unavailable_actions` (in the checker's
    "awaiting my check"), then of the request's own."""
    page = await api.get("/requests", params={"section": "awaiting_my_check"}, headers=headers)
    assert page.status_code == 200, page.text
    listed = {item["ref"]: item for item in page.json()["items"]}
    found = []
    for ref in refs:
        found.append(sorted({u["code"] for u in listed[ref]["unavailable_actions"]}))
        body = (await api.get(f"/requests/{ref}", headers=headers)).json()
        own = sorted({u["code"] for u in body["unavailable_actions"]})
        assert own == found[-1], ref
        assert ("approve" in body["allowed_actions"]) == (own == []), ref
    return found


# (the last second before, the first after, the codes of BI04 and CT027 before and after)
BOUNDARIES = {
    "Friday ends: a business-day-only eService waits": (
        SATURDAY,
        [[], []],
        [["business_day_only"], []],
    ),
    "maintenance begins": (
        SATURDAY_0800,
        [["business_day_only"], []],
        [["maintenance"], ["maintenance"]],
    ),
    "maintenance ends on a Sunday": (
        SUNDAY,
        [["maintenance"], ["maintenance"]],
        [["business_day_only"], []],
    ),
    "Monday begins": (MONDAY, [["business_day_only"], []], [[], []]),
}


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
async def test_kept_answers_change_the_moment_the_day_or_the_window_does(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock, counted: Counted, boundary: str
) -> None:
    clock.set(FRIDAY_1000)
    refs = await two_waiting(app, api)
    at, before, after = BOUNDARIES[boundary]
    clock.set(at - timedelta(seconds=2))
    checker = headers_for(app, CHECKER)  # the last write to the store
    clock.set(at - timedelta(microseconds=1))
    assert await waiting_codes(api, checker, refs) == before
    pages, requests = counted.pages, counted.requests
    assert await waiting_codes(api, checker, refs) == before
    assert (counted.pages, counted.requests) == (pages, requests)  # sent as kept
    clock.set(at)
    assert await waiting_codes(api, checker, refs) == after
    assert counted.pages == pages + 1  # worked out again: another moment
    assert counted.requests == requests + len(refs)


def title_of(page: httpx.Response, ref: str) -> str:
    return str(next(item["title"] for item in page.json()["items"] if item["ref"] == ref))


def change_title_in_this_process(app: FastAPI, ref: str, title: str) -> None:
    other = Database(context_of(app).settings.db_path)  # as another thread's would be
    try:
        with other.transaction() as conn:
            conn.execute("UPDATE requests SET title = ? WHERE id = ?", (title, int(ref[3:])))
    finally:
        other.close()


def change_title_in_another_process(app: FastAPI, ref: str, title: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute('UPDATE requests SET title = ? WHERE id = ?', (sys.argv[2], sys.argv[3]));"
            " c.commit()",
            str(context_of(app).settings.db_path),
            title,
            str(int(ref[3:])),
        ],
        check=True,
    )


@pytest.mark.parametrize("change", [change_title_in_this_process, change_title_in_another_process])
async def test_a_change_elsewhere_shows_at_once_in_kept_answers(
    live_portal: BackgroundServer,
    counted: Counted,
    change: Callable[[FastAPI, str, str], None],
) -> None:
    app = live_portal.app
    async with httpx.AsyncClient(base_url=live_portal.url + API_PREFIX) as api:
        _, ref = await two_waiting(app, api)
        checker = headers_for(app, CHECKER)
        params = {"section": "awaiting_my_check"}
        first = await api.get("/requests", params=params, headers=checker)
        detail = (await api.get(f"/requests/{ref}", headers=checker)).json()
        pages, requests = counted.pages, counted.requests
        again = await api.get("/requests", params=params, headers=checker)
        assert again.content == first.content
        assert (await api.get(f"/requests/{ref}", headers=checker)).json() == detail
        assert (counted.pages, counted.requests) == (pages, requests)  # sent as kept
        change(app, ref, "Changed elsewhere")
        page = await api.get("/requests", params=params, headers=checker)
        assert title_of(page, ref) == "Changed elsewhere"
        body = (await api.get(f"/requests/{ref}", headers=checker)).json()
        assert body["title"] == "Changed elsewhere"


async def test_each_reader_and_query_has_its_own_kept_answer(
    app: FastAPI, api: httpx.AsyncClient, counted: Counted
) -> None:
    refs = await two_waiting(app, api)
    checker, maker = headers_for(app, CHECKER), headers_for(app, MAKER)
    # The checker has both to check; the maker, who made them, none.
    awaiting = {"section": "awaiting_my_check"}
    assert len((await api.get("/requests", params=awaiting, headers=checker)).json()["items"]) == 2
    assert (await api.get("/requests", params=awaiting, headers=maker)).json()["items"] == []
    # Another query, another answer; the first one's is still kept.
    one = {**awaiting, "limit": "1"}
    assert len((await api.get("/requests", params=one, headers=checker)).json()["items"]) == 1
    pages = counted.pages
    assert len((await api.get("/requests", params=awaiting, headers=checker)).json()["items"]) == 2
    assert counted.pages == pages
    # The maker may withdraw, the checker approve: each sees their own actions.
    for headers, action in ((maker, "withdraw"), (checker, "approve")):
        body = (await api.get(f"/requests/{refs[1]}", headers=headers)).json()
        assert action in body["allowed_actions"]


async def test_an_error_is_never_kept(app: FastAPI, api: httpx.AsyncClient) -> None:
    _, ref = await two_waiting(app, api)
    checker = headers_for(app, CHECKER)
    assert (await api.get("/requests", params={"q": 'title:"'}, headers=checker)).status_code == 400
    assert (await api.get("/requests/ECS99999999", headers=checker)).status_code == 404
    assert (await api.get(f"/requests/{ref}", headers=checker)).status_code == 200
    # A session that ends is refused at once, kept answer or not.
    await api.post("/auth/logout", headers=checker)
    assert (await api.get(f"/requests/{ref}", headers=checker)).status_code == 401
