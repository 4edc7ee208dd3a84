"""Dashboard lists: a section, a typed `Query`, a sort and a cursor, turned into SQL.

The grammar is parsed by `cc_tui.domain.query`; this module only ever sees the typed
query, and every value reaches SQLite as a bound parameter (the SQL text is built from
fixed fragments and the count of values, never from what a user typed).

How a list is answered (the plans are in docs/request-query-plans.md):

- **Scope first.** A firm's user sees one membership; an exchange officer sees every
  membership's requests that have reached the exchange (`reached_exchange`). The scope is
  part of every arm of every plan, so no query, cursor or sort can reach another firm.
- **Cells.** `request_counts` holds the number of requests per (membership, status,
  eService, maker, reached-exchange), kept by triggers. A section plus the query's
  status/eService/maker filters select cells, so their count is exact and cheap (a few
  hundred rows), and the planner knows how many rows each index range holds.
- **Arms.** `ORDER BY updated_at` over several statuses would make SQLite sort the whole
  set. Instead each (membership, status[, maker | eService]) is one range of an index
  already in (updated_at, id) order, and one compound SELECT ... UNION ALL ... ORDER BY
  ... LIMIT reads the arms as co-routines and merges them (SQLite's MERGE, no sort), so
  a first page reads about a page of rows. Cells with no rows are never visited. The
  index (by status, by maker, by eService; for an exchange officer a partial index of
  what reached the exchange) is the one whose ranges hold the fewest rows that are not
  wanted, computed from the cells. The reference sort has its own (membership, status,
  id) arms; a reference, or the start of one, is a key range read directly.
- **Keysets.** Pages continue from the last row by row values, `(updated_at, id) < (?, ?)`
  (or `id < ?` for the reference sort), never OFFSET. The status and eService sorts are
  groups in order, each group newest first, so their cursor also names the group.
  A cursor is base64 JSON with an HMAC (key in the store) that binds it to the user,
  membership, section, query and sort; anything else is 400 `bad_cursor`.
  The guarantee: a row that is not changed while someone pages is seen exactly once.
  A row changed meanwhile moves to the top of the newest-first order (it may then be
  missed by this paging, or seen again when it moves past the cursor the other way).
- **Words.** Plain words match the title, eService name and maker through FTS5
  (`MATCH`, each word quoted as an FTS string; negated words by `NOT`/`NOT EXISTS`).
  The last word also matches as a prefix when it has 3 characters or more: the prefix
  becomes the whole words it starts (`request_terms`), because FTS5's own `word*`
  costs some 30 ms on every lookup by rowid. A word that is
  a reference or its start (`ECS0001`) matches references instead. The FTS rowid is
  `search_key` = membership number * 2**52 + updated_at, so "newest first within one
  firm" is the FTS index's own rowid order, and a page of a word search reads the FTS
  index in order and stops after a page (no `ORDER BY rank`, no sort). When a word is
  frequent and the filters are narrow, the other way round is cheaper: walk the arms and
  check each row's FTS entry by rowid. A capped count of the word's matches in scope
  (`FTS_PROBE_CAP`) and the cells' counts decide which.
- **Totals.** Exact from the cells when the query has no words, dates or references;
  otherwise counted when the count's cost, estimated from the cells and the words'
  counts, is small (`COUNT_MAX_COST`; judged from the data, so the same list gets the
  same kind of total on a busy machine), and otherwise estimated from the cells, the
  words' share and the date range's share, with `total_is_estimate`. SQLite's
  progress handler stops a count that runs past `COUNT_SAFETY_S` all the same. Words
  with nothing else to test are counted in the FTS index alone, exactly up to
  `FTS_PROBE_CAP`; beyond it the share of matches among the requests that count went
  through (newest first) is scaled to the firm's size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import sqlite3
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from cc_tui.api.problem import ProblemCode
from cc_tui.api.requests import RequestPage, RequestSummary, SectionCounts
from cc_tui.domain.query import Query, QueryField, format_query
from cc_tui.domain.sections import Section, Sort
from cc_tui.domain.workflow import FINAL_STATUSES, Status
from cc_tui.server.errors import ApiError
from cc_tui.server.store.requests import (
    SCOPE_SPAN,
    Viewer,
    from_micros,
    to_micros,
)

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# A word's matches in scope are counted up to this many; below it the FTS index drives.
FTS_PROBE_CAP = 10_000
# An exact total is counted when its estimated cost (in the units below, about 1 µs
# each) is at most this; COUNT_SAFETY_S stops a count whose estimate was wrong.
COUNT_MAX_COST = 10_000.0
# How many requests an estimate may count to learn what share of them a word matches.
RANK_COUNT_CAP = 50_000
COUNT_SAFETY_S = 0.05
# A prefix that starts more words than this is left to FTS5's own prefix query.
MAX_PREFIX_WORDS = 24
# References read by the key when the span's cost (rows, more if words are checked)
# is at most this: a jump to a reference, or to the start of one.
ID_DRIVE_MAX_COST = 20_000.0
# Beyond this many arms one plain query is cheaper to plan than a UNION ALL.
MAX_ARMS = 150
# Relative costs per row visited (measured: an FTS doclist step joined by search_key is
# about 1.5 µs; an index row checked against the FTS index by rowid about 3 µs).
_COST_FTS_ROW = 1.5
_COST_CHECKED_ROW = 3.0
_COST_INDEX_ROW = 1.0
_COST_COVERED_ROW = 0.2  # a count that reads the index alone (measured)
_COST_PREFIX_CHECK = 30_000.0


ALL_STATUSES = frozenset(Status)
STATUS_RANK = {status: rank for rank, status in enumerate(Status)}
_REF_WORD = re.compile(r"ECS(\d{1,8})", re.ASCII | re.IGNORECASE)
_FTS_TOKEN = re.compile(r"[^\W_]+")
_LIST_COLUMNS = (
    "r.id AS id, r.participant_id AS participant_id, r.eservice AS eservice,"
    " r.eservice_name AS eservice_name, r.status AS status, r.maker AS maker,"
    " r.title AS title, r.updated_at AS updated_at"
)

IndexKind = Literal["status", "maker", "eservice", "exchange"]
_TIME_INDEX: dict[IndexKind, str] = {
    "status": "requests_status_updated",
    "maker": "requests_maker_updated",
    "eservice": "requests_eservice_updated",
    "exchange": "requests_exchange_updated",  # partial: reached_exchange = 1
}
_REF_INDEX = "requests_status_ref"


class BadCursor(ApiError):
    def __init__(self) -> None:
        super().__init__(
            400,
            ProblemCode.BAD_CURSOR,
            "This page link is not valid for this list: it is damaged, or it was made for "
            "another filter, sort, section or user.",
            "Start again from the first page (send the request without a cursor).",
        )


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
    def check_cost(self) -> float:
        """What checking one row's FTS entry against the words costs (0: no words).

        Each quoted phrase is one lookup by rowid; FTS5's `*` prefix re-reads every word
        it starts on each lookup (measured: some 30 ms), so it is all but ruled out."""
        text = " ".join(e for e in (self.words, self.not_words) if e)
        if not text:
            return 0.0
        if '" *' in text:
            return _COST_PREFIX_CHECK
        return _COST_CHECKED_ROW * max(1, text.count('"') // 2)

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
        return tuple(
            r[0]
            for r in conn.execute("SELECT participant_id FROM request_scopes ORDER BY scope_no")
        )
    if viewer.participant_id is None:
        return ()
    return (viewer.participant_id,)


def load_cells(conn: sqlite3.Connection, participants: Sequence[str]) -> list[Cell]:
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


def _scope_numbers(conn: sqlite3.Connection, participants: Sequence[str]) -> dict[str, int]:
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
    known_makers = {cell.maker for cell in cells}

    def makers_like(values: Sequence[str]) -> frozenset[str]:
        lowered = [v.lower() for v in values]
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


# SQL fragments -----------------------------------------------------------------------


def _in(column: str, values: Iterable[str], negated: bool = False) -> tuple[str, list[object]]:
    ordered = sorted(values)
    marks = ",".join("?" * len(ordered))
    return f"{column} {'NOT IN' if negated else 'IN'} ({marks})", list(ordered)


def _residual(
    criteria: Criteria,
    *,
    fixed: frozenset[str],
    words: bool,
) -> tuple[list[str], list[object]]:
    """WHERE clauses for everything the access path does not already guarantee.

    `fixed` names the dimensions an arm pins (participant, status, maker, eservice);
    `words` adds the FTS checks by rowid (for plans not driven by the FTS index).
    """
    clauses: list[str] = []
    params: list[object] = []

    def add(clause: str, values: Sequence[object] = ()) -> None:
        clauses.append(clause)
        params.extend(values)

    if "participant" not in fixed:
        add(*_in("r.participant_id", criteria.participants))
    if "status" not in fixed and not criteria.statuses >= ALL_STATUSES:
        add(*_in("r.status", (s.value for s in criteria.statuses)))
    if criteria.makers_in is not None and "maker" not in fixed:
        add(*_in("r.maker", criteria.makers_in))
    if criteria.makers_out:
        add(*_in("r.maker", criteria.makers_out, negated=True))
    if criteria.eservices_in is not None and "eservice" not in fixed:
        add(*_in("r.eservice", criteria.eservices_in))
    if criteria.eservices_out:
        add(*_in("r.eservice", criteria.eservices_out, negated=True))
    if criteria.exchange_only:
        add("r.reached_exchange = 1")
    if criteria.ids_any is not None:
        add(
            "(" + " OR ".join("r.id BETWEEN ? AND ?" for _ in criteria.ids_any) + ")",
            [v for r in criteria.ids_any for v in (r.low, r.high)],
        )
    for id_range in criteria.ids_all:
        add("r.id BETWEEN ? AND ?", (id_range.low, id_range.high))
    for id_range in criteria.ids_out:
        add("r.id NOT BETWEEN ? AND ?", (id_range.low, id_range.high))
    if criteria.updated_from is not None:
        add("r.updated_at >= ?", (criteria.updated_from,))
    if criteria.updated_to is not None:
        add("r.updated_at < ?", (criteria.updated_to,))
    if words and criteria.words:
        add(
            "EXISTS (SELECT 1 FROM request_fts WHERE request_fts MATCH ? AND rowid = r.search_key)",
            (criteria.words,),
        )
    if words and criteria.not_words:
        add(
            "NOT EXISTS (SELECT 1 FROM request_fts WHERE request_fts MATCH ?"
            " AND rowid = r.search_key)",
            (criteria.not_words,),
        )
    return clauses, params


def _where(clauses: Sequence[str]) -> str:
    return " AND ".join(clauses) if clauses else "1"


# Plans -------------------------------------------------------------------------------

Order = Literal["time_desc", "time_asc", "ref_desc", "ref_asc"]
Row_SQL = tuple[str, list[object]]
_ORDER_BY: dict[Order, str] = {
    "time_desc": "updated_at DESC, id DESC",
    "time_asc": "updated_at ASC, id ASC",
    "ref_desc": "id DESC",
    "ref_asc": "id ASC",
}


def _keyset(order: Order, after: Sequence[int] | None) -> tuple[list[str], list[object]]:
    if after is None:
        return [], []
    if order == "time_desc":
        return ["(r.updated_at, r.id) < (?, ?)"], [after[0], after[1]]
    if order == "time_asc":
        return ["(r.updated_at, r.id) > (?, ?)"], [after[0], after[1]]
    if order == "ref_desc":
        return ["r.id < ?"], [after[0]]
    return ["r.id > ?"], [after[0]]


def _arm_key(cell: Cell, index: IndexKind) -> str | None:
    if index == "maker":
        return cell.maker
    if index == "eservice":
        return cell.eservice
    return None


def _arm_cost(arms: Sequence[Arm], limit: int, selectivity: float = 1.0) -> float:
    """Rows visited to take up to `limit` wanted rows from each arm, in index order."""
    cost = 0.0
    for arm in arms:
        hits = arm.wanted * selectivity
        cost += arm.rows if hits <= limit else limit * arm.rows / hits
    return cost


def _arm_sql(arm: Arm, criteria: Criteria, order: Order, after: Sequence[int] | None) -> Row_SQL:
    """One index range, with every filter it does not pin; no ORDER BY, no LIMIT (the
    merge adds them, and the index already gives the order)."""
    index = _TIME_INDEX[arm.index] if order.startswith("time") else _REF_INDEX
    clauses = ["r.participant_id = ?", "r.status = ?"]
    params: list[object] = [arm.participant_id, arm.status.value]
    fixed = {"participant", "status"}
    if arm.key is not None and index != _REF_INDEX:
        column = "r.maker" if arm.index == "maker" else "r.eservice"
        clauses.append(f"{column} = ?")
        params.append(arm.key)
        fixed.add(arm.index)
    residual, residual_params = _residual(criteria, fixed=frozenset(fixed), words=True)
    keyset, keyset_params = _keyset(order, after)
    sql = (
        f"SELECT {_LIST_COLUMNS} FROM requests AS r INDEXED BY {index}"
        f" WHERE {_where(clauses + residual + keyset)}"
    )
    return sql, params + residual_params + keyset_params


def _ids_sql(
    criteria: Criteria, span: IdRange, order: Order, after: Sequence[int] | None
) -> Row_SQL:
    """Read a span of ids by the primary key (NOT INDEXED keeps SQLite on it)."""
    residual, params = _residual(criteria, fixed=frozenset(), words=True)
    keyset, keyset_params = _keyset(order, after)
    sql = (
        f"SELECT {_LIST_COLUMNS} FROM requests AS r NOT INDEXED"
        f" WHERE r.id BETWEEN ? AND ? AND {_where(residual + keyset)}"
    )
    return sql, [span.low, span.high, *params, *keyset_params]


def _merge(parts: Sequence[Row_SQL], order: Order, limit: int, *, wrapped: bool = False) -> Row_SQL:
    """One query over several parts in `order`, at most `limit` rows.

    Plain parts (index arms, each in `order` by its index) become one compound SELECT:
    SQLite pushes the ORDER BY into each arm, reads every arm in index order as a
    co-routine and merges them (MERGE (UNION ALL), no sort), stopping at the LIMIT, so
    a page reads about a page of rows in all. `wrapped` parts carry their own ORDER BY
    and LIMIT (the FTS-driven ones) and are merged as subqueries.
    """
    params = [p for _, part_params in parts for p in part_params]
    if wrapped:
        if len(parts) == 1:
            return parts[0]
        sql = " UNION ALL ".join(f"SELECT * FROM ({part})" for part, _ in parts)
    else:
        sql = " UNION ALL ".join(part for part, _ in parts)
    return f"{sql} ORDER BY {_ORDER_BY[order]} LIMIT ?", [*params, limit]


def _fts_sql(
    criteria: Criteria,
    participant: str,
    scope: int,
    order: Order,
    after: Sequence[int] | None,
    limit: int | None,
) -> Row_SQL:
    """Read one firm's FTS matches (in rowid = newest-first order) and join the rows."""
    low = scope * SCOPE_SPAN
    high = low + SCOPE_SPAN - 1
    if after is not None and order == "time_desc":
        high = low + after[0]
    elif after is not None and order == "time_asc":
        low = low + after[0]
    # The rowid range is the firm: no need to test the participant on the row.
    residual, residual_params = _residual(criteria, fixed=frozenset({"participant"}), words=False)
    keyset, keyset_params = _keyset(order, after)
    sql = (
        f"SELECT {_LIST_COLUMNS} FROM request_fts AS f"
        " CROSS JOIN requests AS r INDEXED BY requests_search_key ON r.search_key = f.rowid"
        f" WHERE f.request_fts MATCH ? AND f.rowid BETWEEN ? AND ?"
        f" AND {_where(residual + keyset)}"
    )
    params: list[object] = [criteria.fts_expression, low, high, *residual_params, *keyset_params]
    if order == "time_desc":
        sql += " ORDER BY f.rowid DESC"
    elif order == "time_asc":
        sql += " ORDER BY f.rowid ASC"
    else:
        sql += f" ORDER BY {_ORDER_BY[order].replace('id', 'r.id')}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params


@dataclass
class Planner:
    """Plans and runs one list request against one connection."""

    conn: sqlite3.Connection
    cells: list[Cell]
    scopes: dict[str, int]
    _probes: dict[tuple[str, str, int], tuple[int, bool, int | None]] = field(default_factory=dict)
    _bounds: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    _estimates: dict[tuple[str, str, int], float] = field(default_factory=dict)
    _matching: dict[Criteria, list[Cell]] = field(default_factory=dict)
    _totals: dict[IndexKind, dict[tuple[str, Status, str | None], int]] = field(
        default_factory=dict
    )

    def matching(self, criteria: Criteria) -> list[Cell]:
        """The cells `criteria` wants (worked out once per criteria)."""
        found = self._matching.get(criteria)
        if found is None:
            found = [cell for cell in self.cells if criteria.matches(cell)]
            self._matching[criteria] = found
        return found

    def arms(self, criteria: Criteria, index: IndexKind) -> list[Arm]:
        """The index ranges that hold wanted rows, with how many rows each holds in all."""
        totals = self._totals.get(index)
        if totals is None:
            totals = defaultdict(int)
            for cell in self.cells:
                if index == "exchange" and not cell.reached_exchange:
                    continue  # not in the partial index
                totals[(cell.participant_id, cell.status, _arm_key(cell, index))] += cell.count
            self._totals[index] = totals
        wanted: dict[tuple[str, Status, str | None], int] = defaultdict(int)
        for cell in self.matching(criteria):
            wanted[(cell.participant_id, cell.status, _arm_key(cell, index))] += cell.count
        return [
            Arm(index, participant, status, key, totals[(participant, status, key)], count)
            for (participant, status, key), count in sorted(wanted.items())
        ]

    def best_arms(self, criteria: Criteria, limit: int, selectivity: float = 1.0) -> list[Arm]:
        """The arms of the index whose ranges hold the fewest unwanted rows."""
        options: list[IndexKind] = ["status"]
        if criteria.exchange_only:
            options = ["exchange"]
        if criteria.makers_in is not None:
            options.append("maker")
        if criteria.eservices_in is not None:
            options.append("eservice")
        best: list[Arm] = []
        best_cost = math.inf
        for index in options:
            arms = self.arms(criteria, index)
            if limit > 0:
                cost = _arm_cost(arms, limit, selectivity) + len(arms)
            else:  # a count reads every row of its ranges
                cost = sum(arm.rows for arm in arms) + len(arms)
            if cost < best_cost:
                best, best_cost = arms, cost
        return best

    def probe(self, criteria: Criteria, participant: str) -> tuple[int, bool]:
        """How many FTS entries of this firm match the words (capped); and if capped."""
        expression = criteria.fts_expression
        assert expression is not None
        return self.probe_expression(expression, participant)

    def probe_expression(self, expression: str, participant: str) -> tuple[int, bool]:
        found, capped, _ = self._count_matches(expression, participant, FTS_PROBE_CAP)
        return found, capped

    def _count_matches(
        self, expression: str, participant: str, cap: int
    ) -> tuple[int, bool, int | None]:
        """FTS entries of this firm that match, newest first, up to `cap`: (how many,
        whether capped, the oldest rowid reached)."""
        key = (expression, participant, cap)
        if key not in self._probes:
            low = self.scopes[participant] * SCOPE_SPAN
            found, oldest = self.conn.execute(
                "SELECT count(*), min(rowid) FROM (SELECT rowid FROM request_fts"
                " WHERE request_fts MATCH ? AND rowid BETWEEN ? AND ?"
                " ORDER BY rowid DESC LIMIT ?)",
                (expression, low, low + SCOPE_SPAN - 1, cap),
            ).fetchone()
            self._probes[key] = (int(found), int(found) >= cap, oldest)
        return self._probes[key]

    def estimated_matches(self, expression: str, participant: str, cap: int) -> float:
        """Matches of this firm: exact below `cap`; beyond it, the share of matches among
        the requests the capped scan went through (counted in the search_key index, up to
        RANK_COUNT_CAP; past that, among the firm's newest RANK_COUNT_CAP requests) times
        the firm's size."""
        key = (expression, participant, cap)
        if key not in self._estimates:
            self._estimates[key] = self._extrapolate(expression, participant, cap)
        return self._estimates[key]

    def _extrapolate(self, expression: str, participant: str, cap: int) -> float:
        found, capped, oldest = self._count_matches(expression, participant, cap)
        if not capped or oldest is None:
            return float(found)
        base = self.scopes[participant] * SCOPE_SPAN
        scope_rows = self.rows_in_scope(participant)
        newer = int(
            self.conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM requests INDEXED BY requests_search_key"
                " WHERE search_key BETWEEN ? AND ? LIMIT ?)",
                (oldest, base + SCOPE_SPAN - 1, RANK_COUNT_CAP),
            ).fetchone()[0]
        )
        if newer < RANK_COUNT_CAP:
            return max(float(found), found * scope_rows / max(newer, 1))
        # The matches thin out: sample the firm's newest RANK_COUNT_CAP requests instead
        # (fewer than `found` of them match, so the count stays cheap).
        boundary = self.conn.execute(
            "SELECT search_key FROM requests INDEXED BY requests_search_key"
            " WHERE search_key BETWEEN ? AND ? ORDER BY search_key DESC LIMIT 1 OFFSET ?",
            (base, base + SCOPE_SPAN - 1, RANK_COUNT_CAP - 1),
        ).fetchone()
        if boundary is None:
            return self._by_time(expression, participant, cap)
        sampled = int(
            self.conn.execute(
                "SELECT count(*) FROM request_fts WHERE request_fts MATCH ?"
                " AND rowid BETWEEN ? AND ?",
                (expression, boundary[0], base + SCOPE_SPAN - 1),
            ).fetchone()[0]
        )
        return max(float(found), sampled * scope_rows / RANK_COUNT_CAP)

    def _by_time(self, expression: str, participant: str, cap: int) -> float:
        """Matches of this firm extrapolated from the share of time the capped count went
        back (free: no query beyond it); rough where requests crowd recent weeks."""
        found, capped, oldest = self._count_matches(expression, participant, cap)
        if not capped or oldest is None:
            return float(found)
        base = self.scopes[participant] * SCOPE_SPAN
        first, last = self._time_bounds(participant)
        if last is None or first is None or last <= oldest - base:
            return float(found)
        covered = max(1, last - (oldest - base))
        estimate = found * max(1.0, (last - first) / covered)
        return min(estimate, float(self.rows_in_scope(participant)))

    def rows_in_scope(self, participant: str) -> int:
        return sum(c.count for c in self.cells if c.participant_id == participant)

    def wanted(self, criteria: Criteria, participant: str | None = None) -> int:
        return sum(
            c.count
            for c in self.matching(criteria)
            if participant is None or c.participant_id == participant
        )

    def _word_selectivity(
        self, criteria: Criteria, participants: Iterable[str], precise: bool = False
    ) -> float:
        """The words' share of the firms' requests: extrapolated from the capped count by
        time (free; good enough to choose a plan), or `precise`ly (for a total)."""
        expression = criteria.fts_expression
        assert expression is not None
        total = matched = 0.0
        for participant in participants:
            total += self.rows_in_scope(participant)
            if precise:
                matched += self.estimated_matches(expression, participant, FTS_PROBE_CAP)
            else:
                matched += self._by_time(expression, participant, FTS_PROBE_CAP)
        return min(1.0, matched / total) if total else 0.0

    def fetch(
        self,
        criteria: Criteria,
        order: Order,
        after: Sequence[int] | None,
        limit: int,
    ) -> list[sqlite3.Row]:
        """Up to `limit` rows in `order` after the keyset `after`."""
        participants = [
            p for p in criteria.participants if p in self.scopes and self.wanted(criteria, p)
        ]
        if not participants or limit <= 0:
            return []
        criteria = replace(criteria, participants=tuple(participants))
        span = criteria.id_span
        if span is not None and self._ids_drive(criteria, span):
            sql, params = _ids_sql(criteria, span, order, after)
            return self.conn.execute(
                f"{sql} ORDER BY {_ORDER_BY[order]} LIMIT ?", [*params, limit]
            ).fetchall()
        if criteria.words is not None:
            if self._fts_drives(criteria, participants, order, limit):
                parts = [
                    _fts_sql(
                        criteria,
                        participant,
                        self.scopes[participant],
                        order,
                        after,
                        limit,
                    )
                    for participant in participants
                ]
                sql, params = _merge(parts, order, limit, wrapped=True)
                return self.conn.execute(sql, params).fetchall()
            selectivity = self._word_selectivity(criteria, participants)
        else:
            selectivity = 1.0
        if order.startswith("time"):
            arms = self.best_arms(criteria, limit, selectivity)
            return self._run_arms(arms, criteria, order, after, limit)
        return self._fetch_by_ref(criteria, order, after, limit, selectivity)

    def _ids_drive(self, criteria: Criteria, span: IdRange) -> bool:
        """A short run of references (a jump to one, or its start) is read by the key."""
        rows = span.high - span.low + 1
        return rows * (1 + criteria.check_cost) <= ID_DRIVE_MAX_COST

    def _fts_drives(
        self, criteria: Criteria, participants: Sequence[str], order: Order, limit: int
    ) -> bool:
        probes = {p: self.probe(criteria, p) for p in participants}
        if not order.startswith("time"):
            # The FTS index gives newest-first order only: drive by it when it is short
            # (or when checking rows one by one would cost even more).
            uncapped = not any(capped for _, capped in probes.values())
            return uncapped or criteria.check_cost >= _COST_PREFIX_CHECK
        fts_cost = 0.0
        for participant, (matched, _) in probes.items():
            wanted = self.wanted(criteria, participant)
            scope_rows = self.rows_in_scope(participant) or 1
            share = wanted / scope_rows
            fts_cost += matched if matched * share <= limit else limit / share
        selectivity = self._word_selectivity(criteria, participants)
        arms = self.best_arms(criteria, limit, selectivity)
        checked_cost = _arm_cost(arms, limit, selectivity)
        return fts_cost * _COST_FTS_ROW <= checked_cost * criteria.check_cost

    def _run_arms(
        self,
        arms: Sequence[Arm],
        criteria: Criteria,
        order: Order,
        after: Sequence[int] | None,
        limit: int,
    ) -> list[sqlite3.Row]:
        if not arms:
            return []
        if len(arms) > MAX_ARMS:
            return self._plain(criteria, order, after, limit)
        parts = [_arm_sql(arm, criteria, order, after) for arm in arms]
        sql, params = _merge(parts, order, limit)
        return self.conn.execute(sql, params).fetchall()

    def _fetch_by_ref(
        self,
        criteria: Criteria,
        order: Order,
        after: Sequence[int] | None,
        limit: int,
        selectivity: float,
    ) -> list[sqlite3.Row]:
        """Reference order: arms of (membership, status, id), or, when the wanted rows
        are few in big ranges, collect them by the tightest index and sort them."""
        ordered = self.arms(criteria, "status")
        per_row = criteria.check_cost or _COST_INDEX_ROW
        ordered_cost = _arm_cost(ordered, limit, selectivity) * per_row
        tight = self.best_arms(criteria, limit)
        collect_cost = sum(arm.rows for arm in tight) * per_row
        if ordered_cost <= collect_cost:
            return self._run_arms(ordered, criteria, order, after, limit)
        if len(tight) > MAX_ARMS:
            return self._plain(criteria, order, after, limit)
        parts = [_arm_sql(arm, criteria, "time_desc", None) for arm in tight]
        keyset, keyset_params = _keyset(order, after)
        sql = " UNION ALL ".join(part for part, _ in parts)
        params = [p for _, part_params in parts for p in part_params]
        outer_keyset = " AND ".join(k.replace("r.", "") for k in keyset) or "1"
        sql = f"SELECT * FROM ({sql}) WHERE {outer_keyset} ORDER BY {_ORDER_BY[order]} LIMIT ?"
        return self.conn.execute(sql, [*params, *keyset_params, limit]).fetchall()

    def _plain(
        self, criteria: Criteria, order: Order, after: Sequence[int] | None, limit: int
    ) -> list[sqlite3.Row]:
        """One query with IN lists; SQLite chooses. Only for very many arms."""
        residual, params = _residual(criteria, fixed=frozenset(), words=True)
        keyset, keyset_params = _keyset(order, after)
        sql = (
            f"SELECT {_LIST_COLUMNS} FROM requests AS r WHERE {_where(residual + keyset)}"
            f" ORDER BY {_ORDER_BY[order]} LIMIT ?"
        )
        return self.conn.execute(sql, [*params, *keyset_params, limit]).fetchall()

    # Totals ----------------------------------------------------------------------------

    def total(self, criteria: Criteria) -> tuple[int, bool]:
        """(total, is_estimate): exact from the cells when nothing else narrows; else
        counted when the count is cheap (judged from the cells and word counts, so the
        answer does not depend on the machine's load); else estimated."""
        participants = [
            p for p in criteria.participants if p in self.scopes and self.wanted(criteria, p)
        ]
        wanted = sum(self.wanted(criteria, p) for p in participants)
        if not criteria.has_residual or wanted == 0:
            return wanted, False
        criteria = replace(criteria, participants=tuple(participants))
        if criteria.fts_expression is not None:
            residual, _ = _residual(criteria, fixed=frozenset({"participant"}), words=False)
            if not residual:
                return self._fts_total(criteria.fts_expression, participants)
        plan = self._count_plan(criteria, participants)
        if plan is not None:
            sql, params = plan
            found = within_budget(
                self.conn, COUNT_SAFETY_S, lambda: self.conn.execute(sql, params).fetchone()
            )
            if found is not None:
                return int(found[0] or 0), False
        return self._estimate(criteria, participants, wanted), True

    def _count_plan(self, criteria: Criteria, participants: Sequence[str]) -> Row_SQL | None:
        """The SQL of an exact count, if its cost is within COUNT_MAX_COST."""
        span = criteria.id_span
        if span is not None and self._ids_drive(criteria, span):
            sql, params = _ids_sql(criteria, span, "ref_asc", None)
            return sql.replace(f"SELECT {_LIST_COLUMNS}", "SELECT count(*)", 1), params
        if criteria.words is not None:
            probes = [self.probe(criteria, p) for p in participants]
            if any(capped for _, capped in probes):
                return None
            if sum(found for found, _ in probes) * _COST_FTS_ROW > COUNT_MAX_COST:
                return None
            parts = [
                _fts_sql(criteria, p, self.scopes[p], "time_desc", None, None) for p in participants
            ]
            sql = " UNION ALL ".join(
                part.replace(f"SELECT {_LIST_COLUMNS}", "SELECT count(*) AS n", 1).replace(
                    " ORDER BY f.rowid DESC", ""
                )
                for part, _ in parts
            )
            return f"SELECT sum(n) FROM ({sql})", [v for _, ps in parts for v in ps]
        arms = self.best_arms(criteria, 0)
        if not arms or len(arms) > MAX_ARMS:
            return None
        if self._arms_count_cost(criteria, participants, arms) > COUNT_MAX_COST:
            return None
        parts = [_arm_sql(arm, criteria, "time_desc", None) for arm in arms]
        sql = " UNION ALL ".join(
            part.replace(f"SELECT {_LIST_COLUMNS}", "SELECT count(*) AS n", 1) for part, _ in parts
        )
        return f"SELECT sum(n) FROM ({sql})", [v for _, ps in parts for v in ps]

    def _fts_total(self, expression: str, participants: Sequence[str]) -> tuple[int, bool]:
        """Words and nothing else to test on the row: the FTS entries in the firms' rowid
        ranges are the total; the planner's capped count is exact below FTS_PROBE_CAP and
        is extrapolated beyond it."""
        total = 0.0
        estimated = False
        for participant in participants:
            estimated = estimated or self.probe_expression(expression, participant)[1]
            total += self.estimated_matches(expression, participant, FTS_PROBE_CAP)
        return round(total), estimated

    def _arms_count_cost(
        self, criteria: Criteria, participants: Sequence[str], arms: Sequence[Arm]
    ) -> float:
        """What counting through `arms` costs: the rows in their ranges (a date range is a
        seek within them), each read from the index alone unless a residual filter needs
        the table row, or its FTS entry."""
        rows = float(sum(arm.rows for arm in arms))
        if criteria.updated_from is not None or criteria.updated_to is not None:
            rows *= self._time_share(criteria, participants)
        index = arms[0].index
        needs_row = bool(
            criteria.makers_out
            or criteria.eservices_out
            or criteria.exchange_only
            or (criteria.makers_in is not None and index != "maker")
            or (criteria.eservices_in is not None and index != "eservice")
        )
        per_row = _COST_COVERED_ROW
        if needs_row:
            per_row = _COST_INDEX_ROW
        if criteria.not_words:
            per_row = criteria.check_cost
        return rows * per_row

    def _estimate(self, criteria: Criteria, participants: Sequence[str], wanted: int) -> int:
        estimate = float(wanted)
        if criteria.words is not None:
            estimate *= self._word_selectivity(criteria, participants, precise=True)
        elif criteria.not_words is not None:
            scope_rows = sum(self.rows_in_scope(p) for p in participants) or 1
            excluded = sum(self.probe_expression(criteria.not_words, p)[0] for p in participants)
            estimate *= max(0.0, 1.0 - excluded / scope_rows)
        if criteria.updated_from is not None or criteria.updated_to is not None:
            estimate *= self._time_share(criteria, participants)
        ranges = list(criteria.ids_all)
        if criteria.ids_any is not None:
            ranges.append(
                IdRange(min(r.low for r in criteria.ids_any), max(r.high for r in criteria.ids_any))
            )
        if ranges:
            top = int(self.conn.execute("SELECT coalesce(max(id), 1) FROM requests").fetchone()[0])
            for id_range in ranges:
                estimate *= max(0, min(id_range.high, top) - id_range.low + 1) / top
        return max(1, round(estimate))

    def _time_bounds(self, participant: str) -> tuple[int | None, int | None]:
        """The firm's oldest and newest updated_at."""
        if participant not in self._bounds:
            base = self.scopes[participant] * SCOPE_SPAN
            # Two queries: SQLite answers a lone min() or max() from the index edge.
            bounds = (base, base + SCOPE_SPAN - 1)
            low = self.conn.execute(
                "SELECT min(search_key) FROM requests WHERE search_key BETWEEN ? AND ?", bounds
            ).fetchone()[0]
            high = self.conn.execute(
                "SELECT max(search_key) FROM requests WHERE search_key BETWEEN ? AND ?", bounds
            ).fetchone()[0]
            self._bounds[participant] = (
                None if low is None else low - base,
                None if high is None else high - base,
            )
        return self._bounds[participant]

    def _time_share(self, criteria: Criteria, participants: Sequence[str]) -> float:
        low_all, high_all = math.inf, -math.inf
        for participant in participants:
            low, high = self._time_bounds(participant)
            if low is not None and high is not None:
                low_all = min(low_all, low)
                high_all = max(high_all, high)
        if high_all <= low_all:
            return 1.0
        start = max(low_all, criteria.updated_from or low_all)
        end = min(high_all, criteria.updated_to or high_all)
        return max(0.0, (end - start) / (high_all - low_all))


_T = TypeVar("_T")


def within_budget(conn: sqlite3.Connection, seconds: float, work: Callable[[], _T]) -> _T | None:
    """Run `work` on `conn`, interrupting SQLite after `seconds`; None if interrupted."""
    deadline = time.perf_counter() + seconds

    def check() -> int:
        return 1 if time.perf_counter() > deadline else 0

    conn.set_progress_handler(check, 2000)
    try:
        return work()
    except sqlite3.OperationalError as error:
        if "interrupt" in str(error):
            return None
        raise
    finally:
        conn.set_progress_handler(None, 0)


# Cursors -----------------------------------------------------------------------------


def _cursor_secret(conn: sqlite3.Connection) -> bytes:
    row = conn.execute("SELECT secret FROM server_keys WHERE name = 'list_cursor'").fetchone()
    return bytes(row[0])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(secret: bytes, binding: str, key: Sequence[int | str]) -> str:
    body = _b64(json.dumps({"b": binding, "k": list(key)}, separators=(",", ":")).encode())
    mac = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:16]
    return f"{body}.{_b64(mac)}"


def decode_cursor(secret: bytes, binding: str, text: str, sort: Sort) -> list[int | str]:
    """The keyset in `text`, checked: HMAC, same list (binding), the sort's key shape."""
    try:
        body, _, mac = text.partition(".")
        expected = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(_unb64(mac), expected):
            raise BadCursor()
        payload = json.loads(_unb64(body))
    except (ValueError, binascii.Error, UnicodeError):
        raise BadCursor() from None
    if not isinstance(payload, dict) or payload.get("b") != binding:
        raise BadCursor()
    key = payload.get("k")
    if not isinstance(key, list) or not _key_shape_ok(sort, key):
        raise BadCursor()
    return key


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62


def _key_shape_ok(sort: Sort, key: list[object]) -> bool:
    if sort in (Sort.UPDATED_DESC, Sort.UPDATED_ASC):
        return len(key) == 2 and all(_is_int(v) for v in key)
    if sort in (Sort.REF_DESC, Sort.REF_ASC):
        return len(key) == 1 and _is_int(key[0])
    if sort is Sort.STATUS:
        return (
            len(key) == 3 and all(_is_int(v) for v in key) and int(str(key[0])) < len(STATUS_RANK)
        )
    return (
        len(key) == 3
        and isinstance(key[0], str)
        and 0 < len(key[0]) <= 20
        and _is_int(key[1])
        and _is_int(key[2])
    )


def cursor_binding(viewer: Viewer, section: Section, query: Query, sort: Sort) -> str:
    """What a cursor belongs to: a digest of the user, membership, section, query, sort."""
    text = json.dumps(
        [viewer.user_id, viewer.participant_id, section.value, format_query(query), sort.value]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


# The list itself -----------------------------------------------------------------------


def _summary(row: sqlite3.Row) -> RequestSummary:
    return RequestSummary(
        ref=f"ECS{int(row['id']):08d}",
        eservice=row["eservice"],
        eservice_name=row["eservice_name"],
        participant_id=row["participant_id"],
        status=Status(row["status"]),
        maker=row["maker"],
        updated_at=from_micros(row["updated_at"]),
        title=row["title"],
    )


def _groups(criteria: Criteria, cells: Sequence[Cell], sort: Sort) -> list[str]:
    """The status or eService groups that hold wanted rows, in sort order."""
    present = [cell for cell in cells if criteria.matches(cell)]
    if sort is Sort.STATUS:
        statuses = {cell.status for cell in present}
        return [status.value for status in Status if status in statuses]
    return sorted({cell.eservice for cell in present})


def _fetch_grouped(
    planner: Planner,
    criteria: Criteria,
    sort: Sort,
    after: list[int | str] | None,
    limit: int,
) -> list[sqlite3.Row]:
    """Status or eService sort: each group newest first, groups in order."""
    groups = _groups(criteria, planner.cells, sort)
    start_group: str | None = None
    if after is not None:
        start_group = list(Status)[int(after[0])].value if sort is Sort.STATUS else str(after[0])
    rows: list[sqlite3.Row] = []
    for group in groups:
        if start_group is not None and group < start_group and sort is Sort.ESERVICE:
            continue
        if (
            start_group is not None
            and sort is Sort.STATUS
            and STATUS_RANK[Status(group)] < STATUS_RANK[Status(start_group)]
        ):
            continue
        if sort is Sort.STATUS:
            narrowed = replace(criteria, statuses=frozenset({Status(group)}))
        else:
            narrowed = replace(criteria, eservices_in=frozenset({group}))
        keyset = (
            [int(after[1]), int(after[2])] if after is not None and group == start_group else None
        )
        rows.extend(planner.fetch(narrowed, "time_desc", keyset, limit - len(rows)))
        if len(rows) >= limit:
            break
    return rows


def _order_of(sort: Sort) -> Order:
    return {
        Sort.UPDATED_DESC: "time_desc",
        Sort.UPDATED_ASC: "time_asc",
        Sort.REF_DESC: "ref_desc",
        Sort.REF_ASC: "ref_asc",
    }.get(sort, "time_desc")  # type: ignore[return-value]


def _key_of(sort: Sort, row: sqlite3.Row) -> list[int | str]:
    if sort in (Sort.REF_DESC, Sort.REF_ASC):
        return [int(row["id"])]
    if sort is Sort.STATUS:
        return [STATUS_RANK[Status(row["status"])], int(row["updated_at"]), int(row["id"])]
    if sort is Sort.ESERVICE:
        return [row["eservice"], int(row["updated_at"]), int(row["id"])]
    return [int(row["updated_at"]), int(row["id"])]


def list_requests(
    conn: sqlite3.Connection,
    viewer: Viewer,
    section: Section,
    query: Query,
    sort: Sort = Sort.UPDATED_DESC,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> RequestPage:
    """One page of a dashboard list. Raises 400 `bad_cursor` for a cursor that is not
    this list's. `limit` must be 1..MAX_LIMIT (the router answers 422 beyond)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be from 1 to {MAX_LIMIT}, not {limit}.")
    secret = _cursor_secret(conn)
    binding = cursor_binding(viewer, section, query, sort)
    after = None if cursor is None else decode_cursor(secret, binding, cursor, sort)
    participants = scope_participants(conn, viewer)
    planner = Planner(conn, load_cells(conn, participants), _scope_numbers(conn, participants))
    criteria = apply_query(
        section_criteria(viewer, section, participants), query, planner.cells, term_expander(conn)
    )
    if sort in (Sort.STATUS, Sort.ESERVICE):
        rows = _fetch_grouped(planner, criteria, sort, after, limit + 1)
    else:
        keyset = None if after is None else [int(v) for v in after]
        rows = planner.fetch(criteria, _order_of(sort), keyset, limit + 1)
    total, estimated = planner.total(criteria)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(secret, binding, _key_of(sort, rows[-1]))
    if estimated and cursor is None:
        total = max(total, len(rows) + (1 if next_cursor else 0))
    return RequestPage(
        items=[_summary(row) for row in rows],
        next_cursor=next_cursor,
        total=total,
        total_is_estimate=estimated,
    )


def section_counts(conn: sqlite3.Connection, viewer: Viewer) -> SectionCounts:
    """Each section's count for this viewer: exact, from the cells (no COUNT(*))."""
    participants = scope_participants(conn, viewer)
    cells = load_cells(conn, participants)
    counts: dict[str, int] = {}
    for section in Section:
        criteria = section_criteria(viewer, section, participants)
        counts[section.value] = sum(cell.count for cell in cells if criteria.matches(cell))
    return SectionCounts(**counts)
