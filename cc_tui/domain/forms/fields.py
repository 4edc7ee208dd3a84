"""Form fields: their types, and the checks the TUI and the server both run.

A field's value arrives from JSON (str, int, float, None, a list of row objects) or as
the text a person typed; `clean_field` turns it into the one form the store keeps
(stripped text, ints for whole numbers, money as a decimal string with two places, dates
as ISO strings, phones as `+852 2345 6789`) or says what is wrong. Every `FieldIssue` has
both halves a person needs: `message` says what is wrong, `fix` says what to type.

Checks that need the date (no past dates, no future dates) run only when given `today`,
so that saving a draft never depends on the clock; the business-day check needs only the
calendar. Table rows that are blank in every cell are ignored, so a form screen may keep
an empty row at the end for typing into.

Every message is in the current language (domain/i18n.py: the server's caller's, the
TUI's own): the sentences are `_()` templates, the field's label, hint and choices come
through `e_()` from the eServices' own catalogue (forms/words.py). A choice is stored as
the definition writes it (English), whichever language it was typed or picked in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from cc_tui.domain.calendar import is_business_day, next_business_day, public_holiday_name
from cc_tui.domain.i18n import N_, _, e_, e_every, ngettext
from cc_tui.domain.naming import (
    PARTICIPANT_ID_EXAMPLE,
    PARTICIPANT_ID_PATTERN,
    is_participant_id,
    normalise_participant_id,
)
from cc_tui.domain.text import problem as unsafe_problem


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    CHOICE = "choice"
    PARTICIPANT_ID = "participant_id"
    EMAIL = "email"
    PHONE = "phone"
    TABLE = "table"


class ProfileKey(StrEnum):
    """What auto-fill can take from the acting membership's profile."""

    FIRM_NAME = "firm_name"
    PARTICIPANT_ID = "participant_id"
    ADDRESS = "address"
    CONTACT_NAME = "contact_name"
    CONTACT_EMAIL = "contact_email"
    CONTACT_PHONE = "contact_phone"


DEFAULT_TEXT_LENGTH = 500
EMAIL_LENGTH = 254
# Larger than any amount a form here asks for; keeps Decimal arithmetic exact.
LARGEST_NUMBER = Decimal(10) ** 15
DATE_EXAMPLE = "2026-12-01"
EMAIL_EXAMPLE = "ops@harbour.example"
PHONE_EXAMPLE = "+852 2345 6789"

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII)
_PHONE = re.compile(r"(?:\+?852)?([2-9]\d{7})", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s()-]")
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class FieldIssue:
    """What is wrong with one field (`name`, or `name[row].column` for a table cell)."""

    field: str
    message: str
    fix: str | None = None


@dataclass(frozen=True)
class FormField:
    """One field of an eService's form.

    The names of the first attributes match the API's `FieldDefinition`. The rest:
    `example` (a good value, shown in fixes and used by `example_values`), `hint` (the fix
    for a wrong value, when the default for the type will not do), `decimals` (number
    and money), `business_day` / `allow_past` / `allow_future` (dates), `min_rows` /
    `max_rows` (tables) and `unique` (a table column whose cells must all differ).
    """

    name: str
    label: str
    type: FieldType
    required: bool = True
    help: str = ""
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    autofill: ProfileKey | None = None
    columns: tuple[FormField, ...] | None = None
    example: str | None = None
    hint: str | None = None
    decimals: int = 0
    business_day: bool = False
    allow_past: bool = True
    allow_future: bool = True
    min_rows: int = 0
    max_rows: int | None = None
    unique: bool = False
    # Line breaks and tabs are allowed only in a multi-line field (domain/text.py).
    multiline: bool = False

    def __post_init__(self) -> None:
        if self.type is FieldType.MONEY and self.decimals == 0:
            object.__setattr__(self, "decimals", 2)
        if self.max_length is None and self.type is FieldType.TEXT:
            object.__setattr__(self, "max_length", DEFAULT_TEXT_LENGTH)
        if self.max_length is None and self.type is FieldType.EMAIL:
            object.__setattr__(self, "max_length", EMAIL_LENGTH)
        if self.type is FieldType.PARTICIPANT_ID and self.pattern is None:
            object.__setattr__(self, "pattern", PARTICIPANT_ID_PATTERN)
        if self.type is FieldType.PARTICIPANT_ID and self.example is None:
            object.__setattr__(self, "example", PARTICIPANT_ID_EXAMPLE)
        if (self.type is FieldType.CHOICE) != bool(self.choices):
            raise ValueError(f"{self.name}: a choice field, and only one, has choices.")
        if (self.type is FieldType.TABLE) != bool(self.columns):
            raise ValueError(f"{self.name}: a table, and only a table, has columns.")
        if self.pattern is not None and self.example is None:
            raise ValueError(f"{self.name}: a field with a pattern needs an example.")
        if self.pattern is not None and not re.fullmatch(self.pattern, self.example or ""):
            raise ValueError(f"{self.name}: the example does not match the pattern.")
        for column in self.columns or ():
            if column.type is FieldType.TABLE or column.autofill is not None:
                raise ValueError(f"{self.name}.{column.name}: a cell is a plain field.")

    @property
    def least_rows(self) -> int:
        """The rows a table must have: `min_rows`, and at least one if required."""
        return max(self.min_rows, 1 if self.required else 0)

    def column(self, name: str) -> FormField:
        for column in self.columns or ():
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def input_hint(self) -> str:
        """How to fill this field in, as a sentence: the fix for a wrong value (in the
        current language)."""
        return e_(self.hint) if self.hint else _default_hint(self)

    @property
    def shown_label(self) -> str:
        """The label in the current language."""
        return e_(self.label)


def choice_label(choice: str) -> str:
    """A choice as it is shown, in the current language (it is stored in English)."""
    return e_(choice)


def choice_value(field: FormField, typed: str) -> str | None:
    """The choice `typed` means, in either language and any case; None if none."""
    wanted = typed.strip().casefold()
    for choice in field.choices or ():
        if any(shown.casefold() == wanted for shown in e_every(choice)):
            return choice
    return None


def _default_hint(field: FormField) -> str:
    kind = field.type
    # Mid-sentence, as the old English read ("Type the contact person"); no-op in Chinese.
    label = field.shown_label.lower()
    example = field.example
    if kind is FieldType.TEXT:
        if example:
            return _("Type the {label}, e.g. {example}.").format(label=label, example=example)
        return _("Type the {label}.").format(label=label)
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        shown = example or _plain_number(Decimal(str(field.min or 1)))
        low = None if field.min is None else _plain_number(Decimal(str(field.min)))
        high = None if field.max is None else _plain_number(Decimal(str(field.max)))
        if kind is FieldType.MONEY:
            what = _("an amount in HKD")
        elif field.decimals:
            what = _("a number with up to {places} decimal places").format(places=field.decimals)
        else:
            what = _("a whole number")
        if low is not None and high is not None:
            template = _("Enter {what} from {low} to {high}, e.g. {example}.")
        elif low is not None:
            template = _("Enter {what} of {low} or more, e.g. {example}.")
        elif high is not None:
            template = _("Enter {what} up to {high}, e.g. {example}.")
        else:
            template = _("Enter {what}, e.g. {example}.")
        return template.format(what=what, low=low, high=high, example=shown)
    if kind is FieldType.DATE:
        return _("Enter a date as YYYY-MM-DD, e.g. {example}.").format(
            example=example or DATE_EXAMPLE
        )
    if kind is FieldType.CHOICE:
        return _("Choose one of: {choices}.").format(
            choices=_(", ").join(choice_label(choice) for choice in field.choices or ())
        )
    if kind is FieldType.PARTICIPANT_ID:
        return _("Enter one capital letter and five digits, e.g. {example}.").format(
            example=example
        )
    if kind is FieldType.EMAIL:
        return _("Enter an e-mail address, e.g. {example}.").format(
            example=example or EMAIL_EXAMPLE
        )
    if kind is FieldType.PHONE:
        return _(
            "Enter a Hong Kong phone number: 8 digits, with or without +852, e.g. {example}."
        ).format(example=example or PHONE_EXAMPLE)
    columns = _(", ").join(column.shown_label.lower() for column in field.columns or ())
    rows = field.least_rows
    return ngettext(
        "Add a row with the {columns}.", "Add {count} rows with the {columns}.", rows
    ).format(count=rows, columns=columns)


def _plain_number(number: Decimal) -> str:
    """`5000000` -> `5,000,000`; `12.5` -> `12.5`: how a person writes a bound."""
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}"


class _Invalid(Exception):
    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def is_blank(value: object) -> bool:
    """Nothing entered: None, blank text, or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(_is_blank_row(row) for row in value)
    return False


def _is_blank_row(row: object) -> bool:
    return isinstance(row, Mapping) and all(is_blank(cell) for cell in row.values())


def _describe(value: object) -> str:
    """A value as a message quotes it: short, and never a wall of text."""
    text = value if isinstance(value, str) else repr(value)
    text = text.strip()
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _say(field: FormField, template: str, **words: object) -> str:
    """A message about `field`: `template` (already through `_()`) with its label."""
    return template.format(label=field.shown_label, **words)


def _text(field: FormField, value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _Invalid(
        _say(field, _("{label} must be text, not {kind}."), kind=type(value).__name__),
        field.input_hint,
    )


def _decimal(field: FormField, value: object) -> Decimal:
    """A number as typed (`5,000,000.50`) or sent (5000000.5), before any range check."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _Invalid(
            _say(field, _("{label} must be a number, not {kind}."), kind=type(value).__name__),
            field.input_hint,
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid(_say(field, _("{label} must be a finite number.")), field.input_hint)
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            raise _Invalid(
                _say(field, _("{label} {value} is not a number."), value=_describe(value)),
                field.input_hint,
            )
        number = Decimal(text.replace(",", ""))
    else:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or abs(number) >= LARGEST_NUMBER:
        raise _Invalid(_say(field, _("{label} is far too large.")), field.input_hint)
    return number


def parse_number(field: FormField, value: object) -> Decimal:
    """A number within the field's places and range; raises `_Invalid`."""
    number = _decimal(field, value)
    step = Decimal(1).scaleb(-field.decimals)
    if number % step != 0:
        template = (
            _("{label} must be a whole number.")
            if field.decimals == 0
            else _("{label} must have at most {places} decimal places.")
        )
        raise _Invalid(_say(field, template, places=field.decimals), field.input_hint)
    if field.min is not None and number < Decimal(str(field.min)):
        low = _plain_number(Decimal(str(field.min)))
        raise _Invalid(_say(field, _("{label} must be at least {low}."), low=low), field.input_hint)
    if field.max is not None and number > Decimal(str(field.max)):
        high = _plain_number(Decimal(str(field.max)))
        raise _Invalid(
            _say(field, _("{label} must be at most {high}."), high=high), field.input_hint
        )
    return number


def _number_value(field: FormField, number: Decimal) -> int | str:
    """Whole numbers are stored as JSON numbers; anything with places as exact text."""
    if field.type is FieldType.NUMBER and field.decimals == 0:
        return int(number)
    return str(number.quantize(Decimal(1).scaleb(-field.decimals)))


def parse_date(field: FormField, value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise _Invalid(
            _say(field, _("{label} must be a date, not {kind}."), kind=type(value).__name__),
            field.input_hint,
        )
    text = value.strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise _Invalid(
            _say(
                field,
                _("{label} {value} is not a date in the form YYYY-MM-DD."),
                value=_describe(value),
            ),
            field.input_hint,
        ) from None


def _check_date(field: FormField, day: date, today: date | None) -> None:
    if field.business_day and not is_business_day(day):
        holiday = public_holiday_name(day)
        suggestion = next_business_day(day).isoformat()
        if holiday:
            message = _say(
                field,
                _("{label} {day} is a Hong Kong public holiday ({holiday}), not a business day."),
                day=day.isoformat(),
                holiday=holiday,
            )
        else:
            message = _say(
                field,
                _("{label} {day} is a {weekday}, not a business day."),
                day=day.isoformat(),
                weekday=_(_WEEKDAYS[day.weekday()]),
            )
        raise _Invalid(message, _("Choose a business day, e.g. {day}.").format(day=suggestion))
    if today is None:
        return
    if not field.allow_past and day < today:
        raise _Invalid(
            _say(field, _("{label} {day} is in the past."), day=day.isoformat()),
            _("Choose today ({today}) or a later date.").format(today=today.isoformat()),
        )
    if not field.allow_future and day > today:
        raise _Invalid(
            _say(field, _("{label} {day} is in the future."), day=day.isoformat()),
            _("Choose today ({today}) or an earlier date.").format(today=today.isoformat()),
        )


_WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def format_phone(digits: str) -> str:
    return f"+852 {digits[:4]} {digits[4:]}"


UNSAFE_FIX = N_("Type the text again without them, or paste it as plain text.")


def unsafe_issue(field: FormField, value: object, where: str, label: str) -> FieldIssue | None:
    """What no field may hold, not even in a draft: text with a character that is unsafe
    to store (domain/text.py: control characters, bidi overrides, lone surrogates, NUL;
    line breaks and tabs only where the field is multi-line) or a number that is not
    finite (NaN and Infinity are not JSON). `where` names the field or table cell."""
    if isinstance(value, float) and not math.isfinite(value):
        return FieldIssue(
            where,
            _("{label} must be a finite number, not {value}.").format(label=label, value=value),
            field.input_hint,
        )
    if isinstance(value, str):
        found = unsafe_problem(value, multiline=field.multiline)
        if found is not None:
            # "This holds an escape character (␛), which ..." -> "Remarks holds ..."
            message = found.replace("This", label, 1) if found.startswith("This ") else found
            return FieldIssue(where, message, _(UNSAFE_FIX))
    return None


def _clean_scalar(field: FormField, value: object, today: date | None) -> object:
    """The stored form of a non-blank `value`; raises `_Invalid`."""
    unsafe = unsafe_issue(field, value, field.name, field.shown_label)
    if unsafe is not None:
        raise _Invalid(unsafe.message, unsafe.fix or field.input_hint)
    kind = field.type
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        return _number_value(field, parse_number(field, value))
    if kind is FieldType.DATE:
        day = parse_date(field, value)
        _check_date(field, day, today)
        return day.isoformat()
    text = _text(field, value)
    if field.max_length is not None and len(text) > field.max_length:
        raise _Invalid(
            _say(
                field,
                _("{label} is {length} characters long; the limit is {limit}."),
                length=len(text),
                limit=field.max_length,
            ),
            _("Shorten it to {limit} characters or fewer.").format(limit=field.max_length),
        )
    if kind is FieldType.CHOICE:
        choice = choice_value(field, text)
        if choice is not None:
            return choice
        raise _Invalid(
            _say(field, _("{label} {value} is not one of the choices."), value=_describe(text)),
            field.input_hint,
        )
    if kind is FieldType.PARTICIPANT_ID:
        participant_id = normalise_participant_id(text)
        if not is_participant_id(participant_id):
            raise _Invalid(
                _say(field, _("{label} {value} is not a participant ID."), value=_describe(text)),
                field.input_hint,
            )
        return participant_id
    if kind is FieldType.EMAIL:
        if not _EMAIL.fullmatch(text):
            raise _Invalid(
                _say(field, _("{label} {value} is not an e-mail address."), value=_describe(text)),
                field.input_hint,
            )
        return text
    if kind is FieldType.PHONE:
        match = _PHONE.fullmatch(_PHONE_SEPARATORS.sub("", text))
        if match is None:
            raise _Invalid(
                _say(
                    field,
                    _("{label} {value} is not a Hong Kong phone number."),
                    value=_describe(text),
                ),
                field.input_hint,
            )
        return format_phone(match.group(1))
    if field.pattern is not None and not re.fullmatch(field.pattern, text):
        raise _Invalid(
            _say(field, _("{label} {value} is not in the right form."), value=_describe(text)),
            field.input_hint,
        )
    return text


def _clean_table(
    field: FormField, value: object, today: date | None
) -> tuple[list[dict[str, object]], list[FieldIssue]]:
    issues: list[FieldIssue] = []
    if not isinstance(value, list):
        issue = FieldIssue(
            field.name,
            _say(
                field, _("{label} must be a list of rows, not {kind}."), kind=type(value).__name__
            ),
            field.input_hint,
        )
        return [], [issue]
    columns = field.columns or ()
    names = {column.name for column in columns}
    rows: list[dict[str, object]] = []
    seen: dict[str, dict[object, int]] = {column.name: {} for column in columns if column.unique}
    for index, row in enumerate(value):
        where = f"{field.name}[{index}]"
        if not isinstance(row, Mapping):
            issues.append(
                FieldIssue(
                    where,
                    _say(field, _("Row {row} of {label} is not a row of cells."), row=index + 1),
                    _("Give each row as cells named {names}.").format(
                        names=", ".join(sorted(names))
                    ),
                )
            )
            continue
        if _is_blank_row(row):
            continue
        for key in row:
            if key not in names:
                issues.append(
                    FieldIssue(
                        f"{where}.{key}",
                        _say(
                            field,
                            _("Row {row} of {label} has no column {column}."),
                            row=index + 1,
                            column=repr(str(key)),
                        ),
                        _("Remove it; the columns are {names}.").format(
                            names=", ".join(c.name for c in columns)
                        ),
                    )
                )
        cleaned: dict[str, object] = {}
        for column in columns:
            cell, cell_issues = _clean_one(column, row.get(column.name), today)
            for issue in cell_issues:
                issues.append(
                    FieldIssue(
                        f"{where}.{column.name}",
                        _("Row {row}: {message}").format(row=index + 1, message=issue.message),
                        issue.fix,
                    )
                )
            cleaned[column.name] = cell
            if column.unique and cell is not None and not cell_issues:
                key = cell.casefold() if isinstance(cell, str) else cell
                first = seen[column.name].setdefault(key, index)
                if first != index:
                    issues.append(
                        FieldIssue(
                            f"{where}.{column.name}",
                            _say(
                                column,
                                _("Row {row}: {label} {value} is already in row {first}."),
                                row=index + 1,
                                value=_describe(cell),
                                first=first + 1,
                            ),
                            _(
                                "Give each row a different {label}, or remove one of the two rows."
                            ).format(label=column.shown_label.lower()),
                        )
                    )
        rows.append(cleaned)
    if len(rows) < field.least_rows:
        need = field.least_rows
        issues.insert(
            0,
            FieldIssue(
                field.name,
                _say(
                    field,
                    ngettext(
                        "{label} needs at least {need} row; it has {count}.",
                        "{label} needs at least {need} rows; it has {count}.",
                        need,
                    ),
                    need=need,
                    count=len(rows),
                ),
                field.input_hint,
            ),
        )
    if field.max_rows is not None and len(rows) > field.max_rows:
        issues.insert(
            0,
            FieldIssue(
                field.name,
                _say(
                    field,
                    _("{label} has {count} rows; the limit is {limit}."),
                    count=len(rows),
                    limit=field.max_rows,
                ),
                _("Remove rows until there are {limit} or fewer.").format(limit=field.max_rows),
            ),
        )
    return rows, issues


def _clean_one(
    field: FormField, value: object, today: date | None
) -> tuple[object, list[FieldIssue]]:
    """The stored form of `value` (None when blank) and what is wrong with it."""
    if field.type is FieldType.TABLE:
        if value is None:
            value = []
        rows, issues = _clean_table(field, value, today)
        return rows, issues
    if is_blank(value):
        if field.required:
            return None, [
                FieldIssue(field.name, _say(field, _("{label} is required.")), field.input_hint)
            ]
        return None, []
    try:
        return _clean_scalar(field, value, today), []
    except _Invalid as invalid:
        return None, [FieldIssue(field.name, invalid.message, invalid.fix)]


def clean_field(
    field: FormField, value: object, today: date | None = None
) -> tuple[object, list[FieldIssue]]:
    """The value as stored (None if blank or wrong) and every issue with it."""
    return _clean_one(field, value, today)


def validate_field(field: FormField, value: object, today: date | None = None) -> list[FieldIssue]:
    """The check the TUI runs when you leave a field, and the server runs on every field.

    Date fields check the past and the future only when `today` is given.
    """
    return _clean_one(field, value, today)[1]


def format_value(field: FormField, value: object) -> str:
    """A stored value as a person reads it: `5,000,000.00`, `2026-12-01`, rows counted."""
    if is_blank(value):
        return ""
    if field.type in (FieldType.NUMBER, FieldType.MONEY):
        try:
            number = _decimal(field, value)
        except _Invalid:
            return str(value).strip()
        return f"{number:,.{field.decimals}f}"
    if field.type is FieldType.TABLE and isinstance(value, list):
        count = sum(1 for row in value if not _is_blank_row(row))
        return ngettext("{count} row", "{count} rows", count).format(count=count)
    if field.type is FieldType.CHOICE and isinstance(value, str):
        return choice_label(value.strip())
    return str(value).strip()
