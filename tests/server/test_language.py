"""Issue 15, point 2: the portal's problems follow Accept-Language (en, zh-Hant; zh-HK,
zh-TW map to zh-Hant; anything else, or a header that cannot be read, is English)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.server.mail import read_outbox
from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import (
    DEMO_PASSWORD,
    OTP_LINE,
    Outbox,
    bearer,
    email_login,
    ticket_for,
)


@pytest.mark.parametrize("header", ["zh-Hant", "zh-HK", "zh-TW", "fr, zh-HK;q=0.4"])
async def test_a_problem_in_traditional_chinese(api: httpx.AsyncClient, header: str) -> None:
    answer = await api.get("/me", headers={"Accept-Language": header})
    assert answer.status_code == 401
    problem = answer.json()
    assert problem["code"] == "not_logged_in"
    assert problem["title"] == "未登入"
    assert problem["detail"] == "你尚未登入。"
    assert problem["fix"] == "請先登入。"
    assert answer.headers["content-language"] == "zh-Hant"


@pytest.mark.parametrize(
    "header", [None, "en", "fr", "zh-CN", "zh-HK;q=0", ";;q=,", "x" * 20_000, "\u00ff\u00fe"]
)
async def test_anything_else_is_english_and_no_error(
    api: httpx.AsyncClient, header: str | None
) -> None:
    headers = {} if header is None else {b"Accept-Language": header.encode("latin-1")}
    answer = await api.get("/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "You are not logged in."
    assert answer.json()["fix"] == "Log in first."
    assert answer.headers["content-language"] == "en"


async def test_invalid_json_in_both_languages(api: httpx.AsyncClient) -> None:
    for header, detail in (
        ("en", "The request body is not valid JSON."),
        ("zh-HK", "請求內容不是有效的 JSON。"),
    ):
        answer = await api.post(
            "/auth/login",
            content=b"{not json",
            headers={"Content-Type": "application/json", "Accept-Language": header},
        )
        assert answer.status_code == 400
        assert answer.json()["detail"] == detail


async def test_field_errors_and_their_count_are_translated(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/auth/login",
        json={f"x{i}": 1 for i in range(40)},
        headers={"Accept-Language": "zh-Hant"},
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["detail"].startswith("所傳送的內容有部分缺漏或無效。")
    assert problem["fix"] == "請更正所列欄位後再次傳送。"


MAKER = "maker@harbour.example"


@pytest.fixture
def outbox(server_settings: ServerSettings) -> Outbox:
    return Outbox(server_settings)


async def test_the_users_language_is_stored_and_given_by_me(
    api: httpx.AsyncClient, outbox: Outbox
) -> None:
    session = bearer(await email_login(api, outbox, MAKER))
    assert (await api.get("/me", headers=session)).json()["language"] == "en"
    answer = await api.put("/me/language", json={"language": "zh-HK"}, headers=session)
    assert answer.status_code == 200, answer.text
    assert answer.json()["language"] == "zh-Hant"
    assert (await api.get("/me", headers=session)).json()["language"] == "zh-Hant"
    back = await api.put("/me/language", json={"language": "en"}, headers=session)
    assert back.json()["language"] == "en"


@pytest.mark.parametrize("language", ["fr", "zh-CN", "zh", "klingon-" * 4, ""])
async def test_an_unknown_language_is_refused_with_a_fix(
    api: httpx.AsyncClient, outbox: Outbox, language: str
) -> None:
    session = bearer(await email_login(api, outbox, MAKER))
    answer = await api.put(
        "/me/language", json={"language": language}, headers={**session, "Accept-Language": "zh-HK"}
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "validation_failed"
    if language:
        assert problem["fix"] == "請選擇 en（English）或 zh-Hant（繁體中文）。"
    assert (await api.get("/me", headers=session)).json()["language"] == "en"


async def test_language_needs_a_session(api: httpx.AsyncClient) -> None:
    answer = await api.put("/me/language", json={"language": "zh-Hant"})
    assert answer.status_code == 401


async def test_mails_go_in_the_users_language(
    app: FastAPI, api: httpx.AsyncClient, outbox: Outbox
) -> None:
    session = bearer(await email_login(api, outbox, MAKER))
    await api.put("/me/language", json={"language": "zh-Hant"}, headers=session)
    # The OTP mail: Chinese, whatever the login's own Accept-Language, with the
    # contract's English line (API.md) kept under the Chinese one.
    ticket = (await ticket_for(api, MAKER))["ticket"]
    [mail] = [
        m
        for m in read_outbox(outbox.settings.mail_dir, MAKER)
        if m["Message-ID"] not in outbox.seen
    ]
    outbox.seen.add(str(mail["Message-ID"]))
    assert mail["Subject"] == "你的 Client Connect 一次性密碼"
    text = str(mail.get_content())
    code = OTP_LINE.search(text)
    assert code is not None
    assert f"你的一次性密碼是 {code.group(1)}" in text
    assert "切勿告訴任何人" in text
    answer = await api.post("/auth/otp", json={"ticket": ticket, "code": code.group(1)})
    assert answer.status_code == 200
    # A security notice: the password change, in Chinese.
    changed = await api.post(
        "/me/password",
        json={"current_password": DEMO_PASSWORD, "new_password": "Another-pass-2025!"},
        headers=bearer(answer.json()["token"]),
    )
    assert changed.status_code == 204, changed.text
    await app.state.context.drain()  # the notice goes after the answer (context.later)
    subjects = [str(m["Subject"]) for m in read_outbox(outbox.settings.mail_dir, MAKER)]
    assert "Client Connect 保安通知：密碼已更改" in subjects
