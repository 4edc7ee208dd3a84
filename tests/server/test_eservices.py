"""The eService catalogue through the API: what a user may make, one form, auto-fill."""

from __future__ import annotations

from datetime import datetime

import httpx
from fastapi import FastAPI

from cc_tui.domain.forms import CATALOGUE, FieldType
from cc_tui.server.clock import HKT, FakeClock
from tests.server.request_helpers import (
    ADMIN,
    CHECKER,
    KOWLOON,
    MAKER,
    OFFICER,
    headers_for,
)


async def test_a_maker_sees_every_eservice_it_may_make(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    response = await api.get("/eservices", headers=headers_for(app, MAKER))
    assert response.status_code == 200
    codes = {item["code"] for item in response.json()}
    assert codes == set(CATALOGUE)
    ct027 = next(item for item in response.json() if item["code"] == "CT027")
    assert ct027["name"] == "Order Consideration Limit setting"
    assert set(ct027) == {"code", "name", "description", "category", "business_day_only"}


async def test_checkers_ccdas_and_officers_have_nothing_to_make(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    for user in (CHECKER, ADMIN, OFFICER):
        response = await api.get("/eservices", headers=headers_for(app, user))
        assert response.status_code == 200
        assert response.json() == [], user


async def test_only_the_rights_held_are_listed(app: FastAPI, api: httpx.AsyncClient) -> None:
    context = app.state.context
    with context.db.transaction() as conn:
        conn.execute(
            "DELETE FROM user_rights WHERE user_id = ? AND right_code != ?",
            (MAKER, CATALOGUE["TH01"].make_right),
        )
    response = await api.get("/eservices", headers=headers_for(app, MAKER))
    assert [item["code"] for item in response.json()] == ["TH01"]


async def test_search_by_keyword_and_code(app: FastAPI, api: httpx.AsyncClient) -> None:
    headers = headers_for(app, MAKER)
    response = await api.get("/eservices", params={"q": "ct027"}, headers=headers)
    assert response.json()[0]["code"] == "CT027"
    response = await api.get("/eservices", params={"q": "buy-in"}, headers=headers)
    codes = [item["code"] for item in response.json()]
    assert codes and all(code.startswith("BI") for code in codes)
    response = await api.get("/eservices", params={"q": "no such form anywhere"}, headers=headers)
    assert response.json() == []


async def test_not_logged_in_is_401(api: httpx.AsyncClient) -> None:
    response = await api.get("/eservices")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_form_definition_is_derived_from_the_domain(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    headers = headers_for(app, CHECKER)
    for code, eservice in CATALOGUE.items():
        response = await api.get(f"/eservices/{code.lower()}", headers=headers)
        assert response.status_code == 200, code
        body = response.json()
        assert body["code"] == code
        assert [f["name"] for f in body["fields"]] == list(eservice.field_names)
        assert body["final_status"] == eservice.final_status.value
        assert body["stages"] == list(eservice.stages)
        for wire, field in zip(body["fields"], eservice.fields, strict=True):
            assert wire["type"] == field.type.value
            assert wire["required"] == field.required
            assert wire["label"] == field.label
            if field.type is FieldType.TABLE:
                assert [c["name"] for c in wire["columns"]] == [c.name for c in field.columns or ()]
            if field.type is FieldType.CHOICE:
                assert wire["choices"] == list(field.choices or ())


async def test_an_unknown_eservice_is_404_with_a_fix(app: FastAPI, api: httpx.AsyncClient) -> None:
    headers = headers_for(app, MAKER)
    for path in ("/eservices/ZZ99", "/eservices/ZZ99/autofill"):
        response = await api.get(path, headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert "ZZ99" in response.json()["detail"]
        assert response.json()["fix"]


async def test_autofill_comes_from_the_acting_membership(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    response = await api.get("/eservices/CT027/autofill", headers=headers_for(app, MAKER))
    assert response.status_code == 200
    assert response.json() == {
        "participant_id": "B01234",
        "firm_name": "Harbour Securities Limited",
        "contact_name": "Grace Leung",
        "contact_email": "operations@harbour.example",
        "contact_phone": "+852 2123 4567",
    }
    response = await api.get("/eservices/CT027/autofill", headers=headers_for(app, KOWLOON))
    assert response.json()["firm_name"] == "Kowloon Brokers Limited"
    response = await api.get("/eservices/CT027/autofill", headers=headers_for(app, OFFICER))
    assert response.json() == {}


async def test_the_catalogue_reads_during_maintenance(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=HKT))
    headers = headers_for(app, MAKER)
    assert (await api.get("/eservices", headers=headers)).status_code == 200
    assert (await api.get("/eservices/DA3", headers=headers)).status_code == 200
