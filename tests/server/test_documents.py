"""The document library: search by words, and downloads that are real PDFs."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest
from fastapi import FastAPI
from httpx import ASGITransport

from cc_tui.client.errors import PortalError
from cc_tui.client.portal import PortalClient, _download_name
from cc_tui.server.clock import HKT
from cc_tui.server.library_pdf import LibraryDocument, LibraryText, render
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.documents import match_expression
from tests.server.request_helpers import MAKER, OFFICER, headers_for
from tests.server.test_pdf import needs_font


async def search(api: httpx.AsyncClient, headers: dict[str, str], q: str) -> list[dict[str, Any]]:
    response = await api.get("/documents", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_the_whole_library_is_listed_with_real_sizes(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    found = await search(api, headers_for(app, MAKER), "")
    assert len(found) == 15
    titles = {d["title"] for d in found}
    assert {"CCASS Terminal User Guide", "Buy-in Procedures"} <= titles
    assert "Investor Participant Application Form" in titles
    assert all(d["size"] > 1000 and d["file_name"].endswith(".pdf") for d in found)
    keys = [(d["category"], d["title"]) for d in found]
    assert keys == sorted(keys)
    signed = {d["title"] for d in found if d["original_signature"]}
    assert "Investor Participant Application Form" in signed
    assert "CCASS Terminal User Guide" not in signed


async def test_search_by_words_and_word_starts(app: FastAPI, api: httpx.AsyncClient) -> None:
    headers = headers_for(app, MAKER)
    assert (await search(api, headers, "buy-in"))[0]["title"] == "Buy-in Procedures"
    assert (await search(api, headers, "buy-i"))[0]["title"] == "Buy-in Procedures"
    investor = {d["title"] for d in await search(api, headers, "Investor participant")}
    assert investor == {
        "Investor Participant Application Form",
        "Investor Participant Change of Particulars Form",
    }
    paper = {d["title"] for d in await search(api, headers, "transaction forms")}
    assert "Transaction forms (paper): settlement instructions" in paper
    assert "CCASS Terminal User Guide" not in paper
    assert await search(api, headers, "quarterly zebra") == []


async def test_any_input_is_words_never_a_query_error(app: FastAPI, api: httpx.AsyncClient) -> None:
    headers = headers_for(app, MAKER)
    for q in ['"', "NEAR(", "*", "ccass AND OR", "a:b", "terminal's"]:
        response = await api.get("/documents", params={"q": q}, headers=headers)
        assert response.status_code == 200, (q, response.text)
    assert match_expression('"*') is None
    assert match_expression("Buy-in") == '"buy"* "in"*'


async def test_a_download_is_a_pdf_that_reads(
    app: FastAPI, api: httpx.AsyncClient, server_settings: ServerSettings
) -> None:
    headers = headers_for(app, OFFICER)
    guide = (await search(api, headers, "CCASS terminal user guide"))[0]
    response = await api.get(f"/documents/{guide['id']}/file", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert guide["file_name"] in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) == guide["size"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "CCASS Terminal User Guide" in text
    assert "Settlement instructions" in text
    assert reader.metadata is not None and reader.metadata.title == guide["title"]
    again = await api.get(f"/documents/{guide['id']}/file", headers=headers)
    assert again.content == response.content
    assert (server_settings.files_dir / "library" / f"{guide['id']}.pdf").is_file()


async def test_a_paper_form_says_it_needs_an_original_signature(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    headers = headers_for(app, MAKER)
    (form,) = await search(api, headers, "investor participant application")
    # The file is rendered on demand when the listing has not rendered it yet.
    response = await api.get(f"/documents/{form['id']}/file", headers=headers)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "original signature" in text
    assert "Signature of authorised signatory" in text


async def test_unknown_documents_are_404_and_the_library_needs_a_login(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    response = await api.get("/documents/DOC-NOPE/file", headers=headers_for(app, MAKER))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert (await api.get("/documents")).status_code == 401
    assert (await api.get("/documents/DOC-BUYIN-PROC/file")).status_code == 401


async def test_the_client_saves_a_download_without_replacing_anything(
    app: FastAPI, tmp_path: Path
) -> None:
    headers = headers_for(app, MAKER)
    async with PortalClient(
        "http://portal.test", token=headers["Authorization"][7:], transport=ASGITransport(app=app)
    ) as portal:
        (form,) = await portal.documents("investor participant application")
        first = await portal.download_document(form.id, tmp_path / "downloads")
        second = await portal.download_document(form.id, tmp_path / "downloads")
        with pytest.raises(PortalError) as missing:
            await portal.download_document("DOC-NOPE", tmp_path / "downloads")
    assert first.name == form.file_name == "Investor_Participant_Application_Form.pdf"
    assert second.name == "Investor_Participant_Application_Form (2).pdf"
    assert first.read_bytes() == second.read_bytes()
    assert len(pypdf.PdfReader(first).pages) >= 1
    assert missing.value.status == 404
    assert {p.name for p in (tmp_path / "downloads").iterdir()} == {first.name, second.name}


def test_a_download_name_is_never_a_path() -> None:
    assert _download_name('attachment; filename="../../etc/passwd"', "D1") == "passwd.pdf"
    assert _download_name('attachment; filename="..\\\\win.pdf"', "D1") == "win.pdf"
    assert _download_name("attachment; filename*=utf-8''R%C3%A9sum%C3%A9.pdf", "D1") == (
        "Résumé.pdf"
    )
    assert _download_name(None, "DOC-1") == "DOC-1.pdf"
    assert _download_name('attachment; filename=".."', "DOC-1") == "DOC-1.pdf"


@needs_font
def test_a_library_pdf_in_chinese_prints_and_extracts_as_written() -> None:
    document = LibraryDocument(
        title="中央結算系統一般規則",
        category="規則",
        description="香港中央結算有限公司",
        updated_at=datetime(2026, 11, 2, tzinfo=HKT),
        original_signature=True,
        text=LibraryText(
            sections=(
                ("第一章 釋義", "本規則內，除文意另有所指外：「參與者」指中央結算系統參與者。"),
            ),
            fields=("參與者名稱", "Participant ID"),
        ),
    )
    reader = pypdf.PdfReader(io.BytesIO(render(document)))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for written in (
        "中央結算系統一般規則",
        "第一章釋義",
        "「參與者」指中央結算系統參與者。",
        "參與者名稱",
    ):
        assert written in text
    assert "ParticipantID" in text
    assert "?" not in text
