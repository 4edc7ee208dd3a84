"""GET /requests/{ref}/audit.pdf: a real PDF of the whole trail, read back with pypdf."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from pypdf import PdfReader

from cc_tui.server.clock import FakeClock
from cc_tui.server.pdf import hkt
from tests.server.request_helpers import (
    CHECKER,
    KOWLOON,
    MAKER,
    OFFICER,
    act,
    create,
    good_values,
    headers_for,
)


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


async def step(
    api: httpx.AsyncClient,
    clock: FakeClock,
    headers: dict[str, str],
    request: dict[str, Any],
    action: str,
    comment: str | None = None,
) -> dict[str, Any]:
    clock.advance(minutes=2)  # so that every entry has its own time on paper
    response = await act(api, headers, request, action, comment)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_pdf_holds_every_audit_entry(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    officer = headers_for(app, OFFICER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    request = await step(api, clock, maker, request, "submit")
    request = await step(api, clock, checker, request, "return", "Effective date too soon.")
    request = await step(api, clock, maker, request, "submit")
    request = await step(
        api, clock, checker, request, "approve", "Checked against the board minute."
    )
    request = await step(api, clock, officer, request, "complete")
    assert request["status"] == "approved"

    response = await api.get(f"/requests/{request['ref']}/audit.pdf", headers=maker)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="audit_{request["ref"]}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    pages, text = pdf_text(response.content)
    assert pages >= 1
    assert f"Audit trail {request['ref']}" in text
    assert "Status Approved" in text
    assert "Participant name Harbour Securities Limited" in text
    entries = request["audit"]
    assert len(entries) == 6
    assert f"Audit trail ({len(entries)} entries)" in text
    for entry in entries:
        assert f"{hkt(datetime.fromisoformat(entry['at']))} {entry['user_id']}" in text
        if entry["comment"]:
            assert f"Comment: {entry['comment']}" in text
    assert "Return Pending checker Returned" in text
    assert "Exchange Complete With exchange Approved" in text


async def test_the_pdf_is_there_before_the_request_is_final_and_says_its_status(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "DA3", good_values(app, "DA3"))
    response = await api.get(f"/requests/{request['ref']}/audit.pdf", headers=maker)
    assert response.status_code == 200
    _, text = pdf_text(response.content)
    assert "Status Draft" in text
    assert "Audit trail (1 entry)" in text


async def test_who_may_not_read_the_request_gets_404(app: FastAPI, api: httpx.AsyncClient) -> None:
    request = await create(api, headers_for(app, MAKER))
    for user in (KOWLOON, OFFICER):
        response = await api.get(
            f"/requests/{request['ref']}/audit.pdf", headers=headers_for(app, user)
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert (await api.get(f"/requests/{request['ref']}/audit.pdf")).status_code == 401
