"""A body that is not text in any JSON encoding gets the same clear 400 as one that is
not valid JSON: what is wrong and what to send, never FastAPI's bare "There was an
error parsing the body" (no fix, no translation)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.server.request_helpers import LEAD, headers_for

BODIES = [b'\xff\xfe{"language":"en"}', b"\xc3\x28", b'{"language":"\xff"}', b"\xff\xfe"]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/me/language"), ("POST", "/requests"), ("POST", "/me/password")],
)
async def test_an_undecodable_body_is_said_to_be_not_json_with_a_fix(
    app: FastAPI, api: httpx.AsyncClient, method: str, path: str, body: bytes
) -> None:
    headers = headers_for(app, LEAD) | {"Content-Type": "application/json"}
    response = await api.request(method, path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["code"] == "malformed"
    assert problem["detail"] == "The request body is not valid JSON."
    assert problem["fix"] == "Send a JSON object as the API documents it."
    chinese = await api.request(
        method, path, content=body, headers=headers | {"Accept-Language": "zh-Hant"}
    )
    assert chinese.json()["detail"] != problem["detail"]  # said in the language asked for
