"""Dashboard lists: the SQL text of each access path, built from fixed fragments and the
count of values (every value is a bound parameter; nothing a user typed reaches the text).

`request_planner` chooses among these paths; each returns (sql, params).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from cc_tui.server.store.request_criteria import ALL_STATUSES, Arm, Criteria, IdRange, IndexKind
from cc_tui.server.store.requests import SCOPE_SPAN

LIST_COLUMNS = (
    "r.id AS id, r.participant_id AS participant_id, r.eservice AS eservice,"
    " r.eservice_name AS eservice_name, r.status AS status, r.maker AS maker,"
    " r.title AS title, r.updated_at AS updated_at"
)
_TIME_INDEX: dict[IndexKind, str] = {
    "status": "requests_status_updated",
    "maker": "requests_maker_updated",
    "eservice": "requests_eservice_updated",
    "exchange": "requests_exchange_updated",  # partial: reached_exchange = 1
}
_REF_INDEX = "requests_status_ref"


# SQL fragments -----------------------------------------------------------------------


def _in(column: str, values: Iterable[str], negated: bool = False) -> tuple[str, list[object]]:
    ordered = sorted(values)
    marks = ",".join("?" * len(ordered))
    return f"{column} {'NOT IN' if negated else 'IN'} ({marks})", list(ordered)


def residual_sql(
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


def where_sql(clauses: Sequence[str]) -> str:
    return " AND ".join(clauses) if clauses else "1"


# Plans -------------------------------------------------------------------------------

Order = Literal["time_desc", "time_asc", "ref_desc", "ref_asc"]
Row_SQL = tuple[str, list[object]]
ORDER_BY: dict[Order, str] = {
    "time_desc": "updated_at DESC, id DESC",
    "time_asc": "updated_at ASC, id ASC",
    "ref_desc": "id DESC",
    "ref_asc": "id ASC",
}


def keyset_sql(order: Order, after: Sequence[int] | None) -> tuple[list[str], list[object]]:
    if after is None:
        return [], []
    if order == "time_desc":
        return ["(r.updated_at, r.id) < (?, ?)"], [after[0], after[1]]
    if order == "time_asc":
        return ["(r.updated_at, r.id) > (?, ?)"], [after[0], after[1]]
    if order == "ref_desc":
        return ["r.id < ?"], [after[0]]
    return ["r.id > ?"], [after[0]]


def arm_sql(arm: Arm, criteria: Criteria, order: Order, after: Sequence[int] | None) -> Row_SQL:
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
    residual, residual_params = residual_sql(criteria, fixed=frozenset(fixed), words=True)
    keyset, keyset_params = keyset_sql(order, after)
    sql = (
        f"SELECT {LIST_COLUMNS} FROM requests AS r INDEXED BY {index}"
        f" WHERE {where_sql(clauses + residual + keyset)}"
    )
    return sql, params + residual_params + keyset_params


def ids_sql(
    criteria: Criteria, span: IdRange, order: Order, after: Sequence[int] | None
) -> Row_SQL:
    """Read a span of ids by the primary key (NOT INDEXED keeps SQLite on it)."""
    residual, params = residual_sql(criteria, fixed=frozenset(), words=True)
    keyset, keyset_params = keyset_sql(order, after)
    sql = (
        f"SELECT {LIST_COLUMNS} FROM requests AS r NOT INDEXED"
        f" WHERE r.id BETWEEN ? AND ? AND {where_sql(residual + keyset)}"
    )
    return sql, [span.low, span.high, *params, *keyset_params]


def merge_sql(
    parts: Sequence[Row_SQL], order: Order, limit: int, *, wrapped: bool = False
) -> Row_SQL:
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
    return f"{sql} ORDER BY {ORDER_BY[order]} LIMIT ?", [*params, limit]


def fts_sql(
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
    residual, residual_params = residual_sql(
        criteria, fixed=frozenset({"participant"}), words=False
    )
    keyset, keyset_params = keyset_sql(order, after)
    sql = (
        f"SELECT {LIST_COLUMNS} FROM request_fts AS f"
        " CROSS JOIN requests AS r INDEXED BY requests_search_key ON r.search_key = f.rowid"
        f" WHERE f.request_fts MATCH ? AND f.rowid BETWEEN ? AND ?"
        f" AND {where_sql(residual + keyset)}"
    )
    params: list[object] = [criteria.fts_expression, low, high, *residual_params, *keyset_params]
    if order == "time_desc":
        sql += " ORDER BY f.rowid DESC"
    elif order == "time_asc":
        sql += " ORDER BY f.rowid ASC"
    else:
        sql += f" ORDER BY {ORDER_BY[order].replace('id', 'r.id')}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params
