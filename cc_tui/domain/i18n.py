"""Two languages, English and Traditional Chinese (Hong Kong): one place that translates.

Messages are marked in the source with `_()` (translated now, in the current language),
`ngettext()` (plural forms) or `N_()` (a constant kept in English and translated where it
is shown, e.g. a label in a module-level table). Babel extracts them (`babel.cfg`) into
the catalogues under `cc_tui/locale/<lang>/LC_MESSAGES/cc_tui.po`; the English one is
the extracted template (its msgids are the English words, so English needs no catalogue
at run time), the zh_Hant one holds the translations.

The `.po` is the only committed form: it is compiled (Babel's `read_po` + `write_mo`)
in memory the first time a language is used, so there is no build step, no `.mo` that
can go stale next to its source, and an editable install or a fresh clone works as is.
Compiling ~1,000 messages costs some milliseconds, once per process, and only when
zh-Hant is used (tests/domain/test_i18n.py checks that every marked message is translated).

The language is per context: the server sets it for each request from Accept-Language
(or, for a mail, to its recipient's language); the TUI sets the process default once.
The domain reads its catalogue as package data; that is its only I/O.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Final, Literal, get_args

Language = Literal["en", "zh-Hant"]
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "en"
DOMAIN: Final = "cc_tui"
# The eServices' own words (names, descriptions, field labels, help, hints, choices: data,
# not code) have a catalogue of their own: cc_tui/domain/forms/words.py.
ESERVICES_DOMAIN: Final = "eservices"
# What the languages are called, each in its own words (the Profile's switch).
LANGUAGE_NAMES: Final[dict[Language, str]] = {"en": "English", "zh-Hant": "繁體中文"}
# Accept-Language is a caller's header: it is read only this far, and only this many
# of its entries are weighed.
MAX_ACCEPT_LANGUAGE = 512
MAX_ACCEPT_ENTRIES = 16

# The catalogue directory's name of each language (gettext's, with an underscore).
_CATALOGUE_DIR: Final[dict[Language, str]] = {"en": "en", "zh-Hant": "zh_Hant"}
# Regions whose Chinese is written in Traditional characters.
_TRADITIONAL_REGIONS: Final = frozenset({"hk", "tw", "mo"})

_current: ContextVar[Language | None] = ContextVar("cc_tui_language", default=None)
_default: list[Language] = [DEFAULT_LANGUAGE]


def language_of(tag: str | None) -> Language | None:
    """The supported language a language tag or locale name means, or None.

    `en`, `en-GB`, `en_US.UTF-8` -> en; `zh-Hant`, `zh-Hant-HK`, `zh-HK`, `zh_TW.UTF-8`,
    `zh-MO` -> zh-Hant. Anything else (`zh-CN`, `zh-Hans`, bare `zh`, `fr`, `C`) -> None.
    """
    if not tag:
        return None
    text = tag.strip().split(".", 1)[0].split("@", 1)[0].replace("_", "-").lower()
    parts = [p for p in text.split("-") if p]
    if not parts or len(text) > 35:
        return None
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh" and len(parts) > 1:
        if parts[1] == "hant":
            return "zh-Hant"
        if parts[1] == "hans":
            return None
        if parts[1] in _TRADITIONAL_REGIONS:
            return "zh-Hant"
    return None


def parse_language(tag: str | None) -> Language:
    """`language_of`, falling back to English: an unknown --lang or LANG is no error."""
    return language_of(tag) or DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> Language:
    """The language an Accept-Language header asks for (RFC 9110 12.5.4), English when
    it names neither of ours or cannot be read. Equal weights keep the header's order."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    weighed: list[tuple[float, int, Language]] = []
    entries = accept_language[:MAX_ACCEPT_LANGUAGE].split(",")[:MAX_ACCEPT_ENTRIES]
    for position, entry in enumerate(entries):
        tag, _sep, params = entry.partition(";")
        language = language_of(tag)
        if language is None:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0
        if 0.0 < weight <= 1.0:
            weighed.append((-weight, position, language))
    return min(weighed)[2] if weighed else DEFAULT_LANGUAGE


@cache
def translations(language: Language, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalogue of a language (English: the msgids themselves)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    # Babel only here: English never pays for it.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = resources.files("cc_tui").joinpath(
        "locale", _CATALOGUE_DIR[language], "LC_MESSAGES", f"{domain}.po"
    )
    with source.open("rb") as po:
        catalogue = read_po(po, locale=_CATALOGUE_DIR[language], domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def current_language() -> Language:
    return _current.get() or _default[0]


def set_default_language(language: Language) -> None:
    """The process's language where no context chose one (the TUI sets it once)."""
    _default[0] = language


@contextmanager
def speaking(language: Language) -> Iterator[None]:
    """Translate into `language` inside the block (a mail to its recipient, say)."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` in the current language (itself where it has no translation)."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def duration_words(delta: timedelta) -> str:
    """A duration as a person says it in the current language, in whole hours where it is
    some, else in minutes ("12 hours", "1 minute", "30 分鐘"): Babel's CLDR unit words,
    which know each language's plural forms."""
    from babel.units import format_unit

    minutes = round(delta.total_seconds() / 60)
    locale = _CATALOGUE_DIR[current_language()]
    if minutes and minutes % 60 == 0:
        return str(format_unit(minutes // 60, "duration-hour", length="long", locale=locale))
    return str(format_unit(minutes, "duration-minute", length="long", locale=locale))


def N_(message: str) -> str:
    """Marks a constant for extraction; `_()` translates it where it is shown."""
    return message


def e_(text: str) -> str:
    """An eService's own words (its name, a field's label, help, hint or choice: data from
    its one definition) in the current language, from the `eservices` catalogue
    (cc_tui/domain/forms/words.py says why it is a catalogue of its own)."""
    if not text:
        return text  # gettext("") is the catalogue's header
    return translations(current_language(), ESERVICES_DOMAIN).gettext(text)


def e_every(text: str) -> tuple[str, ...]:
    """`text` in each language (English first): what a person may type for a choice."""
    if not text:
        return (text,)
    found = [translations(language, ESERVICES_DOMAIN).gettext(text) for language in LANGUAGES]
    return tuple(dict.fromkeys(found))
