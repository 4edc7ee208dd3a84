"""Issue 15, point 2: eServices in the caller's language. The list, a form's definition
and the problems of a form's values follow Accept-Language (zh-Hant, en; anything else
English), from the one definition of each eService; the values stay the same in both."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain.forms import CATALOGUE
from tests.server.request_helpers import CHECKER, MAKER, act, create, headers_for

ZH = {"Accept-Language": "zh-Hant"}


def _lang(app: FastAPI, user: str, header: str | None) -> dict[str, str]:
    headers = headers_for(app, user)
    return headers if header is None else headers | {"Accept-Language": header}


@pytest.mark.parametrize(
    ("header", "name", "category"),
    [
        ("zh-Hant", "買賣盤金額上限設定", "交易"),
        ("zh-HK, en;q=0.5", "買賣盤金額上限設定", "交易"),
        ("en", "Order Consideration Limit setting", "Trading"),
        ("fr-FR, de;q=0.8", "Order Consideration Limit setting", "Trading"),
        ("zh-CN", "Order Consideration Limit setting", "Trading"),
        (None, "Order Consideration Limit setting", "Trading"),
    ],
)
async def test_the_list_speaks_the_callers_language(
    app: FastAPI, api: httpx.AsyncClient, header: str | None, name: str, category: str
) -> None:
    answer = await api.get("/eservices", headers=_lang(app, MAKER, header))
    assert answer.status_code == 200
    ct027 = next(item for item in answer.json() if item["code"] == "CT027")
    assert (ct027["name"], ct027["category"]) == (name, category)
    assert {item["code"] for item in answer.json()} == set(CATALOGUE)


async def test_a_definition_in_chinese_keeps_its_values(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    zh = (await api.get("/eservices/CT027", headers=_lang(app, CHECKER, "zh-Hant"))).json()
    en = (await api.get("/eservices/CT027", headers=_lang(app, CHECKER, "en"))).json()
    assert zh["name"] == "買賣盤金額上限設定"
    assert zh["description"].startswith("設定或更改")
    fields = {field["name"]: field for field in zh["fields"]}
    assert fields["participant_id"]["label"] == "參與者編號"
    assert fields["new_limit"]["label"] == "新上限（港元）"
    assert fields["new_limit"]["help"] == "單一買賣盤的最高金額，以港元計。"
    assert fields["new_limit"]["hint"].startswith("請輸入港元金額")
    setting = fields["setting_type"]
    # The values are the definition's, in both languages; only their labels are translated.
    assert setting["choices"] == ["New limit", "Increase", "Decrease"]
    assert setting["choice_labels"] == ["新設上限", "提高", "降低"]
    assert [f["name"] for f in zh["fields"]] == [f["name"] for f in en["fields"]]
    en_setting = next(f for f in en["fields"] if f["name"] == "setting_type")
    assert en_setting["choice_labels"] == en_setting["choices"] == setting["choices"]
    assert en["fields"][0]["label"] == "Participant ID"
    # A table's columns too.
    da3 = (await api.get("/eservices/DA3", headers=_lang(app, CHECKER, "zh-Hant"))).json()
    table = next(f for f in da3["fields"] if f["name"] == "administrators")
    assert [c["label"] for c in table["columns"]] == ["姓名", "職銜", "電郵", "電話"]


async def test_search_finds_chinese_words(app: FastAPI, api: httpx.AsyncClient) -> None:
    answer = await api.get("/eservices", params={"q": "補購"}, headers=_lang(app, MAKER, "zh-Hant"))
    codes = [item["code"] for item in answer.json()]
    assert codes and all(code.startswith("BI") for code in codes)
    # English words still find them for a zh-Hant caller.
    answer = await api.get(
        "/eservices", params={"q": "buy-in"}, headers=_lang(app, MAKER, "zh-Hant")
    )
    assert [item["code"] for item in answer.json()] == codes


async def test_an_unknown_eservice_in_chinese(app: FastAPI, api: httpx.AsyncClient) -> None:
    answer = await api.get("/eservices/ZZ99", headers=_lang(app, MAKER, "zh-Hant"))
    assert answer.status_code == 404
    assert answer.json()["detail"] == "沒有電子服務 'ZZ99'。"
    assert answer.json()["fix"].startswith("請以關鍵字搜尋")


async def test_field_problems_follow_the_callers_language(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    for header, detail in (
        ("zh-Hant", "表格 CT027 沒有欄位 'colour'。"),
        ("en", "The form CT027 has no field 'colour'."),
        ("fr", "The form CT027 has no field 'colour'."),
    ):
        answer = await api.post(
            "/requests",
            json={"eservice": "CT027", "fields": {"colour": "red"}},
            headers=_lang(app, MAKER, header),
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["message"] == detail
    draft = await create(api, headers_for(app, MAKER), "CT027", {"new_limit": "abc"})
    answer = await act(api, _lang(app, MAKER, "zh-Hant"), draft, "submit")
    assert answer.status_code == 422
    errors = {error["field"]: error for error in answer.json()["errors"]}
    assert errors["new_limit"]["message"] == "新上限（港元） 'abc' 不是數字。"
    assert errors["new_limit"]["fix"].startswith("請輸入港元金額")
    assert errors["setting_type"]["message"] == "必須填寫設定類別。"
    assert errors["setting_type"]["fix"] == "請從以下選擇其一：新設上限、提高、降低。"
    answer = await act(api, _lang(app, MAKER, "en"), draft, "submit")
    errors = {error["field"]: error for error in answer.json()["errors"]}
    assert errors["setting_type"]["message"] == "Setting is required."


async def test_a_choice_typed_in_chinese_is_stored_as_the_definition_writes_it(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    draft = await create(api, headers_for(app, MAKER) | ZH, "CT027", {"setting_type": "提高"})
    assert draft["fields"]["setting_type"] == "Increase"
