"""Segregation of duties on accounts (issue 9, point 6): the rules themselves, and
`allowed` in GET /admin/users, which says what the caller may do to each user and
agrees with what a change is then allowed to do."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain.account_rules import Account as Subject
from cc_tui.domain.account_rules import AccountAction, Actor, allowed, refusal, rights_refusal
from cc_tui.domain.rights import DELEGATED_ADMIN, MAKE_RIGHTS
from tests.server.test_admin import ADMIN, CHECKER, MAKER, OFFICER, by_id, lock, session_for

A_MAKE_RIGHT = sorted(MAKE_RIGHTS)[0]
CCDA = Actor("admin@harbour.example", is_exchange=False, participant_id="B01234")
EXCHANGE = Actor("officer@hkex.example", is_exchange=True)
BUSINESS = Subject("maker@harbour.example", "Mandy Chan", is_ccda=False)
OTHER_CCDA = Subject("second@harbour.example", "Sam Yip", is_ccda=True)
SELF = Subject("admin@harbour.example", "Alex Admin", is_ccda=True)


@pytest.mark.parametrize("action", list(AccountAction))
def test_who_may_act_on_whom(action: AccountAction) -> None:
    assert refusal(CCDA, BUSINESS, action) is None
    assert refusal(CCDA, OTHER_CCDA, action) is not None
    assert refusal(CCDA, SELF, action) is not None
    assert refusal(EXCHANGE, OTHER_CCDA, action) is None
    assert refusal(EXCHANGE, BUSINESS, action) is not None
    officer_self = Subject(EXCHANGE.user_id, "Olive Officer", is_ccda=True)
    assert refusal(EXCHANGE, officer_self, action) is not None


def test_which_rights_each_may_grant() -> None:
    assert rights_refusal(CCDA, set(), {A_MAKE_RIGHT}) is None
    refused = rights_refusal(CCDA, set(), {DELEGATED_ADMIN})
    assert refused is not None and refused[1] == [DELEGATED_ADMIN]
    assert rights_refusal(EXCHANGE, set(), {DELEGATED_ADMIN}) is None
    refused = rights_refusal(EXCHANGE, {DELEGATED_ADMIN}, {DELEGATED_ADMIN, A_MAKE_RIGHT})
    assert refused is not None and refused[1] == [A_MAKE_RIGHT]


def test_allowed_follows_the_accounts_state() -> None:
    locked = Subject(BUSINESS.user_id, BUSINESS.name, is_ccda=False, locked=True)
    assert "unlock" in allowed(CCDA, locked)
    assert "unlock" not in allowed(CCDA, BUSINESS)
    suspended = Subject(BUSINESS.user_id, BUSINESS.name, is_ccda=False, active=False)
    assert allowed(CCDA, suspended) == ["rights", "reactivate", "reset_device"]
    new = Subject("kim@harbour.example", "Kim Lee", is_ccda=False, password_set=False)
    assert "setup_mail" in allowed(CCDA, new)


async def test_allowed_in_the_list_is_what_the_caller_may_do(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    await lock(api, MAKER)
    users = by_id((await api.get("/admin/users", headers=session_for(app, ADMIN))).json())
    assert users[ADMIN]["allowed"] == []  # its own account
    assert users[MAKER]["allowed"] == ["rights", "suspend", "unlock", "reset_device"]
    assert users[CHECKER]["allowed"] == ["rights", "suspend", "reset_device"]
    # The exchange sees the CCDAs, and may act on them.
    ccdas = by_id((await api.get("/admin/users", headers=session_for(app, OFFICER))).json())
    assert ccdas[ADMIN]["allowed"] == ["rights", "suspend", "reset_device"]
    # What the list allows, a change does.
    unlocked = await api.post(f"/admin/users/{MAKER}/unlock", headers=session_for(app, ADMIN))
    assert unlocked.status_code == 200
    assert "unlock" not in unlocked.json()["allowed"]


async def test_the_exchange_never_grants_business_rights(
    api: httpx.AsyncClient, app: FastAPI
) -> None:
    officer = session_for(app, OFFICER)
    refused = await api.patch(
        f"/admin/users/{ADMIN}", json={"rights": [DELEGATED_ADMIN, A_MAKE_RIGHT]}, headers=officer
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "rights"
    # A business user is outside the exchange's reach altogether.
    assert (await api.get(f"/admin/users/{MAKER}", headers=officer)).status_code == 404
