"""The eService catalogue: every field type, every eService's example, the rules, search."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cc_tui.api.requests import EServiceDefinition, FieldDefinition
from cc_tui.domain.calendar import is_business_day, working_days_between
from cc_tui.domain.forms import (
    CATALOGUE,
    EService,
    FieldIssue,
    FieldType,
    FormField,
    MembershipProfile,
    ProfileKey,
    UnknownEService,
    autofill,
    clean_field,
    example_values,
    format_value,
    get_eservice,
    messages_per_second,
    normalise_values,
    request_title,
    search_eservices,
    validate_field,
    validate_form,
)
from cc_tui.domain.workflow import Status

PROFILE = MembershipProfile(
    participant_id="B01234",
    firm_name="Harbour Securities Limited",
    address="1 Harbour Road, Wan Chai, Hong Kong",
    contact_name="Chan Tai Man",
    contact_email="ops@harbour.example",
    contact_phone="+852 2345 6789",
)
THURSDAY = date(2026, 3, 5)
ALL = list(CATALOGUE.values())


def _field(kind: FieldType, **options: object) -> FormField:
    return FormField("f", "Amount" if kind is FieldType.MONEY else "Field", kind, **options)  # type: ignore[arg-type]


def _one_issue(field: FormField, value: object, today: date | None = None) -> FieldIssue:
    issues = validate_field(field, value, today)
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.message and issue.fix, issue
    return issue


def _stored(field: FormField, value: object, today: date | None = None) -> object:
    stored, issues = clean_field(field, value, today)
    assert issues == []
    return stored


def _form(eservice: EService, today: date = THURSDAY, **changes: object) -> dict[str, object]:
    values = example_values(eservice, PROFILE, today)
    values.update(changes)
    return values


def _issues_by_field(issues: list[FieldIssue]) -> dict[str, FieldIssue]:
    return {issue.field: issue for issue in issues}


# --- every field type, good values and bad ---------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        (_field(FieldType.TEXT), "  Harbour  ", "Harbour"),
        (_field(FieldType.TEXT), 1234, "1234"),
        (_field(FieldType.TEXT, pattern=r"\d{5}", example="00700"), "00005", "00005"),
        (_field(FieldType.NUMBER), "5,000,000", 5_000_000),
        (_field(FieldType.NUMBER), 12, 12),
        (_field(FieldType.NUMBER), 12.0, 12),
        (_field(FieldType.NUMBER), "12.00", 12),
        (_field(FieldType.NUMBER, decimals=2), "1.5", "1.50"),
        (_field(FieldType.NUMBER, min=1, max=50), "50", 50),
        (_field(FieldType.MONEY), "5,000,000", "5000000.00"),
        (_field(FieldType.MONEY), 5_000_000.5, "5000000.50"),
        (_field(FieldType.MONEY), " 0.1 ", "0.10"),
        (_field(FieldType.DATE), "2026-03-10", "2026-03-10"),
        (_field(FieldType.DATE), date(2026, 3, 10), "2026-03-10"),
        (_field(FieldType.DATE, business_day=True), "2026-03-10", "2026-03-10"),
        (_field(FieldType.CHOICE, choices=("New limit", "Increase")), "increase", "Increase"),
        (_field(FieldType.PARTICIPANT_ID), " b01234 ", "B01234"),
        (_field(FieldType.EMAIL), "chan.tai-man@harbour.example", "chan.tai-man@harbour.example"),
        (_field(FieldType.PHONE), "+852 2345 6789", "+852 2345 6789"),
        (_field(FieldType.PHONE), "23456789", "+852 2345 6789"),
        (_field(FieldType.PHONE), "2345-6789", "+852 2345 6789"),
        (_field(FieldType.PHONE), "+85291234567", "+852 9123 4567"),
        (_field(FieldType.PHONE), "(852) 6123 4567", "+852 6123 4567"),
    ],
)
def test_good_values_are_stored_in_one_canonical_form(
    field: FormField, value: object, stored: object
) -> None:
    assert _stored(field, value) == stored
    # The stored form is itself valid, and stores as itself.
    assert _stored(field, stored) == stored


@pytest.mark.parametrize(
    ("field", "value", "in_message", "in_fix"),
    [
        # empty required
        (_field(FieldType.TEXT), "", "Field is required", "Type the field"),
        (_field(FieldType.TEXT), "   ", "is required", "Type"),
        (_field(FieldType.DATE), None, "is required", "YYYY-MM-DD"),
        (_field(FieldType.CHOICE, choices=("A", "B")), "", "is required", "Choose one of: A, B"),
        # too long
        (_field(FieldType.TEXT, max_length=5), "abcdef", "6 characters long; the limit is 5", "5"),
        (_field(FieldType.TEXT), "x" * 501, "the limit is 500", "Shorten it"),
        (_field(FieldType.EMAIL), "a" * 250 + "@b.hk", "the limit is 254", "Shorten"),
        # wrong format
        (
            _field(FieldType.TEXT, pattern=r"\d{5}", example="00700"),
            "700",
            "not in the right form",
            "e.g. 00700",
        ),
        (_field(FieldType.TEXT), ["a"], "must be text", "Type"),
        (_field(FieldType.NUMBER), "abc", "is not a number", "whole number"),
        (_field(FieldType.NUMBER), "1,00", "is not a number", "whole number"),
        (_field(FieldType.NUMBER), "1.5", "must be a whole number", "whole number"),
        (_field(FieldType.NUMBER), True, "must be a number", "whole number"),
        (_field(FieldType.NUMBER), [1], "must be a number", "whole number"),
        (_field(FieldType.NUMBER), float("nan"), "finite", "whole number"),
        (_field(FieldType.NUMBER), "1" * 20, "far too large", "whole number"),
        (_field(FieldType.MONEY), "1.234", "at most 2 decimal places", "HKD"),
        (_field(FieldType.MONEY), "HKD 5", "is not a number", "amount in HKD"),
        (_field(FieldType.DATE), "10/03/2026", "not a date in the form YYYY-MM-DD", "e.g. 2026"),
        (_field(FieldType.DATE), "2026-02-30", "not a date", "YYYY-MM-DD"),
        (_field(FieldType.DATE), "2026-3-10", "not a date", "YYYY-MM-DD"),
        (_field(FieldType.DATE), 20260310, "must be a date", "YYYY-MM-DD"),
        (_field(FieldType.DATE), datetime(2026, 3, 10, 9), "must be a date", "YYYY-MM-DD"),
        (_field(FieldType.CHOICE, choices=("A", "B")), "C", "not one of the choices", "A, B"),
        (_field(FieldType.PARTICIPANT_ID), "B1234", "not a participant ID", "e.g. B01234"),
        (_field(FieldType.PARTICIPANT_ID), "BB01234", "not a participant ID", "five digits"),
        (_field(FieldType.PARTICIPANT_ID), "123456", "not a participant ID", "capital letter"),
        (_field(FieldType.EMAIL), "ops@harbour", "not an e-mail address", "e.g. ops@"),
        (_field(FieldType.EMAIL), "ops harbour.example", "not an e-mail", "e-mail address"),
        (_field(FieldType.PHONE), "2345678", "not a Hong Kong phone number", "+852 2345 6789"),
        (_field(FieldType.PHONE), "12345678", "not a Hong Kong phone", "8 digits"),
        (_field(FieldType.PHONE), "+86 138 0013 8000", "not a Hong Kong phone", "+852"),
        # out of range
        (_field(FieldType.NUMBER, min=1, max=50), "0", "must be at least 1", "from 1 to 50"),
        (_field(FieldType.NUMBER, min=1, max=50), 51, "must be at most 50", "from 1 to 50"),
        (_field(FieldType.MONEY, min=100_000), "99,999.99", "at least 100,000", "100,000 or more"),
    ],
)
def test_bad_values_say_what_is_wrong_and_how_to_fix_it(
    field: FormField, value: object, in_message: str, in_fix: str
) -> None:
    issue = _one_issue(field, value)
    assert issue.field == "f"
    assert in_message in issue.message
    assert issue.fix is not None and in_fix in issue.fix


def test_an_optional_field_may_be_blank_but_not_wrong() -> None:
    field = _field(FieldType.EMAIL, required=False)
    assert validate_field(field, "") == []
    assert validate_field(field, None) == []
    assert clean_field(field, "  ") == (None, [])
    assert "not an e-mail" in _one_issue(field, "nope").message


def test_a_date_on_a_weekend_or_holiday_where_the_field_needs_a_business_day() -> None:
    field = FormField("effective_date", "Effective date", FieldType.DATE, business_day=True)
    saturday = _one_issue(field, "2026-03-07")
    assert saturday.message == "Effective date 2026-03-07 is a Saturday, not a business day."
    assert saturday.fix == "Choose a business day, e.g. 2026-03-09."
    christmas = _one_issue(field, "2025-12-25")
    assert "public holiday (Christmas Day)" in christmas.message
    # 26 Dec is a holiday too and then comes a weekend.
    assert christmas.fix == "Choose a business day, e.g. 2025-12-29."
    good_friday = _one_issue(field, "2026-04-03")
    assert "Good Friday" in good_friday.message
    # Without the rule, any day is a date.
    assert validate_field(_field(FieldType.DATE), "2026-03-07") == []


def test_past_and_future_dates_are_checked_against_today() -> None:
    no_past = _field(FieldType.DATE, allow_past=False)
    issue = _one_issue(no_past, "2026-03-04", THURSDAY)
    assert "is in the past" in issue.message
    assert issue.fix == "Choose today (2026-03-05) or a later date."
    assert validate_field(no_past, "2026-03-05", THURSDAY) == []
    no_future = _field(FieldType.DATE, allow_future=False)
    issue = _one_issue(no_future, "2026-03-06", THURSDAY)
    assert "is in the future" in issue.message
    assert "or an earlier date" in (issue.fix or "")
    # Saving a draft does not depend on the day: without today there is no such check.
    assert validate_field(no_past, "2001-01-01") == []


# --- tables ---------------------------------------------------------------------------

SIGNATORIES = get_eservice("AS01").field("signatories")


def _signatory(
    name: str = "Chan Tai Man", email: str = "chan@harbour.example"
) -> dict[str, object]:
    return {"name": name, "title": "Director", "email": email, "phone": "23456789"}


def test_a_table_with_no_rows() -> None:
    for value in ([], None, [{"name": "", "title": " ", "email": None, "phone": ""}]):
        issue = _one_issue(SIGNATORIES, value)
        assert issue.field == "signatories"
        assert issue.message == "Signatories needs at least 1 row; it has 0."
        assert issue.fix == "Add a row with the name, title, e-mail, phone."


def test_a_table_row_is_stored_cleanly_and_blank_rows_are_dropped() -> None:
    blank = {"name": "", "title": "", "email": "", "phone": ""}
    stored = _stored(SIGNATORIES, [_signatory(), blank])
    assert stored == [
        {
            "name": "Chan Tai Man",
            "title": "Director",
            "email": "chan@harbour.example",
            "phone": "+852 2345 6789",
        }
    ]


def test_table_cells_are_named_by_row_and_column() -> None:
    rows = [
        _signatory(),
        {"name": "", "title": "", "email": "", "phone": ""},
        {"name": "Wong Siu Ming", "title": "CFO", "email": "wong@", "phone": "1"},
    ]
    issues = _issues_by_field(validate_field(SIGNATORIES, rows))
    assert set(issues) == {"signatories[2].email", "signatories[2].phone"}
    assert issues["signatories[2].email"].message.startswith("Row 3: E-mail 'wong@' is not")
    assert issues["signatories[2].phone"].fix is not None


def test_table_shape_errors() -> None:
    not_a_list = _one_issue(SIGNATORIES, "Chan Tai Man")
    assert "must be a list of rows" in not_a_list.message
    issues = validate_field(SIGNATORIES, ["Chan", {**_signatory(), "hkid": "A1234567"}])
    by_field = _issues_by_field(issues)
    assert "is not a row of cells" in by_field["signatories[0]"].message
    assert "has no column 'hkid'" in by_field["signatories[1].hkid"].message
    assert all(issue.fix for issue in issues)


def test_a_unique_column_refuses_a_repeat() -> None:
    rows = [_signatory(), _signatory("Wong Siu Ming", "CHAN@harbour.example")]
    issue = _one_issue(SIGNATORIES, rows)
    assert issue.field == "signatories[1].email"
    assert "already in row 1" in issue.message


def test_a_table_has_a_row_limit() -> None:
    rows = [_signatory(email=f"p{n}@harbour.example") for n in range(21)]
    issue = _one_issue(SIGNATORIES, rows)
    assert issue.message == "Signatories has 21 rows; the limit is 20."


# --- robustness: no value, however odd, breaks a check or lacks a fix ---------------------

_json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)
)
_json_values = st.one_of(
    _json_scalars,
    st.lists(st.dictionaries(st.text(max_size=8), _json_scalars, max_size=5), max_size=4),
    st.lists(_json_scalars, max_size=3),
)
_every_field = [form_field for eservice in ALL for form_field in eservice.fields]


@settings(max_examples=300)
@given(st.sampled_from(_every_field), _json_values)
def test_any_json_value_gets_a_clean_value_or_issues_with_fixes(
    field: FormField, value: object
) -> None:
    stored, issues = clean_field(field, value, THURSDAY)
    for issue in issues:
        assert issue.field == field.name or issue.field.startswith(f"{field.name}[")
        assert issue.message and issue.fix
    if not issues and stored is not None:
        assert clean_field(field, stored, THURSDAY) == (stored, [])


# --- the catalogue --------------------------------------------------------------------


def test_the_catalogue_models_the_real_eservices() -> None:
    assert len(CATALOGUE) >= 8
    assert {"CT027", "DA3"} <= set(CATALOGUE)
    names = " ".join(e.name for e in ALL)
    for words in (
        "Order Consideration Limit",
        "Delegated Administrator",
        "Exemption of Buy-in",
        "Early Buy-in",
        "Buy-in Request for isolated trades",
        "Withdrawal of buy-in",
        "Dividend/Bonus Claim",
        "Cross-border Transfer",
        "throttle",
        "Smartcard",
        "authorised signatories",
    ):
        assert words in names
    for code, eservice in CATALOGUE.items():
        assert code == eservice.code
        assert eservice.make_right.startswith("EU_") and eservice.check_right.startswith("EU_")
        assert eservice.final_status in (Status.APPROVED, Status.COMPLETED)
        assert eservice.fields and eservice.description and eservice.category
        assert eservice.stages[:2] == ("maker", "checker")
        assert ("exchange" in eservice.stages) == eservice.has_exchange_stage


def test_every_field_type_is_used_somewhere() -> None:
    used = {f.type for f in _every_field}
    used |= {c.type for f in _every_field for c in f.columns or ()}
    assert used == set(FieldType)


def test_the_definitions_convert_to_the_wire_contract() -> None:
    """The API's models take the same attribute names, so conversion is mechanical
    (but for what the wire derives: the choices' labels and the hint as a sentence)."""
    wire_names = set(FieldDefinition.model_fields) - {"choice_labels", "hint"}

    def convert(form_field: FormField) -> FieldDefinition:
        data = {name: getattr(form_field, name) for name in wire_names}
        data["choices"] = list(form_field.choices) if form_field.choices else None
        data["columns"] = [convert(c) for c in form_field.columns] if form_field.columns else None
        return FieldDefinition(**data)

    for eservice in ALL:
        definition = EServiceDefinition(
            code=eservice.code,
            name=eservice.name,
            description=eservice.description,
            category=eservice.category,
            business_day_only=eservice.business_day_only,
            fields=[convert(f) for f in eservice.fields],
            final_status=eservice.final_status,
            stages=list(eservice.stages),
            has_exchange_stage=eservice.has_exchange_stage,
        )
        assert [f.name for f in definition.fields] == list(eservice.field_names)


def test_get_eservice_by_code_in_any_case() -> None:
    assert get_eservice("ct027") is CATALOGUE["CT027"]
    assert get_eservice(" da3 ") is CATALOGUE["DA3"]
    with pytest.raises(UnknownEService) as caught:
        get_eservice("CT028")
    assert "There is no eService 'CT028'" in str(caught.value)
    assert caught.value.fix
    assert isinstance(caught.value, KeyError)


def test_a_malformed_definition_is_refused() -> None:
    with pytest.raises(ValueError):
        FormField("x", "X", FieldType.CHOICE)
    with pytest.raises(ValueError):
        FormField("x", "X", FieldType.TABLE)
    with pytest.raises(ValueError):
        FormField("x", "X", FieldType.TEXT, pattern=r"\d+")
    with pytest.raises(ValueError):
        FormField("x", "X", FieldType.TEXT, pattern=r"\d+", example="a")
    with pytest.raises(ValueError):
        EService("X1", "X", "x", "x", "EU_X", "EU_XApproval", (_field(FieldType.TEXT),) * 2)
    with pytest.raises(ValueError):
        EService("X1", "X", "x", "x", "EU_X", "EU_XApproval", (), final_status=Status.REJECTED)


# --- each eService's example is valid, whatever the day --------------------------------


@pytest.mark.parametrize("eservice", ALL, ids=lambda e: e.code)
def test_each_example_passes_validation(eservice: EService) -> None:
    values = example_values(eservice, PROFILE, THURSDAY)
    assert validate_form(eservice, values, THURSDAY) == []
    assert set(values) == set(eservice.field_names)
    assert normalise_values(eservice, values) == values
    title = request_title(eservice, values)
    assert title and title != eservice.name and len(title) <= 120


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL), st.dates(date(2024, 1, 1), date(2028, 12, 31)))
def test_examples_are_valid_on_any_day(eservice: EService, today: date) -> None:
    values = example_values(eservice, PROFILE, today)
    assert validate_form(eservice, values, today) == []


def test_an_empty_form_lists_every_required_field() -> None:
    eservice = get_eservice("CT027")
    issues = validate_form(eservice, {}, THURSDAY)
    required = [f.name for f in eservice.fields if f.required]
    assert [issue.field for issue in issues] == required
    assert all(issue.fix for issue in issues)


def test_validate_form_reports_unknown_fields_and_everything_else_at_once() -> None:
    eservice = get_eservice("CT027")
    values = _form(eservice, new_limit="lots", contact_email="x", colour="blue")
    issues = _issues_by_field(validate_form(eservice, values, THURSDAY))
    assert set(issues) == {"new_limit", "contact_email", "colour"}
    assert issues["colour"].message == "The form CT027 has no field 'colour'."
    assert "participant_id" in (issues["colour"].fix or "")


# --- CT027: three working days, by the business calendar -------------------------------

CT027 = get_eservice("CT027")


def _effective_date_issues(today: date, effective: str) -> list[FieldIssue]:
    values = _form(CT027, today, effective_date=effective)
    return [i for i in validate_form(CT027, values, today) if i.field == "effective_date"]


@pytest.mark.parametrize(
    ("today", "too_soon", "earliest"),
    [
        # Thursday: Friday, (weekend), Monday, Tuesday.
        (date(2026, 3, 5), "2026-03-09", "2026-03-10"),
        # Tuesday before Christmas: 24th, (25th, 26th, weekend), 29th, 30th.
        (date(2025, 12, 23), "2025-12-29", "2025-12-30"),
        # Friday before Chinese New Year (17-19 Feb 2026): 16th, 20th, 23rd.
        (date(2026, 2, 13), "2026-02-20", "2026-02-23"),
        # Made on a Saturday: Monday, Tuesday, Wednesday.
        (date(2026, 3, 7), "2026-03-10", "2026-03-11"),
        # Easter 2026: Good Friday 3 Apr, the day after, Easter Monday, Tomb-Sweeping (obs.).
        (date(2026, 4, 2), "2026-04-09", "2026-04-10"),
    ],
)
def test_ct027_effective_date_is_three_working_days_ahead(
    today: date, too_soon: str, earliest: str
) -> None:
    assert working_days_between(today, date.fromisoformat(earliest)) == 3
    assert is_business_day(date.fromisoformat(too_soon))
    [issue] = _effective_date_issues(today, too_soon)
    assert issue.message == (
        f"Effective date {too_soon} is less than three working days after today "
        f"({today.isoformat()})."
    )
    assert issue.fix == f"Choose {earliest} or a later business day."
    assert _effective_date_issues(today, earliest) == []


def test_ct027_an_effective_date_on_a_holiday_gets_one_issue_not_two() -> None:
    [issue] = _effective_date_issues(date(2025, 12, 23), "2025-12-26")
    assert "public holiday" in issue.message


def test_ct027_an_effective_date_in_the_past() -> None:
    [issue] = _effective_date_issues(THURSDAY, "2026-03-02")
    assert "is in the past" in issue.message


@pytest.mark.parametrize(
    ("setting", "current", "new", "field", "in_message"),
    [
        ("Increase", None, "8,000,000", "current_limit", "required to increase"),
        ("Decrease", "", "1,000,000", "current_limit", "required to decrease"),
        ("Increase", "8,000,000", "8,000,000", "new_limit", "is not above"),
        ("Decrease", "5,000,000", "6,000,000", "new_limit", "is not below"),
    ],
)
def test_ct027_an_increase_goes_up_and_a_decrease_down(
    setting: str, current: str | None, new: str, field: str, in_message: str
) -> None:
    values = _form(CT027, setting_type=setting, current_limit=current, new_limit=new)
    [issue] = validate_form(CT027, values, THURSDAY)
    assert issue.field == field
    assert in_message in issue.message and issue.fix


def test_ct027_a_new_limit_needs_no_current_one() -> None:
    values = _form(CT027, setting_type="New limit", current_limit=None, new_limit="5,000,000")
    assert validate_form(CT027, values, THURSDAY) == []


# --- the other eServices' rules ----------------------------------------------------------


def test_buy_in_exemption_other_reason_needs_details() -> None:
    eservice = get_eservice("BI01")
    values = _form(eservice, reason="Other", reason_detail="")
    [issue] = validate_form(eservice, values, THURSDAY)
    assert issue.field == "reason_detail" and "required when the reason is Other" in issue.message


def test_early_buy_in_is_after_the_trade_and_by_settlement() -> None:
    eservice = get_eservice("BI02")
    # Trade on Wednesday 4 March; settlement (T+2) is Friday 6 March.
    late = _form(eservice, trade_date="2026-03-04", buy_in_date="2026-03-09")
    [issue] = validate_form(eservice, late, THURSDAY)
    assert issue.field == "buy_in_date" and "would not be early" in issue.message
    same_day = _form(eservice, trade_date="2026-03-05", buy_in_date="2026-03-05")
    [issue] = validate_form(eservice, same_day, THURSDAY)
    assert "is not after the trade date" in issue.message
    good = _form(eservice, trade_date="2026-03-04", buy_in_date="2026-03-06")
    assert validate_form(eservice, good, THURSDAY) == []


def test_isolated_trades_are_against_another_firm() -> None:
    eservice = get_eservice("BI03")
    trade = example_values(eservice, PROFILE, THURSDAY)["trades"][0]  # type: ignore[index]
    blank = dict.fromkeys(trade, "")
    own = {**trade, "trade_ref": "TRD000999", "counterparty": "b01234"}
    values = _form(eservice, trades=[trade, blank, own])
    [issue] = validate_form(eservice, values, THURSDAY)
    # The row as the person sees it: the third, with a blank one between.
    assert issue.field == "trades[2].counterparty"
    assert "your own participant ID" in issue.message


def test_dividend_claim_asks_for_what_it_claims() -> None:
    eservice = get_eservice("CA01")
    cash = _form(eservice, claim_type="Cash dividend", claim_amount=None)
    assert [i.field for i in validate_form(eservice, cash, THURSDAY)] == ["claim_amount"]
    bonus = _form(eservice, claim_type="Bonus shares", bonus_shares="")
    assert [i.field for i in validate_form(eservice, bonus, THURSDAY)] == ["bonus_shares"]
    own = _form(eservice, counterparty="B01234")
    [issue] = validate_form(eservice, own, THURSDAY)
    assert issue.field == "counterparty" and "your own" in issue.message


def test_cross_border_transfer_code_matches_the_market() -> None:
    eservice = get_eservice("CB01")
    wrong = _form(eservice, direction="To ChinaClear (Shenzhen)", security_code="600519")
    [issue] = validate_form(eservice, wrong, THURSDAY)
    assert issue.field == "security_code" and "Shenzhen" in issue.message
    right = _form(eservice, direction="From ChinaClear (Shenzhen)", security_code="000001")
    assert validate_form(eservice, right, THURSDAY) == []


def test_smartcard_names_the_card_except_for_a_new_one() -> None:
    eservice = get_eservice("SC01")
    values = _form(eservice, request_type="PIN reset", card_number="")
    [issue] = validate_form(eservice, values, THURSDAY)
    assert issue.field == "card_number" and "pin reset" in issue.message
    assert validate_form(eservice, {**values, "card_number": "1234567890"}, THURSDAY) == []


def test_throttles_are_two_messages_a_second() -> None:
    eservice = get_eservice("TH01")
    assert messages_per_second(5) == 10
    assert "One throttle = 2 messages a second" in eservice.field("throttles").help
    values = _form(eservice, throttles="7")
    assert "+7 (14 msg/s)" in request_title(eservice, values)
    [issue] = validate_form(eservice, {**values, "throttles": 51}, THURSDAY)
    assert issue.message == "Additional throttles must be at most 50."


def test_signatories_need_at_least_one_row() -> None:
    eservice = get_eservice("AS01")
    [issue] = validate_form(eservice, _form(eservice, signatories=[]), THURSDAY)
    assert issue.field == "signatories" and "at least 1 row" in issue.message


# --- normalising, auto-fill, titles --------------------------------------------------


def test_normalise_values_stores_canonical_values_and_keeps_what_is_not_valid_yet() -> None:
    values = {
        "participant_id": " b01234 ",
        "new_limit": "5,000,000",
        "current_limit": "",
        "effective_date": "next week",
        "contact_phone": "2345 6789",
        "remarks": "  please hurry  ",
        "colour": "blue",
    }
    assert normalise_values(CT027, values) == {
        "participant_id": "B01234",
        "current_limit": None,
        "new_limit": "5000000.00",
        "effective_date": "next week",
        "contact_phone": "+852 2345 6789",
        "remarks": "please hurry",
    }


def test_normalise_values_keeps_a_half_typed_table() -> None:
    eservice = get_eservice("AS01")
    rows = [{"name": " Chan ", "email": "chan@", "phone": "23456789"}]
    assert normalise_values(eservice, {"signatories": rows}) == {
        "signatories": [{"name": "Chan", "email": "chan@", "phone": "+852 2345 6789"}]
    }


def test_autofill_takes_the_membership_profile() -> None:
    assert autofill(CT027, PROFILE) == {
        "participant_id": "B01234",
        "firm_name": "Harbour Securities Limited",
        "contact_name": "Chan Tai Man",
        "contact_email": "ops@harbour.example",
        "contact_phone": "+852 2345 6789",
    }
    smartcard = autofill(get_eservice("SC01"), PROFILE)
    assert smartcard["delivery_address"] == PROFILE.address
    for eservice in ALL:
        filled = autofill(eservice, PROFILE)
        assert filled["participant_id"] == PROFILE.participant_id
        assert all(validate_field(eservice.field(name), v) == [] for name, v in filled.items())


def test_profile_keys_are_the_profile() -> None:
    assert {k.value for k in ProfileKey} == {f.name for f in dataclass_fields(MembershipProfile)}


def test_request_titles_read_well_and_survive_a_half_filled_draft() -> None:
    full = _form(CT027, new_limit="5,000,000", effective_date="2026-03-10")
    assert request_title(CT027, full) == "OCL B01234 HKD 5,000,000 from 2026-03-10"
    assert request_title(CT027, {"participant_id": "B01234"}) == "OCL B01234"
    assert request_title(CT027, {"participant_id": "B01234", "new_limit": "lots"}) == "OCL B01234"
    assert request_title(CT027, {}) == CT027.name
    signatories = get_eservice("AS01")
    rows = [_signatory(f"Person {n}", f"p{n}@harbour.example") for n in range(3)]
    assert (
        request_title(signatories, {"change_type": "Add", "signatories": rows})
        == "Signatories Add Person 0, Person 1 and 1 more"
    )
    assert request_title(signatories, {}) == signatories.name
    long_names = [_signatory("x" * 80, "a@harbour.example"), _signatory("y" * 80)]
    long = request_title(signatories, {"change_type": "Add", "signatories": long_names})
    assert len(long) == 120 and long.endswith("…")


def test_format_value_for_display() -> None:
    money = CT027.field("new_limit")
    assert format_value(money, "5000000.00") == "5,000,000.00"
    assert format_value(money, None) == ""
    assert format_value(money, "lots") == "lots"
    assert format_value(SIGNATORIES, [_signatory(), _signatory()]) == "2 rows"
    assert format_value(CT027.field("effective_date"), "2026-03-10") == "2026-03-10"


# --- search --------------------------------------------------------------------------


def _codes(found: list[EService]) -> list[str]:
    return [e.code for e in found]


def test_an_empty_search_lists_every_eservice_in_catalogue_order() -> None:
    assert _codes(search_eservices("")) == list(CATALOGUE)
    assert _codes(search_eservices("   ")) == list(CATALOGUE)


def test_search_by_code_name_keyword_and_description() -> None:
    assert _codes(search_eservices("ct027")) == ["CT027"]
    assert _codes(search_eservices("DA3")) == ["DA3"]
    assert set(_codes(search_eservices("buy-in"))) == {"BI01", "BI02", "BI03", "BI04"}
    assert _codes(search_eservices("Buy-in isolated")) == ["BI03", "BI04"]
    assert _codes(search_eservices("LIMIT order")) == ["CT027"]
    assert _codes(search_eservices("ocl")) == ["CT027"]
    assert _codes(search_eservices("chinaclear")) == ["CB01"]
    assert search_eservices("buy-in dividend") == []
    assert search_eservices("nothing-like-this") == []


def test_search_ranks_code_then_name_then_keywords_then_description() -> None:
    # CCASS is in DA3's name, SC01's keywords and CB01's description.
    found = _codes(search_eservices("ccass"))
    assert found.index("DA3") < found.index("SC01") < found.index("CB01")
    # An exact code comes first even when other eServices mention it.
    assert _codes(search_eservices("bi01"))[0] == "BI01"


def test_search_shows_only_what_the_rights_allow() -> None:
    rights = {"EU_OrderConsiderationLimit", "EU_IsolatedTradeBuyIn"}
    assert _codes(search_eservices("", rights)) == ["CT027", "BI03", "BI04"]
    assert _codes(search_eservices("buy-in", rights)) == ["BI03", "BI04"]
    assert search_eservices("", set()) == []
    # A checker's right alone does not let one make the form.
    assert search_eservices("", {"EU_OrderConsiderationLimitApproval"}) == []


def test_examples_use_dates_around_today() -> None:
    values = example_values(CT027, PROFILE, THURSDAY)
    effective = date.fromisoformat(str(values["effective_date"]))
    assert effective - THURSDAY < timedelta(days=14)


# -- unsafe text and numbers that are not finite (issue 10 point 2) ----------------------


def test_a_field_refuses_unsafe_text_in_the_words_of_domain_text() -> None:
    from cc_tui.domain.forms import FieldType, FormField, unsafe_issue, validate_field
    from cc_tui.domain.text import problem
    from tests.hostile_corpus import SAFE_BUT_ODD, UNSAFE

    field = FormField("remarks", "Remarks", FieldType.TEXT, required=False, max_length=20_000)
    for item in UNSAFE:
        issues = validate_field(field, item.value)
        assert len(issues) == 1, item.name
        assert issues[0].message.startswith("Remarks holds"), item.name
        sentence = problem(item.value, multiline=False)
        assert sentence is not None and issues[0].message.endswith(sentence[len("This") :])
        assert unsafe_issue(field, item.value, "remarks", "Remarks") == issues[0]
    for item in SAFE_BUT_ODD:
        assert validate_field(field, item.value) == [], item.name


def test_line_breaks_pass_only_in_a_multi_line_field() -> None:
    from cc_tui.domain.forms import FieldType, FormField, validate_field

    one_line = FormField("name", "Name", FieldType.TEXT)
    multi = FormField("notes", "Notes", FieldType.TEXT, multiline=True)
    assert validate_field(one_line, "a\nb")
    assert validate_field(multi, "a\r\nb\tc") == []
    assert validate_field(multi, "a\x1b[2Jb")


def test_numbers_that_are_not_finite_are_refused_even_unsaved() -> None:
    from cc_tui.domain.forms import FieldType, FormField, unencodable_issues, validate_field

    amount = FormField("amount", "Amount", FieldType.MONEY)
    for number in (float("nan"), float("inf"), float("-inf")):
        assert validate_field(amount, number)
    issues = unencodable_issues({"amount": float("nan"), "rows": [{"name": "a\ud800"}]})
    assert [i.field for i in issues] == ["amount", "rows[0].name"]
