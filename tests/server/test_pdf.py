"""The audit-trail PDF, read back with pypdf as a person's PDF viewer would show it."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from cc_tui.api.requests import (
    Attachment,
    AuditEntry,
    EServiceDefinition,
    FieldDefinition,
    Request,
)
from cc_tui.domain.workflow import Action, Status
from cc_tui.server import pdf_font
from cc_tui.server.clock import HKT
from cc_tui.server.pdf import audit_pdf, hkt, pdf_text
from cc_tui.server.pdf_font import FONT_ENV, unicode_font

START = datetime(2026, 11, 23, 10, 0, tzinfo=HKT)
GENERATED = datetime(2026, 12, 1, 9, 30, tzinfo=HKT)


def make_request(**changes: Any) -> Request:
    values: dict[str, Any] = {
        "ref": "ECS00012345",
        "eservice": "CT027",
        "eservice_name": "Order Consideration Limit setting",
        "participant_id": "B01234",
        "status": Status.COMPLETED,
        "maker": "maker@harbour.example",
        "updated_at": START + timedelta(days=2),
        "created_at": START,
        "title": "Raise the order consideration limit",
        "version": 6,
        "fields": {
            "firm_name": "Harbour Securities Limited",
            "effective_date": "2026-11-30",
            "new_limit": 5_000_000,
            "signatories": [
                {"name": "Ann Lee", "title": "Director"},
                {"name": "Bob Wong", "title": "Chief Financial Officer"},
            ],
        },
        "attachments": [
            Attachment(
                id="a1",
                name="Supporting Document_ECS00012345_B01234_01.pdf",
                size=12_345,
                sha256="ab12" * 16,
                content_type="application/pdf",
            )
        ],
        "comments": [],
        "allowed_actions": [],
    }
    values.update(changes)
    return Request(**values)


def story() -> list[AuditEntry]:
    """A request's life from Draft to Completed with a return in between."""
    steps = [
        ("maker@harbour.example", "maker", Action.SAVE, None, Status.DRAFT, None),
        ("maker@harbour.example", "maker", Action.UPLOAD, Status.DRAFT, Status.DRAFT, None),
        (
            "maker@harbour.example",
            "maker",
            Action.SUBMIT,
            Status.DRAFT,
            Status.PENDING_CHECKER,
            None,
        ),
        (
            "checker@harbour.example",
            "checker",
            Action.RETURN,
            Status.PENDING_CHECKER,
            Status.RETURNED,
            "The effective date must be at least three working days after submission.",
        ),
        (
            "maker@harbour.example",
            "maker",
            Action.SUBMIT,
            Status.RETURNED,
            Status.PENDING_CHECKER,
            "Moved the effective date to 30 November.",
        ),
        (
            "checker@harbour.example",
            "checker",
            Action.APPROVE,
            Status.PENDING_CHECKER,
            Status.WITH_EXCHANGE,
            None,
        ),
        (
            "officer@hkex.example",
            "exchange_officer",
            Action.COMPLETE,
            Status.WITH_EXCHANGE,
            Status.COMPLETED,
            "Limit updated in the trading system.",
        ),
    ]
    return [
        AuditEntry(
            at=START + timedelta(hours=i),
            user_id=user,
            role=role,
            action=action,
            from_status=source,
            to_status=target,
            comment=comment,
        )
        for i, (user, role, action, source, target, comment) in enumerate(steps)
    ]


def pdf_words(data: bytes) -> tuple[int, str]:
    """(pages, all text with whitespace collapsed) as pypdf reads it."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def test_the_pdf_holds_the_summary_fields_and_every_audit_entry() -> None:
    entries = story()
    data = audit_pdf(make_request(), entries, GENERATED)
    assert data.startswith(b"%PDF-")
    pages, text = pdf_words(data)
    assert pages == 1
    for expected in (
        "Audit trail ECS00012345",
        "CT027 - Order Consideration Limit setting",
        "Participant B01234",
        "Status Completed",
        "Maker maker@harbour.example",
        "Created 2026-11-23 10:00:00 HKT",
        "Firm name Harbour Securities Limited",
        "New limit 5000000",
        "Supporting Document_ECS00012345_B01234_01.pdf",
        "generated 2026-12-01 09:30:00 HKT",
        "Page 1 of 1",
    ):
        assert expected in text
    for entry in entries:
        row = f"{hkt(entry.at)} {entry.user_id}"
        assert row in text
        assert entry.action.label in text
        if entry.comment:
            assert f"Comment: {entry.comment}" in text
    assert "Return Pending checker Returned" in text
    assert "Exchange officer Complete With exchange Completed" in text
    assert "Save (new) Draft" in text


def test_table_fields_are_small_tables_and_labels_come_from_the_form() -> None:
    eservice = EServiceDefinition(
        code="CT027",
        name="Order Consideration Limit setting",
        description="",
        category="Trading",
        business_day_only=False,
        fields=[
            FieldDefinition(
                name="new_limit", label="New limit (HKD)", type="money", required=True, help=""
            ),
            FieldDefinition(
                name="signatories",
                label="Authorised signatories",
                type="table",
                required=True,
                help="",
                columns=[
                    FieldDefinition(
                        name="name", label="Full name", type="text", required=True, help=""
                    ),
                    FieldDefinition(
                        name="title", label="Position", type="text", required=True, help=""
                    ),
                ],
            ),
        ],
        final_status=Status.COMPLETED,
        stages=["maker", "checker", "exchange"],
        has_exchange_stage=True,
    )
    _, text = pdf_words(audit_pdf(make_request(), story(), GENERATED, eservice=eservice))
    assert "New limit (HKD) 5000000" in text
    assert "Authorised signatories (2 rows)" in text
    assert "Full name Position" in text
    assert "Ann Lee Director" in text
    assert "Bob Wong Chief Financial Officer" in text
    # A field the form does not define still shows, its name put into words.
    assert "Firm name Harbour Securities Limited" in text


def test_five_hundred_entries_span_pages_and_all_are_there() -> None:
    entries = [
        AuditEntry(
            at=START + timedelta(minutes=i),
            user_id=f"user{i:03d}@harbour.example",
            role="checker",
            action=Action.RETURN,
            from_status=Status.PENDING_CHECKER,
            to_status=Status.RETURNED,
            comment=f"Remark number {i:03d}: " + "please check the figures again. " * (i % 4),
        )
        for i in range(500)
    ]
    pages, text = pdf_words(audit_pdf(make_request(), entries, GENERATED))
    assert pages > 5
    assert f"Page {pages} of {pages}" in text
    assert "Audit trail (500 entries)" in text
    for entry in entries:
        assert entry.user_id in text
        assert " ".join(f"Comment: {entry.comment}".split()) in text
    # The column headings repeat at the top of every page of the trail.
    assert text.count("Time (HKT) User Role Action From To") >= pages - 1


def checker_entry(user_id: str, action: Action, comment: str) -> AuditEntry:
    """A checker's rejection or return of a pending request, with its comment."""
    to = Status.REJECTED if action is Action.REJECT else Status.RETURNED
    return AuditEntry(
        at=START,
        user_id=user_id,
        role="checker",
        action=action,
        from_status=Status.PENDING_CHECKER,
        to_status=to,
        comment=comment,
    )


@pytest.mark.parametrize(
    "comment",
    [
        "請修正生效日期 (please fix the effective date)",
        "Looks good 👍🏽 thanks 🎉",
        "مرحبا approve ok",
        "tab\there, NUL\x00 here, bell\x07, zero\u200bwidth, line\u2028separator",
        "x" * 600,
        "Ｆｕｌｌ－ｗｉｄｔｈ letters and ﬁ ligatures",
    ],
)
def test_text_a_core_font_cannot_show_never_crashes_it(
    comment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a host without the Chinese font (none named, none found): Helvetica alone."""
    monkeypatch.delenv(FONT_ENV, raising=False)
    monkeypatch.setattr(pdf_font, "CANDIDATES", ())
    entry = checker_entry("陳大文@harbour.example", Action.REJECT, comment)
    request = make_request(title="主題 🚀", fields={"名稱": "香港 🏙", "note": comment})
    pages, text = pdf_words(audit_pdf(request, [entry], GENERATED))
    assert pages >= 1
    assert "ECS00012345" in text
    assert "Reject Pending checker Rejected" in text
    assert "@harbour.example" in text
    squeezed = text.replace(" ", "")
    assert "Comment:" in text
    assert pdf_text(comment).replace(" ", "").replace("\n", "") in squeezed


needs_font = pytest.mark.skipif(
    unicode_font() is None,
    reason="no Chinese font for PDFs on this host: apt-get install fonts-arphic-uming "
    "(.ci/run does), or set CC_TUI_PDF_FONT",
)

CHINESE = "陳大文"
CHINESE_COMMENT = "請附上董事會決議，生效日期改為二〇二六年十二月一日。㗎啱嘢"


def font_names(data: bytes) -> set[str]:
    """The base font names the PDF's pages use (a subset's name has a tag: ABCDEF+)."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts: Any = page["/Resources"].get_object()["/Font"].get_object()  # type: ignore[index]
        names.update(str(font.get_object()["/BaseFont"]) for font in fonts.values())
    return names


@needs_font
def test_chinese_names_and_comments_print_and_extract_as_typed() -> None:
    entry = checker_entry("checker@harbour.example", Action.RETURN, CHINESE_COMMENT)
    signatories = [{"name": CHINESE, "title": "董事"}, {"name": "Ann Lee", "title": "Director"}]
    request = make_request(title="更改授權簽署人", fields={"signatories": signatories})
    data = audit_pdf(request, [entry], GENERATED)
    _, text = pdf_words(data)
    squeezed = text.replace(" ", "")
    for typed in (CHINESE, CHINESE_COMMENT, "更改授權簽署人", "董事", "AnnLee", "Director"):
        assert typed in squeezed
    assert "?" not in text
    assert "ECS00012345" in text and "Return Pending checker Returned" in text
    (embedded,) = font_names(data)  # one font for the whole document, embedded
    assert "+" in embedded and not embedded.startswith("/Helvetica")


@needs_font
def test_emoji_the_font_lacks_still_print_as_a_mark() -> None:
    request = make_request(title=f"{CHINESE} 🚀")
    _, text = pdf_words(audit_pdf(request, [], GENERATED))
    assert f"{CHINESE} ?" in text


def test_without_the_font_the_log_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(FONT_ENV, "/nonexistent/font.ttf")
    pdf_font._warn_once.cache_clear()
    with caplog.at_level("WARNING", logger="cc_tui.server.pdf"):
        _, text = pdf_words(audit_pdf(make_request(title=CHINESE), [], GENERATED))
        audit_pdf(make_request(title=CHINESE), [], GENERATED)
    assert "???" in text
    (said,) = [r.getMessage() for r in caplog.records if "fonts-arphic-uming" in r.getMessage()]
    assert said.startswith(f"{FONT_ENV}=/nonexistent/font.ttf is not a font file")


def test_a_pdf_in_english_embeds_no_font() -> None:
    data = audit_pdf(make_request(), story(), GENERATED)
    assert all(name.startswith("/Helvetica") for name in font_names(data))


def test_core_font_text_keeps_what_it_can() -> None:
    assert pdf_text("café “quoted” – 100 € …") == "café “quoted” – 100 € …"
    assert pdf_text("Ｂ０１２３４ ﬁle") == "B01234 file"
    assert pdf_text("陳大文 😀") == "??? ?"
    assert pdf_text("a\tb\x00c\u200bd\ne") == "a bcd\ne"


def test_times_are_shown_in_hong_kong_time() -> None:
    assert hkt(datetime(2026, 11, 23, 2, 0, tzinfo=UTC)) == "2026-11-23 10:00:00"
    assert hkt(datetime(2026, 11, 23, 10, 0)) == "2026-11-23 10:00:00"  # naive: taken as HKT


def test_a_request_with_no_entries_or_fields_says_so() -> None:
    request = make_request(fields={}, attachments=[], status=Status.DRAFT)
    _, text = pdf_words(audit_pdf(request, [], GENERATED))
    assert "No actions have been recorded" in text
    assert "no fields filled in" in text
    assert "Status Draft" in text


def test_the_same_inputs_give_the_same_bytes() -> None:
    first = audit_pdf(make_request(), story(), GENERATED)
    assert audit_pdf(make_request(), story(), GENERATED) == first
