"""Dashboard lists, step one: what a list wants, in the store's terms.

A section and a typed `Query` become `Criteria` (statuses, makers, eServices, reference
ranges, an updated-at window and FTS5 word expressions); the scope (which memberships a
viewer sees) and the `request_counts` cells come from here too. `request_planner` turns
criteria into SQL; `request_query` ties the steps together (its docstring tells how).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from cc_tui.domain.query import Query, QueryField
from cc_tui.domain.sections import Section
from cc_tui.domain.workflow import FINAL_STATUSES, Status
from cc_tui.server.store.memo import remembered
from cc_tui.server.store.requests import Viewer
from cc_tui.server.store.times import to_micros

# A prefix that starts more words than this is left to FTS5's own prefix query.
MAX_PREFIX_WORDS = 24

ALL_STATUSES = frozenset(Status)
STATUS_RANK = {status: rank for rank, status in enumerate(Status)}
_REF_WORD = re.compile(r"ECS(\d{1,8})", re.ASCII | re.IGNORECASE)
_FTS_TOKEN = re.compile(r"[^\W_]+")

IndexKind = Literal["status", "maker", "eservice", "exchange"]


@dataclass(frozen=True)
class IdRange:
    low: int
    high: int

    @classmethod
    def of_prefix(cls, digits: str) -> IdRange:
        """The ids whose 8-digit reference number starts with `digits`."""
        return cls(max(int(digits.ljust(8, "0") or "0"), 1), int(digits.ljust(8, "9")))


@dataclass(frozen=True)
class Cell:
    participant_id: str
    status: Status
    eservice: str
    maker: str
    reached_exchange: bool
    count: int


@dataclass(frozen=True)
class Criteria:
    """What a list wants, in the store's terms. None means "any"."""

    participants: tuple[str, ...]
    statuses: frozenset[Status]
    makers_in: frozenset[str] | None = None
    makers_out: frozenset[str] = frozenset()
    eservices_in: frozenset[str] | None = None
    eservices_out: frozenset[str] = frozenset()
    exchange_only: bool = False
    ids_any: tuple[IdRange, ...] | None = None
    ids_all: tuple[IdRange, ...] = ()
    ids_out: tuple[IdRange, ...] = ()
    updated_from: int | None = None
    updated_to: int | None = None
    words: str | None = None
    not_words: str | None = None

    def matches(self, cell: Cell) -> bool:
        return (
            cell.count > 0
            and cell.participant_id in self.participants
            and cell.status in self.statuses
            and (self.makers_in is None or cell.maker in self.makers_in)
            and cell.maker not in self.makers_out
            and (self.eservices_in is None or cell.eservice in self.eservices_in)
            and cell.eservice not in self.eservices_out
            and (cell.reached_exchange or not self.exchange_only)
        )

    @property
    def has_residual(self) -> bool:
        """Whether anything beyond the cells' own dimensions narrows the list."""
        return bool(
            self.ids_any is not None
            or self.ids_all
            or self.ids_out
            or self.updated_from is not None
            or self.updated_to is not None
            or self.words
            or self.not_words
        )

    @property
    def id_span(self) -> IdRange | None:
        """The ids the reference filters leave, as one span (None: not narrowed)."""
        spans = list(self.ids_all)
        if self.ids_any is not None:
            spans.append(
                IdRange(min(r.low for r in self.ids_any), max(r.high for r in self.ids_any))
            )
        if not spans:
            return None
        low = max(r.low for r in spans)
        return IdRange(low, max(low - 1, min(r.high for r in spans)))

    @property
    def fts_expression(self) -> str | None:
        """One MATCH expression for the FTS-driven plans (positive words required)."""
        if self.words is None:
            return None
        if self.not_words is None:
            return self.words
        return f"({self.words}) NOT ({self.not_words})"


@dataclass(frozen=True)
class Arm:
    index: IndexKind
    participant_id: str
    status: Status
    key: str | None  # the maker or eService of maker/eService arms
    rows: int  # rows in the index range
    wanted: int  # of which match the cells' dimensions


# Cells and scope ---------------------------------------------------------------------


def scope_participants(conn: sqlite3.Connection, viewer: Viewer) -> tuple[str, ...]:
    if viewer.is_exchange_officer:
        return remembered(conn, ("scopes",), lambda: _all_scopes(conn))
    if viewer.participant_id is None:
        return ()
    return (viewer.participant_id,)


def _all_scopes(conn: sqlite3.Connection) -> tuple[str, ...]:
    return tuple(
        r[0] for r in conn.execute("SELECT participant_id FROM request_scopes ORDER BY scope_no")
    )


def load_cells(conn: sqlite3.Connection, participants: Sequence[str]) -> list[Cell]:
    """The scope's cells with requests in them (kept until the store changes: memo.py).
    The list is shared: read it, never change it."""
    scope = tuple(participants)
    return remembered(conn, ("cells", scope), lambda: _read_cells(conn, scope))


def _read_cells(conn: sqlite3.Connection, participants: tuple[str, ...]) -> list[Cell]:
    if not participants:
        return []
    marks = ",".join("?" * len(participants))
    return [
        Cell(
            participant_id=r[0],
            status=Status(r[1]),
            eservice=r[2],
            maker=r[3],
            reached_exchange=bool(r[4]),
            count=int(r[5]),
        )
        for r in conn.execute(
            "SELECT participant_id, status, eservice, maker, reached_exchange, n"
            f" FROM request_counts WHERE participant_id IN ({marks}) AND n > 0",
            tuple(participants),
        )
    ]


def scope_numbers(conn: sqlite3.Connection, participants: Sequence[str]) -> dict[str, int]:
    """Each membership's scope number (shared, like `load_cells`: never change it)."""
    scope = tuple(participants)
    return remembered(conn, ("scope numbers", scope), lambda: _read_scope_numbers(conn, scope))


def _read_scope_numbers(conn: sqlite3.Connection, participants: tuple[str, ...]) -> dict[str, int]:
    if not participants:
        return {}
    marks = ",".join("?" * len(participants))
    return {
        r[0]: int(r[1])
        for r in conn.execute(
            "SELECT participant_id, scope_no FROM request_scopes"
            f" WHERE participant_id IN ({marks})",
            tuple(participants),
        )
    }


# Sections and queries -> criteria ------------------------------------------------------


def section_criteria(viewer: Viewer, section: Section, participants: tuple[str, ...]) -> Criteria:
    """A section as criteria, for this viewer (DOMAIN.md's dashboard).

    Awaiting my check: a firm's Pending checker requests that this user did not make and
    whose eService's check right it holds, so the list is exactly the requests where
    `approve` is among its allowed actions. For an exchange officer, With exchange.
    """
    me = frozenset({viewer.user_id})
    base = Criteria(
        participants=participants,
        statuses=ALL_STATUSES,
        exchange_only=viewer.is_exchange_officer,
    )
    if section is Section.AWAITING_MY_CHECK:
        if viewer.is_exchange_officer:
            return replace(base, statuses=frozenset({Status.WITH_EXCHANGE}))
        return replace(
            base,
            statuses=frozenset({Status.PENDING_CHECKER}),
            makers_out=me,
            eservices_in=viewer.check_eservices,
        )
    if section is Section.RETURNED_TO_ME:
        return replace(base, statuses=frozenset({Status.RETURNED}), makers_in=me)
    if section is Section.MY_DRAFTS:
        return replace(base, statuses=frozenset({Status.DRAFT}), makers_in=me)
    if section is Section.SUBMITTED_BY_ME:
        return replace(base, statuses=ALL_STATUSES - {Status.DRAFT}, makers_in=me)
    if section is Section.HISTORY:
        return replace(base, statuses=frozenset(FINAL_STATUSES))
    return base


Expand = Callable[[str], list[str] | None]


def _quoted(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _fts_phrase(text: str, prefix: bool = False, expand: Expand | None = None) -> str | None:
    """`text` as an FTS5 string (its words, quoted), or None if it has no word.

    With `prefix`, a last word of 3 characters or more also matches the words it starts:
    `expand` lists them (from request_terms) and the phrase becomes an OR of whole words;
    if it cannot (too many), FTS5's own `*` is used, which only the FTS-driven plans take.
    """
    tokens = _FTS_TOKEN.findall(_fold(text))
    if not tokens:
        return None
    if not prefix or len(tokens[-1]) < 3:
        return _quoted(tokens)
    words = expand(tokens[-1]) if expand is not None else None
    if words is None:
        return _quoted(tokens) + " *"
    alternatives = [_quoted([*tokens[:-1], word]) for word in words] or [_quoted(tokens)]
    return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


def _fold(text: str) -> str:
    """Lower case without diacritics, as the FTS index keeps words (and request_terms)."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", text.lower())
        if not unicodedata.combining(char)
    )


def term_expander(conn: sqlite3.Connection) -> Expand:
    """Whole words from request_terms that start with a prefix (None: too many)."""

    def expand(prefix: str) -> list[str] | None:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        words = [
            r[0]
            for r in conn.execute(
                "SELECT term FROM request_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
                (prefix, upper, MAX_PREFIX_WORDS + 1),
            )
        ]
        return None if len(words) > MAX_PREFIX_WORDS else words

    return expand


def _narrow(current: frozenset[str] | None, values: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(values)
    return wanted if current is None else current & wanted


def apply_query(
    criteria: Criteria, query: Query, cells: Sequence[Cell], expand: Expand | None = None
) -> Criteria:
    """Narrow `criteria` by the typed query (the grammar's rules: terms all match, negated
    ones nowhere; positive filters on one field are alternatives; negated ones exclude)."""
    statuses = criteria.statuses
    positive_statuses = query.statuses()
    if positive_statuses:
        statuses = statuses & frozenset(positive_statuses)
    statuses = statuses - frozenset(query.statuses(negated=True))

    eservices_in = criteria.eservices_in
    if query.values(QueryField.ESERVICE):
        eservices_in = _narrow(eservices_in, query.values(QueryField.ESERVICE))
    eservices_out = criteria.eservices_out | frozenset(
        query.values(QueryField.ESERVICE, negated=True)
    )

    # maker:value matches a maker whose user ID is the value or starts with it.
    def makers_like(values: Sequence[str]) -> frozenset[str]:
        if not values:
            return frozenset()
        lowered = [v.lower() for v in values]
        known_makers = {cell.maker for cell in cells}
        return frozenset(m for m in known_makers if any(m.startswith(v) for v in lowered))

    makers_in = criteria.makers_in
    if query.values(QueryField.MAKER):
        makers_in = _narrow(makers_in, makers_like(query.values(QueryField.MAKER)))
    makers_out = criteria.makers_out | makers_like(query.values(QueryField.MAKER, negated=True))

    ids_any = criteria.ids_any
    refs = query.values(QueryField.REF)
    if refs:
        ids_any = tuple(IdRange.of_prefix(ref[3:]) for ref in refs)
    ids_out = criteria.ids_out + tuple(
        IdRange.of_prefix(ref[3:]) for ref in query.values(QueryField.REF, negated=True)
    )

    # firm:B01234 narrows the memberships read, within the scope (never beyond it).
    participants = criteria.participants
    if query.values(QueryField.FIRM):
        participants = tuple(p for p in participants if p in query.values(QueryField.FIRM))
    unwanted_firms = query.values(QueryField.FIRM, negated=True)
    participants = tuple(p for p in participants if p not in unwanted_firms)

    start, end = query.updated_range()
    updated_from = criteria.updated_from if start is None else to_micros(start)
    updated_to = criteria.updated_to if end is None else to_micros(end)

    ids_all = list(criteria.ids_all)
    words: list[str] = [criteria.words] if criteria.words else []
    not_words: list[str] = [criteria.not_words] if criteria.not_words else []
    positive_terms = [t for t in query.terms if not t.negated]
    last_positive = positive_terms[-1] if positive_terms else None
    for term in query.terms:
        ref_word = _REF_WORD.fullmatch(term.text)
        if ref_word is not None:
            id_range = IdRange.of_prefix(ref_word.group(1))
            if term.negated:
                ids_out = (*ids_out, id_range)
            else:
                ids_all.append(id_range)
            continue
        phrase = _fts_phrase(term.text, prefix=term is last_positive, expand=expand)
        if phrase is None:
            continue  # only punctuation: nothing to look for
        (not_words if term.negated else words).append(phrase)

    return replace(
        criteria,
        participants=participants,
        statuses=statuses,
        eservices_in=eservices_in,
        eservices_out=eservices_out,
        makers_in=makers_in,
        makers_out=makers_out,
        ids_any=ids_any,
        ids_all=tuple(ids_all),
        ids_out=ids_out,
        updated_from=updated_from,
        updated_to=updated_to,
        words=" AND ".join(words) or None,
        not_words=" OR ".join(not_words) or None,
    )
