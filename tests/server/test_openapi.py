"""The contract is deliberate: the served OpenAPI document must equal the committed one."""

from __future__ import annotations

import json

import httpx
import pytest

from cc_tui.api import API_PREFIX
from cc_tui.server.openapi import COMMITTED, main, render, served_document
from cc_tui.server.runner import BackgroundServer


async def test_served_document_matches_the_committed_one(api: httpx.AsyncClient) -> None:
    served = (await api.get("/openapi.json")).json()
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, (
        "The served OpenAPI document differs from cc_tui/api/openapi.json. If the API "
        "change is deliberate, run `make openapi` and commit the regenerated file."
    )


def test_the_generator_prints_what_is_served(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == served_document()
    assert printed == render(json.loads(printed))


def test_every_error_response_is_problem_json() -> None:
    document = served_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (
                        f"{method.upper()} {path} {status}"
                    )
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_a_running_portal_has_its_document_before_the_first_request(
    live_portal: BackgroundServer,
) -> None:
    # Built at start (the limits read it on every request's way in): the first requests
    # no longer wait some 0.6 s for it.
    assert live_portal.app.openapi_schema is not None
    served = httpx.get(f"{live_portal.url}{API_PREFIX}/openapi.json", timeout=10).json()
    assert served == live_portal.app.openapi_schema
