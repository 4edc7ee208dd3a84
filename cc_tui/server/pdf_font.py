"""How the portal's PDFs set their text: core Helvetica, or a Chinese font where needed.

- A PDF is set in core Helvetica, Windows-1252, nothing embedded: small, fast, no font
  needed on the host, and all a PDF in English needs. When its text (`render`'s `texts`,
  all it will print) has characters Helvetica cannot show (Chinese names and comments),
  the whole PDF is set in a Unicode font instead, embedded with the glyphs of those
  texts only, so the text prints and extracts back as typed. `draw(face)` sets the
  document with `face.text()` on every string and `face.set_font()` for every font.
- Speed (bench/audit_pdf.py): reading a CJK font takes fontTools about half a second, so
  each process opens it once (`_GlyphSource`, lazily: only the glyphs asked for are read,
  and kept) and builds for each PDF a small TrueType font of the glyphs it needs
  (fontTools' FontBuilder, a few milliseconds), which fpdf2 embeds.
- The font is AR PL UMing HK (the Hong Kong face of `uming.ttc`, Debian's
  fonts-arphic-uming; Arphic Public License, a free licence: use, copy, modify and
  redistribute). It covers Big5 and HKSCS (the characters of Hong Kong names), Latin and
  punctuation, and its outlines are TrueType, which fpdf2 embeds as Identity-H with a
  ToUnicode map that viewers and pypdf read back. Noto Sans CJK (SIL OFL) was tried
  first: fpdf2 embeds its CFF outlines with an encoding that pypdf reads back with NULs
  between the characters. It has one weight: headings in such a PDF are larger, not bold.
- The font is found at run time: `CC_TUI_PDF_FONT=PATH` (or `PATH#FACE` for a face of a
  .ttc) names another TrueType font, else uming.ttc where Debian and Ubuntu install it
  (`.ci/run` installs the package). Without one, such text prints as "?" as before and
  the portal says once in its log what to install.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from fpdf import FPDF

log = logging.getLogger("cc_tui.server.pdf")

ENCODING: Final = "cp1252"
CORE_FAMILY: Final = "helvetica"
UNICODE_FAMILY: Final = "cc-unicode"
FONT_ENV: Final = "CC_TUI_PDF_FONT"
# (file, face): AR PL UMing HK where Debian/Ubuntu's fonts-arphic-uming puts it.
CANDIDATES: Final = ((Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 1),)
MISSING_FONT: Final = (
    "No Chinese font for PDFs: Chinese text in audit and library PDFs prints as '?'. "
    "Install fonts-arphic-uming (apt-get install fonts-arphic-uming), or name a TrueType "
    f"font in {FONT_ENV}=PATH[#FACE]."
)

_CONTROL_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Characters every PDF may use without going through face.text() (labels, page numbers).
_ALWAYS: Final = frozenset(range(0x20, 0x7F))


@dataclass(frozen=True)
class UnicodeFont:
    """A TrueType font file (and its face in a collection)."""

    path: Path
    face: int = 0

    @property
    def name(self) -> str:
        return f"{self.path}#{self.face}" if self.path.suffix.lower() == ".ttc" else str(self.path)


def unicode_font() -> UnicodeFont | None:
    """The Unicode font to embed: CC_TUI_PDF_FONT, else a known system file, else None."""
    given = os.environ.get(FONT_ENV, "").strip()
    if given:
        path, face = given, "0"
        if "#" in given:
            path, _, face = given.rpartition("#")
        font = UnicodeFont(Path(path).expanduser(), int(face) if face.isdigit() else 0)
        if font.path.is_file():
            return font
        _warn_once(f"{FONT_ENV}={given} is not a font file; {MISSING_FONT}")
        return None
    for candidate, number in CANDIDATES:
        if candidate.is_file():
            return UnicodeFont(candidate, number)
    _warn_once(MISSING_FONT)
    return None


@cache
def _warn_once(message: str) -> None:
    log.warning(message)


class _GlyphSource:
    """One font file, open for the life of the process: its character map, and each
    glyph (outline, advance) once read. Thread-safe (the portal renders in threads)."""

    def __init__(self, font: UnicodeFont) -> None:
        from fontTools.ttLib import TTFont

        self._font = TTFont(font.path, fontNumber=font.face, lazy=True)
        self.cmap: dict[int, str] = self._font.getBestCmap()
        self.covers = frozenset(self.cmap)
        self._glyphs: dict[str, tuple[Any, tuple[int, int]]] = {}
        self._lock = threading.Lock()
        hhea, os2, head = self._font["hhea"], self._font["OS/2"], self._font["head"]
        self.upem: int = head.unitsPerEm
        self.vertical = {
            "hhea": {"ascent": hhea.ascent, "descent": hhea.descent, "lineGap": hhea.lineGap},
            "os2": {
                "sTypoAscender": os2.sTypoAscender,
                "sTypoDescender": os2.sTypoDescender,
                "sTypoLineGap": os2.sTypoLineGap,
                "usWinAscent": os2.usWinAscent,
                "usWinDescent": os2.usWinDescent,
                "usWeightClass": os2.usWeightClass,
                "sCapHeight": getattr(os2, "sCapHeight", hhea.ascent),
                "sxHeight": getattr(os2, "sxHeight", hhea.ascent // 2),
            },
        }
        names = self._font["name"]
        self.names = {
            key: str(names.getDebugName(number) or "")
            for key, number in (
                ("copyright", 0),
                ("familyName", 1),
                ("styleName", 2),
                ("uniqueFontIdentifier", 3),
                ("fullName", 4),
                ("psName", 6),
                ("licenseDescription", 13),
                ("licenseInfoURL", 14),
            )
            if names.getDebugName(number)
        }

    def _glyph(self, name: str) -> tuple[Any, tuple[int, int]]:
        known = self._glyphs.get(name)
        if known is None:
            from fontTools.pens.recordingPen import DecomposingRecordingPen
            from fontTools.pens.ttGlyphPen import TTGlyphPen

            glyph_set = self._font.getGlyphSet()
            outline = DecomposingRecordingPen(glyph_set)
            glyph_set[name].draw(outline)  # components drawn in: one simple glyph
            pen = TTGlyphPen(None)
            outline.replay(pen)
            known = (pen.glyph(), self._font["hmtx"][name])
            self._glyphs[name] = known
        return known

    def subset(self, points: Iterable[int]) -> bytes:
        """A TrueType font of the glyphs of `points` (those it has), as file bytes."""
        from fontTools.fontBuilder import FontBuilder

        cmap = {point: self.cmap[point] for point in sorted(set(points)) if point in self.cmap}
        order = [".notdef", *sorted(set(cmap.values()) - {".notdef"})]
        with self._lock:
            glyphs = {name: self._glyph(name) for name in order}
        builder = FontBuilder(self.upem, isTTF=True)
        builder.setupGlyphOrder(order)
        builder.setupCharacterMap(cmap)
        builder.setupGlyf({name: glyph for name, (glyph, _) in glyphs.items()})
        builder.setupHorizontalMetrics({name: metric for name, (_, metric) in glyphs.items()})
        builder.setupHorizontalHeader(**self.vertical["hhea"])
        builder.setupOS2(**self.vertical["os2"])
        builder.setupNameTable(self.names)
        builder.setupPost()
        out = io.BytesIO()
        builder.save(out)
        return out.getvalue()


@cache
def _source(font: UnicodeFont) -> _GlyphSource:
    return _GlyphSource(font)


def _coverage(font: UnicodeFont) -> frozenset[int]:
    """The code points `font` has glyphs for."""
    return _source(font).covers


def _encodes(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


class Face:
    """How one rendering sets text: core Helvetica (`font` None) or an embedded font.

    `text()` makes a string safe to set: newlines survive; other control and format
    characters become spaces (tabs) or disappear; a character the face cannot show
    becomes its compatibility form (full-width letters, ligatures) if it can show that,
    else "?". The Unicode face shows what its font has of `points` (and ASCII): the
    glyphs embedded."""

    def __init__(self, font: UnicodeFont | None = None, points: frozenset[int] = frozenset()):
        self.font = font
        self.family = UNICODE_FAMILY if font is not None else CORE_FAMILY
        self._covers = _coverage(font) & (points | _ALWAYS) if font is not None else None
        self.file: Path | None = None

    def _shows(self, char: str) -> bool:
        return _encodes(char) if self._covers is None else ord(char) in self._covers

    def text(self, value: str) -> str:
        value = unicodedata.normalize("NFC", value)
        if self._covers is None:
            try:
                value.encode(ENCODING)
                shows_all = True
            except UnicodeEncodeError:
                shows_all = False
        else:
            shows_all = self._covers.issuperset(map(ord, value))
        if shows_all and (value.isprintable() or all(c.isprintable() or c == "\n" for c in value)):
            return value
        out: list[str] = []
        for char in value:
            if char == "\n":
                out.append(char)
            elif unicodedata.category(char) in _CONTROL_CATEGORIES:
                out.append(" " if char in "\t\r\v\f\u2028\u2029" else "")
            elif self._shows(char):
                out.append(char)
            else:
                compatible = unicodedata.normalize("NFKC", char)
                if not all(self._shows(c) for c in compatible):
                    compatible = "?"
                out.append(compatible)
        return "".join(out)

    def prepare(self, pdf: FPDF) -> None:
        """Make the face's font known to `pdf` (the core one needs nothing but its
        encoding). The Unicode one is `file`, made by `render`."""
        if self.font is None:
            pdf.core_fonts_encoding = ENCODING
            return
        assert self.file is not None, "render() makes the font file"
        pdf.add_font(UNICODE_FAMILY, "", self.file)

    def set_font(self, pdf: FPDF, style: str, size: float) -> None:
        """`style` (B, I) in Helvetica; the one weight of the Unicode font."""
        pdf.set_font(self.family, style if self.font is None else "", size)


def needs_unicode(texts: Iterable[str]) -> frozenset[int] | None:
    """The characters of `texts` when Helvetica cannot show some of them, else None."""
    points: set[int] = set()
    missing = False
    for text in texts:
        text = unicodedata.normalize("NFC", text)
        points.update(map(ord, text))
        if not missing:
            try:
                text.encode(ENCODING)
            except UnicodeEncodeError:
                missing = not all(
                    _encodes(char) or all(map(_encodes, unicodedata.normalize("NFKC", char)))
                    for char in text
                    if unicodedata.category(char) not in _CONTROL_CATEGORIES
                )
    return frozenset(points) if missing else None


def render(draw: Callable[[Face], Any], texts: Iterable[str]) -> bytes:
    """`draw(face)`'s PDF: in Helvetica, or, when `texts` (everything the PDF prints from
    data) need more and a Unicode font is at hand, in that font."""
    points = needs_unicode(texts)
    font = unicode_font() if points is not None else None
    if points is None or font is None:
        return bytes(draw(Face()))
    face = Face(font, points)
    data = _source(font).subset(points | _ALWAYS)
    with tempfile.TemporaryDirectory(prefix="cc-tui-pdf-") as folder:
        face.file = Path(folder) / "font.ttf"
        face.file.write_bytes(data)
        return bytes(draw(face))
