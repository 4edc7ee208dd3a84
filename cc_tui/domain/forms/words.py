"""The eServices' own words in both languages, from the one definition of each eService.

The definitions (catalogue.py) stay plain English data; each text is translated where it
is served or shown, by `e_()` (domain/i18n.py), from a catalogue of its own:
`cc_tui/locale/<lang>/LC_MESSAGES/eservices.po`. Why a domain of its own, and why made
from the definitions rather than marked in them:

- The words are data, not the program's: a form's label is the exchange's wording, and
  the same English word can need another Chinese one than the UI's (a person's "Title"
  is 職銜, a request's 標題; the Smartcard form's "Request" is the kind of request). Two
  catalogues keep the two apart, and let the forms' wording be reviewed on its own.
- `eservice_texts()` walks every eService and yields every text a person sees: name,
  description, category, each field's (and table column's) label, help, hint and
  choices, and the rules' descriptions. `make messages` writes the catalogue from that
  walk (`template()`), and tests/domain/test_eservice_words.py walks the same texts, so a
  hint composed by a helper (a stock code's, with its example) or a choice made with an
  f-string cannot slip past extraction as it could past `N_()` marks.
- Sentences the code composes around them (the validators' messages, the rules' issues)
  are ordinary `_()` messages of the `cc_tui` catalogue, with the label as a placeholder.

Choices are values: stored and sent in English (as the definition writes them, which the
rules compare), shown by `choice_label`, and accepted as typed in either language
(`fields.choice_value`). The wire carries both (`FieldDefinition.choice_labels`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from babel.messages.catalog import Catalog

from cc_tui.domain.forms.catalogue import CATALOGUE
from cc_tui.domain.forms.fields import FormField
from cc_tui.domain.forms.model import EService
from cc_tui.domain.i18n import e_


def eservice_name(code: str, fallback: str) -> str:
    """The name of the eService `code` in the current language; `fallback` (the name as
    the portal sent it) for an eService this cc-tui does not know (a newer portal's)."""
    eservice = CATALOGUE.get(code)
    return e_(eservice.name) if eservice is not None else fallback


def _field_texts(field: FormField) -> Iterator[str]:
    yield field.label
    yield field.help
    yield field.hint or ""
    yield from field.choices or ()
    for column in field.columns or ():
        yield from _field_texts(column)


def _eservice_texts(eservice: EService) -> Iterator[str]:
    yield eservice.name
    yield eservice.description
    yield eservice.category
    for field in eservice.fields:
        yield from _field_texts(field)
    for rule in eservice.rules:
        yield rule.description


def eservice_texts(eservices: Iterable[EService] | None = None) -> list[str]:
    """Every text of the eServices' definitions a person sees, once each, in order."""
    found: dict[str, None] = {}
    for eservice in CATALOGUE.values() if eservices is None else eservices:
        for text in _eservice_texts(eservice):
            if text:
                found.setdefault(text, None)
    return list(found)


def template() -> Catalog:
    """The `eservices` catalogue's template (`make messages` writes it as a .pot)."""
    catalog = Catalog(domain="eservices", project="cc-tui", charset="utf-8")
    for text in eservice_texts():
        catalog.add(text)
    return catalog
