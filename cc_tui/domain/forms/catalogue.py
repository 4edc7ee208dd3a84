"""The eServices, each defined once: the server validates, the API describes and the TUI
draws its forms from these definitions. Adding an eService touches this file and its test.

CT027 and DA3 are the exchange's own codes. The exchange's codes for the others are not
in our sources, so the codes marked "invented" are ours (two letters, two digits), as are
the right names (`EU_` plus the business function, `...Approval` for the checker's right)
and the exact fields, which follow what the real paper forms ask for.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from cc_tui.domain.calendar import add_working_days, previous_business_day
from cc_tui.domain.forms.fields import FieldIssue, FieldType, FormField, ProfileKey
from cc_tui.domain.forms.model import EService, FormRule, FormValues, MembershipProfile
from cc_tui.domain.i18n import _, e_
from cc_tui.domain.naming import REF_EXAMPLE, REF_PATTERN
from cc_tui.domain.workflow import Status

MESSAGES_PER_THROTTLE = 2
OCL_NOTICE_WORKING_DAYS = 3


class UnknownEService(KeyError):
    """No eService has this code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = _("There is no eService {code}.").format(code=repr(code))
        self.fix = _("Search the catalogue by keyword, or check the code (e.g. CT027).")

    def __str__(self) -> str:
        return f"{self.message} {self.fix}"


# Fields most forms share ------------------------------------------------------------


def _participant_id() -> FormField:
    return FormField(
        "participant_id",
        "Participant ID",
        FieldType.PARTICIPANT_ID,
        help="The membership this request is for.",
        autofill=ProfileKey.PARTICIPANT_ID,
    )


def _firm_name() -> FormField:
    return FormField(
        "firm_name",
        "Participant name",
        FieldType.TEXT,
        max_length=120,
        help="The firm's registered name.",
        autofill=ProfileKey.FIRM_NAME,
    )


def _contact() -> tuple[FormField, ...]:
    return (
        FormField(
            "contact_name",
            "Contact person",
            FieldType.TEXT,
            max_length=80,
            help="Whom the exchange calls about this request.",
            autofill=ProfileKey.CONTACT_NAME,
        ),
        FormField(
            "contact_email",
            "Contact e-mail",
            FieldType.EMAIL,
            autofill=ProfileKey.CONTACT_EMAIL,
        ),
        FormField(
            "contact_phone",
            "Contact phone",
            FieldType.PHONE,
            autofill=ProfileKey.CONTACT_PHONE,
        ),
    )


def _remarks(required: bool = False, label: str = "Remarks", name: str = "remarks") -> FormField:
    return FormField(name, label, FieldType.TEXT, required=required, max_length=500)


def _stock_code(example: str = "00700") -> FormField:
    return FormField(
        "stock_code",
        "Stock code",
        FieldType.TEXT,
        pattern=r"\d{5}",
        example=example,
        hint=f"Enter the 5-digit stock code, with leading zeros, e.g. {example}.",
    )


def _quantity(label: str = "Quantity (shares)", name: str = "quantity") -> FormField:
    return FormField(name, label, FieldType.NUMBER, min=1, max=10**12, example="10,000")


def _trade_date(name: str = "trade_date", label: str = "Trade date") -> FormField:
    return FormField(
        name,
        label,
        FieldType.DATE,
        business_day=True,
        allow_future=False,
        help="A business day, today or earlier.",
    )


def _future_business_date(name: str, label: str, help: str = "") -> FormField:
    return FormField(name, label, FieldType.DATE, business_day=True, allow_past=False, help=help)


def _person_columns() -> tuple[FormField, ...]:
    return (
        FormField("name", "Name", FieldType.TEXT, max_length=80, example="Chan Tai Man"),
        FormField("title", "Title", FieldType.TEXT, max_length=80, example="Director"),
        FormField("email", "E-mail", FieldType.EMAIL, unique=True),
        FormField("phone", "Phone", FieldType.PHONE),
    )


# Titles and rules -----------------------------------------------------------------------


def _amount(number: Decimal | None) -> str | None:
    """`HKD 5,000,000` (places only when there are cents)."""
    if number is None:
        return None
    shown = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"HKD {shown}"


def _count(number: Decimal | None, unit: str = "") -> str | None:
    if number is None:
        return None
    return f"{int(number):,}{unit}"


def _join(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def _lower_first(text: str | None) -> str | None:
    return text[:1].lower() + text[1:] if text else None


def _names(values: FormValues, table: str) -> str | None:
    names = [str(row.get("name") or "") for row in values.rows(table)]
    names = [name for name in names if name]
    if not names:
        return None
    shown = ", ".join(names[:2])
    return shown + (f" and {len(names) - 2} more" if len(names) > 2 else "")


def _not_own_firm(values: FormValues, name: str, label: str) -> Iterator[FieldIssue]:
    """`name` (a participant ID field) must name another firm than the request's own."""
    own = values.text("participant_id")
    if own is not None and values.text(name) == own:
        yield FieldIssue(
            name,
            _("{label} {own} is your own participant ID.").format(label=e_(label), own=own),
            _("Enter the other firm's participant ID, not {own}.").format(own=own),
        )


# CT027 Order Consideration Limit setting -------------------------------------------


def _ocl_notice(values: FormValues, today: date) -> Iterator[FieldIssue]:
    effective = values.date("effective_date")
    earliest = add_working_days(today, OCL_NOTICE_WORKING_DAYS)
    if effective is not None and effective < earliest:
        yield FieldIssue(
            "effective_date",
            _("Effective date {day} is less than three working days after today ({today}).").format(
                day=effective.isoformat(), today=today.isoformat()
            ),
            _("Choose {day} or a later business day.").format(day=earliest.isoformat()),
        )


def _ocl_direction(values: FormValues, today: date) -> Iterator[FieldIssue]:
    setting = values.text("setting_type")
    current = values.number("current_limit")
    new = values.number("new_limit")
    if setting not in ("Increase", "Decrease") or new is None:
        return
    if current is None:
        yield FieldIssue(
            "current_limit",
            _("Current limit is required to increase a limit.")
            if setting == "Increase"
            else _("Current limit is required to decrease a limit."),
            _("Enter the limit in force now, e.g. 5,000,000, or choose {choice}.").format(
                choice=e_("New limit")
            ),
        )
    elif setting == "Increase" and new <= current:
        yield FieldIssue(
            "new_limit",
            _("New limit {new} is not above the current limit {current}.").format(
                new=_amount(new), current=_amount(current)
            ),
            _("Enter a limit above {current}, or choose {choice}.").format(
                current=_amount(current), choice=e_("Decrease")
            ),
        )
    elif setting == "Decrease" and new >= current:
        yield FieldIssue(
            "new_limit",
            _("New limit {new} is not below the current limit {current}.").format(
                new=_amount(new), current=_amount(current)
            ),
            _("Enter a limit below {current}, or choose {choice}.").format(
                current=_amount(current), choice=e_("Increase")
            ),
        )


def _effective(values: FormValues) -> str | None:
    day = values.date("effective_date")
    return f"from {day.isoformat()}" if day else None


def _ocl_example(today: date, profile: MembershipProfile) -> Mapping[str, object]:
    return {
        "setting_type": "Increase",
        "current_limit": "5,000,000",
        "new_limit": "8,000,000",
        "effective_date": add_working_days(today, OCL_NOTICE_WORKING_DAYS).isoformat(),
    }


ORDER_CONSIDERATION_LIMIT = EService(
    code="CT027",
    name="Order Consideration Limit setting",
    description=(
        "Set or change the maximum consideration of a single order your firm may enter "
        "in the securities market, effective at least three working days after submission."
    ),
    category="Trading",
    keywords=("ocl", "order", "limit", "consideration", "pre-trade", "risk", "otp-c"),
    make_right="EU_OrderConsiderationLimit",
    check_right="EU_OrderConsiderationLimitApproval",
    has_exchange_stage=True,
    final_status=Status.APPROVED,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "setting_type",
            "Setting",
            FieldType.CHOICE,
            choices=("New limit", "Increase", "Decrease"),
        ),
        FormField(
            "current_limit",
            "Current limit (HKD)",
            FieldType.MONEY,
            required=False,
            min=0,
            max=10**11,
            example="5,000,000",
            help="The limit in force now; leave blank for a new limit.",
        ),
        FormField(
            "new_limit",
            "New limit (HKD)",
            FieldType.MONEY,
            min=100_000,
            max=10**11,
            example="5,000,000",
            help="The largest consideration of one order, in HKD.",
        ),
        _future_business_date(
            "effective_date",
            "Effective date",
            help="A business day at least three working days after today.",
        ),
        *_contact(),
        _remarks(),
    ),
    title_of=lambda v: _join(
        "OCL", v.text("participant_id"), _amount(v.number("new_limit")), _effective(v)
    ),
    rules=(
        FormRule(
            "The effective date is at least three working days after submission.",
            ("effective_date",),
            _ocl_notice,
        ),
        FormRule(
            "An increase is above, and a decrease below, the current limit.",
            ("setting_type", "current_limit", "new_limit"),
            _ocl_direction,
        ),
    ),
    example_overrides=_ocl_example,
)


# DA3 CCASS/CCMS Delegated Administrator application/maintenance --------------------


DELEGATED_ADMINISTRATOR = EService(
    code="DA3",
    name="CCASS/CCMS Delegated Administrator application/maintenance",
    description=(
        "Appoint, change or remove the delegated administrators who maintain your firm's "
        "CCASS and CCMS users."
    ),
    category="Access and administration",
    keywords=("da", "delegated", "administrator", "ccass", "ccms", "admin", "users"),
    make_right="EU_DelegatedAdmin",
    check_right="EU_DelegatedAdminApproval",
    has_exchange_stage=True,
    final_status=Status.COMPLETED,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "system", "System", FieldType.CHOICE, choices=("CCASS", "CCMS", "CCASS and CCMS")
        ),
        FormField(
            "action",
            "Action",
            FieldType.CHOICE,
            choices=("Appoint", "Change details", "Remove"),
        ),
        FormField(
            "administrators",
            "Delegated administrators",
            FieldType.TABLE,
            columns=_person_columns(),
            min_rows=1,
            max_rows=4,
            help="One row a person; at most four.",
        ),
        _future_business_date("effective_date", "Effective date"),
        *_contact(),
        _remarks(),
    ),
    title_of=lambda v: _join(
        v.text("action"),
        v.text("system"),
        "DA:" if "administrators" in v else None,
        _names(v, "administrators"),
    ),
)


# Buy-in (the codes are invented) ------------------------------------------------------


def _exemption_detail(values: FormValues, today: date) -> Iterator[FieldIssue]:
    if values.text("reason") == "Other" and values.text("reason_detail") is None:
        yield FieldIssue(
            "reason_detail",
            _("Details are required when the reason is {choice}.").format(choice=e_("Other")),
            _("Say why the buy-in should not happen, in a sentence or two."),
        )


BUY_IN_EXEMPTION = EService(
    code="BI01",  # invented
    name="Exemption of Buy-in",
    description=("Ask for a failed delivery to be exempted from the buy-in, with the reason."),
    category="Clearing and settlement",
    keywords=("buy-in", "buyin", "exemption", "failed delivery", "short"),
    make_right="EU_BuyInExemption",
    check_right="EU_BuyInExemptionApproval",
    has_exchange_stage=True,
    final_status=Status.APPROVED,
    business_day_only=True,
    fields=(
        _participant_id(),
        _firm_name(),
        _stock_code(),
        _quantity(),
        _trade_date(),
        FormField(
            "reason",
            "Reason",
            FieldType.CHOICE,
            choices=(
                "Shares in transit",
                "Corporate action",
                "Stock borrowing arranged",
                "Other",
            ),
        ),
        _remarks(label="Details", name="reason_detail"),
        *_contact(),
    ),
    title_of=lambda v: _join(
        "Buy-in exemption", v.text("stock_code"), _count(v.number("quantity"), " shares")
    ),
    rules=(
        FormRule("The reason Other needs details.", ("reason", "reason_detail"), _exemption_detail),
    ),
)


def _early_buy_in_window(values: FormValues, today: date) -> Iterator[FieldIssue]:
    trade = values.date("trade_date")
    requested = values.date("buy_in_date")
    if trade is None or requested is None:
        return
    settlement = add_working_days(trade, 2)
    if requested <= trade:
        yield FieldIssue(
            "buy_in_date",
            _("Buy-in date {day} is not after the trade date {trade}.").format(
                day=requested.isoformat(), trade=trade.isoformat()
            ),
            _("Choose a business day after {trade}, up to {settlement}.").format(
                trade=trade.isoformat(), settlement=settlement.isoformat()
            ),
        )
    elif requested > settlement:
        yield FieldIssue(
            "buy_in_date",
            _(
                "Buy-in date {day} is after the settlement day {settlement}, so the buy-in "
                "would not be early."
            ).format(day=requested.isoformat(), settlement=settlement.isoformat()),
            _("Choose {settlement} or earlier, or let the regular buy-in run.").format(
                settlement=settlement.isoformat()
            ),
        )


def _early_buy_in_example(today: date, profile: MembershipProfile) -> Mapping[str, object]:
    trade = previous_business_day(today)
    return {
        "trade_date": trade.isoformat(),
        "buy_in_date": add_working_days(trade, 2).isoformat(),
    }


EARLY_BUY_IN = EService(
    code="BI02",  # invented
    name="Early Buy-in Request",
    description=("Ask the clearing house to buy in shares owed to you before the settlement day."),
    category="Clearing and settlement",
    keywords=("buy-in", "buyin", "early", "failed delivery"),
    make_right="EU_EarlyBuyIn",
    check_right="EU_EarlyBuyInApproval",
    has_exchange_stage=True,
    final_status=Status.COMPLETED,
    business_day_only=True,
    fields=(
        _participant_id(),
        _firm_name(),
        _stock_code(),
        _quantity(),
        _trade_date(),
        _future_business_date(
            "buy_in_date",
            "Requested buy-in date",
            help="A business day after the trade date, up to the settlement day (T+2).",
        ),
        _remarks(required=True, label="Reason", name="reason"),
        *_contact(),
    ),
    title_of=lambda v: _join(
        "Early buy-in",
        v.text("stock_code"),
        _count(v.number("quantity"), " shares"),
        f"on {v.text('buy_in_date')}" if "buy_in_date" in v else None,
    ),
    rules=(
        FormRule(
            "The buy-in date is after the trade date and no later than the settlement day.",
            ("trade_date", "buy_in_date"),
            _early_buy_in_window,
        ),
    ),
    example_overrides=_early_buy_in_example,
)


def _trades(count: int) -> str | None:
    return f"{count} trade{'' if count == 1 else 's'}" if count else None


def _counterparties_differ(values: FormValues, today: date) -> Iterator[FieldIssue]:
    own = values.text("participant_id")
    for position, row in enumerate(values.rows("trades")):
        if own is not None and row.get("counterparty") == own:
            yield FieldIssue(
                values.cell("trades", position, "counterparty"),
                _("Row {row}: Counterparty {own} is your own participant ID.").format(
                    row=position + 1, own=own
                ),
                _("Enter the participant ID of the firm that failed to deliver."),
            )


ISOLATED_TRADE_BUY_IN = EService(
    code="BI03",  # invented
    name="Buy-in Request for isolated trades",
    description=(
        "Ask for a buy-in against isolated trades that failed to settle, one row a trade."
    ),
    category="Clearing and settlement",
    keywords=("buy-in", "buyin", "isolated", "trades", "failed delivery"),
    make_right="EU_IsolatedTradeBuyIn",
    check_right="EU_IsolatedTradeBuyInApproval",
    has_exchange_stage=True,
    final_status=Status.COMPLETED,
    business_day_only=True,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "trades",
            "Isolated trades",
            FieldType.TABLE,
            min_rows=1,
            max_rows=20,
            help="One row a trade; at most 20.",
            columns=(
                FormField(
                    "trade_ref",
                    "Trade reference",
                    FieldType.TEXT,
                    pattern=r"[A-Z0-9]{6,16}",
                    example="TRD000123",
                    hint="Enter the trade reference: 6 to 16 capital letters or digits, "
                    "e.g. TRD000123.",
                    unique=True,
                ),
                FormField(
                    "counterparty",
                    "Counterparty",
                    FieldType.PARTICIPANT_ID,
                    example="B05678",
                ),
                _stock_code(),
                _quantity(),
                _trade_date(),
            ),
        ),
        *_contact(),
        _remarks(),
    ),
    title_of=lambda v: _join("Isolated-trade buy-in:", _trades(len(v.rows("trades")))),
    rules=(
        FormRule(
            "Each counterparty is another firm.",
            ("participant_id", "trades"),
            _counterparties_differ,
        ),
    ),
)


BUY_IN_WITHDRAWAL = EService(
    code="BI04",  # invented
    name="Withdrawal of buy-in request for isolated trades",
    description=(
        "Withdraw a buy-in request for isolated trades made earlier, e.g. once the shares "
        "have been delivered."
    ),
    category="Clearing and settlement",
    keywords=("buy-in", "buyin", "isolated", "withdraw", "withdrawal", "cancel"),
    make_right="EU_IsolatedTradeBuyIn",
    check_right="EU_IsolatedTradeBuyInApproval",
    # Once the firm's checker approves, the system cancels the buy-in itself.
    has_exchange_stage=False,
    final_status=Status.COMPLETED,
    business_day_only=True,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "original_ref",
            "Buy-in request reference",
            FieldType.TEXT,
            pattern=REF_PATTERN,
            example=REF_EXAMPLE,
            hint=f"Enter the reference of the buy-in request: ECS and 8 digits, e.g. "
            f"{REF_EXAMPLE}.",
            help="The reference number of the buy-in request to withdraw.",
        ),
        _remarks(required=True, label="Reason", name="reason"),
        *_contact(),
    ),
    title_of=lambda v: _join("Withdraw buy-in request", v.text("original_ref")),
)


# Dividend/Bonus Claim (the code is invented) -----------------------------------------


def _claim_amounts(values: FormValues, today: date) -> Iterator[FieldIssue]:
    claim = values.text("claim_type")
    if claim == "Cash dividend" and values.number("claim_amount") is None:
        yield FieldIssue(
            "claim_amount",
            _("Claim amount is required for a cash dividend."),
            _("Enter the dividend owed in HKD, e.g. 12,345.60."),
        )
    if claim in ("Bonus shares", "Scrip dividend") and values.number("bonus_shares") is None:
        yield FieldIssue(
            "bonus_shares",
            _("Bonus shares is required for a claim of bonus shares.")
            if claim == "Bonus shares"
            else _("Bonus shares is required for a claim of scrip dividend."),
            _("Enter the number of shares owed, e.g. 1,000."),
        )


ENTITLEMENT_CLAIM = EService(
    code="CA01",  # invented
    name="Dividend/Bonus Claim",
    description=(
        "Claim a cash dividend, bonus shares or scrip from the firm that held the shares "
        "on the book-close date."
    ),
    category="Corporate actions",
    keywords=("dividend", "bonus", "scrip", "claim", "entitlement", "corporate action"),
    make_right="EU_EntitlementClaim",
    check_right="EU_EntitlementClaimApproval",
    has_exchange_stage=True,
    final_status=Status.COMPLETED,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "claim_type",
            "Claim",
            FieldType.CHOICE,
            choices=("Cash dividend", "Bonus shares", "Scrip dividend"),
        ),
        _stock_code("00005"),
        FormField(
            "book_close_date",
            "Book-close date",
            FieldType.DATE,
            business_day=True,
            allow_future=False,
        ),
        FormField(
            "counterparty",
            "Claim against",
            FieldType.PARTICIPANT_ID,
            example="B05678",
            help="The participant that held the shares on the book-close date.",
        ),
        _quantity("Shares held"),
        FormField(
            "claim_amount",
            "Claim amount (HKD)",
            FieldType.MONEY,
            required=False,
            min=0.01,
            max=10**10,
            example="12,345.60",
            help="For a cash dividend.",
        ),
        FormField(
            "bonus_shares",
            "Bonus shares",
            FieldType.NUMBER,
            required=False,
            min=1,
            max=10**12,
            example="1,000",
            help="For bonus shares or a scrip dividend.",
        ),
        *_contact(),
        _remarks(),
    ),
    title_of=lambda v: _join(
        v.text("claim_type"),
        "claim",
        v.text("stock_code"),
        f"against {v.text('counterparty')}" if "counterparty" in v else None,
        _amount(v.number("claim_amount"))
        if v.text("claim_type") == "Cash dividend"
        else _count(v.number("bonus_shares"), " shares"),
    ),
    rules=(
        FormRule(
            "A cash dividend claims an amount; bonus shares and scrip claim shares.",
            ("claim_type", "claim_amount", "bonus_shares"),
            _claim_amounts,
        ),
        FormRule(
            "The claim is against another firm.",
            ("participant_id", "counterparty"),
            lambda v, _today: _not_own_firm(v, "counterparty", "Claim against"),
        ),
    ),
)


# Cross-border Transfer Instruction, free of payment (the code is invented) ---------------

_SHANGHAI = "ChinaClear (Shanghai)"
_SHENZHEN = "ChinaClear (Shenzhen)"


def _a_share_market(values: FormValues, today: date) -> Iterator[FieldIssue]:
    direction = values.text("direction") or ""
    code = values.text("security_code") or ""
    if _SHANGHAI in direction and not code.startswith("6"):
        yield FieldIssue(
            "security_code",
            _("Security code {code} is not a Shanghai-listed A share.").format(code=code),
            _("Enter a Shanghai code, which starts with 6 (e.g. 600519), or choose Shenzhen."),
        )
    if _SHENZHEN in direction and not code.startswith(("0", "3")):
        yield FieldIssue(
            "security_code",
            _("Security code {code} is not a Shenzhen-listed A share.").format(code=code),
            _("Enter a Shenzhen code, which starts with 0 or 3 (e.g. 000001), or choose Shanghai."),
        )


CROSS_BORDER_TRANSFER = EService(
    code="CB01",  # invented
    name="Cross-border Transfer Instruction (free of payment)",
    description=(
        "Transfer China Connect A shares free of payment between your CCASS account and "
        "a ChinaClear account."
    ),
    category="Clearing and settlement",
    keywords=("cross-border", "transfer", "fop", "free of payment", "chinaclear", "a share"),
    make_right="EU_CrossBorderTransfer",
    check_right="EU_CrossBorderTransferApproval",
    has_exchange_stage=True,
    final_status=Status.COMPLETED,
    business_day_only=True,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "direction",
            "Direction",
            FieldType.CHOICE,
            choices=(
                f"To {_SHANGHAI}",
                f"To {_SHENZHEN}",
                f"From {_SHANGHAI}",
                f"From {_SHENZHEN}",
            ),
        ),
        FormField(
            "security_code",
            "A-share security code",
            FieldType.TEXT,
            pattern=r"\d{6}",
            example="600519",
            hint="Enter the 6-digit A-share code, e.g. 600519.",
        ),
        _quantity(),
        FormField(
            "chinaclear_account",
            "ChinaClear account",
            FieldType.TEXT,
            pattern=r"[A-Z0-9]{6,20}",
            example="B881234567",
            hint="Enter the ChinaClear account: 6 to 20 capital letters or digits, "
            "e.g. B881234567.",
        ),
        _future_business_date("transfer_date", "Transfer date"),
        *_contact(),
        _remarks(),
    ),
    title_of=lambda v: _join(
        "FOP transfer",
        v.text("security_code"),
        _count(v.number("quantity"), " shares"),
        _lower_first(v.text("direction")),
    ),
    rules=(
        FormRule(
            "The security is listed where it is transferred to or from.",
            ("direction", "security_code"),
            _a_share_market,
        ),
    ),
)


# Additional throttle for a trading session (the code is invented) -----------------------


def messages_per_second(throttles: int) -> int:
    """What a number of throttles allows: one throttle is 2 messages a second."""
    return throttles * MESSAGES_PER_THROTTLE


ADDITIONAL_THROTTLE = EService(
    code="TH01",  # invented
    name="Additional throttle for a trading session",
    description=(
        "Ask for more order throughput for one trading session: each throttle adds "
        f"{MESSAGES_PER_THROTTLE} messages a second."
    ),
    category="Trading",
    keywords=("throttle", "throughput", "messages", "session", "otp-c", "ocg"),
    make_right="EU_ThrottleRequest",
    check_right="EU_ThrottleRequestApproval",
    has_exchange_stage=True,
    final_status=Status.APPROVED,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "session_id",
            "OCG session ID",
            FieldType.TEXT,
            pattern=r"\d{4}",
            example="1234",
            hint="Enter the 4-digit OCG session ID, e.g. 1234.",
        ),
        _future_business_date("session_date", "Trading day"),
        FormField(
            "session",
            "Session",
            FieldType.CHOICE,
            choices=("Morning", "Afternoon", "Whole day"),
        ),
        FormField(
            "throttles",
            "Additional throttles",
            FieldType.NUMBER,
            min=1,
            max=50,
            example="5",
            help=(
                f"One throttle = {MESSAGES_PER_THROTTLE} messages a second: 5 throttles "
                f"= {messages_per_second(5)} messages a second; at most 50 "
                f"({messages_per_second(50)} a second)."
            ),
        ),
        _remarks(required=True, label="Reason", name="reason"),
        *_contact(),
    ),
    title_of=lambda v: _join(
        "Throttle",
        f"+{v.number('throttles')} ({messages_per_second(int(v.number('throttles') or 0))} msg/s)"
        if "throttles" in v
        else None,
        v.text("participant_id"),
        v.text("session_date"),
        v.text("session"),
    ),
)


# Smartcard request (the code is invented) ---------------------------------------------


def _existing_card(values: FormValues, today: date) -> Iterator[FieldIssue]:
    request = values.text("request_type")
    if request not in (None, "New card") and values.text("card_number") is None:
        yield FieldIssue(
            "card_number",
            _("Card number is required for a {request}.").format(request=e_(request).lower()),
            _("Enter the 10-digit number printed on the card, e.g. 1234567890."),
        )


SMARTCARD = EService(
    code="SC01",  # invented
    name="Smartcard request",
    description=("Ask for a new or replacement CCASS smartcard, cancel one, or reset its PIN."),
    category="Access and administration",
    keywords=("smartcard", "card", "pin", "ccass", "token", "replacement"),
    make_right="EU_SmartcardMaintenance",
    check_right="EU_SmartcardMaintenanceApproval",
    has_exchange_stage=True,
    final_status=Status.COMPLETED,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "request_type",
            "Request",
            FieldType.CHOICE,
            choices=("New card", "Replacement", "Cancellation", "PIN reset"),
        ),
        FormField(
            "holder_name", "Card holder", FieldType.TEXT, max_length=80, example="Chan Tai Man"
        ),
        FormField("holder_email", "Card holder's e-mail", FieldType.EMAIL),
        FormField(
            "card_number",
            "Card number",
            FieldType.TEXT,
            required=False,
            pattern=r"\d{10}",
            example="1234567890",
            hint="Enter the 10-digit number printed on the card, e.g. 1234567890.",
            help="For a replacement, a cancellation or a PIN reset.",
        ),
        FormField(
            "delivery_address",
            "Delivery address",
            FieldType.TEXT,
            max_length=300,
            autofill=ProfileKey.ADDRESS,
        ),
        *_contact(),
        _remarks(),
    ),
    title_of=lambda v: _join("Smartcard", v.text("request_type"), v.text("holder_name")),
    rules=(
        FormRule(
            "A replacement, cancellation or PIN reset names the card.",
            ("request_type", "card_number"),
            _existing_card,
        ),
    ),
)


# Change of authorised signatories (the code is invented) ------------------------------


AUTHORISED_SIGNATORIES = EService(
    code="AS01",  # invented
    name="Change of authorised signatories",
    description=(
        "Add or remove the people who may sign for your firm in its dealings with the "
        "exchange, as the board resolved."
    ),
    category="Access and administration",
    keywords=("signatory", "signatories", "authorised", "authorized", "signature", "board"),
    make_right="EU_AuthorisedSignatory",
    check_right="EU_AuthorisedSignatoryApproval",
    has_exchange_stage=True,
    final_status=Status.APPROVED,
    fields=(
        _participant_id(),
        _firm_name(),
        FormField(
            "change_type",
            "Change",
            FieldType.CHOICE,
            choices=("Add", "Remove", "Replace the whole list"),
        ),
        FormField(
            "signatories",
            "Signatories",
            FieldType.TABLE,
            columns=_person_columns(),
            min_rows=1,
            max_rows=20,
            help="One row a person; at least one, at most 20.",
        ),
        FormField(
            "resolution_date",
            "Board resolution date",
            FieldType.DATE,
            allow_future=False,
            help="The day the board resolved the change.",
        ),
        _future_business_date("effective_date", "Effective date"),
        *_contact(),
        _remarks(),
    ),
    title_of=lambda v: _join("Signatories", v.text("change_type"), _names(v, "signatories")),
)


# The catalogue -----------------------------------------------------------------------

_ALL = (
    ORDER_CONSIDERATION_LIMIT,
    ADDITIONAL_THROTTLE,
    BUY_IN_EXEMPTION,
    EARLY_BUY_IN,
    ISOLATED_TRADE_BUY_IN,
    BUY_IN_WITHDRAWAL,
    CROSS_BORDER_TRANSFER,
    ENTITLEMENT_CLAIM,
    DELEGATED_ADMINISTRATOR,
    SMARTCARD,
    AUTHORISED_SIGNATORIES,
)

CATALOGUE: Mapping[str, EService] = MappingProxyType({e.code: e for e in _ALL})


def get_eservice(code: str) -> EService:
    """The eService with this code (any case); `UnknownEService` if there is none."""
    try:
        return CATALOGUE[code.strip().upper()]
    except KeyError:
        raise UnknownEService(code) from None


def _score(eservice: EService, words: list[str], phrase: str) -> int | None:
    """How well `words` match `eservice`; None when one of them matches nothing."""
    code = eservice.code.lower()
    # Both languages: a zh-Hant user may type English words, and Chinese ones.
    name = f"{eservice.name}\n{e_(eservice.name)}".lower()
    keywords = " ".join(eservice.keywords).lower()
    description = f"{eservice.description}\n{e_(eservice.description)}".lower()
    score = 1000 if phrase == code else 0
    for word in words:
        if word == code:
            score += 100
        elif code.startswith(word):
            score += 50
        elif word in name:
            score += 20
        elif word in keywords:
            score += 10
        elif word in description:
            score += 5
        else:
            return None
    return score


def search_eservices(query: str, rights: Collection[str] | None = None) -> list[EService]:
    """eServices whose code, name, description or keywords hold every word of `query`
    (the name and description in English and in the current language).

    Case-insensitive; an empty query lists them all. With `rights`, only the eServices
    whose make right is among them. Best first: the exact code, then matches in the
    name, the keywords, the description; ties in catalogue order.
    """
    words = query.lower().split()
    phrase = " ".join(words)
    found: list[tuple[int, int, EService]] = []
    for order, eservice in enumerate(_ALL):
        if rights is not None and eservice.make_right not in rights:
            continue
        score = _score(eservice, words, phrase)
        if score is not None:
            found.append((-score, order, eservice))
    return [eservice for _, _, eservice in sorted(found, key=lambda item: item[:2])]
