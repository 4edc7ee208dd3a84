"""PortalClient's form and request calls against httpx.MockTransport: what they send and
what they return (the catalogue, auto-fill, create with the caller's Idempotency-Key,
version-checked save, validate, audit, the audit PDF's bytes)."""

from __future__ import annotations

import json

import httpx
import pytest

from cc_tui.client.errors import PortalError
from cc_tui.client.portal import PortalClient

URL = "http://portal.test"
REQUEST = {
    "ref": "ECS00000042",
    "eservice": "CT027",
    "eservice_name": "Order Consideration Limit setting",
    "participant_id": "B01234",
    "status": "draft",
    "maker": "maker@harbour.example",
    "updated_at": "2026-11-23T10:00:00+08:00",
    "title": "OCL B01234",
    "version": 1,
    "fields": {"new_limit": "8000000.00"},
    "attachments": [],
    "comments": [],
    "allowed_actions": ["submit", "discard"],
}


def portal(seen: list[httpx.Request], answer: httpx.Response) -> PortalClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return PortalClient(URL, token="tok", transport=httpx.MockTransport(handler))


async def test_the_catalogue_is_searched_with_q_and_auto_fill_read() -> None:
    seen: list[httpx.Request] = []
    summary = {
        "code": "BI01",
        "name": "Exemption of Buy-in",
        "description": "d",
        "category": "Clearing and settlement",
        "business_day_only": True,
    }
    async with portal(seen, httpx.Response(200, json=[summary])) as client:
        found = await client.eservices("buy-in")
        await client.eservices()
    assert found[0].business_day_only
    assert dict(seen[0].url.params) == {"q": "buy-in"}
    assert dict(seen[1].url.params) == {}
    seen.clear()
    async with portal(seen, httpx.Response(200, json={"firm_name": "Harbour"})) as client:
        assert await client.autofill("CT027") == {"firm_name": "Harbour"}
    assert seen[0].url.path == "/api/v1/eservices/CT027/autofill"


async def test_create_sends_the_callers_idempotency_key_and_save_the_version() -> None:
    seen: list[httpx.Request] = []
    async with portal(seen, httpx.Response(201, json=REQUEST)) as client:
        created = await client.create_request(
            "CT027", {"new_limit": "8,000,000"}, idempotency_key="key-1"
        )
        await client.update_request("ECS00000042", 1, {"remarks": None})
    assert created.ref == "ECS00000042"
    assert seen[0].method == "POST" and seen[0].headers["Idempotency-Key"] == "key-1"
    assert json.loads(seen[0].content) == {
        "eservice": "CT027",
        "fields": {"new_limit": "8,000,000"},
    }
    assert seen[1].method == "PATCH" and seen[1].url.path == "/api/v1/requests/ECS00000042"
    assert json.loads(seen[1].content) == {"version": 1, "fields": {"remarks": None}}


async def test_validate_returns_the_portals_field_errors() -> None:
    seen: list[httpx.Request] = []
    errors = {"errors": [{"field": "new_limit", "message": "Too small.", "fix": "Raise it."}]}
    async with portal(seen, httpx.Response(200, json=errors)) as client:
        found = await client.validate_request("ECS00000042", {"new_limit": "5"})
    assert [(e.field, e.fix) for e in found] == [("new_limit", "Raise it.")]
    assert seen[0].url.path == "/api/v1/requests/ECS00000042/validate"


async def test_a_stale_save_is_a_409_with_the_portals_words() -> None:
    problem = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "code": "version_conflict",
        "detail": "Someone else changed ECS00000042 after you opened it.",
        "fix": "Reload the request.",
    }
    answer = httpx.Response(
        409, content=json.dumps(problem), headers={"content-type": "application/problem+json"}
    )
    async with portal([], answer) as client:
        with pytest.raises(PortalError) as raised:
            await client.update_request("ECS00000042", 1, {})
    assert raised.value.code == "version_conflict"
    assert raised.value.message.endswith("Reload the request.")


async def test_audit_entries_and_the_pdf_bytes() -> None:
    seen: list[httpx.Request] = []
    entry = {
        "at": "2026-11-23T10:00:00+08:00",
        "user_id": "maker@harbour.example",
        "role": "maker",
        "action": "save",
        "from_status": None,
        "to_status": "draft",
    }
    async with portal(seen, httpx.Response(200, json=[entry])) as client:
        (read,) = await client.audit("ECS00000042")
    assert read.action.value == "save"
    pdf = httpx.Response(200, content=b"%PDF-1.4 ...", headers={"content-type": "application/pdf"})
    async with portal(seen, pdf) as client:
        assert await client.audit_pdf("ECS00000042") == b"%PDF-1.4 ..."
    assert seen[-1].url.path == "/api/v1/requests/ECS00000042/audit.pdf"
