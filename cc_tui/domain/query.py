"""The dashboard's filter grammar (k9s / gh-dash style), parsed into a typed query.

    maker@harbour.example status:"pending checker" eservice:ct027 !word "two words"

- A plain word, or a phrase in double quotes, matches anywhere (reference, title,
  eService name, maker, and the request's comments: a return's or reject's, the maker's
  reply). `field:value` narrows on one field; `!` in front negates either.
- Fields: `status` (the wire word `pending_checker` or the words "pending checker", any
  case), `eservice` (a code, normalised to upper case), `maker`, `ref` (a whole reference
  or the start of one, upper case), `from` and `to` (YYYY-MM-DD, whole days in Hong Kong
  time, both inclusive), `firm` (a participant ID, `B01234`, upper case: the membership a
  request belongs to; it narrows within what the reader sees, never beyond).
- How clauses combine (the store implements this): every term must match; a negated term
  must match nowhere; positive filters on one field are alternatives (`status:draft
  status:returned` is either), filters on different fields must all hold, and each
  negated filter excludes. `from` and `to` appear at most once each and cannot be negated.

The server (turning a `Query` into SQL) and the TUI (showing a mistake before anything is
sent) both parse with `parse_query`, so it is pure, one pass, and refuses anything it
cannot express exactly: a term never holds a double quote, and `format_query` writes the
canonical text that parses back to the same `Query`. A word is read as `field:value` only
when the part before the colon is made of letters, so `10:30` stays a plain word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from cc_tui.domain.calendar import HKT
from cc_tui.domain.i18n import _
from cc_tui.domain.naming import (
    PARTICIPANT_ID_EXAMPLE,
    REF_DIGITS,
    REF_EXAMPLE,
    REF_PREFIX,
    is_participant_id,
)
from cc_tui.domain.workflow import Status

MAX_QUERY_LENGTH = 500
MAX_CLAUSES = 20


class QueryField(StrEnum):
    STATUS = "status"
    ESERVICE = "eservice"
    MAKER = "maker"
    REF = "ref"
    FROM = "from"
    TO = "to"
    FIRM = "firm"


_FIELD_NAMES = ", ".join(field.value for field in QueryField)
_STATUS_VALUES = frozenset(status.value for status in Status)
_STATUS_WORDS = ", ".join(status.value for status in Status)
_FIELD_NAME = re.compile(r"[A-Za-z]+")
_ESERVICE_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,19}")


def _start_of(prefix: str, digits: int) -> re.Pattern[str]:
    """Matches any non-empty start of `prefix` followed by up to `digits` digits."""
    pattern = rf"\d{{0,{digits}}}"
    for char in reversed(prefix):
        pattern = rf"{re.escape(char)}(?:{pattern})?"
    return re.compile(pattern, re.ASCII)


_REF_START = _start_of(REF_PREFIX, REF_DIGITS)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_EXAMPLES = {
    QueryField.STATUS: "status:pending_checker",
    QueryField.ESERVICE: "eservice:CT027",
    QueryField.MAKER: "maker:maker@harbour.example",
    QueryField.REF: f"ref:{REF_EXAMPLE}",
    QueryField.FROM: "from:2026-01-31",
    QueryField.TO: "to:2026-12-31",
    QueryField.FIRM: f"firm:{PARTICIPANT_ID_EXAMPLE}",
}


class QueryError(ValueError):
    """A filter that cannot be read: what is wrong, where (0-based), and what to do."""

    def __init__(self, message: str, position: int, fix: str) -> None:
        super().__init__(message, position, fix)
        self.message = message
        self.position = position
        self.fix = fix

    @property
    def column(self) -> int:
        """The 1-based column a person counts to."""
        return self.position + 1

    def __str__(self) -> str:
        return _("{message} (at column {column})").format(message=self.message, column=self.column)


class _ValueProblem(ValueError):
    """A field's value is wrong; the parser adds where."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def _is_canonical_text(text: str) -> bool:
    return bool(text) and '"' not in text and " ".join(text.split()) == text


@dataclass(frozen=True)
class Term:
    """A plain word or quoted phrase, matched anywhere (case-insensitively)."""

    text: str
    negated: bool = False

    def __post_init__(self) -> None:
        if not _is_canonical_text(self.text):
            raise ValueError(
                f"A term must be non-empty, hold no double quote, and have single spaces "
                f"between words: {self.text!r}."
            )


@dataclass(frozen=True)
class FieldFilter:
    """`field:value`; `value` is normalised (the wire word for status, ISO for dates)."""

    field: QueryField
    value: str
    negated: bool = False

    def __post_init__(self) -> None:
        try:
            normalised = _normalise_value(self.field, self.value)
        except _ValueProblem as problem:
            raise ValueError(problem.message) from None
        if normalised != self.value:
            raise ValueError(
                f"Write {self.field.value}:{self.value} as {self.field.value}:{normalised}."
            )
        if self.negated and self.field in (QueryField.FROM, QueryField.TO):
            raise ValueError(f"{self.field.value}: cannot be negated.")


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...] = ()
    filters: tuple[FieldFilter, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.filters

    def values(self, field: QueryField, negated: bool = False) -> list[str]:
        """The normalised values given for `field`, in the order typed."""
        return [f.value for f in self.filters if f.field is field and f.negated is negated]

    def statuses(self, negated: bool = False) -> list[Status]:
        return [Status(value) for value in self.values(QueryField.STATUS, negated)]

    @property
    def date_from(self) -> date | None:
        values = self.values(QueryField.FROM)
        return date.fromisoformat(values[0]) if values else None

    @property
    def date_to(self) -> date | None:
        values = self.values(QueryField.TO)
        return date.fromisoformat(values[0]) if values else None

    def updated_range(self) -> tuple[datetime | None, datetime | None]:
        """`from`/`to` as a half-open range of instants, [start, end), in Hong Kong time."""
        start = self.date_from
        end = self.date_to
        return (
            datetime.combine(start, time(), HKT) if start else None,
            datetime.combine(end + timedelta(days=1), time(), HKT) if end else None,
        )


def _normalise_value(field: QueryField, raw: str) -> str:
    """The canonical form of a field's value; raises `_ValueProblem` if it is wrong."""
    value = " ".join(raw.split())
    if field is QueryField.STATUS:
        word = value.lower().replace(" ", "_")
        if word in _STATUS_VALUES:
            return word
        raise _ValueProblem(
            _("There is no status {value}.").format(value=repr(value)),
            _(
                'Use one of: {statuses} (or the words in quotes, e.g. status:"pending checker").'
            ).format(statuses=_STATUS_WORDS),
        )
    if field is QueryField.ESERVICE:
        code = value.upper()
        if _ESERVICE_CODE.fullmatch(code):
            return code
        raise _ValueProblem(
            _("{value} is not an eService code.").format(value=repr(value)),
            _("Type the code in letters and digits, e.g. eservice:CT027."),
        )
    if field is QueryField.REF:
        ref = value.upper()
        if _REF_START.fullmatch(ref):
            return ref
        raise _ValueProblem(
            _("{value} is not a reference number or the start of one.").format(value=repr(value)),
            _(
                "A reference is {prefix} and {digits} digits: type it whole or its start, e.g. "
                "ref:{example}."
            ).format(prefix=REF_PREFIX, digits=REF_DIGITS, example=REF_EXAMPLE[:7]),
        )
    if field is QueryField.FIRM:
        firm = value.upper()
        if is_participant_id(firm):
            return firm
        raise _ValueProblem(
            _("{value} is not a participant ID.").format(value=repr(value)),
            _("Type one upper-case letter then five digits, e.g. firm:{example}.").format(
                example=PARTICIPANT_ID_EXAMPLE
            ),
        )
    if field in (QueryField.FROM, QueryField.TO):
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise _ValueProblem(
                _("{value} is not a date.").format(value=repr(value)),
                _("Type the date as YYYY-MM-DD, e.g. {example}.").format(example=_EXAMPLES[field]),
            ) from None
    if not _is_canonical_text(value):
        raise _ValueProblem(
            _("{field}: needs a value.").format(field=field.value),
            _("Type e.g. {example}.").format(example=_EXAMPLES[field]),
        )
    return value


@dataclass
class _Clause:
    start: int  # where the clause begins (its `!` if negated)
    negated: bool
    text: str
    field: str | None = None
    field_start: int = 0
    value_start: int = 0


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def quoted(self) -> str:
        """Read `"..."` from the opening quote at `pos`; whitespace inside is collapsed."""
        opening = self.pos
        closing = self.text.find('"', opening + 1)
        if closing < 0:
            raise QueryError(
                _("This quote is never closed."),
                opening,
                _('Add a closing " after the words, or remove the quote.'),
            )
        self.pos = closing + 1
        phrase = " ".join(self.text[opening + 1 : closing].split())
        if not phrase:
            raise QueryError(
                _("These quotes hold nothing."),
                opening,
                _("Type words between the quotes, or remove them."),
            )
        return phrase

    def bare(self) -> str:
        """A word runs to the next space or double quote."""
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isspace() or char == '"':
                break
            self.pos += 1
        return self.text[start : self.pos]

    def clause(self) -> _Clause:
        start = self.pos
        negated = self.peek() == "!"
        if negated:
            self.pos += 1
            if self.at_end() or self.peek().isspace():
                raise QueryError(
                    _("A lone ! negates nothing."),
                    start,
                    _("Put the word or field:value right after it, e.g. !status:draft."),
                )
            if self.peek() == "!":
                raise QueryError(
                    _("One ! is enough to negate."),
                    self.pos,
                    _('Remove the extra !, or quote a word that starts with one: !"!word".'),
                )
        if self.peek() == '"':
            return _Clause(start, negated, self.quoted())
        word_start = self.pos
        word = self.bare()
        name, colon, rest = word.partition(":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            return _Clause(start, negated, word)
        value_start = word_start + len(name) + 1
        value = rest if rest or self.peek() != '"' else self.quoted()
        return _Clause(start, negated, value, name.lower(), word_start, value_start)


def _filter(clause: _Clause) -> FieldFilter:
    assert clause.field is not None
    try:
        field = QueryField(clause.field)
    except ValueError:
        raise QueryError(
            _("There is no field {field}.").format(field=repr(clause.field)),
            clause.field_start,
            _("Use one of: {fields}; or put the word in quotes to search for it.").format(
                fields=_FIELD_NAMES
            ),
        ) from None
    if not clause.text:
        raise QueryError(
            _("{field}: needs a value.").format(field=field.value),
            clause.field_start,
            _("Type a value right after the colon, e.g. {example}.").format(
                example=_EXAMPLES[field]
            ),
        )
    if clause.negated and field in (QueryField.FROM, QueryField.TO):
        other = QueryField.TO if field is QueryField.FROM else QueryField.FROM
        raise QueryError(
            _("{field}: cannot be negated.").format(field=field.value),
            clause.start,
            _("Remove the !, or use {other}: for the other end of the range.").format(
                other=other.value
            ),
        )
    try:
        value = _normalise_value(field, clause.text)
    except _ValueProblem as problem:
        raise QueryError(problem.message, clause.value_start, problem.fix) from None
    return FieldFilter(field, value, clause.negated)


def parse_query(text: str) -> Query:
    """Read the filter grammar; raise `QueryError` saying what is wrong and where."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            _("The filter is {count} characters long; the limit is {limit}.").format(
                count=len(text), limit=MAX_QUERY_LENGTH
            ),
            MAX_QUERY_LENGTH,
            _("Shorten it: a reference or a few words usually find the request."),
        )
    scanner = _Scanner(text)
    terms: list[Term] = []
    filters: list[FieldFilter] = []
    dates: dict[QueryField, _Clause] = {}
    count = 0
    scanner.skip_space()
    while not scanner.at_end():
        clause = scanner.clause()
        count += 1
        if count > MAX_CLAUSES:
            raise QueryError(
                _("The filter has more than {limit} parts.").format(limit=MAX_CLAUSES),
                clause.start,
                _("Use at most {limit} words and field:value filters.").format(limit=MAX_CLAUSES),
            )
        if clause.field is None:
            terms.append(Term(clause.text, clause.negated))
        else:
            field_filter = _filter(clause)
            if field_filter.field in dates:
                raise QueryError(
                    _("{field}: is given twice.").format(field=field_filter.field.value),
                    clause.field_start,
                    _("Keep one {field}: date.").format(field=field_filter.field.value),
                )
            if field_filter.field in (QueryField.FROM, QueryField.TO):
                dates[field_filter.field] = clause
            filters.append(field_filter)
        scanner.skip_space()
    query = Query(tuple(terms), tuple(filters))
    start, end = query.date_from, query.date_to
    if start is not None and end is not None and start > end:
        later = max(dates[QueryField.FROM], dates[QueryField.TO], key=lambda c: c.start)
        raise QueryError(
            _("from:{start} is after to:{end}, so nothing can match.").format(
                start=start.isoformat(), end=end.isoformat()
            ),
            later.field_start,
            _("Swap the two dates, or correct the one that is wrong."),
        )
    return query


_FIELD_LIKE = re.compile(r"[A-Za-z]+:")


def _format_text(text: str) -> str:
    needs_quotes = (
        any(char.isspace() for char in text)
        or text.startswith("!")
        or _FIELD_LIKE.match(text) is not None
    )
    return f'"{text}"' if needs_quotes else text


def _format_value(value: str) -> str:
    return f'"{value}"' if any(char.isspace() for char in value) else value


def format_query(query: Query) -> str:
    """The canonical text of `query`: terms first, then filters, each in its own order."""
    parts = [("!" if term.negated else "") + _format_text(term.text) for term in query.terms]
    parts += [
        f"{'!' if f.negated else ''}{f.field.value}:{_format_value(f.value)}" for f in query.filters
    ]
    return " ".join(parts)
