"""Issue 15, point 2: the portal's problems follow Accept-Language (en, zh-Hant; zh-HK,
zh-TW map to zh-Hant; anything else, or a header that cannot be read, is English)."""

from __future__ import annotations

import httpx
import pytest


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
