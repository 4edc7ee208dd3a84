"""Text refused at the door (issue 10 point 2): every text input the API takes is refused
with 422 `validation_failed` naming the field when it holds what domain/text.py calls
unsafe; numbers refuse NaN and Infinity; nothing of it is stored.

The corpus is tests/hostile_corpus.py, shared with the TUI's pilot tests: each unsafe
entry goes through the login, the password reset, the accounts, the request create /
save / validate endpoints and the action comment; each safe-but-odd entry is stored.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.hostile_corpus import SAFE_BUT_ODD, UNSAFE, Hostile
from tests.server.attachment_corpus import build_multipart, minimal_pdf
from tests.server.request_helpers import ADMIN, MAKER, context_of, create, headers_for

IDS = [item.name for item in UNSAFE]


def body_bytes(document: Any) -> bytes:
    """JSON as a client sends it: lone surrogates as `\\ud800` escapes (json.dumps's
    default ASCII output does exactly that; httpx's own encoder would fail on them)."""
    return json.dumps(document).encode("ascii")


async def send(
    api: httpx.AsyncClient, method: str, url: str, document: Any, headers: dict[str, str]
) -> httpx.Response:
    headers = headers | {"Content-Type": "application/json"}
    return await api.request(method, url, content=body_bytes(document), headers=headers)


def refused(response: httpx.Response, field: str) -> str:
    """The message of the 422 naming `field` (the test fails if there is none)."""
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed"
    messages = [e["message"] for e in problem["errors"] if e["field"] == field]
    assert messages, f"no error names {field!r}: {problem['errors']}"
    return str(messages[0])


def request_count(app: FastAPI) -> int:
    row = context_of(app).db.connect().execute("SELECT count(*) FROM requests").fetchone()
    return int(row[0])


@pytest.mark.parametrize("item", UNSAFE, ids=IDS)
async def test_login_and_password_fields_refuse_unsafe_text(
    api: httpx.AsyncClient, item: Hostile
) -> None:
    response = await send(
        api, "POST", "/auth/login", {"user_id": item.value[:254], "password": "x"}, {}
    )
    assert "cannot" in refused(response, "user_id")
    response = await send(
        api, "POST", "/auth/login", {"user_id": MAKER, "password": item.value[:256]}, {}
    )
    refused(response, "password")
    response = await send(
        api, "POST", "/auth/password/reset", {"token": "t", "new_password": item.value[:256]}, {}
    )
    refused(response, "new_password")


@pytest.mark.parametrize("item", UNSAFE, ids=IDS)
async def test_account_fields_refuse_unsafe_text(
    app: FastAPI, api: httpx.AsyncClient, item: Hostile
) -> None:
    admin = headers_for(app, ADMIN)
    good = {"user_id": "new.user@harbour.example", "name": "New User", "rights": []}
    for field in ("user_id", "name"):
        response = await send(api, "POST", "/admin/users", good | {field: item.value[:100]}, admin)
        refused(response, field)
    response = await send(api, "POST", "/admin/users", good | {"rights": [item.value[:60]]}, admin)
    refused(response, "rights.0")


@pytest.mark.parametrize("item", UNSAFE, ids=IDS)
async def test_request_fields_and_comments_refuse_unsafe_text(
    app: FastAPI, api: httpx.AsyncClient, item: Hostile
) -> None:
    maker = headers_for(app, MAKER)
    draft = await create(api, maker, "CT027", {"firm_name": "Harbour"})
    before = request_count(app)
    value = item.value[:80]

    response = await send(
        api, "POST", "/requests", {"eservice": "CT027", "fields": {"firm_name": value}}, maker
    )
    assert "holds" in refused(response, "firm_name")
    response = await send(api, "POST", "/requests", {"eservice": value[:20], "fields": {}}, maker)
    refused(response, "eservice")
    # A draft keeps values that are not valid yet, but never these: a table cell too.
    patch = {"version": draft["version"], "fields": {"remarks": value}}
    refused(await send(api, "PATCH", f"/requests/{draft['ref']}", patch, maker), "remarks")
    check = {"fields": {"contact_name": value}}
    response = await send(api, "POST", f"/requests/{draft['ref']}/validate", check, maker)
    # Validation lists it among the form's errors (a lone surrogate is refused outright).
    assert response.status_code in (200, 422)
    assert any(e["field"] == "contact_name" for e in response.json()["errors"])

    action = {"version": draft["version"], "comment": value}
    response = await send(api, "POST", f"/requests/{draft['ref']}/actions/submit", action, maker)
    if item.unsafe_multiline:
        refused(response, "comment")
    else:  # line breaks and tabs are allowed in a comment
        assert response.status_code != 422 or all(
            e["field"] != "comment" for e in response.json()["errors"]
        )

    assert request_count(app) == before
    stored = (await api.get(f"/requests/{draft['ref']}", headers=maker)).json()
    assert stored["fields"].get("remarks") != value


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
async def test_numbers_refuse_nan_and_infinity(
    app: FastAPI, api: httpx.AsyncClient, number: str
) -> None:
    maker = headers_for(app, MAKER)
    draft = await create(api, maker, "CT027", {"firm_name": "Harbour"})
    headers = maker | {"Content-Type": "application/json"}
    raw = f'{{"version": {draft["version"]}, "fields": {{"new_limit": {number}}}}}'
    response = await api.patch(f"/requests/{draft['ref']}", content=raw, headers=headers)
    assert "finite" in refused(response, "new_limit")
    raw = f'{{"eservice": "CT027", "fields": {{"current_limit": {number}}}}}'
    response = await api.post("/requests", content=raw, headers=headers)
    refused(response, "current_limit")
    raw = f'{{"version": {number}}}'
    response = await api.post(
        f"/requests/{draft['ref']}/actions/submit", content=raw, headers=headers
    )
    refused(response, "version")
    # What is stored is always JSON a strict parser reads.
    for (text,) in context_of(app).db.connect().execute("SELECT fields FROM requests"):
        json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} stored"))


async def test_a_hostile_key_is_quoted_safely(app: FastAPI, api: httpx.AsyncClient) -> None:
    """An unknown field whose very name is hostile: refused, and the answer quotes the
    name with visible marks (a lone surrogate would not even encode as UTF-8)."""
    maker = headers_for(app, MAKER)
    for key, shown in (("\x1b]0;pwned\x07", "␛]0;pwned␇"), ("a\ud800", "a\\ud800")):
        body = {"eservice": "CT027", "fields": {key: 1}}
        response = await send(api, "POST", "/requests", body, maker)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [shown]


@pytest.mark.parametrize("item", SAFE_BUT_ODD, ids=[i.name for i in SAFE_BUT_ODD])
async def test_odd_but_safe_text_is_kept(
    app: FastAPI, api: httpx.AsyncClient, item: Hostile
) -> None:
    maker = headers_for(app, MAKER)
    value = item.value[:500]
    draft = await create(api, maker, "CT027", {"remarks": value})
    assert draft["fields"]["remarks"] == value.strip()


@pytest.mark.parametrize("item", UNSAFE, ids=IDS)
async def test_file_names_refuse_unsafe_text(
    app: FastAPI, api: httpx.AsyncClient, item: Hostile
) -> None:
    """The upload's file name: 422 naming the `file` field (code `bad_file_name`, the
    upload's own word for a name refused), and nothing stored."""
    maker = headers_for(app, MAKER)
    draft = await create(api, maker, "CT027", {"firm_name": "Harbour"})
    name = f"Supporting Document_{draft['ref']}_B01234{item.value[:60]}.pdf"
    # As browsers and httpx send a name: line breaks and quotes form-encoded.
    encoded = name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
    body, content_type = build_multipart(encoded, minimal_pdf())
    response = await api.post(
        f"/requests/{draft['ref']}/attachments",
        content=body,
        headers=maker | {"Content-Type": content_type},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "bad_file_name"
    assert [e["field"] for e in problem["errors"]][:1] == ["file"]
    stored = (await api.get(f"/requests/{draft['ref']}", headers=maker)).json()
    assert stored["attachments"] == []
