"""Demo events and documents for the mock portal, seeded idempotently.

- Events are placed relative to the day the database is first seeded (business days at
  fixed Hong Kong times), so a demo is never a list of past seminars; one event is
  already over and is therefore never listed. Rooms are filled by delegates of other
  firms (login IDs without accounts here): some events are nearly full, one is full
  with a waiting list, and lead@harbour.example holds a seat in the full one, so that
  withdrawing it shows the first on the waiting list moving up (and the mail).
- Documents are modelled on the exchange's library: technical documents and guides,
  and forms that stay on paper (an original signature, or investor participants'
  forms). Their PDFs are rendered on first need (store/documents.py), not here, so a
  portal that never opens the library pays nothing for it.
- Ids are fixed: a second run adds nothing and changes nothing (a seat taken or given
  up since survives a restart). Only when every event is over does a run add a new
  season of them, so a demo kept for weeks still has seminars to enrol in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from cc_tui.domain.calendar import HKT, add_working_days, to_hkt
from cc_tui.server.context import ServerContext
from cc_tui.server.library_pdf import LibraryText
from cc_tui.server.store import documents, events, times
from cc_tui.server.store.documents import NewDocument
from cc_tui.server.store.events import NewEvent

TRAINING_CENTRE = "HKEX Connect Hall, 1/F Exchange Square, Central"
AUDITORIUM = "Exchange Auditorium, 6/F One Exchange Square, Central"
ONLINE = "Online (webinar; the link is e-mailed the day before)"

_DELEGATE_FIRMS = (
    "lantau-securities",
    "peak-capital",
    "victoria-brokerage",
    "tsim-sha-tsui-futures",
    "sai-kung-investments",
    "causeway-clearing",
)


@dataclass(frozen=True)
class DemoEvent:
    id: str
    title: str
    venue: str
    working_days_ahead: int  # negative: that many calendar days ago (already over)
    starts: time
    minutes: int
    capacity: int
    delegates: int  # seats (then waiting-list places) taken by other firms' delegates
    description: str
    demo_users: tuple[str, ...] = ()  # enrolled after `delegates` of the delegates
    after: int = 0  # how many delegates enrol after the demo users (the waiting list)


DEMO_EVENTS = (
    DemoEvent(
        "EV2401",
        "Dividend and Bonus Claims: lessons from the season",
        ONLINE,
        -6,
        time(10, 0),
        60,
        300,
        140,
        "A review of the claims season: common reasons claims are returned, and how to "
        "prepare the supporting documents.",
    ),
    DemoEvent(
        "EV2402",
        "Client Connect for delegated administrators (CCDA)",
        TRAINING_CENTRE,
        2,
        time(10, 0),
        90,
        40,
        38,
        "Setting up business users, granting rights by business function, unlocking "
        "accounts and resetting authenticator devices. For CCDAs of every participant.",
    ),
    DemoEvent(
        "EV2403",
        "Buy-in Procedures Briefing",
        AUDITORIUM,
        4,
        time(14, 30),
        120,
        60,
        59,
        "How buy-ins are triggered and executed, exemption and early buy-in requests, "
        "and isolated trades. For settlement and operations staff.",
        demo_users=("lead@harbour.example",),
        after=3,
    ),
    DemoEvent(
        "EV2404",
        "CCASS Terminal: introductory seminar",
        TRAINING_CENTRE,
        6,
        time(9, 30),
        180,
        80,
        41,
        "The CCASS terminal's functions for new operations staff: settlement instructions, "
        "stock positions, enquiries and reports.",
    ),
    DemoEvent(
        "EV2405",
        "Orion Cash Platform: technical briefing",
        AUDITORIUM,
        9,
        time(15, 0),
        90,
        100,
        97,
        "Interface changes, connectivity tests and the rehearsal timetable for IT and "
        "operations teams of trading participants.",
    ),
    DemoEvent(
        "EV2406",
        "Cross-border Transfer Instructions workshop",
        TRAINING_CENTRE,
        12,
        time(14, 0),
        120,
        30,
        12,
        "Free-of-payment cross-border transfers step by step, with worked examples of "
        "the eService and its supporting documents.",
    ),
    DemoEvent(
        "EV2407",
        "Stock Connect Northbound: operational updates",
        ONLINE,
        15,
        time(16, 0),
        60,
        150,
        62,
        "Changes to Northbound trading and settlement operations, pre-trade checking and "
        "the holiday calendar for the coming year.",
    ),
    DemoEvent(
        "EV2408",
        "Risk management: margin and collateral seminar",
        AUDITORIUM,
        18,
        time(10, 30),
        120,
        120,
        30,
        "How margin is calculated, what collateral is accepted and how to deposit and "
        "withdraw it, for clearing participants' risk and treasury staff.",
    ),
    DemoEvent(
        "EV2409",
        "Year-end holiday arrangements and market operations",
        ONLINE,
        22,
        time(11, 0),
        45,
        200,
        15,
        "Trading, clearing and settlement arrangements around the year-end holidays, and "
        "the portal's maintenance windows.",
    ),
)


def _delegates(event_id: str, count: int, start: int = 0) -> list[str]:
    return [
        f"delegate{n:03d}.{event_id.lower()}@{_DELEGATE_FIRMS[n % len(_DELEGATE_FIRMS)]}.example"
        for n in range(start + 1, start + count + 1)
    ]


def _starts(event: DemoEvent, today: date) -> datetime:
    if event.working_days_ahead < 0:
        day = today + timedelta(days=event.working_days_ahead)
    else:
        day = add_working_days(today, event.working_days_ahead)
    return datetime.combine(day, event.starts, tzinfo=HKT)


def seed_events(context: ServerContext) -> list[str]:
    """Create the demo events that are missing, with their enrolments; their ids.

    A portal whose events are all over (a demo database kept for weeks) gets a new
    season of them, placed from today, with the day in their ids ("EV2403-20270105");
    while any event is still to come, nothing is added.
    """
    now = context.now()
    today = to_hkt(now).date()
    created: list[str] = []
    with context.db.transaction() as conn:
        if conn.execute(
            "SELECT 1 FROM events WHERE starts_at > ? LIMIT 1", (times.to_micros(now),)
        ).fetchone():
            return created
        first_season = conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is None
        season = "" if first_season else f"-{today:%Y%m%d}"
        for event in DEMO_EVENTS:
            event_id = event.id + season
            starts = _starts(event, today)
            added = events.create_event(
                conn,
                NewEvent(
                    id=event_id,
                    title=event.title,
                    venue=event.venue,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=event.minutes),
                    capacity=event.capacity,
                    description=event.description,
                ),
            )
            if not added:
                continue
            people = (
                _delegates(event_id, event.delegates)
                + list(event.demo_users)
                + _delegates(event_id, event.after, start=event.delegates)
            )
            events.seed_enrolments(conn, event_id, people, min(now, starts))
            created.append(event_id)
    return created


# The document library ------------------------------------------------------------------

GUIDE = "User guide"
TECHNICAL = "Technical document"
PROCEDURES = "Procedures"
PAPER_FORM = "Paper form (original signature)"
IP_FORM = "Investor participant form"

_DELIVERY = "the Participant Services counter, 1/F One Exchange Square, 8 Connaught Place"


@dataclass(frozen=True)
class DemoDocument:
    id: str
    title: str
    category: str
    description: str
    days_old: int
    keywords: str
    text: LibraryText
    original_signature: bool = False

    @property
    def file_name(self) -> str:
        words = "".join(c if c.isalnum() or c == "-" else " " for c in self.title).split()
        return "_".join(words) + ".pdf"


def _guide(reference: str, *sections: tuple[str, str]) -> LibraryText:
    return LibraryText(sections=tuple(sections), reference=reference)


def _form(reference: str, intro: str, *fields: str) -> LibraryText:
    return LibraryText(
        sections=(("How to use this form", intro),),
        fields=tuple(fields),
        delivery=_DELIVERY,
        reference=reference,
    )


DEMO_DOCUMENTS = (
    DemoDocument(
        "DOC-CCASS-TUG",
        "CCASS Terminal User Guide",
        GUIDE,
        "Every function of the CCASS terminal for participants: logging in, settlement "
        "instructions, stock positions, enquiries and reports.",
        40,
        "ccass terminal settlement instructions si stock position enquiry report smartcard",
        _guide(
            "CCASS/TUG",
            (
                "1. Logging in",
                "Each terminal user logs in with a user ID, a password and the user's "
                "smartcard. Five wrong passwords in a row suspend the user ID; the "
                "participant's delegated administrator restores it.\n\nA session that is "
                "idle for 30 minutes ends by itself; unsaved input is lost.",
            ),
            (
                "2. Settlement instructions (SI)",
                "An SI moves securities between two participants' stock accounts, free of "
                "payment or against payment. Both sides input matching SIs before the "
                "batch settlement run; unmatched SIs are reported in the enquiry function.",
            ),
            (
                "3. Stock positions and reports",
                "Positions are shown per stock account and per stock code. Daily reports "
                "are available for download until 7 calendar days after their issue.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-BUYIN-PROC",
        "Buy-in Procedures",
        PROCEDURES,
        "When and how the clearing house buys in securities a participant failed to "
        "deliver, the charges, and how to request an exemption or an early buy-in.",
        25,
        "buy-in buyin exemption early isolated trades short delivery failed settlement",
        _guide(
            "HKSCC/BUYIN",
            (
                "1. When a buy-in is triggered",
                "A participant with a short position in CNS stock after the final batch "
                "settlement run of the settlement day is subject to buy-in on the next "
                "trading day.",
            ),
            (
                "2. Exemption and early buy-in",
                "A participant may apply for an exemption from buy-in, or request an early "
                "buy-in, through the Client Connect eServices before the published cut-off "
                "time; supporting documents must follow the portal's naming rule.",
            ),
            (
                "3. Isolated trades",
                "Buy-in requests for isolated trades, and their withdrawal, are made by the "
                "receiving participant through the eService of that name.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-CC-USER",
        "Client Connect User Guide for Participants",
        GUIDE,
        "Logging in with a one-time password, finding an eService, the maker-checker "
        "workflow, supporting documents and the dashboard.",
        12,
        "client connect login otp authenticator maker checker dashboard eservice",
        _guide(
            "CC/UG-P",
            (
                "1. Logging in",
                "Log in with your e-mail address and password, then a one-time password "
                "from your authenticator app or sent by e-mail. The portal recommends the "
                "app.",
            ),
            (
                "2. Making and checking a request",
                "A maker fills in and submits an eService form; a checker of the same "
                "participant approves, returns or rejects it. The maker of a request can "
                "never check it.",
            ),
            (
                "3. Supporting documents",
                "Attach PDF, XLS or XLSX files named Supporting Document_<Ref>_<Participant "
                "ID>, with an optional suffix _01 to _09.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-CCDA-GUIDE",
        "Client Connect Delegated Administrator (CCDA) Guide",
        GUIDE,
        "For CCDAs: creating business users, granting rights by business function, "
        "suspending, unlocking and resetting a user's authenticator device.",
        30,
        "ccda delegated administrator rights user maintenance unlock reset device",
        _guide(
            "CC/UG-CCDA",
            (
                "1. Business users",
                "A CCDA creates business users with their e-mail address as login ID; each "
                "new user receives an e-mail to set a password.",
            ),
            (
                "2. Rights",
                "Rights are granted by business function, as maker, checker or both. A "
                "user sees only the eServices its rights allow.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-AUTH-REREG",
        "Authenticator Re-registration: step by step",
        GUIDE,
        "Registering a new phone with the authenticator app, or re-registering after a "
        "change, with screenshots of each step.",
        8,
        "authenticator app otp totp qr code device registration re-registration phone",
        _guide(
            "CC/AUTH",
            (
                "Register device or skip",
                "After your password, choose Register device and scan the QR code with "
                "the authenticator app; then log in with a code from the app. Skip this "
                "step logs in with your current registration this time.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-OTP-C-SPEC",
        "Orion Trading Platform Interface Specification (OCG-C)",
        TECHNICAL,
        "Message formats, session management and throttles of the trading platform's "
        "gateway, for participants' IT teams and vendors.",
        55,
        "ocg interface specification fix binary throttle session gateway vendor",
        _guide(
            "OTP-C/IS",
            (
                "1. Sessions",
                "Each session logs on with its comp ID and password; sequence numbers "
                "reset daily before the pre-opening session.",
            ),
            (
                "2. Throttles",
                "Each throttle allows 2 messages a second per session; additional "
                "throttles for a trading session are requested through the eService.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-CCMS-TECH",
        "CCMS Collateral Management: Technical Guide",
        TECHNICAL,
        "How collateral is deposited, withdrawn and valued in the clearing house's "
        "collateral management system, with file layouts.",
        70,
        "ccms collateral management margin deposit withdrawal file layout",
        _guide(
            "HKCC/CCMS",
            (
                "Deposits and withdrawals",
                "Cash and non-cash collateral is deposited and withdrawn through CCMS; "
                "transaction forms on paper are accepted where the system cannot be used.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-DIV-CLAIM",
        "Dividend and Bonus Claims: Guide for Participants",
        PROCEDURES,
        "When a dividend or bonus claim can be made, the documents to attach, and the "
        "timetable of the claims season.",
        18,
        "dividend bonus claim entitlement corporate action",
        _guide(
            "HKSCC/CLAIMS",
            (
                "Making a claim",
                "Claims are made through the Dividend/Bonus Claim eService with the "
                "contract notes attached as supporting documents.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-MAINT-HOURS",
        "Service Hours and Maintenance Windows",
        PROCEDURES,
        "When Client Connect is available, the weekly maintenance window, and how "
        "requests made outside business hours are processed.",
        5,
        "service hours maintenance window saturday sunday business day holiday",
        _guide(
            "CC/HOURS",
            (
                "Availability",
                "Client Connect is open 24 hours except the weekly maintenance window, "
                "Saturday 08:00 to Sunday 00:00 Hong Kong time, when no eService is "
                "available.",
            ),
            (
                "Business days",
                "Requests made outside business hours (Monday to Friday 09:00-18:00, "
                "except Hong Kong public holidays) are processed on the next business day.",
            ),
        ),
    ),
    DemoDocument(
        "DOC-IP-APPLY",
        "Investor Participant Application Form",
        IP_FORM,
        "Apply to become a CCASS investor participant (individual or joint account). "
        "Needs an original signature and identity documents.",
        90,
        "investor participant application individual joint account ip",
        _form(
            "IP/APP",
            "Complete in block letters. Attach a copy of each applicant's identity "
            "document and proof of address. The original must be signed by every "
            "applicant.",
            "Account type (individual / joint)",
            "Full name (as on identity document)",
            "Identity document type and number",
            "Residential address",
            "Correspondence address",
            "Telephone",
            "E-mail address",
            "Designated bank and account number",
        ),
        original_signature=True,
    ),
    DemoDocument(
        "DOC-IP-CHANGE",
        "Investor Participant Change of Particulars Form",
        IP_FORM,
        "Tell the clearing house about a new address, telephone, e-mail or designated "
        "bank account of an investor participant.",
        60,
        "investor participant change particulars address bank account",
        _form(
            "IP/CHG",
            "Fill in only the particulars that change. Changes take effect within two "
            "business days of receipt of the signed original.",
            "Investor participant ID",
            "Name of investor participant",
            "New residential address",
            "New telephone",
            "New e-mail address",
            "New designated bank account",
        ),
        original_signature=True,
    ),
    DemoDocument(
        "DOC-TXN-FORMS",
        "Transaction forms (paper): settlement instructions",
        PAPER_FORM,
        "Paper settlement-instruction forms for use when the CCASS terminal is not "
        "available; transaction forms are not eServices.",
        45,
        "transaction forms paper settlement instruction si contingency",
        _form(
            "CCASS/TXN-SI",
            "Use only when the CCASS terminal cannot be used (contingency). Each form "
            "carries one instruction.",
            "Delivering participant ID",
            "Receiving participant ID",
            "Stock code",
            "Quantity",
            "Settlement date",
            "Free of payment / delivery versus payment",
            "Amount (DVP only)",
        ),
        original_signature=True,
    ),
    DemoDocument(
        "DOC-TXN-COLL",
        "Transaction forms (paper): collateral deposit and withdrawal",
        PAPER_FORM,
        "Paper forms to deposit or withdraw collateral when CCMS is unavailable.",
        45,
        "transaction forms paper collateral deposit withdrawal ccms margin",
        _form(
            "CCMS/TXN-COLL",
            "One form per currency or security. Withdrawals are released only after the "
            "signatures are verified against the specimen signatures.",
            "Clearing participant ID",
            "Deposit / withdrawal",
            "Currency or stock code",
            "Amount or quantity",
            "Value date",
        ),
        original_signature=True,
    ),
    DemoDocument(
        "DOC-CERT-DEPOSIT",
        "Physical Certificate Deposit Form",
        PAPER_FORM,
        "Deposit physical share certificates into CCASS; delivered with the "
        "certificates themselves.",
        120,
        "physical certificate deposit share scrip transaction forms",
        _form(
            "CCASS/TXN-DEP",
            "List every certificate. The form and the certificates are delivered "
            "together; a receipt is given at the counter.",
            "Participant ID",
            "Stock code",
            "Certificate numbers",
            "Number of shares",
            "Stock account",
        ),
        original_signature=True,
    ),
    DemoDocument(
        "DOC-LOA-REP",
        "Letter of Authorisation for Representatives",
        PAPER_FORM,
        "Authorise named staff to deliver and collect documents and certificates at "
        "the counter on the participant's behalf.",
        150,
        "letter authorisation representative counter collection delivery",
        _form(
            "HKSCC/LOA",
            "Name each representative and attach a copy of their identity document. "
            "Valid until withdrawn in writing.",
            "Participant ID",
            "Participant name",
            "Representative's name",
            "Identity document number",
            "Specimen signature of representative",
        ),
        original_signature=True,
    ),
)


def seed_documents(context: ServerContext) -> list[str]:
    """Create the demo documents that are missing; their ids."""
    now = context.now()
    created: list[str] = []
    with context.db.transaction() as conn:
        for document in DEMO_DOCUMENTS:
            updated = datetime.combine(
                to_hkt(now).date() - timedelta(days=document.days_old), time(9, 0), tzinfo=HKT
            )
            if documents.add_document(
                conn,
                NewDocument(
                    id=document.id,
                    title=document.title,
                    category=document.category,
                    description=document.description,
                    file_name=document.file_name,
                    updated_at=updated,
                    text=document.text,
                    keywords=document.keywords,
                    original_signature=document.original_signature,
                ),
            ):
                created.append(document.id)
    return created


def seed_library(context: ServerContext) -> None:
    """The demo events and documents (idempotent)."""
    seed_events(context)
    seed_documents(context)
