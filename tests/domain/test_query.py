"""The filter grammar: what people type, what it means, and every way it can be wrong."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cc_tui.domain.query import (
    MAX_CLAUSES,
    MAX_QUERY_LENGTH,
    FieldFilter,
    Query,
    QueryError,
    QueryField,
    Term,
    format_query,
    parse_query,
)
from cc_tui.domain.workflow import Status

HKT = ZoneInfo("Asia/Hong_Kong")


# --- what valid filters mean -------------------------------------------------------------


def test_empty_and_blank_text_is_the_empty_query() -> None:
    assert parse_query("") == Query()
    assert parse_query("   \t ").is_empty
    assert not parse_query("word").is_empty


def test_plain_words_and_phrases_are_terms() -> None:
    assert parse_query('harbour  "two   words" !noise !"not this"') == Query(
        terms=(
            Term("harbour"),
            Term("two words"),
            Term("noise", negated=True),
            Term("not this", negated=True),
        )
    )


def test_field_filters_are_normalised() -> None:
    query = parse_query(
        "status:PENDING_CHECKER eservice:ct027 maker:lead@harbour.example ref:ecs0001 "
        "from:2026-01-02 to:2026-02-03 !status:draft"
    )
    assert query.filters == (
        FieldFilter(QueryField.STATUS, "pending_checker"),
        FieldFilter(QueryField.ESERVICE, "CT027"),
        FieldFilter(QueryField.MAKER, "lead@harbour.example"),
        FieldFilter(QueryField.REF, "ECS0001"),
        FieldFilter(QueryField.FROM, "2026-01-02"),
        FieldFilter(QueryField.TO, "2026-02-03"),
        FieldFilter(QueryField.STATUS, "draft", negated=True),
    )
    assert query.terms == ()


@pytest.mark.parametrize(
    "text",
    [
        "status:pending_checker",
        'status:"pending checker"',
        'status:"Pending Checker"',
        'status:"  pending   checker "',
        "STATUS:Pending_Checker",
    ],
)
def test_status_takes_the_wire_word_or_the_words(text: str) -> None:
    assert parse_query(text).statuses() == [Status.PENDING_CHECKER]


def test_every_status_is_accepted_in_both_forms() -> None:
    for status in Status:
        assert parse_query(f"status:{status.value}").statuses() == [status]
        assert parse_query(f'status:"{status.label}"').statuses() == [status]


def test_typed_accessors() -> None:
    query = parse_query(
        "status:draft status:returned !status:aborted from:2026-03-01 to:2026-03-31"
    )
    assert query.statuses() == [Status.DRAFT, Status.RETURNED]
    assert query.statuses(negated=True) == [Status.ABORTED]
    assert query.date_from == date(2026, 3, 1)
    assert query.date_to == date(2026, 3, 31)
    assert query.values(QueryField.STATUS) == ["draft", "returned"]
    assert parse_query("word").date_from is None
    assert parse_query("word").date_to is None


def test_dates_are_whole_days_in_hong_kong_time() -> None:
    start, end = parse_query("from:2026-03-01 to:2026-03-31").updated_range()
    assert start == datetime(2026, 3, 1, tzinfo=HKT)
    assert end == datetime(2026, 4, 1, tzinfo=HKT)
    assert start is not None and start.utcoffset() == timedelta(hours=8)
    assert parse_query("").updated_range() == (None, None)
    # One day is fine: from and to are both inclusive.
    one_day = parse_query("from:2026-03-01 to:2026-03-01")
    assert one_day.date_from == one_day.date_to == date(2026, 3, 1)


def test_quoted_field_value_and_adjacent_quotes() -> None:
    assert parse_query('maker:"Chan  Tai Man"').filters == (
        FieldFilter(QueryField.MAKER, "Chan Tai Man"),
    )
    # A quote ends a bare word and starts a phrase.
    assert parse_query('abc"def ghi"jkl').terms == (Term("abc"), Term("def ghi"), Term("jkl"))


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("10:30", "10:30"),
        ("a1:b", "a1:b"),
        (":draft", ":draft"),
        ("wow!", "wow!"),
        ('"status:draft"', "status:draft"),
        ('"!word"', "!word"),
        ("ECS00012345", "ECS00012345"),
    ],
)
def test_words_that_only_look_special_are_terms(text: str, term: str) -> None:
    assert parse_query(text) == Query(terms=(Term(term),))


def test_ref_prefixes() -> None:
    for ref in ("E", "EC", "ECS", "ECS0", "ECS00012345", "ecs000123"):
        assert parse_query(f"ref:{ref}").values(QueryField.REF) == [ref.upper()]


def test_limits_are_inclusive() -> None:
    text = " ".join(["w"] * MAX_CLAUSES)
    assert len(parse_query(text).terms) == MAX_CLAUSES
    long_text = "x" * MAX_QUERY_LENGTH
    assert parse_query(long_text).terms == (Term(long_text),)


# --- every way it can be wrong, and where -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "in_message", "in_fix"),
    [
        ("status:", 0, "status: needs a value", "status:pending_checker"),
        ("word status: other", 5, "status: needs a value", "e.g."),
        ("!maker:", 1, "maker: needs a value", "maker:"),
        ("foo:bar", 0, "no field 'foo'", "status, eservice, maker, ref, from, to"),
        ("a !Foo:bar", 3, "no field 'foo'", "status, eservice"),
        ("status:pending", 7, "no status 'pending'", "pending_checker"),
        ('status:"pending chequer"', 7, "no status", "draft, pending_checker, returned"),
        ("eservice:CT/27", 9, "not an eService code", "eservice:CT027"),
        ("ref:ABC", 4, "not a reference number", "ECS"),
        ("ref:ECS123456789", 4, "not a reference number", "ECS"),
        ("from:2026-13-01", 5, "not a date", "YYYY-MM-DD"),
        ("to:1/2/2026", 3, "not a date", "YYYY-MM-DD"),
        ("from:2026-2-1", 5, "not a date", "YYYY-MM-DD"),
        ("from:2026-03-02 to:2026-03-01", 16, "is after", "Swap"),
        ("to:2026-03-01 from:2026-03-02", 14, "is after", "Swap"),
        ("from:2026-03-01 from:2026-03-02", 16, "given twice", "Keep one"),
        ("!from:2026-03-01", 0, "cannot be negated", "to:"),
        ('word "two words', 5, "never closed", 'closing "'),
        ('maker:"Chan', 6, "never closed", 'closing "'),
        ('"ok" "', 5, "never closed", 'closing "'),
        ('""', 0, "hold nothing", "between the quotes"),
        ('x "  "', 2, "hold nothing", "between the quotes"),
        ("!", 0, "lone !", "!status:draft"),
        ("word ! other", 5, "lone !", "right after it"),
        ("!!word", 1, "One ! is enough", "extra !"),
    ],
)
def test_bad_filters_say_what_where_and_how_to_fix(
    text: str, position: int, in_message: str, in_fix: str
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    error = caught.value
    assert in_message in error.message
    assert error.position == position
    assert in_fix in error.fix
    assert str(error) == f"{error.message} (at column {position + 1})"
    assert isinstance(error, ValueError)


def test_too_long_a_filter() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("x" * (MAX_QUERY_LENGTH + 1))
    assert caught.value.position == MAX_QUERY_LENGTH
    assert "limit is 500" in caught.value.message


def test_too_many_parts() -> None:
    text = " ".join(["w"] * MAX_CLAUSES) + " status:draft"
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.position == text.index("status:")
    assert "more than 20 parts" in caught.value.message


# --- the typed values refuse what the grammar cannot write ----------------------------------


@pytest.mark.parametrize("text", ["", " ", 'say "hi"', "two  spaces", " lead"])
def test_a_term_must_be_writable(text: str) -> None:
    with pytest.raises(ValueError):
        Term(text)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (QueryField.STATUS, "Pending checker"),
        (QueryField.STATUS, "nope"),
        (QueryField.ESERVICE, "ct027"),
        (QueryField.REF, "X1"),
        (QueryField.FROM, "2026-1-1"),
        (QueryField.MAKER, ""),
        (QueryField.FIRM, "b01234"),
        (QueryField.FIRM, "B1234"),
    ],
)
def test_a_filter_value_must_be_canonical(field: QueryField, value: str) -> None:
    with pytest.raises(ValueError):
        FieldFilter(field, value)


def test_firm_takes_a_participant_id_in_any_case() -> None:
    query = parse_query("firm:b05678 !firm:C01234 dividend")
    assert query.values(QueryField.FIRM) == ["B05678"]
    assert query.values(QueryField.FIRM, negated=True) == ["C01234"]
    with pytest.raises(QueryError) as caught:
        parse_query("status:draft firm:HKEX")
    assert caught.value.column == 19
    assert "'HKEX' is not a participant ID" in caught.value.message
    assert "firm:B01234" in caught.value.fix


def test_a_date_filter_cannot_be_negated_when_built_either() -> None:
    with pytest.raises(ValueError):
        FieldFilter(QueryField.TO, "2026-01-01", negated=True)


# --- canonical text and round trips -------------------------------------------------------


def test_format_quotes_only_where_needed() -> None:
    query = Query(
        terms=(Term("plain"), Term("two words"), Term("!bang", True), Term("ref:x"), Term("10:30")),
        filters=(
            FieldFilter(QueryField.MAKER, "Chan Tai Man", negated=True),
            FieldFilter(QueryField.STATUS, "with_exchange"),
        ),
    )
    assert format_query(query) == (
        'plain "two words" !"!bang" "ref:x" 10:30 !maker:"Chan Tai Man" status:with_exchange'
    )
    assert parse_query(format_query(query)) == query
    assert format_query(Query()) == ""


SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
_WORD_CHARS = st.characters(
    blacklist_categories=SURROGATES, blacklist_characters='"', min_codepoint=1
)
_canonical_text = st.text(_WORD_CHARS, min_size=1, max_size=15).map(lambda t: " ".join(t.split()))
_terms = st.builds(Term, _canonical_text.filter(bool), st.booleans())
_days = st.dates(date(2000, 1, 1), date(2099, 12, 31))
_value_filters = st.one_of(
    st.builds(
        FieldFilter,
        st.just(QueryField.STATUS),
        st.sampled_from([status.value for status in Status]),
        st.booleans(),
    ),
    st.builds(
        FieldFilter,
        st.just(QueryField.ESERVICE),
        st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,19}", fullmatch=True),
        st.booleans(),
    ),
    st.builds(
        FieldFilter,
        st.just(QueryField.REF),
        st.from_regex(r"E(C(S[0-9]{0,8})?)?", fullmatch=True),
        st.booleans(),
    ),
    st.builds(FieldFilter, st.just(QueryField.MAKER), _canonical_text.filter(bool), st.booleans()),
    st.builds(
        FieldFilter,
        st.just(QueryField.FIRM),
        st.from_regex(r"[A-Z][0-9]{5}", fullmatch=True),
        st.booleans(),
    ),
)


@st.composite
def queries(draw: st.DrawFn) -> Query:
    terms = draw(st.lists(_terms, max_size=8))
    filters = draw(st.lists(_value_filters, max_size=8))
    start = draw(st.none() | _days)
    end = draw(st.none() | _days)
    if start is not None and end is not None and start > end:
        start, end = end, start
    dated = [
        FieldFilter(QueryField.FROM, start.isoformat()) if start else None,
        FieldFilter(QueryField.TO, end.isoformat()) if end else None,
    ]
    filters += [f for f in dated if f is not None]
    filters = draw(st.permutations(filters))
    return Query(tuple(terms), tuple(filters))


@given(queries())
def test_every_valid_query_round_trips_through_its_text(query: Query) -> None:
    text = format_query(query)
    assume(len(text) <= MAX_QUERY_LENGTH)
    assert parse_query(text) == query
    assert format_query(parse_query(text)) == text


@given(st.text(max_size=80))
def test_parse_never_fails_other_than_with_a_query_error(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert 0 <= error.position <= len(text)
        assert error.message and error.fix
        return
    # Whatever was accepted is canonical after one trip through format.
    canonical = format_query(query)
    assert parse_query(canonical) == query
    assert format_query(parse_query(canonical)) == canonical


@given(
    st.lists(
        st.sampled_from(
            [
                "word",
                "!word",
                '"two words"',
                "status:draft",
                '!status:"pending checker"',
                "eservice:ct027",
                "ref:ecs",
                "maker:x@y.z",
                "10:30",
                "from:2026-01-01",
                '"',
                "!",
            ]
        ),
        max_size=6,
    ),
    st.sampled_from([" ", "  ", "\t", " \n "]),
)
def test_parse_is_idempotent_through_format(parts: list[str], separator: str) -> None:
    text = separator.join(parts)
    try:
        query = parse_query(text)
    except QueryError:
        return
    assert parse_query(format_query(query)) == query


@pytest.mark.parametrize("text", ["ref:ECS١٢٣", "from:２０２６-01-01"])
def test_only_ascii_digits_count(text: str) -> None:
    with pytest.raises(QueryError):
        parse_query(text)
