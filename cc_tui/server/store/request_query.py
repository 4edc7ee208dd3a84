"""Dashboard lists: a section, a typed `Query`, a sort and a cursor, turned into SQL.

The grammar is parsed by `cc_tui.domain.query`; this module only ever sees the typed
query, and every value reaches SQLite as a bound parameter (the SQL text is built from
fixed fragments and the count of values, never from what a user typed).

The steps live in one module each: `request_criteria` (scope, cells, a section and a
query as `Criteria`), `request_planner` (which access path, which kind of total),
`request_sql` (the SQL text of each path), `request_cursors` (the signed page cursor).
This module runs them for one page. Times are kept as in `store/times.py`.

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
- **Words.** Plain words match the title, eService name, maker and comments (kept on
  the request row by a trigger as each is written: migration 0014) through FTS5
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

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Final

from cc_tui.api.requests import RequestPage, RequestSummary, SectionCounts, UnavailableAction
from cc_tui.domain.query import Query
from cc_tui.domain.sections import Section, Sort
from cc_tui.domain.workflow import Status
from cc_tui.server.service_hours import ServiceHours
from cc_tui.server.store.memo import remembered
from cc_tui.server.store.request_criteria import (
    STATUS_RANK,
    Cell,
    Criteria,
    apply_query,
    load_cells,
    scope_numbers,
    scope_participants,
    section_criteria,
    term_expander,
)
from cc_tui.server.store.request_cursors import (
    cursor_binding,
    cursor_secret,
    decode_cursor,
    encode_cursor,
)
from cc_tui.server.store.request_planner import Planner
from cc_tui.server.store.request_sql import Order
from cc_tui.server.store.requests import Viewer, unavailable_now
from cc_tui.server.store.times import from_micros

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
SUMMARY_CACHE = 20_000  # request summaries kept (a few MB)


# A summary is a pure function of its row's values (a changed request has a new
# updated_at), so the ones of recent pages are kept: building 50 was a quarter of a
# page's CPU. Built without validation: the values are the store's own, of the model's
# types, and the JSON is the same.
# Its arguments are a list row's columns, in request_sql.LIST_COLUMNS' order.
@lru_cache(maxsize=SUMMARY_CACHE)
def _summary_of(
    id_: int,
    participant_id: str,
    eservice: str,
    eservice_name: str,
    status: str,
    maker: str,
    title: str,
    updated_at: int,
) -> RequestSummary:
    return RequestSummary.model_construct(
        ref=f"ECS{int(id_):08d}",
        eservice=eservice,
        eservice_name=eservice_name,
        participant_id=participant_id,
        status=Status(status),
        maker=maker,
        updated_at=from_micros(updated_at),
        title=title,
    )


# The same summaries as the JSON a page sends (`list_requests_json`), kept alike: a
# page's answer is then its summaries' bytes joined, not 50 models serialised.
@lru_cache(maxsize=SUMMARY_CACHE)
def _summary_json(*values: Any) -> bytes:
    return _json(_summary_of(*values))


def _json(summary: RequestSummary) -> bytes:
    return summary.__pydantic_serializer__.to_json(summary, by_alias=True)


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


@dataclass(frozen=True)
class Page:
    """A list page's rows (request_sql.LIST_COLUMNS) and what goes with them."""

    rows: list[sqlite3.Row]
    next_cursor: str | None
    total: int
    estimated: bool


def list_requests(
    conn: sqlite3.Connection,
    viewer: Viewer,
    section: Section,
    query: Query,
    sort: Sort = Sort.UPDATED_DESC,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> RequestPage:
    """One page of a dashboard list (`find_page`) as the API's model."""
    return page_model(find_page(conn, viewer, section, query, sort, cursor, limit))


Waiting = Mapping[int, list[UnavailableAction]]


def _summary_with(row: sqlite3.Row, unavailable: list[UnavailableAction]) -> RequestSummary:
    """A row's summary with its `unavailable_actions`: a copy, never the kept one."""
    return _summary_of(*row).model_copy(update={"unavailable_actions": unavailable})


def waiting_actions(page: Page, viewer: Viewer, hours: ServiceHours) -> Waiting:
    """The `unavailable_actions` of the page's rows that have some, by position."""
    return unavailable_now(
        [(row["eservice"], row["maker"], row["status"]) for row in page.rows], viewer, hours
    )


def page_model(page: Page, waiting: Waiting | None = None) -> RequestPage:
    waiting = waiting or {}
    return RequestPage(
        items=[
            _summary_with(row, waiting[n]) if n in waiting else _summary_of(*row)
            for n, row in enumerate(page.rows)
        ],
        next_cursor=page.next_cursor,
        total=page.total,
        total_is_estimate=page.estimated,
    )


_ITEMS_OPEN: Final = b'{"items":['


def page_json(page: Page, waiting: Waiting | None = None) -> bytes:
    """The page as the JSON the API sends: the very bytes pydantic makes of
    `page_model(page, waiting)`, joined from the kept JSON of each summary (a row
    with actions waiting is serialised on its own, from a copy)."""
    waiting = waiting or {}
    rest = RequestPage.model_construct(
        items=[],
        next_cursor=page.next_cursor,
        total=page.total,
        total_is_estimate=page.estimated,
    )
    envelope = rest.__pydantic_serializer__.to_json(rest, by_alias=True)
    assert envelope.startswith(_ITEMS_OPEN + b"]")
    items = b",".join(
        [
            _json(_summary_with(row, waiting[n])) if n in waiting else _summary_json(*row)
            for n, row in enumerate(page.rows)
        ]
    )
    return _ITEMS_OPEN + items + envelope[len(_ITEMS_OPEN) :]


def find_page(
    conn: sqlite3.Connection,
    viewer: Viewer,
    section: Section,
    query: Query,
    sort: Sort = Sort.UPDATED_DESC,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """One page of a dashboard list. Raises 400 `bad_cursor` for a cursor that is not
    this list's. `limit` must be 1..MAX_LIMIT (the router answers 422 beyond)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be from 1 to {MAX_LIMIT}, not {limit}.")
    secret = cursor_secret(conn)
    binding = cursor_binding(viewer, section, query, sort)
    after = None if cursor is None else decode_cursor(secret, binding, cursor, sort)
    participants = scope_participants(conn, viewer)
    planner = Planner(conn, load_cells(conn, participants), scope_numbers(conn, participants))
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
    return Page(rows, next_cursor, total, estimated)


def section_counts(conn: sqlite3.Connection, viewer: Viewer) -> SectionCounts:
    """Each section's count for this viewer: exact, from the cells (no COUNT(*)); kept
    until the store changes (memo.py), since every dashboard refresh asks."""
    return remembered(conn, ("section counts", viewer), lambda: _count_sections(conn, viewer))


def _count_sections(conn: sqlite3.Connection, viewer: Viewer) -> SectionCounts:
    participants = scope_participants(conn, viewer)
    cells = load_cells(conn, participants)
    counts: dict[str, int] = {}
    for section in Section:
        criteria = section_criteria(viewer, section, participants)
        counts[section.value] = sum(cell.count for cell in cells if criteria.matches(cell))
    return SectionCounts(**counts)
