"""Task notices follow the memberships a user holds now (API.md: "the acting membership
must be one the user holds"), not the rights rows a lost membership leaves behind.

A membership taken away (the exchange's data, not a CCDA's screen: its `user_rights`
rows may stay) must stop its notices at once: no new notice row, no mail, and the notices
already written (a reference and a title each) no longer listed nor streamed, since the
user may no longer read those requests. The memberships still held go on as before.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from cc_tui.server.store.notifications import list_notifications
from tests.server.login_helpers import Outbox
from tests.server.request_helpers import (
    LEAD,
    MAKER,
    act,
    context_of,
    create,
    good_values,
    headers_for,
)

EXCHANGE = "B01234"
CLEARING = "C01234"


def _take_away(app: FastAPI, user_id: str, participant_id: str) -> None:
    with context_of(app).db.transaction() as conn:
        conn.execute(
            "DELETE FROM user_memberships WHERE user_id = ? AND participant_id = ?",
            (user_id, participant_id),
        )


async def _submitted(app: FastAPI, api: httpx.AsyncClient) -> dict[str, object]:
    maker = headers_for(app, MAKER)
    made = await create(api, maker, "CT027", good_values(app, "CT027"))
    submitted = await act(api, maker, made, "submit")
    assert submitted.status_code == 200, submitted.text
    body: dict[str, object] = submitted.json()
    return body


async def _listed_refs(api: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    response = await api.get("/notifications", params={"since": "0"}, headers=headers)
    assert response.status_code == 200, response.text
    return {notice["ref"] for notice in response.json()}


async def test_a_checker_who_lost_the_membership_gets_no_notice_nor_mail(
    app: FastAPI, api: httpx.AsyncClient, outbox: Outbox
) -> None:
    before = await _submitted(app, api)  # a task of lead@'s while it holds B01234
    lead = headers_for(app, LEAD, CLEARING)
    assert before["ref"] in await _listed_refs(api, lead)
    outbox.new_bodies(LEAD)

    _take_away(app, LEAD, EXCHANGE)
    after = await _submitted(app, api)

    listed = await _listed_refs(api, lead)
    assert before["ref"] not in listed, "an old notice of a lost membership is still listed"
    assert after["ref"] not in listed, "a new notice of a lost membership was written"
    mails = outbox.new_bodies(LEAD)
    assert not any(str(after["ref"]) in body for body in mails), mails
    conn = context_of(app).db.connect()
    assert not [n for n in list_notifications(conn, LEAD) if n.ref == after["ref"]]
    # checker@ still holds B01234: its notice is written as before.
    assert after["ref"] in {n.ref for n in list_notifications(conn, "checker@harbour.example")}


async def test_a_maker_who_lost_the_membership_hears_nothing_of_its_return(
    app: FastAPI, api: httpx.AsyncClient, outbox: Outbox
) -> None:
    pending = await _submitted(app, api)
    _take_away(app, MAKER, EXCHANGE)
    outbox.new_bodies(MAKER)
    returned = await act(
        api, headers_for(app, LEAD, EXCHANGE), pending, "return", "Please fix the date."
    )
    assert returned.status_code == 200, returned.text
    conn = context_of(app).db.connect()
    assert not [n for n in list_notifications(conn, MAKER) if n.kind == "returned_to_me"]
    assert not any(str(pending["ref"]) in body for body in outbox.new_bodies(MAKER))


async def test_an_open_stream_stops_naming_a_membership_taken_away(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The stream reads the same list: a notice written for B01234 just before the
    membership went (the change and the removal racing) is not sent after it."""
    pending = await _submitted(app, api)
    conn = context_of(app).db.connect()
    held = [n.id for n in list_notifications(conn, LEAD) if n.ref == pending["ref"]]
    assert held, "lead@ checks B01234: a notice was written"
    _take_away(app, LEAD, EXCHANGE)
    assert not list_notifications(conn, LEAD, after_id=held[0] - 1)
