"""The document library's PDFs, rendered with fpdf2 from the text kept in the store.

Design decisions:
- A library document is stored as text (`LibraryText`: sections, and for a paper form
  its fields), not as bytes: the PDF is rendered the first time it is listed or asked
  for and then cached under `files_dir/library` (store/documents.py). A portal that
  never opens the library never imports fpdf2 (about 0.2 s).
- Deterministic: the same text and `updated_at` give the same bytes (the creation date
  is `updated_at`), so two servers rendering the same document agree on size and hash.
- A paper form is drawn as one: boxes to fill in, and a signature block that says an
  original signature is required and where to deliver the form.
- Text goes through `Face.text` (pdf_font.py), so nothing in a title can make rendering
  fail; a document whose text Helvetica cannot show (Chinese) is set in the embedded
  Chinese font instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from cc_tui.server.clock import HKT
from cc_tui.server.pdf_font import Face
from cc_tui.server.pdf_font import render as render_pdf

MARGIN = 18.0
WIDTH = 210.0 - 2 * MARGIN


@dataclass(frozen=True)
class LibraryText:
    """What a library PDF says: its sections and, for a paper form, its fields."""

    sections: tuple[tuple[str, str], ...] = ()
    fields: tuple[str, ...] = ()
    delivery: str = ""
    reference: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "sections": [list(s) for s in self.sections],
                "fields": list(self.fields),
                "delivery": self.delivery,
                "reference": self.reference,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> LibraryText:
        data: dict[str, Any] = json.loads(text or "{}")
        return cls(
            sections=tuple((str(h), str(b)) for h, b in data.get("sections", [])),
            fields=tuple(str(f) for f in data.get("fields", [])),
            delivery=str(data.get("delivery", "")),
            reference=str(data.get("reference", "")),
        )


@dataclass(frozen=True)
class LibraryDocument:
    title: str
    category: str
    description: str
    updated_at: datetime
    original_signature: bool
    text: LibraryText = field(default_factory=LibraryText)


@lru_cache(maxsize=64)
def render(document: LibraryDocument) -> bytes:
    """The document as PDF bytes (deterministic, so the last few are kept in memory: a
    server, or a test run, with several portals renders each document once)."""
    text = document.text
    printed = [document.title, document.category, document.description, text.to_json()]
    return render_pdf(lambda face: _render(face, document), printed)


def _render(face: Face, document: LibraryDocument) -> bytes:
    from fpdf import FPDF

    pdf_text = face.text
    updated = document.updated_at.astimezone(HKT)
    title = pdf_text(document.title)
    reference = pdf_text(document.text.reference)

    class _Pdf(FPDF):
        def header(self) -> None:
            face.set_font(self, "", 8)
            self.set_text_color(110)
            self.cell(0, 5, "Client Connect document library (mock portal)", align="L")
            self.cell(0, 5, reference, align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0)
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-14)
            face.set_font(self, "", 8)
            self.set_text_color(110)
            self.cell(0, 5, f"{title} - updated {updated:%d %B %Y}", align="L")
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
            self.set_text_color(0)

    pdf = _Pdf(format="A4", unit="mm")
    face.prepare(pdf)
    pdf.set_creation_date(updated)
    pdf.set_title(title)
    pdf.set_author("Client Connect (mock portal)")
    pdf.set_subject(pdf_text(document.category))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    face.set_font(pdf, "B", 18)
    pdf.multi_cell(WIDTH, 8, title, new_x="LMARGIN", new_y="NEXT")
    face.set_font(pdf, "", 10)
    pdf.set_text_color(90)
    pdf.multi_cell(
        WIDTH,
        5,
        pdf_text(f"{document.category} - updated {updated:%d %B %Y}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0)
    pdf.ln(3)
    face.set_font(pdf, "I", 10)
    pdf.multi_cell(WIDTH, 5, pdf_text(document.description), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    if document.original_signature:
        _notice(pdf, face, document.text.delivery)

    for heading, body in document.text.sections:
        face.set_font(pdf, "B", 12)
        pdf.multi_cell(WIDTH, 6, pdf_text(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        face.set_font(pdf, "", 10)
        for paragraph in body.split("\n\n"):
            pdf.multi_cell(WIDTH, 5, pdf_text(paragraph), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        pdf.ln(2)

    if document.text.fields:
        _form(pdf, face, document.text.fields, document.original_signature)

    output: bytes = bytes(pdf.output())
    return output


def _notice(pdf: Any, face: Face, delivery: str) -> None:
    text = (
        "This form needs an original signature. Print it, complete it, sign it by hand (every "
        "applicant, or the firm's authorised signatories) and deliver the original on paper"
        + (f" to {delivery}" if delivery else "")
        + ". Scanned, faxed or e-mailed copies are not accepted."
    )
    pdf.set_fill_color(240)
    face.set_font(pdf, "B", 10)
    pdf.multi_cell(WIDTH, 5.5, face.text(text), border=1, fill=True, padding=2)
    pdf.ln(4)


def _form(pdf: Any, face: Face, fields: tuple[str, ...], signature: bool) -> None:
    face.set_font(pdf, "B", 12)
    pdf.cell(WIDTH, 7, "To be completed by the applicant", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    label_width = 62.0
    for label in fields:
        if pdf.will_page_break(10):
            pdf.add_page()
        face.set_font(pdf, "", 10)
        y = pdf.get_y()
        pdf.cell(label_width, 9, face.text(label))
        pdf.rect(MARGIN + label_width, y + 1, WIDTH - label_width, 7)
        pdf.ln(10)
    if signature:
        if pdf.will_page_break(45):
            pdf.add_page()
        pdf.ln(6)
        face.set_font(pdf, "B", 11)
        pdf.cell(WIDTH, 7, "Authorised signatures", new_x="LMARGIN", new_y="NEXT")
        face.set_font(pdf, "", 9)
        half = (WIDTH - 10) / 2
        y = pdf.get_y() + 2
        for column in range(2):
            x = MARGIN + column * (half + 10)
            pdf.rect(x, y, half, 22)
            pdf.text(x + 2, y + 27, "Signature of authorised signatory")
            pdf.text(x + 2, y + 32, "Name:")
            pdf.text(x + 2, y + 37, "Date:")
        pdf.set_y(y + 40)
        face.set_font(pdf, "I", 9)
        pdf.multi_cell(
            WIDTH,
            4.5,
            "Company chop (where applicable) and signatures must match the specimen "
            "signatures on record with the exchange.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
