"""Participant IDs, reference numbers and the supporting-document file name rule."""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from cc_tui.domain.naming import (
    ALLOWED_EXTENSIONS,
    MAX_SUFFIX,
    PARTICIPANT_ID_PATTERN,
    REF_PREFIX,
    NameFault,
    check_supporting_document_name,
    format_ref,
    is_participant_id,
    is_ref,
    next_free_name,
    normalise_participant_id,
    normalise_ref,
    parse_ref,
    participant_id_error,
    supporting_document_name,
)

REF = "ECS00012345"
PID = "B01234"
GOOD = f"Supporting Document_{REF}_{PID}.pdf"
F = NameFault

# Participant IDs -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["B01234", "A00000", "Z99999", "C12345"])
def test_good_participant_ids(value: str) -> None:
    assert is_participant_id(value)
    assert participant_id_error(value) is None


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("b01234", "Write the letter in capitals: B01234."),
        (" B01234", "Remove the blanks around it."),
        ("B0123", None),
        ("B012345", None),
        ("BB1234", None),
        ("012345", None),
        ("B01 234", None),
        ("B０1234", None),  # a full-width zero
        ("B01234\n", "Remove the blanks around it."),
        ("Ё01234", None),
    ],
)
def test_bad_participant_ids_say_the_right_shape(value: str, hint: str | None) -> None:
    assert not is_participant_id(value)
    error = participant_id_error(value)
    assert error is not None
    assert "one upper-case letter then five digits" in error
    assert repr(value) in error
    if hint:
        assert error.endswith(hint)


def test_an_empty_participant_id_asks_for_one() -> None:
    assert participant_id_error("") == (
        "Enter a participant ID: one upper-case letter then five digits, such as B01234."
    )


def test_the_pattern_is_the_documented_one() -> None:
    assert PARTICIPANT_ID_PATTERN == r"[A-Z]\d{5}"
    assert normalise_participant_id(" b01234 ") == "B01234"


# Reference numbers ---------------------------------------------------------------------


def test_refs_are_ecs_and_eight_digits() -> None:
    assert REF_PREFIX == "ECS"
    assert format_ref(1) == "ECS00000001"
    assert format_ref(12345) == "ECS00012345"
    assert format_ref(99_999_999) == "ECS99999999"
    assert parse_ref("ECS00012345") == 12345


@pytest.mark.parametrize("number", [0, -1, 100_000_000])
def test_format_ref_refuses_numbers_out_of_range(number: int) -> None:
    with pytest.raises(ValueError, match="from 1 to 99_999_999"):
        format_ref(number)


def test_format_ref_refuses_a_bool() -> None:
    with pytest.raises(TypeError):
        format_ref(True)


@pytest.mark.parametrize(
    "text",
    [
        "ecs00012345",
        "ECS0001234",
        "ECS000123456",
        "ECS00000000",
        " ECS00012345",
        "ECS 00012345",
        "ABC00012345",
        "ECS０0012345",
        "ECS٠0012345",  # an Arabic-Indic zero: a digit to Python, not to us
        "",
        "12345",
    ],
)
def test_parse_ref_refuses_what_is_not_a_ref(text: str) -> None:
    assert not is_ref(text)
    with pytest.raises(ValueError, match="ECS then 8 digits, such as ECS00012345"):
        parse_ref(text)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("ecs00012345", "ECS00012345"),
        ("  ECS00012345\t", "ECS00012345"),
        ("ecs 0001 2345", "ECS00012345"),
        ("ＥＣＳ00012345", "ECS00012345"),
    ],
)
def test_normalise_ref_takes_what_users_type(typed: str, normal: str) -> None:
    assert normalise_ref(typed) == normal
    assert is_ref(normalise_ref(typed))


@given(st.integers(1, 99_999_999))
def test_refs_round_trip(number: int) -> None:
    ref = format_ref(number)
    assert len(ref) == 11
    assert is_ref(ref)
    assert parse_ref(ref) == number
    assert normalise_ref(ref.lower()) == ref


# Supporting-document names: the table --------------------------------------------------


def check(name: str, taken: tuple[str, ...] = ()) -> tuple[tuple[NameFault, ...], str | None]:
    result = check_supporting_document_name(name, REF, PID, taken)
    assert len(result.reasons) == len(result.faults)
    assert result.ok is (not result.reasons)
    return result.faults, result.corrected


@pytest.mark.parametrize(
    "name",
    [
        GOOD,
        f"Supporting Document_{REF}_{PID}.xls",
        f"Supporting Document_{REF}_{PID}.xlsx",
        f"Supporting Document_{REF}_{PID}.PDF",
        f"Supporting Document_{REF}_{PID}.XlSx",
        f"Supporting Document_{REF}_{PID}_01.pdf",
        f"Supporting Document_{REF}_{PID}_09.xlsx",
    ],
)
def test_good_names_pass(name: str) -> None:
    result = check_supporting_document_name(name, REF, PID)
    assert result.ok
    assert result.reasons == ()
    assert result.corrected is None


CORRECTED = GOOD
BAD_NAMES = [
    # (name, every fault, corrected name)
    ("supporting document_ECS00012345_B01234.pdf", (F.PREFIX,), CORRECTED),
    ("SUPPORTING DOCUMENT_ECS00012345_B01234.pdf", (F.PREFIX,), CORRECTED),
    ("SupportingDocument_ECS00012345_B01234.pdf", (F.PREFIX,), CORRECTED),
    ("Supporting  Document_ECS00012345_B01234.pdf", (F.PREFIX,), CORRECTED),
    ("Supporting_Document_ECS00012345_B01234.pdf", (F.PREFIX,), CORRECTED),
    ("Supporting Documents_ECS00012345_B01234.pdf", (F.PREFIX,), CORRECTED),
    ("Supporting Document_ECS00000001_B01234.pdf", (F.WRONG_REF,), CORRECTED),
    ("Supporting Document_ecs00012345_B01234.pdf", (F.WRONG_REF,), CORRECTED),
    ("Supporting Document_ECS0012345_B01234.pdf", (F.WRONG_REF,), CORRECTED),
    ("Supporting Document_ECS00012345_B05678.pdf", (F.WRONG_PARTICIPANT_ID,), CORRECTED),
    ("Supporting Document_ECS00012345_b01234.pdf", (F.WRONG_PARTICIPANT_ID,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234_10.pdf", (F.SUFFIX,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234_1.pdf", (F.SUFFIX,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234_00.pdf", (F.SUFFIX,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234_001.pdf", (F.SUFFIX,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234-01.pdf", (F.SEPARATOR,), CORRECTED),
    ("Supporting Document_ECS00012345 B01234.pdf", (F.SEPARATOR,), CORRECTED),
    ("Supporting Document__ECS00012345_B01234.pdf", (F.SEPARATOR,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234 (1).pdf", (F.EXTRA_TEXT,), CORRECTED),
    ("Supporting Document_ECS00012345.pdf", (F.MISSING_PARTICIPANT_ID,), CORRECTED),
    ("Supporting Document_B01234.pdf", (F.MISSING_REF,), CORRECTED),
    (
        "Supporting Document.pdf",
        (F.MISSING_REF, F.MISSING_PARTICIPANT_ID),
        CORRECTED,
    ),
    # A word appended after the parts is named as such, whatever it holds.
    ("Supporting Document_ECS00012345_B01234_final.pdf", (F.EXTRA_TEXT,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234_02_final.pdf", (F.EXTRA_TEXT,), CORRECTED),
    (
        "Supporting Document_B01234_ECS00012345.pdf",
        (F.PREFIX, F.MISSING_PARTICIPANT_ID),
        CORRECTED,
    ),
    (
        "supporting document_ECS00000001_B05678_10.pdf",
        (F.PREFIX, F.WRONG_REF, F.WRONG_PARTICIPANT_ID, F.SUFFIX),
        CORRECTED,
    ),
    ("Supporting Document_ECS00012345_B01234.pdf.pdf", (F.DOUBLE_EXTENSION,), CORRECTED),
    (
        "Supporting Document_ECS00012345_B01234.xlsx.pdf",
        (F.DOUBLE_EXTENSION,),
        CORRECTED,
    ),
    (
        "Supporting Document_ECS00012345_B01234.pdf.exe",
        (F.DOUBLE_EXTENSION, F.EXTENSION),
        None,
    ),
    ("Supporting Document_ECS00012345_B01234.exe", (F.EXTENSION,), None),
    ("Supporting Document_ECS00012345_B01234.docx", (F.EXTENSION,), None),
    ("Supporting Document_ECS00012345_B01234", (F.NO_EXTENSION,), None),
    ("Supporting Document_ECS00012345_B01234.pdf.", (F.STRAY_DOT,), CORRECTED),
    (
        "Supporting Document_ECS00012345_B01234.pdf\x00.exe",
        (F.CONTROL_CHARACTER, F.DOUBLE_EXTENSION, F.EXTENSION),
        None,
    ),
    ("Supporting Document_ECS00012345_B01234\x00.pdf", (F.CONTROL_CHARACTER,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234\n.pdf", (F.CONTROL_CHARACTER,), CORRECTED),
    ("../Supporting Document_ECS00012345_B01234.pdf", (F.PATH,), CORRECTED),
    ("..\\Supporting Document_ECS00012345_B01234.pdf", (F.PATH,), CORRECTED),
    ("/tmp/Supporting Document_ECS00012345_B01234.pdf", (F.PATH,), CORRECTED),
    ("C:\\Users\\me\\Supporting Document_ECS00012345_B01234.pdf", (F.PATH,), CORRECTED),
    (
        "/etc/passwd",
        (F.PATH, F.PREFIX, F.MISSING_REF, F.MISSING_PARTICIPANT_ID, F.NO_EXTENSION),
        None,
    ),
    ("..", (F.PATH, F.EMPTY), None),
    ("Supporting Document_ECS00012345_B01234..pdf", (F.PATH,), CORRECTED),
    # A Cyrillic 'С' in "ECS", a Greek omicron in "Document", a Cyrillic 'р' in "pdf".
    ("Supporting Document_EСS00012345_B01234.pdf", (F.NON_ASCII,), CORRECTED),
    ("Supporting Dοcument_ECS00012345_B01234.pdf", (F.NON_ASCII,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234.рdf", (F.NON_ASCII,), CORRECTED),
    ("Supporting Document_ECS０００12345_B01234.pdf", (F.NON_ASCII,), CORRECTED),
    ("Supporting Document_ECS00012345_Ｂ01234.pdf", (F.NON_ASCII,), CORRECTED),
    ("Supporting\u00a0Document_ECS00012345_B01234.pdf", (F.NON_ASCII,), CORRECTED),
    ("Supporting Document_ECS00012345_B01234\u200b.pdf", (F.NON_ASCII,), CORRECTED),
    (
        "Supporting Document_ECS00012345_B01234\u202efdp.exe",
        (F.NON_ASCII, F.EXTRA_TEXT, F.EXTENSION),
        None,
    ),
    ("", (F.EMPTY,), None),
    (" ", (F.SURROUNDING_SPACE, F.EMPTY), None),
    (f"{GOOD} ", (F.SURROUNDING_SPACE,), CORRECTED),
    (f" {GOOD}", (F.SURROUNDING_SPACE,), CORRECTED),
    (
        "Supporting Document_ECS00012345_B01234 .pdf",
        (F.EXTRA_TEXT,),
        CORRECTED,
    ),
    ("scan.pdf", (F.PREFIX, F.MISSING_REF, F.MISSING_PARTICIPANT_ID), CORRECTED),
    (
        "report.docx",
        (F.PREFIX, F.MISSING_REF, F.MISSING_PARTICIPANT_ID, F.EXTENSION),
        None,
    ),
    ("Supporting Document_ECS00012345_B01234.XLS", (), None),
]


@pytest.mark.parametrize(
    ("name", "faults", "corrected"), BAD_NAMES, ids=[repr(row[0])[:60] for row in BAD_NAMES]
)
def test_a_bad_name_gets_every_reason_and_the_corrected_name(
    name: str, faults: tuple[NameFault, ...], corrected: str | None
) -> None:
    assert check(name) == (faults, corrected)


def test_wrong_case_keeps_the_users_extension_lower_cased() -> None:
    assert check("supporting document_ECS00012345_B01234.XLSX") == (
        (F.PREFIX,),
        f"Supporting Document_{REF}_{PID}.xlsx",
    )


def reasons(name: str, taken: tuple[str, ...] = ()) -> tuple[str, ...]:
    return check_supporting_document_name(name, REF, PID, taken).reasons


def test_reasons_are_sentences_a_user_can_act_on() -> None:
    assert reasons("supporting document_ECS00000001_B05678_10.exe") == (
        "The prefix must be 'Supporting Document' exactly (capital S and D, one space); "
        "you wrote 'supporting document'.",
        "The reference ECS00000001 is not this request's; use ECS00012345.",
        "The participant ID B05678 is not this request's; use B01234.",
        "The suffix must be _01 to _09; '_10' is not allowed.",
        "Only PDF, XLS or XLSX files are accepted; '.exe' is not.",
    )
    assert reasons("Supporting Document_ECS00012345_B01234.pdf.exe") == (
        "'.pdf.exe' has two extensions; a name ends with one only: .pdf, .xls or .xlsx.",
        "Only PDF, XLS or XLSX files are accepted; '.exe' is not.",
    )
    assert reasons("Supporting Document_ecs00012345_b01234.pdf") == (
        "Write the reference in capitals: ECS00012345, not ecs00012345.",
        "Write the participant ID in capitals: B01234, not b01234.",
    )
    assert reasons("Supporting Document_ECS00012345_B01234-01.pdf") == (
        "Join the parts with one underscore: write '_01', not '-01'.",
    )
    assert reasons("Supporting Document.pdf") == (
        "The reference number is missing; add _ECS00012345 after 'Supporting Document'.",
        "The participant ID is missing; add _B01234 after the reference number.",
    )
    assert reasons("Supporting Document_ECS00012345_B01234") == (
        "The name has no extension; end it with .pdf, .xls or .xlsx (only PDF, XLS or XLSX "
        "files are accepted).",
    )
    assert reasons(f"{GOOD} ") == ("The name ends with a blank; remove it.",)


def test_hostile_characters_are_named_not_printed() -> None:
    (nul,) = reasons(f"Supporting Document_{REF}_{PID}\x00.pdf")
    assert nul == "The name contains control characters (NUL); remove them."
    control, path, prefix = reasons(f"../\x1b[2J{GOOD}")
    assert "you wrote '[2JSupporting Document'" in prefix
    assert control == "The name contains control characters (ESC); remove them."
    assert "\x1b" not in path
    assert "\\x1b" in path
    (rlo, *_) = reasons(f"Supporting Document_{REF}_{PID}\u202efdp.exe")
    assert "\u202e" not in rlo
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE, which cannot be seen)" in rlo


def test_look_alikes_say_what_they_look_like() -> None:
    (reason,) = reasons("Supporting Document_EСS00012345_B01234.pdf")
    assert reason == (
        "Use plain ASCII letters and digits only; the name has 'С' (CYRILLIC CAPITAL LETTER "
        "ES, which looks like 'C'). Type it again on a plain keyboard layout."
    )
    (reason,) = reasons("Supporting Document_ECS０００12345_B01234.pdf")
    assert "'０' (FULLWIDTH DIGIT ZERO, which looks like '0')" in reason


def test_a_name_over_255_bytes_is_refused() -> None:
    long_name = f"Supporting Document_{REF}_{PID}" + "x" * 220 + ".pdf"
    faults, corrected = check(long_name)
    assert faults == (F.TOO_LONG, F.EXTRA_TEXT)
    assert corrected == CORRECTED
    assert reasons(long_name)[0] == "The name is 262 bytes long; the limit is 255."
    # 128 two-byte characters: under 255 characters, over 255 bytes.
    assert F.TOO_LONG in check("é" * 128 + ".pdf")[0]


def test_a_huge_name_is_only_called_too_long() -> None:
    assert check("a" * 100_000 + ".pdf") == ((F.TOO_LONG,), None)


def test_the_message_quotes_only_the_start_of_a_long_wrong_part() -> None:
    prefix_reason = reasons("y" * 200 + f"_{REF}_{PID}.pdf")[0]
    assert prefix_reason.endswith(
        "you wrote 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...'."
    )


# Names already attached ------------------------------------------------------------------


def test_a_name_already_attached_gets_the_next_free_suffix() -> None:
    taken = (GOOD.upper(),)  # the same name, in other case
    result = check_supporting_document_name(GOOD, REF, PID, taken)
    assert not result.ok
    assert result.faults == (F.TAKEN,)
    assert result.reasons == (f"{GOOD!r} is already attached to this request.",)
    assert result.corrected == f"Supporting Document_{REF}_{PID}_01.pdf"


def test_the_lowest_free_suffix_is_offered() -> None:
    taken = (
        f"Supporting Document_{REF}_{PID}_01.pdf",
        GOOD,
        f"Supporting Document_{REF}_{PID}_03.pdf",
        f"Supporting Document_{REF}_{PID}_02.xlsx",  # another extension: another name
    )
    assert check(f"Supporting Document_{REF}_{PID}_03.PDF", taken) == (
        (F.TAKEN,),
        f"Supporting Document_{REF}_{PID}_02.pdf",
    )
    assert check("supporting document.pdf", taken)[1] == (f"Supporting Document_{REF}_{PID}_02.pdf")
    # A different, free name with a good suffix is fine as it is.
    assert check(f"Supporting Document_{REF}_{PID}_05.pdf", taken) == ((), None)


def test_when_all_ten_names_are_taken_none_is_offered() -> None:
    taken = tuple(
        supporting_document_name(REF, PID, "pdf", suffix)
        for suffix in (None, *range(1, MAX_SUFFIX + 1))
    )
    result = check_supporting_document_name(GOOD, REF, PID, taken)
    assert result.faults == (F.TAKEN, F.NO_FREE_NAME)
    assert result.corrected is None
    assert "All 10 names a .pdf file can have" in result.reasons[1]
    assert next_free_name(REF, PID, "pdf", taken) is None
    assert next_free_name(REF, PID, "xlsx", taken) == f"Supporting Document_{REF}_{PID}.xlsx"
    assert check("supporting document.pdf", taken) == (
        (F.PREFIX, F.MISSING_REF, F.MISSING_PARTICIPANT_ID, F.NO_FREE_NAME),
        None,
    )


def test_next_free_name_takes_an_extension_with_or_without_its_dot() -> None:
    assert next_free_name(REF, PID, ".XLS", ()) == f"Supporting Document_{REF}_{PID}.xls"
    with pytest.raises(ValueError, match="'exe' is not"):
        next_free_name(REF, PID, "exe", ())


@pytest.mark.parametrize(
    ("ref", "participant_id"),
    [("ECS1", PID), ("ecs00012345", PID), (REF, "b01234"), (REF, "")],
)
def test_the_requests_own_ref_and_participant_id_must_be_valid(
    ref: str, participant_id: str
) -> None:
    with pytest.raises(ValueError):
        check_supporting_document_name(GOOD, ref, participant_id)


def test_supporting_document_name_refuses_a_suffix_out_of_range() -> None:
    with pytest.raises(ValueError, match="from 1 to 9"):
        supporting_document_name(REF, PID, "pdf", 10)
    assert supporting_document_name(REF, PID, "PDF", 2) == (
        "Supporting Document_ECS00012345_B01234_02.pdf"
    )


# Properties ------------------------------------------------------------------------------

refs = st.integers(1, 99_999_999).map(format_ref)
participant_ids = st.from_regex(r"\A[A-Z][0-9]{5}\Z")
suffixes = st.none() | st.integers(1, MAX_SUFFIX)


@st.composite
def extensions(draw: st.DrawFn) -> str:
    """An allowed extension in any mix of case."""
    extension = draw(st.sampled_from(ALLOWED_EXTENSIONS))
    upper = draw(st.lists(st.booleans(), min_size=len(extension), max_size=len(extension)))
    return "".join(c.upper() if up else c for c, up in zip(extension, upper, strict=True))


@given(refs, participant_ids, extensions(), suffixes)
def test_any_name_made_by_the_rule_passes(
    ref: str, participant_id: str, extension: str, suffix: int | None
) -> None:
    tail = "" if suffix is None else f"_0{suffix}"
    name = f"Supporting Document_{ref}_{participant_id}{tail}.{extension}"
    result = check_supporting_document_name(name, ref, participant_id)
    assert result.ok, result.reasons
    assert result.corrected is None


all_names = st.lists(
    st.sampled_from(ALLOWED_EXTENSIONS).flatmap(
        lambda ext: suffixes.map(lambda n: supporting_document_name(REF, PID, ext, n))
    ),
    max_size=30,
)


@st.composite
def mutated_names(draw: st.DrawFn) -> str:
    """A good name with a few characters inserted, deleted or replaced."""
    name = list(draw(st.sampled_from([GOOD, f"Supporting Document_{REF}_{PID}_02.xlsx"])))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(name)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        character = draw(st.sampled_from("._ -/\\\x00aZ09Ѕа０é") | st.characters(codec="utf-8"))
        if kind == "insert":
            name.insert(position, character)
        elif position < len(name):
            if kind == "delete":
                del name[position]
            else:
                name[position] = character
    return "".join(name)


names = st.text(max_size=80) | mutated_names()


@given(names, all_names)
@example("Supporting Document_ECS00012345_B01234.pdf", [GOOD])
@example("\udcff.pdf", [])
@example("...", [])
def test_every_verdict_is_consistent(name: str, taken: list[str]) -> None:
    result = check_supporting_document_name(name, REF, PID, taken)
    assert result.name == name
    assert len(result.reasons) == len(result.faults)
    assert len(set(result.reasons)) == len(result.reasons)
    if result.ok:
        assert result.corrected is None
        assert result.reasons == ()
        assert name.lower() not in {t.lower() for t in taken}
    else:
        # A name that fails always says why, in sentences.
        assert result.reasons
        assert all(reason.endswith(".") for reason in result.reasons)
    if result.corrected is not None:
        # The corrected name passes the same check, and is free.
        again = check_supporting_document_name(result.corrected, REF, PID, taken)
        assert again.ok, again.reasons
        extension = result.corrected.rsplit(".", 1)[1]
        assert result.corrected == next_free_name(REF, PID, extension, taken)


@given(mutated_names())
def test_a_corrected_name_keeps_the_users_allowed_extension(name: str) -> None:
    result = check_supporting_document_name(name, REF, PID)
    if result.corrected is not None:
        users_extension = name.rsplit(".", 1)[-1].lower()
        if users_extension in ALLOWED_EXTENSIONS:
            assert result.corrected.endswith("." + users_extension)


@given(all_names, st.sampled_from(ALLOWED_EXTENSIONS))
def test_next_free_name_is_the_lowest_free_one(taken: list[str], extension: str) -> None:
    candidates = [
        supporting_document_name(REF, PID, extension, n) for n in (None, *range(1, MAX_SUFFIX + 1))
    ]
    free = [c for c in candidates if c.lower() not in {t.lower() for t in taken}]
    assert next_free_name(REF, PID, extension, taken) == (free[0] if free else None)


@given(refs, participant_ids)
def test_names_for_another_request_never_pass(ref: str, participant_id: str) -> None:
    assume((ref, participant_id) != (REF, PID))
    name = supporting_document_name(ref, participant_id, "pdf")
    result = check_supporting_document_name(name, REF, PID)
    assert not result.ok
    assert set(result.faults) <= {F.WRONG_REF, F.WRONG_PARTICIPANT_ID}
    assert result.corrected == GOOD
