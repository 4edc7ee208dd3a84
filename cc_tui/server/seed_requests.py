"""Demo requests at scale: `cc-tui server --seed N [--seed-random S]`.

- N requests over both demo firms (60/40), every eService of the catalogue, every status,
  several makers per firm, two years of dates, and for each an audit trail that the
  workflow table allows (save, submit, a return and resubmission now and then, approve,
  complete; checkers who are never the maker; exchange officers for the exchange stage;
  the system for an abort 30 days after the last touch). A quarter of the requests are
  from the last five weeks, so the dashboard has open work at any size. The same seed
  and clock give the same store.
- Fields and titles come from the forms catalogue (`example_values`, `request_title`),
  varied (stock codes, quantities, names, choices) per firm, eService and quarter and
  validated; each variant is JSON-encoded once and shared by many requests.
- A few extra makers and checkers per firm (and a second exchange officer) are added as
  users who cannot log in (no password), so that lists show several people.
- Speed (1,000,000 in well under 60 s): each eService's requests are drawn oldest first
  and the streams merged (`heapq.merge`), so requests come in reference order and stream
  to `executemany` in batches inside one transaction; the generator's inner loop uses
  precomputed tables and plain values; the requests' indexes and triggers are dropped
  and re-created after the bulk insert (each index build is one sort, with a
  helper thread), the audit index is kept (rows arrive in its order); the FTS index is
  filled in rowid order (three times faster than 'rebuild') and merged; the section
  counts are counted while generating; `synchronous=OFF` and foreign-key checks off for
  the seed only (the generator makes only consistent rows).
- One stream per eService: each eService's requests (firm, dates, history, people,
  fields) come from a random stream of its own, keyed on the seed and its code, and each
  takes a fixed share of the N (`SPREAD`), so one eService's requests never depend on
  another's. An eService added to the catalogue brings a share of its own on top, with
  references after the others': no other request changes, reference included (a list
  sorted by time shows the new eService's requests among the others, as it should).
- Idempotent: a store that already holds requests is left alone (a restart with
  `--seed` does not add N more).
- The clearing membership C01234 (issue 16) gets a tenth of N more requests of its own
  (`clearing_count`), of the forms a clearing participant makes, generated after the N
  with a random stream of their own: the N requests of B01234 and B05678 (their
  references, times, fields and histories) are exactly those of a store seeded before
  C01234 existed, so screens and tests that show them hold. C01234's references follow
  the N, and follow their own creation times.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import json
import random
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from cc_tui.domain.forms import (
    CATALOGUE,
    EService,
    FieldType,
    MembershipProfile,
    example_values,
    normalise_values,
    request_title,
    validate_form,
)
from cc_tui.domain.workflow import Action, Status
from cc_tui.server.clock import HKT
from cc_tui.server.context import ServerContext
from cc_tui.server.db import Database
from cc_tui.server.store import users
from cc_tui.server.store.audit_chain import seal_rows
from cc_tui.server.store.requests import add_search_terms, scope_no
from cc_tui.server.store.times import to_micros

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
SPAN_DAYS = 730
BATCH = 20_000


@dataclass(frozen=True)
class ExtraUser:
    user_id: str
    name: str
    participant_id: str | None
    makes: bool = False
    checks: bool = False
    is_exchange_officer: bool = False


# People who appear in the seeded history but cannot log in (no password).
EXTRA_USERS = (
    ExtraUser("amy.chan@harbour.example", "Amy Chan", "B01234", makes=True),
    ExtraUser("ben.lau@harbour.example", "Ben Lau", "B01234", makes=True),
    ExtraUser("carol.ng@harbour.example", "Carol Ng", "B01234", checks=True),
    ExtraUser("derek.ho@kowloon.example", "Derek Ho", "B05678", makes=True),
    ExtraUser("eva.wong@kowloon.example", "Eva Wong", "B05678", checks=True),
    ExtraUser("frank.li@kowloon.example", "Frank Li", "B05678", makes=True, checks=True),
    ExtraUser("henry.yip@hkex.example", "Henry Yip", None, is_exchange_officer=True),
    ExtraUser("iris.tam@harbour.example", "Iris Tam", "C01234", checks=True),
    ExtraUser("jason.yu@harbour.example", "Jason Yu", "C01234", makes=True),
    ExtraUser("kitty.so@harbour.example", "Kitty So", "C01234", makes=True, checks=True),
)
FIRM_SHARES = (("B01234", 0.6), ("B05678", 0.4))
CLEARING = "C01234"


def clearing_count(count: int) -> int:
    """How many requests the clearing membership gets on top of the N: a tenth of N."""
    return count // 10


# The eServices the N are spread over, an equal share each (the remainder one each, in
# this order): the catalogue as the demo data was fixed. C01234 spreads its tenth over
# those it makes (no trading forms). An eService added to the catalogue later takes one
# such share of its own on top, with references after all of these, so no request of
# another eService changes (neither its reference nor anything in it).
SPREAD: tuple[str, ...] = (
    "CT027",
    "TH01",
    "BI01",
    "BI02",
    "BI03",
    "BI04",
    "CB01",
    "CA01",
    "DA3",
    "SC01",
    "AS01",
)
CLEARING_SPREAD = tuple(code for code in SPREAD if code not in ("CT027", "TH01"))


def share_of(code: str, total: int, spread: Sequence[str]) -> int:
    """How many of `total` the eService `code` gets when `total` is spread over `spread`:
    an equal share, and one of the remainder for the first of them; an eService not in
    `spread` (added later) gets an equal share, on top."""
    share, left = divmod(total, len(spread))
    return share + (1 if code in spread and spread.index(code) < left else 0)


_STOCKS: tuple[str, ...] = ("00001", "00005", "00011", "00016", "00027", "00066", "00388")
_STOCKS += ("00700", "00883", "00939", "00941", "01299", "01398", "01810", "02020", "02318")
_STOCKS += ("03690", "09988")
_A_SHARES = ("600519", "601318", "600036", "000858", "000001", "300750", "601012")
_PEOPLE: tuple[str, ...] = ("Chan Tai Man", "Wong Siu Ming", "Lee Ka Yan", "Cheung Wai Kit")
_PEOPLE += ("Ho Mei Ling", "Lam Chi Keung", "Ng Hoi Yan", "Tsang Ka Ho", "Leung Pui Shan")
_RETURN_COMMENTS = (
    "Please attach the board resolution.",
    "The quantity does not match the trade confirmation; please check.",
    "Effective date must be a business day; please correct.",
    "Contact phone is missing the area code.",
    "Please confirm the counterparty participant ID.",
)
_REJECT_COMMENTS = (
    "Duplicate of an earlier request.",
    "Not supported by the documents provided.",
    "Outside the permitted window for this request.",
)


@dataclass
class People:
    makers: dict[str, list[str]]  # participant -> makers
    checkers: dict[tuple[str, str], list[str]]  # (participant, eService) -> checkers
    officers: list[str]


def seed_requests(
    target: ServerContext | Database,
    count: int | None = None,
    random_seed: int | None = None,
    now: datetime | None = None,
    only: Collection[str] | None = None,
) -> int:
    """Seed `count` requests into an empty store; returns how many were made (0 if the
    store already had requests). Called as `seed_requests(context)` by the app (count and
    seed from its settings) or `seed_requests(db, count, random_seed, now)`. `only`: the
    eServices whose requests are made (None: all of the catalogue's)."""
    if isinstance(target, ServerContext):
        db = target.db
        only = target.settings.seed_eservices if only is None else only
        count = target.settings.seed_requests if count is None else count
        random_seed = target.settings.seed_random if random_seed is None else random_seed
        now = target.now() if now is None else now
    else:
        db = target
    if count is None or count <= 0:
        return 0
    now = now or datetime.now(HKT)
    started = time.perf_counter()
    made = _seed(db, count, 2024 if random_seed is None else random_seed, now, only)
    if made:
        elapsed = time.perf_counter() - started
        print(f"Seeded {made:,} requests in {elapsed:.1f} s.", file=sys.stderr, flush=True)
    return made


def _seed(
    db: Database, count: int, random_seed: int, now: datetime, only: Collection[str] | None
) -> int:
    conn = db.connect()
    if conn.execute("SELECT 1 FROM requests LIMIT 1").fetchone() is not None:
        return 0
    firms = [
        pid
        for pid, _ in FIRM_SHARES
        if conn.execute("SELECT 1 FROM memberships WHERE participant_id = ?", (pid,)).fetchone()
    ]
    if not firms:
        return 0
    with db.transaction() as tx:
        _ensure_people(tx, now)
    clearing = conn.execute(
        "SELECT 1 FROM memberships WHERE participant_id = ?", (CLEARING,)
    ).fetchone()
    people = _people(conn, [*firms, CLEARING] if clearing else firms)
    if any(not people.makers[firm] for firm in firms):
        return 0
    extra = bool(clearing and people.makers[CLEARING])
    # A rollback journal, not the WAL, for the bulk load: pages added past the end of the
    # file need no journal, so the store is written once (the WAL would write it twice).
    # It is still one transaction, safe against a crash. Back to WAL afterwards.
    journal = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(f"PRAGMA cache_size=-{min(1_048_576, 65_536 + count)}")
    try:
        with db.transaction() as tx:
            made = _bulk(tx, random_seed, people, firms, count, now, extra, only)
        conn.execute("PRAGMA analysis_limit=1000")
        conn.execute("ANALYZE")
    finally:
        conn.execute("PRAGMA cache_size=-2000")
        conn.execute("PRAGMA temp_store=DEFAULT")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        if journal.lower() == "wal":
            conn.execute("PRAGMA journal_mode=WAL")
    return made


def _ensure_people(conn: sqlite3.Connection, now: datetime) -> None:
    for extra in EXTRA_USERS:
        forms = _forms_of(extra.participant_id)
        make_rights = sorted({e.make_right for e in forms})
        check_rights = sorted({e.check_right for e in forms})
        if (
            extra.participant_id is not None
            and not conn.execute(
                "SELECT 1 FROM memberships WHERE participant_id = ?", (extra.participant_id,)
            ).fetchone()
        ):
            continue
        if not users.create_user(
            conn, extra.user_id, extra.name, now, is_exchange_officer=extra.is_exchange_officer
        ):
            continue
        if extra.participant_id is not None:
            users.add_membership(conn, extra.user_id, extra.participant_id)
            rights = (make_rights if extra.makes else []) + (check_rights if extra.checks else [])
            users.grant_rights(conn, extra.user_id, extra.participant_id, rights)


def _forms_of(participant_id: str | None) -> list[EService]:
    """The eServices a membership makes, in the catalogue's order: a clearing participant
    makes no trading forms."""
    return [
        eservice
        for eservice in CATALOGUE.values()
        if participant_id != CLEARING or eservice.category != "Trading"
    ]


def _people(conn: sqlite3.Connection, firms: Sequence[str]) -> People:
    """Who may make and check what, from the users' rights as they stand."""
    makers: dict[str, list[str]] = {}
    checkers: dict[tuple[str, str], list[str]] = {}
    for firm in firms:
        held: dict[str, set[str]] = {}
        for user_id, right in conn.execute(
            "SELECT ur.user_id, ur.right_code FROM user_rights ur JOIN users u"
            " ON u.user_id = ur.user_id WHERE ur.participant_id = ? AND u.status = 'active'"
            " ORDER BY ur.user_id",
            (firm,),
        ):
            held.setdefault(user_id, set()).add(right)
        makers[firm] = sorted(
            u
            for u, rights in held.items()
            if any(e.make_right in rights for e in CATALOGUE.values())
        )
        for code, eservice in CATALOGUE.items():
            checkers[(firm, code)] = sorted(
                u for u, rights in held.items() if eservice.check_right in rights
            )
    officers = [
        r[0]
        for r in conn.execute(
            "SELECT user_id FROM users WHERE is_exchange_officer = 1 ORDER BY user_id"
        )
    ]
    return People(makers, checkers, officers or ["officer@hkex.example"])


# Fields and titles -------------------------------------------------------------------


def _profile(conn: sqlite3.Connection, firm: str) -> MembershipProfile:
    row = conn.execute(
        "SELECT participant_id, name, address, contact_name, contact_email, contact_phone"
        " FROM memberships WHERE participant_id = ?",
        (firm,),
    ).fetchone()
    return MembershipProfile(
        participant_id=row[0],
        firm_name=row[1],
        address=row[2] or "1 Demo Street, Hong Kong",
        contact_name=row[3] or "Operations desk",
        contact_email=row[4] or "operations@example.com",
        contact_phone=row[5] or "+852 2000 0000",
    )


def _vary(eservice: EService, values: dict[str, object], rng: random.Random) -> dict[str, object]:
    varied = dict(values)
    for form_field in eservice.fields:
        name = form_field.name
        if form_field.autofill is not None or name not in varied:
            continue
        if form_field.type is FieldType.CHOICE and form_field.choices:
            varied[name] = rng.choice(form_field.choices)
        elif name == "stock_code":
            varied[name] = rng.choice(_STOCKS)
        elif name == "security_code":
            varied[name] = rng.choice(_A_SHARES)
        elif name in ("quantity", "bonus_shares"):
            varied[name] = rng.randint(1, 200) * 500
        elif name == "throttles":
            varied[name] = rng.randint(1, 20)
        elif name == "holder_name":
            varied[name] = rng.choice(_PEOPLE)
        elif name == "claim_amount":
            varied[name] = str(Decimal(rng.randint(100_00, 5_000_000_00)) / 100)
        elif form_field.type is FieldType.TABLE:
            rows = varied[name]
            if isinstance(rows, list):
                varied[name] = [_vary_row(row, rng) for row in rows]
    return varied


def _vary_row(row: object, rng: random.Random) -> object:
    if not isinstance(row, dict):
        return row
    changed = dict(row)
    if "name" in changed:
        changed["name"] = rng.choice(_PEOPLE)
    if "stock_code" in changed:
        changed["stock_code"] = rng.choice(_STOCKS)
    if "quantity" in changed:
        changed["quantity"] = rng.randint(1, 200) * 500
    return changed


def _variants(
    eservice: EService,
    profile: MembershipProfile,
    day: date,
    how_many: int,
    rng: random.Random,
) -> list[tuple[str, str]]:
    """(fields JSON, title) variants of one eService's form, made on `day`, all valid."""
    base = example_values(eservice, profile, day)
    found: list[tuple[str, str]] = []
    for _ in range(how_many * 2):
        values = normalise_values(eservice, _vary(eservice, base, rng))
        if validate_form(eservice, values, day):
            continue
        text = json.dumps(values, separators=(",", ":"), ensure_ascii=False, default=str)
        found.append((text, request_title(eservice, values)))
        if len(found) >= how_many:
            break
    if not found:
        text = json.dumps(base, separators=(",", ":"), ensure_ascii=False, default=str)
        found.append((text, request_title(eservice, base)))
    return found


# Histories ---------------------------------------------------------------------------

# Target outcomes and their weights; "final" is the eService's own final status.
_OUTCOMES = (
    ("final", 46),
    ("rejected", 8),
    ("withdrawn", 5),
    ("discarded", 3),
    ("discarded_draft", 2),
    ("aborted", 2),
    ("aborted_draft", 2),
    ("draft", 7),
    ("pending_checker", 8),
    ("returned", 5),
    ("with_exchange", 12),
)
# An outcome is possible only for requests created within (or, for aborts, before)
# this many days: an untouched Draft or Returned request is aborted after 30 days.
_YOUNGER_THAN = {"draft": 29, "returned": 29, "pending_checker": 10, "with_exchange": 14}
_OLDER_THAN = {"aborted": 32, "aborted_draft": 31}
# The time from one step to the next, by the action of the next.
_GAPS = {
    Action.SUBMIT: (10 * MINUTE, 2 * DAY),
    Action.APPROVE: (30 * MINUTE, 3 * DAY),
    Action.RETURN: (30 * MINUTE, 3 * DAY),
    Action.REJECT: (30 * MINUTE, 3 * DAY),
    Action.COMPLETE: (HOUR, 5 * DAY),
    Action.WITHDRAW: (HOUR, 2 * DAY),
    Action.DISCARD: (HOUR, 5 * DAY),
    Action.ABORT: (0, 1),  # plus the 30 days of ABORT_AFTER
}
ABORT_AFTER = 30 * DAY

Step = tuple[Action, str, Status, str | None]


def _history(outcome: str, eservice: EService, cycle: bool, by_exchange: bool) -> list[Step]:
    """A path through the workflow table that ends in `outcome`: (action, role, status
    after, comment kind). `cycle` adds a return and resubmission first; `by_exchange` has
    the exchange, not the checker, return or reject."""
    exchange = eservice.has_exchange_stage
    approved_to = Status.WITH_EXCHANGE if exchange else eservice.final_status
    steps: list[Step] = [(Action.SAVE, "maker", Status.DRAFT, None)]
    if outcome not in ("draft", "aborted_draft", "discarded_draft"):
        steps.append((Action.SUBMIT, "maker", Status.PENDING_CHECKER, None))
        if cycle:
            steps.append((Action.RETURN, "checker", Status.RETURNED, "return"))
            steps.append((Action.SUBMIT, "maker", Status.PENDING_CHECKER, None))
    if outcome == "aborted_draft":
        steps.append((Action.ABORT, "system", Status.ABORTED, None))
    elif outcome == "discarded_draft":
        steps.append((Action.DISCARD, "maker", Status.DISCARDED, None))
    elif outcome in ("returned", "rejected"):
        action, status, comment = (
            (Action.RETURN, Status.RETURNED, "return")
            if outcome == "returned"
            else (Action.REJECT, Status.REJECTED, "reject")
        )
        if by_exchange:
            steps.append((Action.APPROVE, "checker", Status.WITH_EXCHANGE, None))
            steps.append((action, "exchange", status, comment))
        else:
            steps.append((action, "checker", status, comment))
    elif outcome in ("aborted", "discarded"):
        steps.append((Action.RETURN, "checker", Status.RETURNED, "return"))
        if outcome == "aborted":
            steps.append((Action.ABORT, "system", Status.ABORTED, None))
        else:
            steps.append((Action.DISCARD, "maker", Status.DISCARDED, None))
    elif outcome == "withdrawn":
        steps.append((Action.WITHDRAW, "maker", Status.WITHDRAWN, None))
    elif outcome in ("with_exchange", "final"):
        steps.append((Action.APPROVE, "checker", approved_to, None))
        if outcome == "final" and exchange:
            steps.append((Action.COMPLETE, "exchange", eservice.final_status, None))
    return steps


@dataclass(frozen=True)
class _Template:
    """One history, flattened for the generator's inner loop (plain strings and ints)."""

    actions: tuple[str, ...]
    roles: tuple[str, ...]
    actors: tuple[int, ...]  # index into (maker, checker, officer, "system")
    previous: tuple[str | None, ...]
    statuses: tuple[str, ...]
    comments: tuple[str | None, ...]
    for_firm: tuple[bool, ...]  # the audit row names the firm (not for the exchange)
    gap_low: tuple[int, ...]
    gap_span: tuple[int, ...]
    aborts: bool
    status: str
    reached_exchange: int
    has_comments: bool


_ACTORS = ("maker", "checker", "exchange", "system")
_COMMENTS = {"return": _RETURN_COMMENTS, "reject": _REJECT_COMMENTS}


def _pick(choices: Sequence[str], draw: Callable[[], float]) -> str:
    return choices[int(draw() * len(choices))]


def _template(steps: Sequence[Step]) -> _Template:
    later = steps[1:]
    return _Template(
        actions=tuple(step[0].value for step in steps),
        roles=tuple(step[1] for step in steps),
        actors=tuple(_ACTORS.index(step[1]) for step in steps),
        previous=(None, *(step[2].value for step in steps[:-1])),
        statuses=tuple(step[2].value for step in steps),
        comments=tuple(step[3] for step in steps),
        for_firm=tuple(step[1] != "exchange" for step in steps),
        has_comments=any(step[3] for step in steps),
        gap_low=tuple(_GAPS[step[0]][0] for step in later),
        gap_span=tuple(_GAPS[step[0]][1] - _GAPS[step[0]][0] for step in later),
        aborts=steps[-1][0] is Action.ABORT,
        status=steps[-1][2].value,
        reached_exchange=int(any(step[2] is Status.WITH_EXCHANGE for step in steps)),
    )


def _templates(eservice: EService, outcome: str) -> tuple[list[float], list[_Template]]:
    """The histories that end in `outcome`, with cumulative chances: a return and
    resubmission first in 15%; the exchange returns or rejects in 30% where it can."""
    cycles = (False,) if outcome in ("returned", "draft") or "draft" in outcome else (False, True)
    branches = (
        (False, True)
        if outcome in ("returned", "rejected") and eservice.has_exchange_stage
        else (False,)
    )
    chances: list[float] = []
    found: list[_Template] = []
    for cycle in cycles:
        for by_exchange in branches:
            chance = (0.15 if cycle else 0.85) if len(cycles) > 1 else 1.0
            chance *= (0.3 if by_exchange else 0.7) if len(branches) > 1 else 1.0
            chances.append(chance)
            found.append(_template(_history(outcome, eservice, cycle, by_exchange)))
    return list(itertools.accumulate(chances)), found


def _outcome_table(has_exchange: bool, age_days: int) -> tuple[list[float], list[str]]:
    """Cumulative weights of the outcomes possible for a request of this age."""
    possible = [
        (outcome, weight)
        for outcome, weight in _OUTCOMES
        if age_days < _YOUNGER_THAN.get(outcome, SPAN_DAYS * 2)
        and age_days >= _OLDER_THAN.get(outcome, 0)
        and (outcome != "with_exchange" or has_exchange)
    ]
    return list(itertools.accumulate(w for _, w in possible)), [o for o, _ in possible]


def _creation_times(rng: random.Random, count: int, now_us: int) -> list[int]:
    """When each request was first saved, oldest first: two years of history, with a
    quarter of the requests in the last five weeks so that the dashboard has work."""
    draw = rng.random
    times: list[int] = []
    for _ in range(count):
        pick = draw()
        if pick < 0.2:
            age = draw() * 14 * DAY
        elif pick < 0.25:
            age = 14 * DAY + draw() * 21 * DAY
        else:
            age = draw() * SPAN_DAYS * DAY
        times.append(now_us - int(age) - MINUTE)
    times.sort()
    return times


def _free_time(used: set[int], times: list[int]) -> int:
    """The last step's time, moved by a microsecond or so if this firm already has a
    change at that time (updated_at is unique within a membership)."""
    floor = times[-2] if len(times) > 1 else -1
    moment = times[-1]
    step = -1
    while moment in used:
        moment += step
        if moment <= floor:
            moment, step = times[-1] + 1, 1
    used.add(moment)
    return moment


Row = tuple[object, ...]
Batch = tuple[list[Row], list[Row]]
CountKey = tuple[str, str, str, str, int]


@dataclass
class _Plan:
    people: People
    firms: Sequence[str]
    scopes: dict[str, int]
    now_us: int
    variants: dict[tuple[str, str, int], list[tuple[str, str]]]
    quarters: int
    shares: list[float]  # cumulative, one per firm


# One request as an eService's stream draws it, before it has an id: created, firm,
# eService, history, step times, actors, fields JSON, title, comments.
Drawn = tuple[
    int, str, EService, "_Template", list[int], tuple[str, ...], str, str, tuple[str | None, ...]
]


def _drawn(plan: _Plan, eservice: EService, count: int, rng: random.Random) -> Iterator[Drawn]:
    """`count` requests of `eservice` from its own stream `rng`, oldest first.

    The inner loop is written for speed (a million requests): tables are precomputed,
    randomness is `random()` scaled, values are plain strings and ints.
    """
    draw = rng.random
    firms = plan.firms
    shares = plan.shares
    code = eservice.code
    templates = {outcome: _templates(eservice, outcome) for outcome, _ in _OUTCOMES}
    exchange = eservice.has_exchange_stage
    tables = [_outcome_table(exchange, age) for age in range(SPAN_DAYS + 2)]
    people = plan.people
    officers = people.officers
    now_us = plan.now_us
    for created in _creation_times(rng, count, now_us):
        age_days = min((now_us - created) // DAY, SPAN_DAYS + 1)
        firm = firms[bisect.bisect(shares, draw() * shares[-1])]
        cumulative, outcomes = tables[age_days]
        outcome = outcomes[bisect.bisect(cumulative, draw() * cumulative[-1])]
        chances, choices = templates[outcome]
        template = choices[bisect.bisect(chances, draw() * chances[-1])]
        times = _times(template, created, now_us, draw)
        makers = people.makers[firm]
        maker = makers[int(draw() * len(makers))]
        checkers = people.checkers[(firm, code)]
        checker = checkers[int(draw() * len(checkers))] if checkers else maker
        if checker == maker and len(checkers) > 1:
            checker = next(c for c in checkers if c != maker)
        actors = (maker, checker, officers[int(draw() * len(officers))], "system")
        pool = plan.variants[(firm, code, min(plan.quarters - 1, age_days // 91))]
        fields_json, title = pool[int(draw() * len(pool))]
        comments = template.comments
        if template.has_comments:
            comments = tuple(
                None if kind is None else _pick(_COMMENTS[kind], draw) for kind in comments
            )
        yield created, firm, eservice, template, times, actors, fields_json, title, comments


def _first(drawn: Drawn) -> int:
    return drawn[0]


def _generate(
    streams: Sequence[Iterator[Drawn]],
    scopes: dict[str, int],
    first_id: int,
    used: dict[str, set[int]],
    counts: Counter[CountKey],
) -> Iterator[Batch]:
    """The requests of `streams` (one an eService) merged in creation order, numbered
    from `first_id`, with their audit rows, in batches. `used`: each firm's update times
    so far (updated_at is unique within a membership)."""
    request_rows: list[Row] = []
    audit_rows: list[Row] = []
    request_id = first_id - 1
    for drawn in heapq.merge(*streams, key=_first):
        created, firm, eservice, template, times, actors, fields_json, title, comments = drawn
        request_id += 1
        times[-1] = _free_time(used.setdefault(firm, set()), times)
        created = times[0]
        maker = actors[0]
        status = template.status
        updated = times[-1]
        reached = template.reached_exchange
        request_rows.append(
            (
                request_id,
                firm,
                scopes[firm],
                eservice.code,
                eservice.name,
                status,
                maker,
                title,
                fields_json,
                len(times),
                created,
                updated,
                updated,
                reached,
            )
        )
        counts[(firm, status, eservice.code, maker, reached)] += 1
        audit_rows.extend(
            seal_rows(
                (
                    request_id,
                    at,
                    actors[who],
                    role,
                    action,
                    before,
                    after,
                    text,
                    firm if mine else None,
                    None,
                    None,
                )
                for at, who, role, action, before, after, text, mine in zip(
                    times,
                    template.actors,
                    template.roles,
                    template.actions,
                    template.previous,
                    template.statuses,
                    comments,
                    template.for_firm,
                    strict=True,
                )
            )
        )
        if len(request_rows) >= BATCH:
            yield request_rows, audit_rows
            request_rows, audit_rows = [], []
    if request_rows:
        yield request_rows, audit_rows


def _times(template: _Template, created: int, now_us: int, draw: Callable[[], float]) -> list[int]:
    """A time for each step from `created`; gaps are squeezed to end before now, and an
    abort comes 30 days (and up to one more) after the step before it."""
    gaps = [
        low + int(draw() * span)
        for low, span in zip(template.gap_low, template.gap_span, strict=True)
    ]
    fixed = ABORT_AFTER if template.aborts else 0
    room = now_us - created - fixed - MINUTE
    flexible = sum(gaps)
    if flexible > room:
        scale = max(room, 0) * (0.5 + 0.49 * draw()) / flexible
        gaps = [max(1, int(gap * scale)) for gap in gaps]
    if template.aborts:
        gaps[-1] += ABORT_AFTER + int(draw() * min(DAY, max(room, 1)))
    times = [created]
    for gap in gaps:
        times.append(times[-1] + gap)
    return times


def _plan(
    conn: sqlite3.Connection,
    random_seed: int,
    people: People,
    firms: Sequence[str],
    now: datetime,
    variants: dict[tuple[str, str, int], list[tuple[str, str]]],
    per_pool: int,
) -> _Plan:
    """The generator's tables for `firms`: the field variants of each form they make (added
    to `variants`; each firm's form from a stream of its own), and their scopes."""
    quarters = SPAN_DAYS // 91 + 2
    for firm in firms:
        profile = _profile(conn, firm)
        for eservice in _forms_of(firm):
            rng = random.Random(f"{random_seed}:{firm}:{eservice.code}:fields")
            for quarter in range(quarters):
                day = (now - timedelta(days=91 * quarter + 1)).date()
                variants[(firm, eservice.code, quarter)] = _variants(
                    eservice, profile, day, per_pool, rng
                )
    shared = [share for pid, share in FIRM_SHARES if pid in firms] or [1.0]
    return _Plan(
        people=people,
        firms=firms,
        scopes={firm: scope_no(conn, firm) for firm in firms},
        now_us=to_micros(now),
        variants=variants,
        quarters=quarters,
        shares=list(itertools.accumulate(shared)),
    )


def _bulk(
    conn: sqlite3.Connection,
    random_seed: int,
    people: People,
    firms: Sequence[str],
    count: int,
    now: datetime,
    clearing: bool = False,
    only: Collection[str] | None = None,
) -> int:
    """The N requests of the firms of FIRM_SHARES, then (with `clearing`) the clearing
    membership's tenth more, then those of eServices added to the catalogue after SPREAD.
    Each eService's requests come from a random stream of its own (the seed and its code,
    and C01234's own), so the requests of one never depend on the others (SPREAD)."""
    per_pool = 4 if count <= 20_000 else 12
    variants: dict[tuple[str, str, int], list[tuple[str, str]]] = {}
    plan = _plan(conn, random_seed, people, firms, now, variants, per_pool)
    groups = [(plan, count, SPREAD, f"{random_seed}")]
    if clearing and clearing_count(count) > 0:
        own = _plan(conn, random_seed, people, [CLEARING], now, variants, per_pool)
        groups.append((own, clearing_count(count), CLEARING_SPREAD, f"{random_seed}:{CLEARING}"))
    blocks: list[list[Iterator[Drawn]]] = [[] for _ in groups]
    later: list[Iterator[Drawn]] = []
    for (group, total, spread, key), block in zip(groups, blocks, strict=True):
        for eservice in sorted(_forms_of(group.firms[0]), key=lambda e: e.code):
            code = eservice.code
            if only is not None and code not in only:
                continue
            stream = _drawn(
                group, eservice, share_of(code, total, spread), random.Random(f"{key}:{code}")
            )
            (block if code in spread else later).append(stream)
    first_id = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM requests").fetchone()[0])
    saved = _drop_indexes_and_triggers(conn)
    counts: Counter[CountKey] = Counter()
    used: dict[str, set[int]] = {}
    scopes = {firm: scope for group, *_ in groups for firm, scope in group.scopes.items()}
    made = 0
    for streams in [*blocks, later]:
        for request_rows, audit_rows in _generate(streams, scopes, first_id + made, used, counts):
            made += len(request_rows)
            _flush(conn, request_rows, audit_rows)
    conn.execute("DELETE FROM request_counts")
    conn.executemany(
        "INSERT INTO request_counts (participant_id, status, eservice, maker, reached_exchange, n)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(*key, n) for key, n in sorted(counts.items())],
    )
    add_search_terms(
        conn,
        [title for pool in variants.values() for _, title in pool]
        + [eservice.name for eservice in CATALOGUE.values()]
        + [maker for makers in people.makers.values() for maker in makers]
        + [*_RETURN_COMMENTS, *_REJECT_COMMENTS],
    )
    conn.execute("PRAGMA threads=2")
    for sql in saved:
        conn.execute(sql)
    conn.execute("PRAGMA threads=0")
    _rebuild_search(conn)
    return made


def _flush(
    conn: sqlite3.Connection,
    request_rows: list[tuple[object, ...]],
    audit_rows: list[tuple[object, ...]],
) -> None:
    conn.executemany(
        "INSERT INTO requests (id, participant_id, scope_no, eservice, eservice_name, status,"
        " maker, title, fields, version, created_at, updated_at, status_changed_at,"
        " reached_exchange) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        request_rows,
    )
    conn.executemany(
        "INSERT INTO request_audit (request_id, at, user_id, role, action, from_status,"
        " to_status, comment, participant_id, changes, file, hash, prev_hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        audit_rows,
    )
    request_rows.clear()
    audit_rows.clear()


def _drop_indexes_and_triggers(conn: sqlite3.Connection) -> list[str]:
    """Drop the requests' indexes and triggers; return the SQL to re-make them (indexes
    first). They are the migration's own definitions, read back. The audit's index stays:
    rows arrive in its order, so keeping it up is an append."""
    found = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'requests'"
        " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
    ).fetchall()
    for kind, name, _ in found:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _, _, sql in found]


def _rebuild_search(conn: sqlite3.Connection) -> None:
    """Fill the FTS index in rowid order (three times faster than 'rebuild', which reads
    in table order), then merge it into one segment."""
    conn.execute("INSERT INTO request_fts (request_fts) VALUES ('delete-all')")
    conn.execute("INSERT INTO request_fts (request_fts, rank) VALUES ('automerge', 0)")
    conn.execute("INSERT INTO request_fts (request_fts, rank) VALUES ('hashsize', 67108864)")
    conn.execute(
        "INSERT INTO request_fts (rowid, title, eservice_name, maker, comments)"
        " SELECT search_key, title, eservice_name, maker, comments FROM requests"
        " ORDER BY search_key"
    )
    conn.execute("INSERT INTO request_fts (request_fts) VALUES ('optimize')")
    conn.execute("INSERT INTO request_fts (request_fts, rank) VALUES ('hashsize', 1048576)")
    conn.execute("INSERT INTO request_fts (request_fts, rank) VALUES ('automerge', 4)")
