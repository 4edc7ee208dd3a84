"""GET /requests/{ref} and /audit: what a reader sees, and what it may do; firm isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain.forms import CATALOGUE
from tests.server.requests_read_helpers import (
    ADMIN,
    CHECKER,
    KOWLOON,
    LEAD,
    MAKER,
    OFFICER,
    context_of,
    headers_for,
    in_process,
    seeded_portal,
)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = seeded_portal(tmp_path_factory, "detail", seed_random=21)
    yield app
    app.state.context.db.close()


@pytest.fixture
async def api(portal: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(portal) as client:
        yield client


def a_ref(portal: FastAPI, where: str, params: tuple[Any, ...] = ()) -> str:
    row = (
        context_of(portal)
        .db.connect()
        .execute(f"SELECT ref FROM requests WHERE {where} ORDER BY id LIMIT 1", params)
        .fetchone()
    )
    assert row is not None, where
    ref: str = row[0]
    return ref


async def test_detail_has_fields_audit_comments_and_no_secrets(
    api: httpx.AsyncClient, portal: FastAPI
) -> None:
    ref = a_ref(
        portal,
        "participant_id = 'B01234' AND id IN (SELECT request_id FROM request_audit"
        " WHERE comment IS NOT NULL)",
    )
    response = await api.get(f"/requests/{ref}", headers=headers_for(portal, CHECKER))
    assert response.status_code == 200
    body = response.json()
    assert body["ref"] == ref
    assert body["participant_id"] == "B01234"
    assert body["fields"] and isinstance(body["fields"], dict)
    assert body["fields"]["participant_id"] == "B01234"
    assert body["attachments"] == []
    audit = body["audit"]
    assert audit[0]["action"] == "save" and audit[0]["to_status"] == "draft"
    assert audit[-1]["to_status"] == body["status"]
    assert body["version"] == len(audit)
    assert body["comments"] == [
        {
            "at": entry["at"],
            "user_id": entry["user_id"],
            "role": entry["role"],
            "action": entry["action"],
            "text": entry["comment"],
        }
        for entry in audit
        if entry["comment"]
    ]
    assert body["title"] and body["eservice_name"] == CATALOGUE[body["eservice"]].name
    trail = await api.get(f"/requests/{ref}/audit", headers=headers_for(portal, CHECKER))
    assert trail.status_code == 200
    assert trail.json() == audit


async def test_a_reference_is_found_however_it_is_typed(
    api: httpx.AsyncClient, portal: FastAPI
) -> None:
    ref = a_ref(portal, "participant_id = 'B01234'")
    headers = headers_for(portal, LEAD)
    for typed in (ref.lower(), f" {ref} "):
        response = await api.get(f"/requests/{typed}", headers=headers)
        assert response.status_code == 200, typed
        assert response.json()["ref"] == ref


@pytest.mark.parametrize(
    ("user_id", "where", "actions"),
    [
        (
            CHECKER,
            "status = 'pending_checker' AND participant_id = 'B01234'",
            {"approve", "return", "reject"},
        ),
        (MAKER, "status = 'draft' AND maker = 'maker@harbour.example'", {"submit", "discard"}),
        (MAKER, "status = 'returned' AND maker = 'maker@harbour.example'", {"submit", "discard"}),
        (MAKER, "status = 'pending_checker' AND maker = 'maker@harbour.example'", {"withdraw"}),
        (LEAD, "status = 'pending_checker' AND maker = 'lead@harbour.example'", {"withdraw"}),
        (
            LEAD,
            "status = 'pending_checker' AND maker = 'maker@harbour.example'",
            {"approve", "return", "reject"},
        ),
        (CHECKER, "status = 'completed' AND participant_id = 'B01234'", set()),
        (ADMIN, "status = 'pending_checker' AND participant_id = 'B01234'", set()),
        (OFFICER, "status = 'with_exchange'", {"complete", "return", "reject"}),
        (OFFICER, "status = 'completed' AND reached_exchange = 1", set()),
    ],
)
async def test_allowed_actions_follow_the_workflow_for_the_reader(
    api: httpx.AsyncClient, portal: FastAPI, user_id: str, where: str, actions: set[str]
) -> None:
    ref = a_ref(portal, where)
    response = await api.get(f"/requests/{ref}", headers=headers_for(portal, user_id))
    assert response.status_code == 200, response.text
    assert set(response.json()["allowed_actions"]) == actions


async def test_awaiting_my_check_is_exactly_where_approve_is_allowed(
    api: httpx.AsyncClient, portal: FastAPI
) -> None:
    for user_id in (CHECKER, LEAD, KOWLOON, OFFICER):
        headers = headers_for(portal, user_id)
        awaiting = (
            await api.get(
                "/requests", params={"section": "awaiting_my_check", "limit": 200}, headers=headers
            )
        ).json()["items"]
        assert awaiting, user_id
        for item in awaiting[:15]:
            detail = (await api.get(f"/requests/{item['ref']}", headers=headers)).json()
            assert {"approve", "complete"} & set(detail["allowed_actions"]), item["ref"]


async def test_another_firms_request_is_not_found_whatever_the_query(
    api: httpx.AsyncClient, portal: FastAPI
) -> None:
    harbour_ref = a_ref(portal, "participant_id = 'B01234' AND status = 'pending_checker'")
    kowloon = headers_for(portal, KOWLOON)
    for params in (
        {"q": f"ref:{harbour_ref}"},
        {"q": harbour_ref},
        {"q": harbour_ref.lower()},
        {"q": "harbour"},
        {"q": "maker:maker@harbour.example"},
        {"maker": "lead@harbour.example"},
        {"q": f"ref:{harbour_ref}", "section": "awaiting_my_check"},
        {"q": f"ref:{harbour_ref}", "sort": "ref"},
        {"q": f"ref:{harbour_ref}", "sort": "eservice"},
    ):
        response = await api.get("/requests", params=params, headers=kowloon)
        assert response.status_code == 200
        assert response.json()["items"] == [], params
        assert response.json()["total"] == 0, params
    for path in (f"/requests/{harbour_ref}", f"/requests/{harbour_ref}/audit"):
        response = await api.get(path, headers=kowloon)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    unknown = await api.get("/requests/ECS99999999", headers=kowloon)
    assert unknown.status_code == 404
    assert (
        unknown.json()["detail"].replace("ECS99999999", harbour_ref)
        == ((await api.get(f"/requests/{harbour_ref}", headers=kowloon)).json()["detail"])
    )
    nonsense = await api.get("/requests/not-a-ref", headers=kowloon)
    assert nonsense.status_code == 404


async def test_acting_for_a_membership_one_does_not_hold_is_refused(
    api: httpx.AsyncClient, portal: FastAPI
) -> None:
    headers = headers_for(portal, KOWLOON, participant_id="B01234")
    response = await api.get("/requests", headers=headers)
    assert response.status_code == 403


async def test_the_officer_cannot_open_what_never_reached_the_exchange(
    api: httpx.AsyncClient, portal: FastAPI
) -> None:
    draft = a_ref(portal, "status = 'draft'")
    response = await api.get(f"/requests/{draft}", headers=headers_for(portal, OFFICER))
    assert response.status_code == 404
