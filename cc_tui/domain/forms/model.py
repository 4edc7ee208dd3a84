"""An eService as data, and what is derived from it: validation, auto-fill, titles, examples.

An `EService` holds its form (`FormField`s), its rights and stages, how a request's title
reads in lists, and the rules that span fields (`FormRule`). A rule sees only the fields
it names in `requires`, and runs only once those are free of issues, so it reads clean,
typed values (`FormValues`) and never trips over a half-typed form. Rules that depend on
the day (CT027's three working days) take `today`, the Hong Kong date of submission.

`normalise_values` is lenient on purpose: a draft keeps what was typed, so a value that
cannot be cleaned is kept as typed (text stripped); only keys the form does not have are
dropped. `validate_form` is strict and returns every issue at once; `unencodable_issues`
names what a form's values (at any depth) JSON cannot carry at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

from cc_tui.domain.calendar import add_working_days, is_business_day, previous_business_day
from cc_tui.domain.forms.fields import (
    EMAIL_EXAMPLE,
    PHONE_EXAMPLE,
    SURROGATE,
    UNSAFE_FIX,
    FieldIssue,
    FieldType,
    FormField,
    ProfileKey,
    clean_field,
    is_blank,
)
from cc_tui.domain.i18n import _
from cc_tui.domain.text import problem as unsafe_problem
from cc_tui.domain.workflow import Status

MAX_TITLE_LENGTH = 120


@dataclass(frozen=True)
class MembershipProfile:
    """The acting membership's details that auto-fill draws on."""

    participant_id: str
    firm_name: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str

    def get(self, key: ProfileKey) -> str:
        return str(getattr(self, key.value))


# Every ProfileKey is a MembershipProfile attribute; checked once, here.
assert {key.value for key in ProfileKey} == {f.name for f in fields(MembershipProfile)}


class FormValues:
    """Typed, read-only access to a form's clean values (None where blank or invalid).

    A table's clean rows leave out blank rows; `cell` names a cell by the row's position
    in the form as typed, so an issue lands on the row the person sees.
    """

    def __init__(
        self, values: Mapping[str, object], row_numbers: Mapping[str, list[int]] | None = None
    ) -> None:
        self._values = values
        self._row_numbers = row_numbers or {}

    def __contains__(self, name: str) -> bool:
        return not is_blank(self._values.get(name))

    def raw(self, name: str) -> object:
        return self._values.get(name)

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        return None if is_blank(value) else str(value)

    def number(self, name: str) -> Decimal | None:
        value = self._values.get(name)
        if is_blank(value) or isinstance(value, bool):
            return None
        if isinstance(value, int | str):
            return Decimal(value)
        return None

    def date(self, name: str) -> date | None:
        value = self._values.get(name)
        return date.fromisoformat(value) if isinstance(value, str) and value else None

    def rows(self, name: str) -> list[Mapping[str, object]]:
        value = self._values.get(name)
        if not isinstance(value, list):
            return []
        return [row for row in value if isinstance(row, Mapping)]

    def cell(self, table: str, position: int, column: str) -> str:
        """The issue path of a cell of the `position`th clean row of `table`."""
        numbers = self._row_numbers.get(table)
        row = numbers[position] if numbers and position < len(numbers) else position
        return f"{table}[{row}].{column}"


RuleCheck = Callable[[FormValues, date], Iterable[FieldIssue]]


@dataclass(frozen=True)
class FormRule:
    """A rule across fields (or between a field and the day of submission)."""

    description: str
    requires: tuple[str, ...]
    check: RuleCheck


TitleOf = Callable[[FormValues], str]
ExampleOverrides = Callable[[date, MembershipProfile], Mapping[str, object]]


@dataclass(frozen=True)
class EService:
    """One electronic form: what it asks, who may make and check it, where it ends."""

    code: str
    name: str
    description: str
    category: str
    make_right: str
    check_right: str
    fields: tuple[FormField, ...]
    final_status: Status = Status.COMPLETED
    has_exchange_stage: bool = True
    business_day_only: bool = False
    keywords: tuple[str, ...] = ()
    title_field: str | None = None
    title_of: TitleOf | None = None
    rules: tuple[FormRule, ...] = ()
    example_overrides: ExampleOverrides | None = None

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.code}: two fields share a name.")
        if self.final_status not in (Status.APPROVED, Status.COMPLETED):
            raise ValueError(f"{self.code}: a request ends Approved or Completed.")
        if self.title_field is not None and self.title_field not in names:
            raise ValueError(f"{self.code}: no field {self.title_field} for the title.")
        for rule in self.rules:
            for name in rule.requires:
                if name not in names:
                    raise ValueError(f"{self.code}: a rule reads the unknown field {name}.")

    def field(self, name: str) -> FormField:
        for form_field in self.fields:
            if form_field.name == name:
                return form_field
        raise KeyError(f"{self.code} has no field {name!r}.")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def stages(self) -> tuple[str, ...]:
        """Who handles a request, in order: the firm's maker and checker, then the exchange."""
        return ("maker", "checker", "exchange") if self.has_exchange_stage else ("maker", "checker")


def _clean_all(
    eservice: EService, values: Mapping[str, object], today: date | None
) -> tuple[FormValues, list[FieldIssue], set[str]]:
    """Clean every field: the clean values, the issues, and the names of faulty fields."""
    clean: dict[str, object] = {}
    row_numbers: dict[str, list[int]] = {}
    issues: list[FieldIssue] = []
    faulty: set[str] = set()
    for form_field in eservice.fields:
        raw = values.get(form_field.name)
        value, field_issues = clean_field(form_field, raw, today)
        if field_issues:
            faulty.add(form_field.name)
            issues.extend(field_issues)
            continue
        clean[form_field.name] = value
        if form_field.type is FieldType.TABLE and isinstance(raw, list):
            row_numbers[form_field.name] = [
                number for number, row in enumerate(raw) if not is_blank([row])
            ]
    return FormValues(clean, row_numbers), issues, faulty


def validate_form(
    eservice: EService, values: Mapping[str, object], today: date
) -> list[FieldIssue]:
    """Every issue with a whole form: each field, keys it does not have, then its rules."""
    form_values, issues, faulty = _clean_all(eservice, values, today)
    known = set(eservice.field_names)
    for key in values:
        if key not in known:
            issues.append(
                FieldIssue(
                    str(key),
                    _("The form {code} has no field {name}.").format(
                        code=eservice.code, name=repr(str(key))
                    ),
                    _("Remove it; this form's fields are {names}.").format(
                        names=", ".join(eservice.field_names)
                    ),
                )
            )
    for rule in eservice.rules:
        if faulty.isdisjoint(rule.requires):
            issues.extend(rule.check(form_values, today))
    return issues


def normalise_values(eservice: EService, values: Mapping[str, object]) -> dict[str, object]:
    """The values as the store keeps them, in the form's field order.

    Clean values in their canonical form; a value that is not valid yet is kept as typed
    (text stripped) so that a draft never loses anything; unknown keys are dropped.
    """
    result: dict[str, object] = {}
    for form_field in eservice.fields:
        if form_field.name not in values:
            continue
        raw = values[form_field.name]
        value, issues = clean_field(form_field, raw, None)
        if not issues:
            result[form_field.name] = value
        elif form_field.type is FieldType.TABLE and isinstance(raw, list):
            result[form_field.name] = [_lenient_row(form_field, row) for row in raw]
        else:
            result[form_field.name] = raw.strip() if isinstance(raw, str) else raw
    return result


def _lenient_row(table: FormField, row: object) -> object:
    if not isinstance(row, Mapping):
        return row
    cleaned: dict[str, object] = {}
    for column in table.columns or ():
        if column.name not in row:
            continue
        raw = row[column.name]
        value, issues = clean_field(column, raw, None)
        cleaned[column.name] = (
            value if not issues else (raw.strip() if isinstance(raw, str) else raw)
        )
    return cleaned


def autofill(eservice: EService, profile: MembershipProfile) -> dict[str, object]:
    """The values auto-fill puts in a new form, from the acting membership's profile."""
    return {f.name: profile.get(f.autofill) for f in eservice.fields if f.autofill is not None}


def request_title(eservice: EService, values: Mapping[str, object]) -> str:
    """The line that names a request in lists, from whatever is filled in so far."""
    form_values = _clean_all(eservice, values, None)[0]
    title = ""
    if eservice.title_of is not None:
        title = eservice.title_of(form_values)
        # Only the fixed words ("OCL"), with nothing filled in: the name says more.
        if title == eservice.title_of(FormValues({})):
            title = ""
    elif eservice.title_field is not None:
        title = form_values.text(eservice.title_field) or ""
    title = " ".join(title.split()) or eservice.name
    if len(title) > MAX_TITLE_LENGTH:
        title = title[: MAX_TITLE_LENGTH - 1].rstrip() + "…"
    return title


def _example_date(form_field: FormField, today: date) -> date:
    if not form_field.allow_future:
        return previous_business_day(today) if form_field.business_day else today - timedelta(1)
    if form_field.business_day:
        return add_working_days(today, 5)
    return today + timedelta(days=7)


def example_value(form_field: FormField, profile: MembershipProfile, today: date) -> object:
    """A good value for one field, as a person would type it."""
    if form_field.autofill is not None:
        return profile.get(form_field.autofill)
    kind = form_field.type
    if kind is FieldType.TABLE:
        rows = max(form_field.least_rows, 1)
        return [
            {
                column.name: _unique_example(column, profile, today, index)
                for column in form_field.columns or ()
            }
            for index in range(rows)
        ]
    if form_field.example is not None and kind is not FieldType.DATE:
        return form_field.example
    if kind is FieldType.DATE:
        if form_field.example is not None:
            return form_field.example
        day = _example_date(form_field, today)
        if not form_field.allow_past and day < today:
            day = today
        assert not form_field.business_day or is_business_day(day)
        return day.isoformat()
    if kind is FieldType.CHOICE:
        return (form_field.choices or ("",))[0]
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        low = Decimal(str(form_field.min)) if form_field.min is not None else Decimal(1)
        return str(max(low, Decimal(1)))
    if kind is FieldType.PARTICIPANT_ID:
        return profile.participant_id
    if kind is FieldType.EMAIL:
        return EMAIL_EXAMPLE
    if kind is FieldType.PHONE:
        return PHONE_EXAMPLE
    text = f"Sample {form_field.label.lower()}"
    return text[: form_field.max_length] if form_field.max_length else text


def _unique_example(
    column: FormField, profile: MembershipProfile, today: date, index: int
) -> object:
    value = example_value(column, profile, today)
    if not column.unique or index == 0 or not isinstance(value, str):
        return value
    if column.type is FieldType.EMAIL:
        local, _, domain = value.partition("@")
        return f"{local}{index + 1}@{domain}"
    return f"{value}{index + 1}"


def example_values(
    eservice: EService, profile: MembershipProfile, today: date
) -> dict[str, object]:
    """A complete, valid set of values for `eservice`, made on `today` (stored form).

    For tests, demo seeding and documentation: every field gets its example (or a
    sensible value for its type), auto-fill fields the profile's value, and the eService
    may override what its rules need (`example_overrides`).
    """
    values: dict[str, object] = {f.name: example_value(f, profile, today) for f in eservice.fields}
    if eservice.example_overrides is not None:
        values.update(eservice.example_overrides(today, profile))
    return normalise_values(eservice, values)


def unencodable_issues(values: Mapping[str, object], where: str = "") -> list[FieldIssue]:
    """What in a form's values (at any depth, keys too) JSON in UTF-8 cannot carry at
    all: lone surrogates and numbers that are not finite. Checked before anything else
    is done with the values (even a key for a retry is JSON of them), and named by path:
    `remarks`, `directors[0].name`."""
    issues: list[FieldIssue] = []

    def visit(value: object, path: str) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            issues.append(
                FieldIssue(
                    path,
                    _("{label} must be a finite number, not {value}.").format(
                        label=path, value=value
                    ),
                )
            )
        elif isinstance(value, str) and SURROGATE.search(value):
            found = unsafe_problem(value, multiline=True) or ""
            issues.append(FieldIssue(path, found.replace("This", path, 1), _(UNSAFE_FIX)))
        elif isinstance(value, Mapping):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if SURROGATE.search(name):
                    issues.append(FieldIssue(name, _("A field's name holds a lone surrogate.")))
                    continue
                visit(item, name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, f"{path}[{index}]")

    visit(values, where)
    return issues
