"""Accounts: a CCDA administers its firm's users, the exchange its CCDAs.

Sessions are made straight in the store (`session_for`) where the login itself is not
what is tested, which keeps these tests fast; the set-up test logs in for real.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain.rights import CHECK_RIGHTS, DELEGATED_ADMIN, MAKE_RIGHTS
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import sessions
from tests.server.login_helpers import (
    Outbox,
    bearer,
    email_login,
    login,
    user_row,
)

ADMIN = "admin@harbour.example"
MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"
LEAD = "lead@harbour.example"
KOWLOON = "maker@kowloon.example"
OFFICER = "officer@hkex.example"
NEWCOMER = "kim.lee@harbour.example"
SETUP_LINE = re.compile(r"^Your account set-up token is (\S+)$", re.MULTILINE)
A_MAKE_RIGHT = sorted(MAKE_RIGHTS)[0]
A_CHECK_RIGHT = sorted(CHECK_RIGHTS)[0]


@pytest.fixture
def outbox(server_settings: ServerSettings) -> Outbox:
    return Outbox(server_settings)


def session_for(app: FastAPI, user_id: str) -> dict[str, str]:
    """Bearer headers of a fresh session for `user_id`, made in the store."""
    context = app.state.context
    with context.db.transaction() as conn:
        token, _ = sessions.create_session(
            conn, user_id, context.now(), context.settings.session_absolute
        )
    return bearer(token)


async def lock(api: httpx.AsyncClient, user_id: str) -> None:
    for _ in range(5):
        await login(api, user_id, "not-the-password")
    assert (await login(api, user_id)).status_code == 423


def by_id(listing: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {user["user_id"]: user for user in listing}


# Reading ---------------------------------------------------------------------------------


async def test_a_ccda_lists_the_users_of_its_firm_only(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await api.get("/admin/users", headers=session_for(app, ADMIN))
    assert response.status_code == 200
    listing = by_id(response.json())
    assert set(listing) == {ADMIN, CHECKER, LEAD, MAKER}
    checker = listing[CHECKER]
    assert checker["status"] == "active"
    assert checker["locked"] is False
    assert checker["otp_channel"] == "app"
    assert checker["device_registered"] is True
    assert checker["device_registration"] == "required"
    assert checker["roles"] == ["checker"]
    assert checker["participant_id"] == "B01234"
    assert checker["password_set"] is True
    assert listing[ADMIN]["rights"] == [DELEGATED_ADMIN]
    assert listing[LEAD]["roles"] == ["maker", "checker"]


async def test_the_rights_catalogue_says_what_each_administrator_may_grant(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    as_ccda = by_code((await api.get("/admin/rights", headers=session_for(app, ADMIN))).json())
    assert as_ccda[DELEGATED_ADMIN]["kind"] == "admin"
    assert as_ccda[DELEGATED_ADMIN]["grantable"] is False
    assert as_ccda[A_MAKE_RIGHT]["kind"] == "make"
    assert as_ccda[A_MAKE_RIGHT]["grantable"] is True
    assert as_ccda[A_MAKE_RIGHT]["eservices"]
    assert set(as_ccda) == set(MAKE_RIGHTS | CHECK_RIGHTS | {DELEGATED_ADMIN})
    as_exchange = by_code(
        (await api.get("/admin/rights", headers=session_for(app, OFFICER))).json()
    )
    assert [code for code, r in as_exchange.items() if r["grantable"]] == [DELEGATED_ADMIN]


def by_code(rights: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {right["code"]: right for right in rights}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/admin/users", None),
        ("GET", "/admin/rights", None),
        ("POST", "/admin/users", {"user_id": NEWCOMER, "name": "Kim Lee", "rights": []}),
        ("PATCH", f"/admin/users/{LEAD}", {"status": "suspended"}),
        ("POST", f"/admin/users/{LEAD}/unlock", None),
        ("POST", f"/admin/users/{LEAD}/reset-device", None),
    ],
)
async def test_a_maker_is_refused_with_a_sentence(
    api: httpx.AsyncClient, app: FastAPI, method: str, path: str, body: Any
) -> None:
    response = await api.request(method, path, json=body, headers=session_for(app, MAKER))
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "forbidden"
    assert "Only a delegated administrator (CCDA) manages accounts" in problem["detail"]
    assert "CCDA" in problem["fix"]
    assert user_row(app.state.context.settings, LEAD)["status"] == "active"


async def test_accounts_need_a_session(api: httpx.AsyncClient) -> None:
    assert (await api.get("/admin/users")).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/admin/users/{KOWLOON}", None),
        ("PATCH", f"/admin/users/{KOWLOON}", {"status": "suspended"}),
        ("POST", f"/admin/users/{KOWLOON}/unlock", None),
        ("POST", f"/admin/users/{KOWLOON}/reset-device", None),
        ("GET", f"/admin/users/{KOWLOON}/audit", None),
        ("GET", "/admin/users/nobody@nowhere.example", None),
    ],
)
async def test_another_firms_user_is_not_found(
    api: httpx.AsyncClient, app: FastAPI, method: str, path: str, body: Any
) -> None:
    response = await api.request(method, path, json=body, headers=session_for(app, ADMIN))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "among the accounts you administer" in response.json()["detail"]
    assert user_row(app.state.context.settings, KOWLOON)["status"] == "active"


# Creating ----------------------------------------------------------------------------------


async def test_a_new_user_gets_a_setup_mail_sets_a_password_and_logs_in(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox
) -> None:
    headers = session_for(app, ADMIN)
    response = await api.post(
        "/admin/users",
        json={"user_id": " Kim.Lee@Harbour.example ", "name": "Kim  Lee", "rights": [A_MAKE_RIGHT]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["user_id"] == NEWCOMER
    assert created["name"] == "Kim Lee"
    assert created["rights"] == [A_MAKE_RIGHT]
    assert created["roles"] == ["maker"]
    assert created["password_set"] is False
    assert created["participant_id"] == "B01234"
    # No password yet: the usual answer for a wrong one, nothing more.
    refused = await login(api, NEWCOMER, "Anything-2024-long")
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_credentials"
    (mail,) = outbox.new_bodies(NEWCOMER)
    assert "Harbour Securities Limited" in mail
    match = SETUP_LINE.search(mail)
    assert match is not None
    reset = await api.post(
        "/auth/password/reset",
        json={"token": match.group(1), "new_password": "Kims-own-pass-2026"},
    )
    assert reset.status_code == 204, reset.text
    token = await _login_with(api, outbox, NEWCOMER, "Kims-own-pass-2026")
    me = (await api.get("/me", headers=bearer(token))).json()
    assert [m["participant_id"] for m in me["memberships"]] == ["B01234"]
    assert me["roles"] == ["maker"]
    listing = by_id((await api.get("/admin/users", headers=headers)).json())
    assert listing[NEWCOMER]["password_set"] is True
    history = (await api.get(f"/admin/users/{NEWCOMER}/audit", headers=headers)).json()
    assert [entry["action"] for entry in history] == ["create"]
    assert history[0]["actor"] == ADMIN
    assert A_MAKE_RIGHT in history[0]["detail"]


async def _login_with(api: httpx.AsyncClient, outbox: Outbox, user_id: str, password: str) -> str:
    response = await login(api, user_id, password)
    assert response.status_code == 200, response.text
    answer = await api.post(
        "/auth/otp", json={"ticket": response.json()["ticket"], "code": outbox.new_code(user_id)}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


async def test_a_retried_create_answers_the_same_and_mails_once(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox
) -> None:
    headers = {**session_for(app, ADMIN), "Idempotency-Key": "create-kim-1"}
    body = {"user_id": NEWCOMER, "name": "Kim Lee", "rights": []}
    first = await api.post("/admin/users", json=body, headers=headers)
    again = await api.post("/admin/users", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(outbox.new_bodies(NEWCOMER)) == 1
    other = await api.post(
        "/admin/users", json={**body, "user_id": "other@harbour.example"}, headers=headers
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    # Without a key the same create is a second attempt: the ID is taken.
    taken = await api.post("/admin/users", json=body, headers=session_for(app, ADMIN))
    assert taken.status_code == 409
    assert taken.json()["code"] == "user_exists"
    assert "already taken" in taken.json()["detail"]


async def test_a_ccda_may_name_its_own_membership_in_any_case(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    created = await api.post(
        "/admin/users",
        json={"user_id": NEWCOMER, "name": "Kim Lee", "participant_id": " b01234 "},
        headers=session_for(app, ADMIN),
    )
    assert created.status_code == 201, created.text
    assert created.json()["participant_id"] == "B01234"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"user_id": "kim.lee", "name": "Kim Lee"}, 422, "user_id"),
        ({"user_id": NEWCOMER, "name": "   "}, 422, "name"),
        ({"user_id": NEWCOMER, "name": "Kim Lee", "rights": ["EU_Nothing"]}, 422, "rights"),
        ({"user_id": NEWCOMER, "name": "Kim Lee", "rights": [DELEGATED_ADMIN]}, 403, "rights"),
        ({"user_id": KOWLOON, "name": "Kelvin Lau"}, 409, "user_id"),
        (
            {"user_id": NEWCOMER, "name": "Kim Lee", "participant_id": "B05678"},
            422,
            "participant_id",
        ),
    ],
)
async def test_a_create_that_cannot_be_done_says_why_and_creates_nothing(
    api: httpx.AsyncClient,
    app: FastAPI,
    outbox: Outbox,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    response = await api.post("/admin/users", json=body, headers=session_for(app, ADMIN))
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["detail"] and problem["fix"]
    assert [error["field"] for error in problem["errors"]][:1] == [field]
    listing = by_id((await api.get("/admin/users", headers=session_for(app, ADMIN))).json())
    assert NEWCOMER not in listing
    assert outbox.new_bodies(NEWCOMER) == []


async def test_setup_mail_again_replaces_the_token(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox
) -> None:
    headers = session_for(app, ADMIN)
    body = {"user_id": NEWCOMER, "name": "Kim Lee"}
    assert (await api.post("/admin/users", json=body, headers=headers)).status_code == 201
    old = SETUP_LINE.search(outbox.new_bodies(NEWCOMER)[0])
    again = await api.post(f"/admin/users/{NEWCOMER}/setup-mail", headers=headers)
    assert again.status_code == 200
    new = SETUP_LINE.search(outbox.new_bodies(NEWCOMER)[0])
    assert old is not None and new is not None
    stale = await api.post(
        "/auth/password/reset", json={"token": old.group(1), "new_password": "Kims-own-pass-2026"}
    )
    assert stale.status_code == 422
    fresh = await api.post(
        "/auth/password/reset", json={"token": new.group(1), "new_password": "Kims-own-pass-2026"}
    )
    assert fresh.status_code == 204
    done = await api.post(f"/admin/users/{NEWCOMER}/setup-mail", headers=headers)
    assert done.status_code == 409
    assert "already set a password" in done.json()["detail"]


# Changing ----------------------------------------------------------------------------------


async def test_a_ccda_grants_and_removes_business_rights(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = session_for(app, ADMIN)
    maker = by_id((await api.get("/admin/users", headers=headers)).json())[MAKER]
    wanted = [*maker["rights"][1:], A_CHECK_RIGHT]
    response = await api.patch(f"/admin/users/{MAKER}", json={"rights": wanted}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["rights"] == sorted(wanted)
    assert response.json()["roles"] == ["maker", "checker"]
    (entry,) = (await api.get(f"/admin/users/{MAKER}/audit", headers=headers)).json()
    assert entry["action"] == "rights"
    assert f"Granted {A_CHECK_RIGHT}" in entry["detail"]
    assert f"removed {maker['rights'][0]}" in entry["detail"]
    # The maker's own session now acts with the new rights.
    me = (await api.get("/me", headers=session_for(app, MAKER))).json()
    assert me["roles"] == ["maker", "checker"]


async def test_rights_outside_the_catalogue_or_a_ccdas_reach_are_refused(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = session_for(app, ADMIN)
    unknown = await api.patch(
        f"/admin/users/{MAKER}", json={"rights": ["EU_Nothing"]}, headers=headers
    )
    assert unknown.status_code == 422
    assert "EU_Nothing" in unknown.json()["detail"]
    ccda = await api.patch(
        f"/admin/users/{LEAD}", json={"rights": [DELEGATED_ADMIN]}, headers=headers
    )
    assert ccda.status_code == 403
    assert "Only the exchange grants or removes CC_DelegatedAdmin" in ccda.json()["detail"]
    nothing = await api.patch(f"/admin/users/{MAKER}", json={}, headers=headers)
    assert nothing.status_code == 422
    assert (await api.get(f"/admin/users/{MAKER}/audit", headers=headers)).json() == []


async def test_a_ccda_never_changes_its_own_account(api: httpx.AsyncClient, app: FastAPI) -> None:
    """Segregation of duties: not its status, not its rights (not even business rights
    for itself, nor the same list again), not its device."""
    headers = session_for(app, ADMIN)
    before = user_row(app.state.context.settings, ADMIN)
    for body in (
        {"status": "suspended"},
        {"rights": [A_MAKE_RIGHT]},
        {"rights": [DELEGATED_ADMIN, A_MAKE_RIGHT]},
        {"rights": [DELEGATED_ADMIN]},
        {"status": "active", "rights": [DELEGATED_ADMIN, A_MAKE_RIGHT]},
    ):
        refused = await api.patch(f"/admin/users/{ADMIN}", json=body, headers=headers)
        assert refused.status_code == 403, body
        assert "your own account" in refused.json()["detail"]
        assert "the exchange" in refused.json()["fix"]
    reset = await api.post(f"/admin/users/{ADMIN}/reset-device", headers=headers)
    assert reset.status_code == 403
    listed = (await api.get("/admin/users", headers=headers)).json()
    assert next(u for u in listed if u["user_id"] == ADMIN)["allowed"] == []
    after = user_row(app.state.context.settings, ADMIN)
    assert dict(after) == dict(before)
    me = (await api.get("/me", headers=headers)).json()
    assert me["roles"] == ["ccda"]


async def test_suspending_ends_the_users_sessions_and_reactivating_lets_it_back(
    api: httpx.AsyncClient, app: FastAPI, outbox: Outbox
) -> None:
    headers = session_for(app, ADMIN)
    maker_session = await email_login(api, outbox, MAKER)
    response = await api.patch(
        f"/admin/users/{MAKER}", json={"status": "suspended"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert (await api.get("/me", headers=bearer(maker_session))).status_code == 401
    refused = await login(api, MAKER)
    assert refused.status_code == 403
    assert "suspended" in refused.json()["detail"]
    again = await api.patch(f"/admin/users/{MAKER}", json={"status": "suspended"}, headers=headers)
    assert again.status_code == 200
    back = await api.patch(f"/admin/users/{MAKER}", json={"status": "active"}, headers=headers)
    assert back.json()["status"] == "active"
    assert (await login(api, MAKER)).status_code == 200
    actions = [
        e["action"] for e in (await api.get(f"/admin/users/{MAKER}/audit", headers=headers)).json()
    ]
    assert actions == ["reactivate", "suspend"]


async def test_a_ccda_unlocks_a_business_user_of_its_firm(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    await lock(api, MAKER)
    headers = session_for(app, ADMIN)
    assert by_id((await api.get("/admin/users", headers=headers)).json())[MAKER]["locked"]
    response = await api.post(f"/admin/users/{MAKER}/unlock", headers=headers)
    assert response.status_code == 200
    assert response.json()["locked"] is False
    assert (await login(api, MAKER)).status_code == 200
    # Unlocking an unlocked account changes nothing and records nothing more.
    assert (await api.post(f"/admin/users/{MAKER}/unlock", headers=headers)).status_code == 200
    history = (await api.get(f"/admin/users/{MAKER}/audit", headers=headers)).json()
    assert [entry["action"] for entry in history] == ["unlock"]
    assert "5 failed attempts" in history[0]["detail"]


async def test_the_exchange_unlocks_a_ccda_and_a_ccda_cannot(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    # A second CCDA of the firm (the exchange sets CCDAs up).
    officer = session_for(app, OFFICER)
    await lock(api, ADMIN)
    second = "second.admin@harbour.example"
    created = await api.post(
        "/admin/users",
        json={
            "user_id": second,
            "name": "Sam Yip",
            "rights": [DELEGATED_ADMIN],
            "participant_id": "B01234",
        },
        headers=officer,
    )
    assert created.status_code == 201, created.text
    refused = await api.post(f"/admin/users/{ADMIN}/unlock", headers=session_for(app, second))
    assert refused.status_code == 403
    assert "only the exchange can unlock a CCDA's account" in refused.json()["detail"]
    unlocked = await api.post(f"/admin/users/{ADMIN}/unlock", headers=officer)
    assert unlocked.status_code == 200
    assert unlocked.json()["locked"] is False
    assert (await login(api, ADMIN)).status_code == 200


async def test_the_exchange_sees_and_manages_every_firms_ccdas_only(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    officer = session_for(app, OFFICER)
    assert list(by_id((await api.get("/admin/users", headers=officer)).json())) == [ADMIN]
    created = await api.post(
        "/admin/users",
        json={
            "user_id": "admin@kowloon.example",
            "name": "Karen Ma",
            "rights": [DELEGATED_ADMIN],
            "participant_id": "b05678",
        },
        headers=officer,
    )
    assert created.status_code == 201, created.text
    assert created.json()["participant_id"] == "B05678"
    listing = (await api.get("/admin/users", headers=officer)).json()
    assert [(u["participant_id"], u["user_id"]) for u in listing] == [
        ("B01234", ADMIN),
        ("B05678", "admin@kowloon.example"),
        ("C01234", ADMIN),  # Harbour's clearing membership has the same CCDA
    ]
    # A firm's business users and business rights are its CCDA's, not the exchange's.
    assert (await api.get(f"/admin/users/{MAKER}", headers=officer)).status_code == 404
    business = await api.patch(
        f"/admin/users/{ADMIN}", json={"rights": [DELEGATED_ADMIN, A_MAKE_RIGHT]}, headers=officer
    )
    assert business.status_code == 403
    assert "CCDA" in business.json()["fix"]
    no_firm = await api.post(
        "/admin/users",
        json={"user_id": "x@kowloon.example", "name": "X", "rights": [DELEGATED_ADMIN]},
        headers=officer,
    )
    assert no_firm.status_code == 422
    suspended = await api.patch(
        f"/admin/users/{ADMIN}", json={"status": "suspended"}, headers=officer
    )
    assert suspended.json()["status"] == "suspended"


async def test_reset_device_makes_the_next_app_login_register_again(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    headers = {**session_for(app, ADMIN), "Idempotency-Key": "reset-kevin"}
    response = await api.post(f"/admin/users/{CHECKER}/reset-device", headers=headers)
    assert response.status_code == 200
    assert response.json()["device_registered"] is False
    assert response.json()["device_registration"] == "required"
    assert user_row(app.state.context.settings, CHECKER)["totp_secret"] is None
    ticket = (await login(api, CHECKER)).json()
    assert ticket["device_registration"] == "required"
    assert ticket["device_registered"] is False
    again = await api.post(f"/admin/users/{CHECKER}/reset-device", headers=headers)
    assert again.json() == response.json()
    history = (await api.get(f"/admin/users/{CHECKER}/audit", headers=headers)).json()
    assert [entry["action"] for entry in history] == ["reset_device"]


async def test_a_ccda_cannot_suspend_reset_or_change_the_rights_of_another_ccda(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    officer = session_for(app, OFFICER)
    second = "second.admin@harbour.example"
    created = await api.post(
        "/admin/users",
        json={
            "user_id": second,
            "name": "Sam Yip",
            "rights": [DELEGATED_ADMIN],
            "participant_id": "B01234",
        },
        headers=officer,
    )
    assert created.status_code == 201
    headers = session_for(app, ADMIN)
    suspend = await api.patch(
        f"/admin/users/{second}", json={"status": "suspended"}, headers=headers
    )
    assert suspend.status_code == 403
    assert "only the exchange can suspend" in suspend.json()["detail"]
    reset = await api.post(f"/admin/users/{second}/reset-device", headers=headers)
    assert reset.status_code == 403
    # Nor its rights: the exchange manages CCDAs.
    rights = await api.patch(
        f"/admin/users/{second}", json={"rights": [DELEGATED_ADMIN, A_MAKE_RIGHT]}, headers=headers
    )
    assert rights.status_code == 403
    assert "only the exchange can change the rights of" in rights.json()["detail"]
    listed = (await api.get("/admin/users", headers=headers)).json()
    assert next(u for u in listed if u["user_id"] == second)["allowed"] == []


async def test_a_user_of_two_memberships_is_administered_per_membership(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    """The Kowloon maker also acts for Harbour; Harbour's CCDA sees only Harbour's rights."""
    with app.state.context.db.transaction() as conn:
        conn.execute(
            "INSERT INTO user_memberships (user_id, participant_id) VALUES (?, 'B01234')",
            (KOWLOON,),
        )
    headers = session_for(app, ADMIN)
    kowloon = by_id((await api.get("/admin/users", headers=headers)).json())[KOWLOON]
    assert kowloon["rights"] == []
    granted = await api.patch(
        f"/admin/users/{KOWLOON}", json={"rights": [A_MAKE_RIGHT]}, headers=headers
    )
    assert granted.json()["rights"] == [A_MAKE_RIGHT]
    conn = app.state.context.db.connect()
    held = conn.execute(
        "SELECT COUNT(*) FROM user_rights WHERE user_id = ? AND participant_id = 'B05678'",
        (KOWLOON,),
    ).fetchone()[0]
    assert held == len(MAKE_RIGHTS | CHECK_RIGHTS)
