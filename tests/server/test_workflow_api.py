"""DOMAIN.md's workflow table through the API: every action, from every status, by every
actor, allowed and refused, with the answer's status code and problem code.

The expectations are written out here from DOMAIN.md, not computed by the domain code
the server runs, so that a mistake in one is caught by the other.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.server.request_helpers import (
    ADMIN,
    CHECKER,
    KOWLOON,
    LEAD,
    MAKER,
    OFFICER,
    act,
    create,
    good_values,
    headers_for,
)

ACTIONS = ("submit", "approve", "return", "reject", "withdraw", "discard", "complete")
ACTORS = ("maker", "checker", "lead", "officer", "kowloon", "admin")
USERS = {
    "maker": MAKER,
    "checker": CHECKER,
    "lead": LEAD,
    "officer": OFFICER,
    "kowloon": KOWLOON,
    "admin": ADMIN,
}

# How each state is reached from a new CT027 draft of maker@harbour.example:
# (actor, action) steps. "_x" states went through the exchange first.
PATHS: dict[str, list[tuple[str, str]]] = {
    "draft": [],
    "pending_checker": [("maker", "submit")],
    "returned": [("maker", "submit"), ("checker", "return")],
    "returned_x": [("maker", "submit"), ("checker", "approve"), ("officer", "return")],
    "with_exchange": [("maker", "submit"), ("checker", "approve")],
    "approved": [("maker", "submit"), ("checker", "approve"), ("officer", "complete")],
    "rejected": [("maker", "submit"), ("checker", "reject")],
    "rejected_x": [("maker", "submit"), ("checker", "approve"), ("officer", "reject")],
    "withdrawn": [("maker", "submit"), ("maker", "withdraw")],
    "discarded": [("maker", "discard")],
}
REACHED_EXCHANGE = {"returned_x", "with_exchange", "approved", "rejected_x"}

# Who may do what (DOMAIN.md), and where it takes a CT027 request.
ALLOWED: dict[tuple[str, str], dict[str, str]] = {}
for _state in ("draft", "returned", "returned_x"):
    ALLOWED[(_state, "maker")] = {"submit": "pending_checker", "discard": "discarded"}
ALLOWED[("pending_checker", "maker")] = {"withdraw": "withdrawn"}
for _checker in ("checker", "lead"):
    ALLOWED[("pending_checker", _checker)] = {
        "approve": "with_exchange",
        "return": "returned",
        "reject": "rejected",
    }
ALLOWED[("with_exchange", "officer")] = {
    "complete": "approved",
    "return": "returned",
    "reject": "rejected",
}
ROLE = {"maker": "maker", "checker": "checker", "lead": "checker", "officer": "exchange"}

# The statuses each action leaves (by someone).
LEAVES = {
    "submit": {"draft", "returned"},
    "discard": {"draft", "returned"},
    "withdraw": {"pending_checker"},
    "approve": {"pending_checker"},
    "return": {"pending_checker", "with_exchange"},
    "reject": {"pending_checker", "with_exchange"},
    "complete": {"with_exchange"},
}
CHECKS = {"approve", "return", "reject"}


def status_of(state: str) -> str:
    return state.removesuffix("_x")


def expected(state: str, actor: str, action: str) -> tuple[int, str]:
    """(HTTP status, problem code or the new status) of `actor` taking `action`."""
    if actor == "kowloon" or (actor == "officer" and state not in REACHED_EXCHANGE):
        return 404, "not_found"
    if action in ALLOWED.get((state, actor), {}):
        return 200, ALLOWED[(state, actor)][action]
    status = status_of(state)
    if status not in LEAVES[action]:
        return 409, "invalid_transition"
    if actor == "maker" and action in CHECKS and status == "pending_checker":
        return 403, "maker_cannot_check"
    return 403, "forbidden"


class Portal:
    def __init__(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        self.app = app
        self.api = api
        self.headers = {actor: headers_for(app, user) for actor, user in USERS.items()}

    async def request_in(self, state: str) -> dict[str, Any]:
        request = await create(
            self.api, self.headers["maker"], "CT027", good_values(self.app, "CT027")
        )
        for actor, action in PATHS[state]:
            comment = "Please correct the limit." if action in ("return", "reject") else None
            response = await act(self.api, self.headers[actor], request, action, comment)
            assert response.status_code == 200, (state, actor, action, response.text)
            request = response.json()
        assert request["status"] == status_of(state)
        return request

    async def audit_count(self, request: dict[str, Any]) -> int:
        # The maker reads every state (the read side is not needed for this count).
        database = self.app.state.context.db.connect()
        count = database.execute(
            "SELECT count(*) FROM request_audit a JOIN requests r ON r.id = a.request_id"
            " WHERE r.ref = ?",
            (request["ref"],),
        ).fetchone()[0]
        return int(count)


@pytest.mark.parametrize("state", list(PATHS))
async def test_every_actor_and_action_from_each_state(
    app: FastAPI, api: httpx.AsyncClient, state: str
) -> None:
    portal = Portal(app, api)
    shared = await portal.request_in(state)
    audit_before = await portal.audit_count(shared)
    outcomes: dict[tuple[str, str], tuple[int, str]] = {}
    for actor in ACTORS:
        for action in ACTIONS:
            want = expected(state, actor, action)
            target = await portal.request_in(state) if want[0] == 200 else shared
            response = await act(api, portal.headers[actor], target, action, "A reason.")
            body = response.json()
            if response.status_code == 200:
                outcomes[(actor, action)] = (200, body["status"])
                last = body["audit"][-1]
                assert last["action"] == action
                assert last["user_id"] == USERS[actor]
                assert last["role"] == ROLE[actor]
                assert last["from_status"] == status_of(state)
                assert last["to_status"] == body["status"]
                assert body["version"] == target["version"] + 1
            else:
                outcomes[(actor, action)] = (response.status_code, body["code"])
                assert response.headers["content-type"].startswith("application/problem+json")
                assert body["detail"] and body["fix"], body
    wanted = {(a, x): expected(state, a, x) for a in ACTORS for x in ACTIONS}
    assert outcomes == wanted
    # What GET /requests/{ref} offers each actor is exactly what works for it.
    for actor in ACTORS:
        response = await api.get(f"/requests/{shared['ref']}", headers=portal.headers[actor])
        if expected(state, actor, "submit")[0] == 404:
            assert response.status_code == 404
            continue
        works = {x for x in ACTIONS if outcomes[(actor, x)][0] == 200}
        assert set(response.json()["allowed_actions"]) == works, (state, actor)
    # Nothing refused changed the shared request.
    assert await portal.audit_count(shared) == audit_before


async def test_the_maker_cannot_check_even_with_checker_rights(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    lead = headers_for(app, LEAD)
    request = await create(api, lead, "CT027", good_values(app, "CT027"))
    assert set(request["allowed_actions"]) == {"submit", "discard"}
    request = (await act(api, lead, request, "submit")).json()
    assert request["allowed_actions"] == ["withdraw"]
    for action in ("approve", "return", "reject"):
        response = await act(api, lead, request, action, "Looks fine to me.")
        assert response.status_code == 403
        assert response.json()["code"] == "maker_cannot_check"
        assert "you cannot check it" in response.json()["detail"]
    # Another checker of the firm can.
    response = await act(api, headers_for(app, CHECKER), request, "approve")
    assert response.status_code == 200
    assert response.json()["status"] == "with_exchange"


@pytest.mark.parametrize(
    ("actor", "state"), [("checker", "pending_checker"), ("officer", "with_exchange")]
)
@pytest.mark.parametrize("action", ["return", "reject"])
async def test_return_and_reject_need_a_comment(
    app: FastAPI, api: httpx.AsyncClient, actor: str, state: str, action: str
) -> None:
    portal = Portal(app, api)
    request = await portal.request_in(state)
    for comment in (None, "", "   "):
        response = await act(api, portal.headers[actor], request, action, comment)
        assert response.status_code == 422
        assert response.json()["code"] == "validation_failed"
        assert "comment" in response.json()["detail"]
    response = await act(api, portal.headers[actor], request, action, "  Limit too high.  ")
    assert response.status_code == 200
    assert response.json()["comments"][-1]["text"] == "Limit too high."
    assert response.json()["audit"][-1]["comment"] == "Limit too high."


async def test_an_eservice_without_an_exchange_stage_ends_at_approval(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    request = await create(api, maker, "BI04", good_values(app, "BI04"))
    request = (await act(api, maker, request, "submit")).json()
    response = await act(api, checker, request, "approve")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["allowed_actions"] == []


async def test_complete_ends_at_the_eservices_final_status(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    officer = headers_for(app, OFFICER)
    request = await create(api, maker, "DA3", good_values(app, "DA3"))
    request = (await act(api, maker, request, "submit")).json()
    request = (await act(api, checker, request, "approve")).json()
    response = await act(api, officer, request, "complete")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"


async def test_a_returned_request_goes_round_again(app: FastAPI, api: httpx.AsyncClient) -> None:
    portal = Portal(app, api)
    request = await portal.request_in("returned_x")
    assert request["comments"][-1]["role"] == "exchange"
    request = (await act(api, portal.headers["maker"], request, "submit")).json()
    request = (await act(api, portal.headers["checker"], request, "approve")).json()
    response = await act(api, portal.headers["officer"], request, "complete")
    assert response.json()["status"] == "approved"
    actions = [(e["action"], e["role"]) for e in response.json()["audit"]]
    assert actions == [
        ("save", "maker"),
        ("submit", "maker"),
        ("approve", "checker"),
        ("return", "exchange"),
        ("submit", "maker"),
        ("approve", "checker"),
        ("complete", "exchange"),
    ]


async def test_an_unknown_action_is_404(app: FastAPI, api: httpx.AsyncClient) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker)
    for action in ("abort", "save", "publish"):
        response = await act(api, maker, request, action)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "submit" in response.json()["fix"]
