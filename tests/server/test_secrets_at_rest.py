"""Secrets at rest and in transit (issue 9, point 7): the data directory is 0700 and the
database, mail files and stored attachments 0600; every API answer says
`Cache-Control: no-store`; the OpenAPI document declares the bearer scheme and, on
each operation, the statuses it can answer. (Tickets forgetting their pending secret
is tried in test_device_rules.py.)"""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
from fastapi import FastAPI

from cc_tui.server.settings import ServerSettings
from tests.server.attachment_corpus import good_name, minimal_pdf
from tests.server.login_helpers import Outbox, email_login
from tests.server.test_attachments import Portal

MAKER = "maker@harbour.example"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_data_dir_db_mail_and_attachments_are_owner_only(
    api: httpx.AsyncClient, app: FastAPI, server_settings: ServerSettings
) -> None:
    await email_login(api, Outbox(server_settings), MAKER)  # a mail, a session
    portal = Portal(app, api)
    ref = await portal.draft()
    uploaded = await portal.upload(ref, good_name(ref, "pdf", 2), minimal_pdf())
    assert uploaded.status_code == 201, uploaded.text

    data = server_settings.data_dir
    assert mode(data) == 0o700
    databases = [p for p in data.iterdir() if p.name.startswith("portal.db")]
    assert databases, "the database is where it should be"
    for database in databases:  # the db and its -wal / -shm
        assert mode(database) == 0o600, database
    mails = list((server_settings.mail_dir / "new").iterdir())
    assert mails
    for sub in ("", "tmp", "new", "cur"):
        assert mode(server_settings.mail_dir / sub) == 0o700
    for mail in mails:
        assert mode(mail) == 0o600, mail
    stored = [p for p in server_settings.files_dir.rglob("*") if p.is_file()]
    assert stored
    for path in stored:
        assert mode(path) == 0o600, path
    for folder in [server_settings.files_dir, *server_settings.files_dir.rglob("*")]:
        if folder.is_dir():
            assert mode(folder) == 0o700, folder


async def test_every_answer_says_no_store(api: httpx.AsyncClient, app: FastAPI) -> None:
    answers = [
        await api.get("/health"),
        await api.get("/service/status"),
        await api.get("/openapi.json"),
        await api.get("/me"),  # 401
        await api.get("/no/such/thing"),  # 404
        await api.post(
            "/auth/login", content=b"{not json", headers={"content-type": "application/json"}
        ),
        await api.post("/auth/login", json={"user_id": MAKER, "password": "Wrong-pass-2024"}),
        await api.post(
            "/auth/login",
            content=b"x" * (app.state.context.settings.max_body_bytes + 1),
            headers={"content-type": "application/json"},
        ),  # 413, refused before routing
    ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200, 200, 200, 401, 404, 400, 401, 413]
    for answer in answers:
        assert answer.headers.get_list("cache-control") == ["no-store"], answer.request.url


def test_openapi_declares_the_bearer_scheme_and_every_status(app: FastAPI) -> None:
    document = app.openapi()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    public = ("/api/v1/auth/", "/api/v1/service/status", "/api/v1/health")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = set(operation["responses"])
            where = f"{method.upper()} {path}"
            if path.startswith(public):
                assert "security" not in operation, where
            else:
                assert operation["security"] == [{"bearerAuth": []}], where
                assert {"401", "403"} <= responses, where
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= responses, where
            for status in responses - {"200", "201", "202", "204"}:
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, where
