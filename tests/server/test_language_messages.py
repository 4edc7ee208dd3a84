"""Issue 15, point 2: the portal's own sentences with values in them (a reference, a user,
a limit) follow Accept-Language like the fixed ones, and the task-notice mails go in each
recipient's language, whoever's change sent them."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from cc_tui.domain.i18n import speaking
from cc_tui.domain.naming import check_supporting_document_name
from cc_tui.server.mail import read_outbox
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import users
from cc_tui.server.store.notifications import mail_task_notices
from tests.server.request_helpers import CHECKER, LEAD, MAKER, act, create, good_values
from tests.server.requests_read_helpers import context_of, headers_for
from tests.server.test_notifications import submit

ZH = {"Accept-Language": "zh-HK"}
EN = {"Accept-Language": "en"}


async def test_a_missing_request_is_named_in_either_language(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    session = headers_for(app, MAKER)
    english = (await api.get("/requests/ECS99999999", headers=session | EN)).json()
    chinese = (await api.get("/requests/ECS99999999", headers=session | ZH)).json()
    assert english["detail"] == "There is no request ECS99999999 among the requests you may read."
    assert chinese["detail"] == "你可查閱的申請中沒有 ECS99999999。"
    assert chinese["fix"].startswith("請檢查申請編號（ECS 加 8 位數字，例如 ECS")
    assert english["code"] == chinese["code"] == "not_found"


async def test_a_workflow_refusal_in_either_language(app: FastAPI, api: httpx.AsyncClient) -> None:
    lead = headers_for(app, LEAD)
    request = await create(api, lead, "CT027", good_values(app, "CT027"))
    request = (await act(api, lead, request, "submit")).json()
    english = await act(api, lead | EN, request, "approve", "Fine.")
    chinese = await act(api, lead | ZH, request, "approve", "Fine.")
    assert english.status_code == chinese.status_code == 403
    assert english.json()["detail"] == "You made this request, so you cannot check it."
    assert chinese.json()["detail"] == "此申請由你提出，因此你不可覆核。"
    assert chinese.json()["fix"] == "請由貴公司另一位覆核人審批、退回或拒絕。"
    # A move the status does not allow: the status and the action are words of the reader.
    withdrawn = (await act(api, lead, request, "withdraw")).json()
    again = await act(api, lead | ZH, withdrawn, "withdraw")
    assert again.status_code == 409
    assert again.json()["detail"] == "狀態為「已撤回」的申請不能撤回。"
    again_en = await act(api, lead | EN, withdrawn, "withdraw")
    assert again_en.json()["detail"] == "A request that is withdrawn cannot be withdrawn."


async def test_a_membership_not_held_is_refused_in_either_language(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    session = headers_for(app, MAKER) | {"X-Participant-ID": "C09999"}
    chinese = (await api.get("/requests", headers=session | ZH)).json()
    assert chinese["detail"] == "你並非代表參與者 C09999 行事：它不是你的參與者身份之一。"
    english = (await api.get("/requests", headers=session | EN)).json()
    assert english["detail"] == (
        "You do not act for participant C09999: it is not one of your memberships."
    )


def test_task_notices_are_mailed_in_each_recipients_language(
    app: FastAPI, server_settings: ServerSettings
) -> None:
    context = context_of(app)
    with context.db.transaction() as conn:
        users.set_language(conn, CHECKER, "zh-Hant")
    row, notices = submit(app)
    assert {n.user_id: n.language for n in notices} == {CHECKER: "zh-Hant", LEAD: "en"}
    assert mail_task_notices(context.mailer, notices) == 2
    [chinese] = read_outbox(server_settings.mail_dir, CHECKER)
    assert chinese["Subject"] == f"Client Connect：{row.ref} 待你覆核"
    text = chinese.get_content()
    assert "狀態：待覆核" in text
    assert f"在 cc-tui 開啟：按 : 然後輸入 {row.ref}。" in text
    assert "Request:" not in text
    [english] = read_outbox(server_settings.mail_dir, LEAD)
    assert english["Subject"] == f"Client Connect: {row.ref} awaits your check"
    assert "Status: Pending checker" in english.get_content()


async def test_a_filter_error_is_said_in_either_language(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    session = headers_for(app, MAKER)
    params = {"q": "status:nonsense"}
    chinese = (await api.get("/requests", params=params, headers=session | ZH)).json()
    english = (await api.get("/requests", params=params, headers=session | EN)).json()
    assert chinese["code"] == english["code"] == "bad_query"
    assert chinese["detail"].startswith("沒有狀態 'nonsense'。（q，第 8 欄：")
    assert english["detail"].startswith("There is no status 'nonsense'. (q, at column 8:")
    assert chinese["fix"].startswith("請使用以下其中之一：")


def test_a_file_names_faults_are_said_in_the_readers_language() -> None:
    with speaking("zh-Hant"):
        check = check_supporting_document_name("report.docx", "ECS00000001", "B01234", ())
    assert not check.ok
    assert "缺少參與者編號；請在申請編號後加上 _B01234。" in check.reasons
    assert "只接受 PDF、XLS 或 XLSX 檔案；'.docx' 不獲接受。" in check.reasons
