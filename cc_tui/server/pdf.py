"""The audit trail of a request as a real PDF (fpdf2), for `GET /requests/{ref}/audit.pdf`.

Design decisions:
- Layout uses fpdf2's low-level `text()` with our own word wrapping and page breaks.
  fpdf2's `cell`/`multi_cell` and `table` do far more work per call (markdown, shaping,
  borders); measured for 500 audit entries on the 2-core machine class: `table()` 1.3 s,
  `cell()`/`multi_cell()` 0.37 s, `text()` about 13 ms. The goal is <= 300 ms.
- Core Helvetica in the Windows-1252 encoding, nothing embedded, unless the text needs
  more: then the whole PDF is set again in an embedded Chinese font (pdf_font.py, which
  names it and its licence), so a Chinese name or comment prints and extracts as typed.
  Text no font at hand can show (emoji, or Chinese on a host without the font) is
  replaced: first by its compatibility form (full-width letters, ligatures), else by
  "?"; control characters become spaces. What a user typed can never make the PDF fail
  to build.
- fpdf2 is imported on first use, not with this module (it costs about 0.2 s).
- Deterministic: the same request, entries and `generated_at` give the same bytes (the
  document's creation date is `generated_at`).
- Times are shown in Hong Kong time, statuses, actions and roles in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from cc_tui.api.requests import AuditEntry, EServiceDefinition, FieldDefinition, Request
from cc_tui.domain.workflow import Action, Status
from cc_tui.server.clock import HKT
from cc_tui.server.pdf_font import Face, render
from cc_tui.server.store.audit_chain import ChainCheck

if TYPE_CHECKING:
    from fpdf import FPDF


PAGE_MARGIN: Final = 15.0  # mm, all sides
FOOTER_HEIGHT: Final = 10.0
PAD: Final = 1.0  # inner padding of a table cell, mm

BODY_SIZE: Final = 9.0
BODY_LINE: Final = 4.4
SMALL_SIZE: Final = 8.0
SMALL_LINE: Final = 3.8

# Audit table columns (mm); they add up to the 180 mm between A4's margins.
AUDIT_COLUMNS: Final = (
    ("Time (HKT)", 31.0),
    ("User", 48.0),
    ("Role", 26.0),
    ("Action", 25.0),
    ("From", 25.0),
    ("To", 25.0),
)
SUMMARY_LABEL_WIDTH: Final = 35.0
FIELD_LABEL_WIDTH: Final = 60.0
NESTED_INDENT: Final = 5.0


def pdf_text(value: str) -> str:
    """`value` made safe for core Helvetica (Windows-1252): see `pdf_font.Face.text`."""
    return Face().text(value)


def hkt(moment: datetime | None) -> str:
    """A time as "2026-11-23 10:00:05" in Hong Kong time (naive times are taken as HKT)."""
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HKT)
    return moment.astimezone(HKT).strftime("%Y-%m-%d %H:%M:%S")


def words(snake: str) -> str:
    """A wire word in words: "exchange_officer" -> "Exchange officer"."""
    return snake.replace("_", " ").strip().capitalize()


def status_words(status: Status | str | None, missing: str = "-") -> str:
    if status is None:
        return missing
    try:
        return Status(status).label
    except ValueError:
        return words(str(status))


def value_words(value: Any) -> str:
    """A field's value as text ("-" when empty); tables are handled by the caller."""
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    if isinstance(value, datetime):
        return hkt(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{words(str(k))}: {value_words(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_words(item) for item in value)
    return str(value)


def _is_table(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(row, Mapping) for row in value)
    )


@cache
def _document_class() -> Callable[[str, Face], FPDF]:
    """The document class, made on first use: importing fpdf2 takes about 0.2 s, which
    a server that never renders a PDF should not pay at start-up."""
    from fpdf import FPDF

    class _AuditPdf(FPDF):
        """An A4 document with our footer on every page."""

        def __init__(self, footer_text: str, face: Face) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self._face = face
            face.prepare(self)
            self.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
            self.set_auto_page_break(False)
            self._footer_text = footer_text

        def footer(self) -> None:
            # cell() rather than text(): only cell() fills in the page count ("{nb}").
            y = self.h - PAGE_MARGIN
            self.set_draw_color(160, 160, 160)
            self.set_line_width(0.2)
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self._face.set_font(self, "", 7)
            self.set_text_color(90, 90, 90)
            self.set_xy(self.l_margin, y + 1)
            self.cell(0, 4, self._footer_text, align="L")
            self.set_xy(self.l_margin, y + 1)
            self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    return _AuditPdf


class _Layout:
    """A cursor over pages: wraps text, keeps rows together, breaks pages."""

    def __init__(self, pdf: FPDF, face: Face) -> None:
        self.pdf = pdf
        self.face = face
        self.left = pdf.l_margin
        self.width = pdf.w - pdf.l_margin - pdf.r_margin
        self.top = pdf.t_margin
        self.bottom = pdf.h - PAGE_MARGIN - FOOTER_HEIGHT
        self.y = self.top
        self.font: tuple[str, float] = ("", BODY_SIZE)
        self.on_new_page: Callable[[], None] | None = None
        self._widths: dict[tuple[str, float, str], float] = {}

    # -- fonts and measuring ---------------------------------------------------------

    def set_font(self, style: str, size: float) -> None:
        if (style, size) != self.font:
            self.face.set_font(self.pdf, style, size)
            self.font = (style, size)

    def measure(self, text: str) -> float:
        key = (*self.font, text)
        width = self._widths.get(key)
        if width is None:
            width = self.pdf.get_string_width(text)
            self._widths[key] = width
        return width

    def wrap(self, text: str, width: float) -> list[str]:
        """`text` (already safe) in lines no wider than `width` in the current font."""
        lines: list[str] = []
        space = self.measure(" ")
        for paragraph in text.split("\n"):
            line = ""
            line_width = 0.0
            for word in paragraph.split():
                word_width = self.measure(word)
                if line and line_width + space + word_width <= width:
                    line += " " + word
                    line_width += space + word_width
                    continue
                if line:
                    lines.append(line)
                if word_width <= width:
                    line, line_width = word, word_width
                    continue
                # A word longer than the column (an e-mail, a hash): break it anywhere.
                line, line_width = "", 0.0
                for char in word:
                    char_width = self.measure(char)
                    if line and line_width + char_width > width:
                        lines.append(line)
                        line, line_width = "", 0.0
                    line += char
                    line_width += char_width
            lines.append(line)
        return lines or [""]

    # -- pages -----------------------------------------------------------------------

    def new_page(self) -> None:
        font = self.font
        self.pdf.add_page()
        self.font = ("", 0.0)
        self.set_font(*font)
        self.y = self.top
        if self.on_new_page is not None:
            self.on_new_page()
            self.set_font(*font)

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` fits below the cursor (or never fits)."""
        if self.y + height > self.bottom and self.y > self.top + 0.1:
            self.new_page()

    def gap(self, height: float) -> None:
        self.y += height

    def rule(self, grey: int = 200) -> None:
        self.pdf.set_draw_color(grey, grey, grey)
        self.pdf.set_line_width(0.2)
        self.pdf.line(self.left, self.y, self.left + self.width, self.y)

    # -- blocks ----------------------------------------------------------------------

    def heading(self, text: str, size: float = 12.0) -> None:
        self.ensure(size * 0.5 + 4 * BODY_LINE)  # keep a heading with what follows
        self.gap(2)
        self.set_font("B", size)
        self.y += size * 0.45
        self.pdf.text(self.left, self.y, self.face.text(text))
        self.y += 1.6
        self.rule(120)
        self.y += 1.0

    def paragraph(self, text: str, style: str = "", size: float = BODY_SIZE) -> None:
        self.set_font(style, size)
        line_height = size * 0.49
        for line in self.wrap(self.face.text(text), self.width):
            self.ensure(line_height)
            self.y += line_height
            self.pdf.text(self.left, self.y - line_height * 0.25, line)

    def row(
        self,
        cells: Sequence[tuple[float, float, str, str]],
        size: float,
        line_height: float,
        after: Sequence[tuple[float, float, str, str]] = (),
    ) -> None:
        """One table row: each cell (x offset, width, text, style) wrapped in its column.

        The row (and the first line of `after`, a full-width continuation such as a
        comment) is kept on one page when it fits on a page at all.
        """
        wrapped: list[tuple[float, str, list[str]]] = []
        for x, width, text, style in cells:
            self.set_font(style, size)
            wrapped.append((x, style, self.wrap(self.face.text(text), width - 2 * PAD)))
        height = max(len(lines) for _, _, lines in wrapped) * line_height
        self.ensure(min(height + (line_height if after else 0), self.bottom - self.top))
        self._draw(wrapped, size, line_height)
        if after:
            follow: list[tuple[float, str, list[str]]] = []
            for x, width, text, style in after:
                self.set_font(style, size)
                follow.append((x, style, self.wrap(self.face.text(text), width - 2 * PAD)))
            self._draw(follow, size, line_height)

    def _draw(
        self, wrapped: Sequence[tuple[float, str, list[str]]], size: float, line_height: float
    ) -> None:
        count = max(len(lines) for _, _, lines in wrapped)
        for index in range(count):
            self.ensure(line_height)
            self.y += line_height
            baseline = self.y - line_height * 0.25
            for x, style, lines in wrapped:
                if index < len(lines) and lines[index]:
                    self.set_font(style, size)
                    self.pdf.text(self.left + x + PAD, baseline, lines[index])


def _field_rows(
    request: Request, eservice: EServiceDefinition | None
) -> list[tuple[str, Any, FieldDefinition | None]]:
    """(label, value, definition) for every field: the form's order, then any others."""
    rows: list[tuple[str, Any, FieldDefinition | None]] = []
    seen: set[str] = set()
    for definition in eservice.fields if eservice is not None else ():
        rows.append((definition.label, request.fields.get(definition.name), definition))
        seen.add(definition.name)
    for name, value in request.fields.items():
        if name not in seen:
            rows.append((words(name), value, None))
    return rows


def _table_columns(
    rows: Sequence[Mapping[str, Any]], definition: FieldDefinition | None
) -> list[tuple[str, str]]:
    """(key, heading) for a table field's columns."""
    if definition is not None and definition.columns:
        return [(column.name, column.label) for column in definition.columns]
    keys: dict[str, None] = {}
    for row in rows:
        for key in row:
            keys.setdefault(str(key), None)
    return [(key, words(key)) for key in keys]


def _write_summary(out: _Layout, request: Request) -> None:
    eservice = f"{request.eservice} - {request.eservice_name}"
    pairs = [
        ("Reference", request.ref),
        ("eService", eservice),
        ("Title", request.title or "-"),
        ("Participant", request.participant_id),
        ("Status", status_words(request.status)),
        ("Maker", request.maker),
        ("Created", f"{hkt(request.created_at)} HKT" if request.created_at else "-"),
        ("Last updated", f"{hkt(request.updated_at)} HKT"),
        ("Version", str(request.version)),
    ]
    for label, value in pairs:
        out.row(
            [
                (0.0, SUMMARY_LABEL_WIDTH, label, "B"),
                (SUMMARY_LABEL_WIDTH, out.width - SUMMARY_LABEL_WIDTH, value, ""),
            ],
            BODY_SIZE,
            BODY_LINE,
        )


def _write_table(
    out: _Layout, rows: Sequence[Mapping[str, Any]], columns: list[tuple[str, str]]
) -> None:
    width = (out.width - NESTED_INDENT) / max(len(columns), 1)
    offsets = [NESTED_INDENT + i * width for i in range(len(columns))]

    def headings() -> None:
        out.row(
            [(x, width, heading, "B") for x, (_, heading) in zip(offsets, columns, strict=True)],
            SMALL_SIZE,
            SMALL_LINE,
        )

    headings()
    for row in rows:
        out.row(
            [
                (x, width, value_words(row.get(key)), "")
                for x, (key, _) in zip(offsets, columns, strict=True)
            ],
            SMALL_SIZE,
            SMALL_LINE,
        )
    out.gap(1.0)


def _write_fields(out: _Layout, request: Request, eservice: EServiceDefinition | None) -> None:
    rows = _field_rows(request, eservice)
    if not rows:
        out.paragraph("This request has no fields filled in.")
        return
    for label, value, definition in rows:
        if _is_table(value):
            out.row([(0.0, out.width, f"{label} ({len(value)} rows)", "B")], BODY_SIZE, BODY_LINE)
            _write_table(out, value, _table_columns(value, definition))
            continue
        out.row(
            [
                (0.0, FIELD_LABEL_WIDTH, label, "B"),
                (FIELD_LABEL_WIDTH, out.width - FIELD_LABEL_WIDTH, value_words(value), ""),
            ],
            BODY_SIZE,
            BODY_LINE,
        )


def _write_attachments(out: _Layout, request: Request) -> None:
    columns = [("Name", 95.0), ("Size", 25.0), ("Type", 25.0), ("SHA-256", 35.0)]
    offsets = [sum(width for _, width in columns[:i]) for i in range(len(columns))]
    out.row(
        [(x, w, name, "B") for x, (name, w) in zip(offsets, columns, strict=True)],
        SMALL_SIZE,
        SMALL_LINE,
    )
    for attachment in request.attachments:
        kind = attachment.content_type.rsplit("/", 1)[-1]
        kind = {"pdf": "PDF", "vnd.ms-excel": "XLS"}.get(kind, "XLSX" if "sheet" in kind else kind)
        texts = [attachment.name, f"{attachment.size:,} bytes", kind, attachment.sha256[:16]]
        out.row(
            [(x, w, text, "") for x, (_, w), text in zip(offsets, columns, texts, strict=True)],
            SMALL_SIZE,
            SMALL_LINE,
        )


def _entry_notes(entry: AuditEntry, labels: Mapping[str, str]) -> list[str]:
    """What an entry says besides its columns: its comment, its file, each field it
    changed (by the field's label, old -> new)."""
    notes: list[str] = []
    comment = (entry.comment or "").strip()
    if entry.file:
        verb = "Removed" if entry.action is Action.DELETE_ATTACHMENT else "Attached"
        notes.append(f"{verb} file: {entry.file}")
    elif comment:
        notes.append(f"Comment: {comment}")
    for change in entry.changes:
        label = labels.get(change.field, words(change.field))
        before, after = value_words(change.before), value_words(change.after)
        notes.append(f"{label}: {before} -> {after}" if before != "-" else f"{label}: {after}")
    return notes


def _write_chain(out: _Layout, chain: ChainCheck) -> None:
    """Whether the trail's hash chain verifies now, and its head to keep elsewhere."""
    if chain.intact:
        out.paragraph(
            f"The hash chain of these {chain.entries} entries verifies (SHA-256 of each entry "
            "and the one before it). Chain head, to compare with a later copy:",
        )
        out.paragraph(chain.head or "-", "B")
    elif chain.recorded is not None and chain.entries < chain.recorded:
        out.paragraph(
            f"The hash chain does NOT verify: the request records {chain.recorded} "
            f"entries and {chain.entries} remain; the latest were removed after they were "
            "written.",
            "B",
        )
    else:
        out.paragraph(
            f"The hash chain does NOT verify: entry {chain.broken_at} of {chain.entries} was "
            "altered, or an entry was removed or inserted before it, after it was written.",
            "B",
        )


def _write_audit(
    out: _Layout, entries: Sequence[AuditEntry], labels: Mapping[str, str] | None = None
) -> None:
    labels = labels or {}
    offsets: list[float] = []
    position = 0.0
    for _, width in AUDIT_COLUMNS:
        offsets.append(position)
        position += width

    def headings() -> None:
        out.row(
            [
                (x, width, name, "B")
                for x, (name, width) in zip(offsets, AUDIT_COLUMNS, strict=True)
            ],
            SMALL_SIZE,
            SMALL_LINE,
        )
        out.y += 0.8
        out.rule(120)

    headings()
    for entry in entries:
        texts = (
            hkt(entry.at),
            entry.user_id,
            words(entry.role),
            entry.action.label,
            status_words(entry.from_status, "(new)"),
            status_words(entry.to_status),
        )
        cells = [
            (x, width, text, "")
            for x, (_, width), text in zip(offsets, AUDIT_COLUMNS, texts, strict=True)
        ]
        width = out.width - NESTED_INDENT
        after = [(NESTED_INDENT, width, line, "I") for line in _entry_notes(entry, labels)]
        out.on_new_page = headings
        out.row(cells, SMALL_SIZE, SMALL_LINE, after[:1])
        for note in after[1:]:
            out.row([note], SMALL_SIZE, SMALL_LINE)
        out.y += 1.0
        out.rule()
    out.on_new_page = None


def audit_pdf(
    request: Request,
    entries: Sequence[AuditEntry],
    generated_at: datetime,
    *,
    eservice: EServiceDefinition | None = None,
    chain: ChainCheck | None = None,
) -> bytes:
    """The request's summary, fields, supporting documents and every audit entry (with
    the fields each save changed and the file of each upload), as PDF; with `chain`, the
    hash chain's head and whether it verifies.

    `eservice`, when given, supplies the fields' labels, order and table columns;
    without it the field names are put into words. Set in Helvetica, or in the embedded
    Chinese font when the text needs it (pdf_font.render).
    """
    return render(
        lambda face: _audit_pdf(face, request, entries, generated_at, eservice, chain),
        _printed(request, entries, eservice),
    )


def _printed(
    request: Request, entries: Sequence[AuditEntry], eservice: EServiceDefinition | None
) -> list[str]:
    """All the PDF may print from data, as text (more is harmless: it only decides the
    font and which glyphs to embed)."""
    texts = [request.model_dump_json(), *(entry.model_dump_json() for entry in entries)]
    if eservice is not None:
        texts.append(eservice.model_dump_json())
    return texts


def _audit_pdf(
    face: Face,
    request: Request,
    entries: Sequence[AuditEntry],
    generated_at: datetime,
    eservice: EServiceDefinition | None,
    chain: ChainCheck | None,
) -> bytes:
    ref = face.text(request.ref)
    pdf = _document_class()(
        f"Audit trail {ref} - generated {hkt(generated_at)} HKT by the Client Connect mock portal",
        face,
    )
    pdf.set_title(f"Audit trail {ref}")
    pdf.set_subject(face.text(f"{request.eservice} {request.eservice_name}"))
    pdf.set_creator("cc-tui mock portal")
    pdf.set_producer("cc-tui mock portal (fpdf2)")
    moment = generated_at if generated_at.tzinfo else generated_at.replace(tzinfo=HKT)
    pdf.set_creation_date(moment)

    out = _Layout(pdf, face)
    out.set_font("", BODY_SIZE)
    out.new_page()

    out.set_font("B", 16)
    out.y += 7
    pdf.text(out.left, out.y, f"Audit trail {ref}")
    out.y += 2
    out.paragraph(f"{request.eservice} - {request.eservice_name}", "", 11)
    out.gap(2)

    out.heading("Request")
    _write_summary(out, request)
    out.heading("Fields")
    _write_fields(out, request, eservice)
    if request.attachments:
        out.heading(f"Supporting documents ({len(request.attachments)})")
        _write_attachments(out, request)
    count = len(entries)
    out.heading(f"Audit trail ({count} {'entry' if count == 1 else 'entries'})")
    if entries:
        labels = {f.name: f.label for f in eservice.fields} if eservice is not None else {}
        _write_audit(out, entries, labels)
    else:
        out.paragraph("No actions have been recorded for this request.")
    if chain is not None:
        out.heading("Integrity")
        _write_chain(out, chain)
    return bytes(pdf.output())
