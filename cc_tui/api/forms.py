"""The API's form definitions, derived from the domain's one definition of each eService.

`GET /eservices` and `GET /eservices/{code}` answer with these models; nothing about a
form is written down here, only translated: a `FormField` becomes a `FieldDefinition`
(a table's columns recursively), an `EService` an `EServiceSummary` or an
`EServiceDefinition`. So the server's validation, the wire's description and the TUI's
form screen can never disagree about a field.

The words (name, description, category, labels, help, hints, choices' labels) are in the
current language, the one the caller's Accept-Language asked for (domain/forms/words.py);
the codes, field names and the choices' values are the same in every language.
"""

from __future__ import annotations

from collections.abc import Iterable

from cc_tui.api.requests import EServiceDefinition, EServiceSummary, FieldDefinition
from cc_tui.domain.forms import EService, FormField, choice_label
from cc_tui.domain.i18n import e_


def field_definition(field: FormField) -> FieldDefinition:
    """One field as the wire describes it (a table with its columns)."""
    return FieldDefinition(
        name=field.name,
        label=e_(field.label),
        type=field.type.value,
        required=field.required,
        help=e_(field.help),
        choices=list(field.choices) if field.choices is not None else None,
        choice_labels=(
            [choice_label(choice) for choice in field.choices]
            if field.choices is not None
            else None
        ),
        hint=field.input_hint,
        pattern=field.pattern,
        min=field.min,
        max=field.max,
        max_length=field.max_length,
        autofill=field.autofill.value if field.autofill is not None else None,
        columns=(
            [field_definition(column) for column in field.columns]
            if field.columns is not None
            else None
        ),
    )


def eservice_summary(eservice: EService) -> EServiceSummary:
    """An eService as the catalogue lists it."""
    return EServiceSummary(
        code=eservice.code,
        name=e_(eservice.name),
        description=e_(eservice.description),
        category=e_(eservice.category),
        business_day_only=eservice.business_day_only,
    )


def eservice_summaries(eservices: Iterable[EService]) -> list[EServiceSummary]:
    return [eservice_summary(eservice) for eservice in eservices]


def eservice_definition(eservice: EService) -> EServiceDefinition:
    """An eService's whole form: fields, stages and where a request of it ends."""
    return EServiceDefinition(
        code=eservice.code,
        name=e_(eservice.name),
        description=e_(eservice.description),
        category=e_(eservice.category),
        business_day_only=eservice.business_day_only,
        fields=[field_definition(field) for field in eservice.fields],
        final_status=eservice.final_status,
        stages=list(eservice.stages),
        has_exchange_stage=eservice.has_exchange_stage,
    )
