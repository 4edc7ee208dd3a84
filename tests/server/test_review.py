"""What a checker relies on (issue 12): the audit's `changes` and files, the hash chain
and its verify endpoint, `unavailable_actions`, and the order of refusals."""

from __future__ import annotations

import io
import itertools
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader

from cc_tui.domain.workflow import Action
from cc_tui.server import db as db_module
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.db import Database
from cc_tui.server.store.audit_chain import SEALED_COLUMNS, seal, seal_unsealed, verify_chain
from cc_tui.server.store.requests import append_audit
from tests.server.request_helpers import (
    CHECKER,
    KOWLOON,
    LEAD,
    MAKER,
    act,
    context_of,
    create,
    good_values,
    headers_for,
)

SATURDAY_0900 = datetime(2026, 11, 28, 9, 0, tzinfo=HKT)
SUNDAY_1000 = datetime(2026, 11, 29, 10, 0, tzinfo=HKT)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def audit(api: httpx.AsyncClient, headers: dict[str, str], ref: str) -> list[dict[str, Any]]:
    response = await api.get(f"/requests/{ref}/audit", headers=headers)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


async def verify(api: httpx.AsyncClient, headers: dict[str, str], ref: str) -> dict[str, Any]:
    response = await api.get(f"/requests/{ref}/audit/verify", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def returned_and_resubmitted(
    app: FastAPI, api: httpx.AsyncClient
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    request = (await act(api, maker, request, "submit")).json()
    request = (await act(api, checker, request, "return", "Raise the limit to 6M.")).json()
    response = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": request["version"], "fields": {"new_limit": "6000000", "remarks": ""}},
        headers=maker,
    )
    assert response.status_code == 200, response.text
    request = response.json()
    request = (await act(api, maker, request, "submit", "Raised to 6M as asked.")).json()
    return request, maker, checker


# changes and files ------------------------------------------------------------------


async def test_a_save_records_each_changed_field_before_and_after(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    request, _, checker = await returned_and_resubmitted(app, api)
    entries = await audit(api, checker, request["ref"])
    assert [e["action"] for e in entries] == ["save", "submit", "return", "save", "submit"]
    created = entries[0]["changes"]
    assert {c["field"] for c in created} >= {"new_limit", "contact_name"}
    assert all(c["before"] is None for c in created)
    save = entries[3]
    # The form's order; a cleared field's after is null.
    assert [c["field"] for c in save["changes"]] == ["new_limit", "remarks"]
    limit, remarks = save["changes"]
    assert limit["after"] == "6000000.00"
    assert limit["before"] != limit["after"]
    assert remarks["before"] and remarks["after"] is None
    # The reply came with the submit, as its comment.
    assert entries[4]["comment"] == "Raised to 6M as asked."
    assert entries[4]["changes"] == []


async def test_a_save_that_changes_nothing_records_no_changes(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    response = await api.patch(
        f"/requests/{request['ref']}",
        json={"version": 1, "fields": dict(request["fields"])},
        headers=maker,
    )
    assert response.status_code == 200
    assert (await audit(api, maker, request["ref"]))[-1]["changes"] == []


async def test_upload_and_delete_entries_name_the_file(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027")
    name = f"Supporting Document_{request['ref']}_B01234.pdf"
    response = await api.post(
        f"/requests/{request['ref']}/attachments",
        files={"file": (name, PDF_BYTES, "application/pdf")},
        headers=maker,
    )
    assert response.status_code == 201, response.text
    attachment = response.json()
    response = await api.delete(
        f"/requests/{request['ref']}/attachments/{attachment['id']}", headers=maker
    )
    assert response.status_code in (200, 204), response.text
    entries = await audit(api, maker, request["ref"])
    assert [(e["action"], e["file"]) for e in entries[1:]] == [
        ("upload", name),
        ("delete_attachment", name),
    ]


# the hash chain ---------------------------------------------------------------------


async def test_the_chain_verifies_and_names_the_first_altered_entry(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    request, _, checker = await returned_and_resubmitted(app, api)
    ref = request["ref"]
    entries = await audit(api, checker, ref)
    assert entries[0]["prev_hash"] == ""
    for before, after in itertools.pairwise(entries):
        assert after["prev_hash"] == before["hash"]
    assert await verify(api, checker, ref) == {
        "intact": True,
        "entries": 5,
        "broken_at": None,
        "head": entries[-1]["hash"],
        "recorded_entries": 5,
    }
    conn = context_of(app).db.connect()
    request_id = int(ref[3:])
    # Someone with the database file rewrites the checker's return comment.
    conn.execute(
        "UPDATE request_audit SET comment = 'Looks fine.' WHERE request_id = ? AND action = ?",
        (request_id, "return"),
    )
    assert await verify(api, checker, ref) == {
        "intact": False,
        "entries": 5,
        "broken_at": 3,
        "head": None,
        "recorded_entries": 5,
    }


async def test_a_removed_entry_breaks_the_chain(app: FastAPI, api: httpx.AsyncClient) -> None:
    request, _, checker = await returned_and_resubmitted(app, api)
    conn = context_of(app).db.connect()
    conn.execute(
        "DELETE FROM request_audit WHERE request_id = ? AND action = 'return'",
        (int(request["ref"][3:]),),
    )
    body = await verify(api, checker, request["ref"])
    assert (body["intact"], body["entries"], body["broken_at"]) == (False, 4, 3)


async def test_removing_the_latest_entries_is_detected(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    request, _, checker = await returned_and_resubmitted(app, api)
    ref = request["ref"]
    request_id = int(ref[3:])
    conn = context_of(app).db.connect()
    # Someone with the database file deletes the maker's resubmission: the last entry.
    # Every entry left still names the one before it.
    conn.execute(
        "DELETE FROM request_audit WHERE id = (SELECT max(id) FROM request_audit"
        " WHERE request_id = ?)",
        (request_id,),
    )
    assert await verify(api, checker, ref) == {
        "intact": False,
        "entries": 4,
        "broken_at": 5,
        "head": None,
        "recorded_entries": 5,
    }
    # And the two latest.
    conn.execute(
        "DELETE FROM request_audit WHERE id = (SELECT max(id) FROM request_audit"
        " WHERE request_id = ?)",
        (request_id,),
    )
    body = await verify(api, checker, ref)
    assert (body["intact"], body["entries"], body["broken_at"]) == (False, 3, 4)
    response = await api.get(f"/requests/{ref}/audit.pdf", headers=checker)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "records 5 entries and 3 remain" in " ".join(text.split())


async def test_the_last_entry_replaced_by_a_well_chained_forgery_is_detected(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """Who rewrites the last entry and reseals it (hash and link correct) is still caught
    by the head the request row recorded, unless they rewrite that row too."""
    request, _, checker = await returned_and_resubmitted(app, api)
    ref = request["ref"]
    conn = context_of(app).db.connect()
    last = conn.execute(
        "SELECT id, prev_hash FROM request_audit WHERE request_id = ? ORDER BY id DESC LIMIT 1",
        (int(ref[3:]),),
    ).fetchone()
    columns = ", ".join(SEALED_COLUMNS)
    values = conn.execute(
        f"SELECT {columns} FROM request_audit WHERE id = ?", (last[0],)
    ).fetchone()
    forged = list(values)
    forged[SEALED_COLUMNS.index("comment")] = "All checked, approve at once."
    conn.execute(
        "UPDATE request_audit SET comment = ?, hash = ? WHERE id = ?",
        (forged[SEALED_COLUMNS.index("comment")], seal(last[1], forged), last[0]),
    )
    body = await verify(api, checker, ref)
    assert (body["intact"], body["entries"], body["broken_at"]) == (False, 5, 5)


async def test_verify_on_another_firms_request_is_not_found(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    request = await create(api, headers_for(app, MAKER))
    response = await api.get(
        f"/requests/{request['ref']}/audit/verify", headers=headers_for(app, KOWLOON)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_the_audit_pdf_prints_the_chain_head_and_whether_it_verifies(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    request, _, checker = await returned_and_resubmitted(app, api)
    ref = request["ref"]
    head = (await verify(api, checker, ref))["head"]
    response = await api.get(f"/requests/{ref}/audit.pdf", headers=checker)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = "".join(text.split())
    assert head in flat
    assert "verifies" in text
    assert "Raised to 6M as asked." in text
    assert "new_limit" not in text  # fields are named by their labels
    context_of(app).db.connect().execute(
        "UPDATE request_audit SET user_id = 'someone@else' WHERE request_id = ? AND action = ?",
        (int(ref[3:]), "submit"),
    )
    response = await api.get(f"/requests/{ref}/audit.pdf", headers=checker)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "does NOT verify" in text


def test_entries_from_before_the_chain_are_sealed_once(tmp_path: Any) -> None:
    database = Database(tmp_path / "portal.db")
    conn = database.connect()
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.executemany(
        "INSERT INTO request_audit (request_id, at, user_id, role, action) VALUES (?, ?, ?, ?, ?)",
        [
            (7, 1, "a", "maker", "save"),
            (7, 2, "b", "checker", "approve"),
            (8, 1, "c", "maker", "save"),
        ],
    )
    assert seal_unsealed(conn) == 3
    assert verify_chain(conn, 7).intact and verify_chain(conn, 7).entries == 2
    assert seal_unsealed(conn) == 0
    database.close()


# unavailable_actions and the order of refusals --------------------------------------


async def test_on_a_sunday_a_business_day_only_request_lists_its_actions_as_unavailable(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "BI04", good_values(app, "BI04"))
    request = (await act(api, maker, request, "submit")).json()
    clock.set(SUNDAY_1000)
    checker = headers_for(app, CHECKER)
    body = (await api.get(f"/requests/{request['ref']}", headers=checker)).json()
    assert body["allowed_actions"] == []
    unavailable = body["unavailable_actions"]
    assert [u["action"] for u in unavailable] == ["approve", "return", "reject"]
    assert {u["code"] for u in unavailable} == {"business_day_only"}
    assert "a Sunday" in unavailable[0]["detail"]
    assert unavailable[0]["available_from"].startswith("2026-11-30T00:00:00")
    # Exactly what the portal then refuses.
    response = await act(api, checker, request, "approve")
    assert response.json()["code"] == "business_day_only"
    # Other eServices are open: CT027 offers approve as usual.
    maker = headers_for(app, MAKER)
    other = await create(api, maker, "CT027", good_values(app, "CT027"))
    other = (await act(api, maker, other, "submit")).json()
    body = (await api.get(f"/requests/{other['ref']}", headers=checker)).json()
    assert "approve" in body["allowed_actions"]
    assert body["unavailable_actions"] == []


async def test_during_maintenance_every_action_is_unavailable(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker = headers_for(app, MAKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    clock.set(SATURDAY_0900)
    maker = headers_for(app, MAKER)
    body = (await api.get(f"/requests/{request['ref']}", headers=maker)).json()
    assert body["allowed_actions"] == []
    assert [(u["action"], u["code"]) for u in body["unavailable_actions"]] == [
        ("submit", "maintenance"),
        ("discard", "maintenance"),
    ]
    assert body["unavailable_actions"][0]["available_from"].startswith("2026-11-29T00:00:00")


@pytest.mark.parametrize("moment", [SUNDAY_1000, SATURDAY_0900])
async def test_the_maker_is_told_they_made_it_before_any_day_or_hour_rule(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock, moment: datetime
) -> None:
    lead = headers_for(app, LEAD)
    request = await create(api, lead, "BI04", good_values(app, "BI04"))
    request = (await act(api, lead, request, "submit")).json()
    clock.set(moment)
    lead = headers_for(app, LEAD)
    response = await act(api, lead, request, "approve")
    assert response.status_code == 403
    assert response.json()["code"] == "maker_cannot_check"
    # And the request never offered it to the maker, now or later.
    body = (await api.get(f"/requests/{request['ref']}", headers=lead)).json()
    assert "approve" not in body["allowed_actions"]
    assert "approve" not in [u["action"] for u in body["unavailable_actions"]]
    # A stale version is still the first thing said.
    stale = dict(request, version=request["version"] - 1)
    assert (await act(api, lead, stale, "approve")).json()["code"] == "version_conflict"


async def test_listed_requests_carry_their_unavailable_actions(
    app: FastAPI, api: httpx.AsyncClient, clock: FakeClock
) -> None:
    maker = headers_for(app, MAKER)
    waiting = await create(api, maker, "BI04", good_values(app, "BI04"))
    waiting = (await act(api, maker, waiting, "submit")).json()
    open_one = await create(api, maker, "CT027", good_values(app, "CT027"))
    open_one = (await act(api, maker, open_one, "submit")).json()

    async def listed(who: str, section: str) -> dict[str, list[tuple[str, str]]]:
        response = await api.get(
            "/requests", params={"section": section}, headers=headers_for(app, who)
        )
        assert response.status_code == 200, response.text
        return {
            item["ref"]: [(u["action"], u["code"]) for u in item["unavailable_actions"]]
            for item in response.json()["items"]
        }

    clock.set(SUNDAY_1000)
    items = await listed(CHECKER, "awaiting_my_check")
    assert items[waiting["ref"]] == [
        ("approve", "business_day_only"),
        ("return", "business_day_only"),
        ("reject", "business_day_only"),
    ]
    assert items[open_one["ref"]] == []
    # The same row for its maker: only what the maker could do (never approve).
    assert (await listed(MAKER, "submitted_by_me"))[waiting["ref"]] == [
        ("withdraw", "business_day_only")
    ]
    # On Monday the portal takes them again, and the list says so (the summaries the
    # store keeps between pages were never changed by Sunday's answer).
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=HKT))
    assert (await listed(CHECKER, "awaiting_my_check"))[waiting["ref"]] == []
    # During maintenance every row's actions wait.
    clock.set(SATURDAY_0900)
    items = await listed(CHECKER, "awaiting_my_check")
    assert {code for actions in items.values() for _, code in actions} == {"maintenance"}
    assert all(items.values())


# comments are searchable ----------------------------------------------------------


async def test_plain_words_find_a_request_by_its_comments(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    maker, checker = headers_for(app, MAKER), headers_for(app, CHECKER)
    request = await create(api, maker, "CT027", good_values(app, "CT027"))
    request = (await act(api, maker, request, "submit")).json()
    other = await create(api, maker, "CT027", good_values(app, "CT027"))
    request = (
        await act(api, checker, request, "return", "Attach the Zephyrine annex, please.")
    ).json()
    await act(api, maker, request, "submit", "Annex attached as Quokkas.pdf")

    async def found(q: str, who: dict[str, str] = checker) -> list[str]:
        response = await api.get("/requests", params={"q": q}, headers=who)
        assert response.status_code == 200, response.text
        return [item["ref"] for item in response.json()["items"]]

    ref = request["ref"]
    assert await found("zephyrine") == [ref]  # the checker's return
    assert await found("quokkas") == [ref]  # the maker's reply
    assert await found("zephyr") == [ref]  # the last word as a prefix
    assert await found('"zephyrine annex"') == [ref]
    assert ref not in await found("!zephyrine")
    assert other["ref"] in await found("!zephyrine")
    # Another firm's user never finds it by its comments.
    assert await found("zephyrine", headers_for(app, KOWLOON)) == []
    # A file's name in an upload entry is no one's comment.
    response = await api.post(
        f"/requests/{other['ref']}/attachments",
        files={
            "file": (
                f"Supporting Document_{other['ref']}_B01234.pdf",
                PDF_BYTES,
                "application/pdf",
            )
        },
        headers=maker,
    )
    assert response.status_code in (200, 201), response.text
    assert await found("supporting", maker) == []


def test_a_store_from_before_keeps_its_comments_searchable_and_its_trail_verified(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migrations 0013 and 0014 on a store written before them: each request's trail
    length and head, and its comments, are taken from the audit trail once."""
    path = tmp_path / "portal.db"
    every = db_module._migrations()
    monkeypatch.setattr(db_module, "_migrations", lambda: [m for m in every if m[0] <= 12])
    old = Database(path)
    conn = old.connect()
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(
        "INSERT INTO requests (id, participant_id, scope_no, eservice, eservice_name, status,"
        " maker, title, fields, version, created_at, updated_at, status_changed_at)"
        " VALUES (7, 'B01234', 1, 'CT027', 'Order Consideration Limit setting', 'returned',"
        " 'maker@harbour.example', 'OCL B01234', '{}', 3, 1, 3, 3)"
    )
    at = datetime(2026, 11, 23, 10, 0, tzinfo=HKT)
    for action, role, comment in (
        (Action.SUBMIT, "maker", None),
        (Action.RETURN, "checker", "Quetzalcoatl figures missing."),
        (Action.UPLOAD, "maker", "Supporting Document_ECS00000007_B01234.pdf"),
    ):
        append_audit(
            conn,
            7,
            at=at,
            user_id="x@harbour.example",
            role=role,
            action=action,
            from_status=None,
            to_status=None,
            comment=comment,
        )
    old.close()
    monkeypatch.setattr(db_module, "_migrations", lambda: every)
    new = Database(path)
    conn = new.connect()
    assert verify_chain(conn, 7).intact and verify_chain(conn, 7).recorded == 3
    assert conn.execute("SELECT comments FROM requests WHERE id = 7").fetchone()[0] == (
        "Quetzalcoatl figures missing."
    )
    found = conn.execute(
        "SELECT rowid FROM request_fts WHERE request_fts MATCH 'quetzalcoatl'"
    ).fetchall()
    assert len(found) == 1
    assert conn.execute("SELECT 1 FROM request_terms WHERE term = 'quetzalcoatl'").fetchone()
    new.close()
