"""Issue 15, point 1: message catalogues. Every marked message has its zh-Hant translation
(extracted with Babel here, as `make messages` does, and compared with the catalogue),
placeholders survive translation, and language tags map as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import cc_tui
from cc_tui.domain.i18n import _, language_of, negotiate, ngettext, parse_language, speaking

PACKAGE = Path(cc_tui.__file__).parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Binding": (3,)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _extracted() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _name, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message)
    return found


def _catalogue(language: str) -> Catalog:
    path = PACKAGE / "locale" / language / "LC_MESSAGES" / "cc_tui.po"
    with path.open("rb") as po:
        return read_po(po, locale=language)


def _strings(string: object) -> list[str]:
    if isinstance(string, str):
        return [string]
    return [s for s in string] if isinstance(string, tuple | list) else []


@pytest.fixture(scope="module")
def extracted() -> set[str | tuple[str, ...]]:
    return _extracted()


def test_marked_messages_are_found(extracted: set[str | tuple[str, ...]]) -> None:
    assert "Log in first." in extracted
    assert len(extracted) > 100


def test_every_marked_message_has_its_zh_hant_translation(
    extracted: set[str | tuple[str, ...]],
) -> None:
    catalogue = _catalogue("zh_Hant")
    missing: list[str] = []
    for message in sorted(extracted, key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(key)
        texts = [] if entry is None else _strings(entry.string)
        if entry is None or entry.fuzzy or not texts or not all(texts):
            missing.append(key)
    assert not missing, (
        f"{len(missing)} marked messages lack a zh_Hant translation (run `make messages`, "
        f"then translate them in cc_tui/locale/zh_Hant/LC_MESSAGES/cc_tui.po): {missing[:10]}"
    )


def test_the_english_catalogue_is_the_current_extraction(
    extracted: set[str | tuple[str, ...]],
) -> None:
    catalogue = _catalogue("en")
    ids = {message.id for message in catalogue if message.id}
    keys = {m[0] if isinstance(m, tuple) else m for m in extracted}
    stale = {i[0] if isinstance(i, tuple) else i for i in ids} - keys
    assert keys <= {i[0] if isinstance(i, tuple) else i for i in ids}, "run `make messages`"
    assert not stale, f"messages no longer in the code: {sorted(stale)[:5]} (`make messages`)"


def test_translations_keep_their_placeholders() -> None:
    for entry in _catalogue("zh_Hant"):
        if not entry.id:
            continue
        source = str(entry.id[-1] if isinstance(entry.id, tuple) else entry.id)
        for text in _strings(entry.string):
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (
                source,
                text,
            )


def test_translation_follows_the_context_language() -> None:
    assert _("Log in first.") == "Log in first."
    with speaking("zh-Hant"):
        assert _("Log in first.") == "請先登入。"
        assert "{count:,}" in ngettext(
            "{count:,} error was found; the first {listed} are listed.",
            "{count:,} errors were found; the first {listed} are listed.",
            30,
        )
    assert _("Log in first.") == "Log in first."


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("en_US.UTF-8", "en"),
        ("zh-Hant", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh_TW.UTF-8", "zh-Hant"),
        ("zh-mo", "zh-Hant"),
        ("zh-CN", None),
        ("zh-Hans-HK", None),
        ("zh", None),
        ("fr", None),
        ("C.UTF-8", None),
        ("", None),
        ("x" * 10_000, None),
    ],
)
def test_language_tags(tag: str, language: str | None) -> None:
    assert language_of(tag) == language
    assert parse_language(tag) == (language or "en")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-HK", "zh-Hant"),
        ("fr, zh-TW;q=0.5", "zh-Hant"),
        ("en;q=0.1, zh-Hant;q=0.9", "zh-Hant"),
        ("zh-Hant, en", "zh-Hant"),
        ("en, zh-Hant", "en"),
        ("zh-CN, fr", "en"),
        ("zh-HK;q=0", "en"),
        ("zh-HK;q=abc", "en"),
        ("zh-HK;q=7", "en"),
        (";;;,,,=", "en"),
        ("\x00\xff" * 5000, "en"),
        ("fr," * 5000 + "zh-HK", "en"),
    ],
)
def test_accept_language(header: str | None, language: str) -> None:
    assert negotiate(header) == language
