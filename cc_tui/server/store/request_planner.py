"""Dashboard lists, step two: criteria turned into SQL and run (the plans are in
docs/request-query-plans.md; `request_query`'s docstring tells why they are so).

The planner picks, from the cells' counts and capped FTS probes, the cheapest way to read
a page (index arms merged by UNION ALL, the FTS index in rowid order, or a span of ids by
the key) and how to give a total (exact from the cells, counted within a cost budget, or
estimated). Every value reaches SQLite as a bound parameter.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from cc_tui.domain.workflow import Status
from cc_tui.server.store.memo import remembered
from cc_tui.server.store.request_criteria import (
    Arm,
    Cell,
    Criteria,
    IdRange,
    IndexKind,
)
from cc_tui.server.store.request_sql import (
    LIST_COLUMNS,
    ORDER_BY,
    Order,
    Row_SQL,
    arm_sql,
    fts_sql,
    ids_sql,
    keyset_sql,
    merge_sql,
    residual_sql,
    where_sql,
)
from cc_tui.server.store.requests import SCOPE_SPAN

# A word's matches in scope are counted up to this many; below it the FTS index drives.
FTS_PROBE_CAP = 10_000
# An exact total is counted when its estimated cost (in the units below, about 1 µs
# each) is at most this; COUNT_SAFETY_S stops a count whose estimate was wrong.
COUNT_MAX_COST = 10_000.0
# How many requests an estimate may count to learn what share of them a word matches.
RANK_COUNT_CAP = 50_000
COUNT_SAFETY_S = 0.05
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


def _check_cost(criteria: Criteria) -> float:
    """What checking one row's FTS entry against the words costs (0: no words).

    Each quoted phrase is one lookup by rowid; FTS5's `*` prefix re-reads every word
    it starts on each lookup (measured: some 30 ms), so it is all but ruled out."""
    text = " ".join(e for e in (criteria.words, criteria.not_words) if e)
    if not text:
        return 0.0
    if '" *' in text:
        return _COST_PREFIX_CHECK
    return _COST_CHECKED_ROW * max(1, text.count('"') // 2)


# Plans -------------------------------------------------------------------------------


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
        """The cells `criteria` wants (worked out once per criteria while the store does
        not change: the cells are the store's, see memo.py)."""
        found = self._matching.get(criteria)
        if found is None:
            found = remembered(
                self.conn,
                ("matching", criteria),
                lambda: [cell for cell in self.cells if criteria.matches(cell)],
            )
            self._matching[criteria] = found
        return found

    def arms(self, criteria: Criteria, index: IndexKind) -> list[Arm]:
        """The index ranges that hold wanted rows, with how many rows each holds in all
        (from the cells alone, so kept while the store does not change: memo.py)."""
        return remembered(self.conn, ("arms", criteria, index), lambda: self._arms(criteria, index))

    def _arms(self, criteria: Criteria, index: IndexKind) -> list[Arm]:
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
            self._probes[key] = remembered(
                self.conn, ("fts probe", *key), lambda: self._read_matches(*key)
            )
        return self._probes[key]

    def _read_matches(
        self, expression: str, participant: str, cap: int
    ) -> tuple[int, bool, int | None]:
        low = self.scopes[participant] * SCOPE_SPAN
        found, oldest = self.conn.execute(
            "SELECT count(*), min(rowid) FROM (SELECT rowid FROM request_fts"
            " WHERE request_fts MATCH ? AND rowid BETWEEN ? AND ?"
            " ORDER BY rowid DESC LIMIT ?)",
            (expression, low, low + SCOPE_SPAN - 1, cap),
        ).fetchone()
        return (int(found), int(found) >= cap, oldest)

    def estimated_matches(self, expression: str, participant: str, cap: int) -> float:
        """Matches of this firm: exact below `cap`; beyond it, the share of matches among
        the requests the capped scan went through (counted in the search_key index, up to
        RANK_COUNT_CAP; past that, among the firm's newest RANK_COUNT_CAP requests) times
        the firm's size."""
        key = (expression, participant, cap)
        if key not in self._estimates:
            # Up to RANK_COUNT_CAP rows counted: kept until the store changes (memo.py).
            self._estimates[key] = remembered(
                self.conn, ("fts estimate", *key), lambda: self._extrapolate(*key)
            )
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
        return remembered(
            self.conn,
            ("rows in scope", participant),
            lambda: sum(c.count for c in self.cells if c.participant_id == participant),
        )

    def wanted(self, criteria: Criteria, participant: str | None = None) -> int:
        """Rows the criteria want (of one firm): a sum over the cells, kept as they are."""
        return remembered(
            self.conn,
            ("wanted", criteria, participant),
            lambda: sum(
                c.count
                for c in self.matching(criteria)
                if participant is None or c.participant_id == participant
            ),
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
            sql, params = ids_sql(criteria, span, order, after)
            return self.conn.execute(
                f"{sql} ORDER BY {ORDER_BY[order]} LIMIT ?", [*params, limit]
            ).fetchall()
        if criteria.words is not None:
            if self._fts_drives(criteria, participants, order, limit):
                parts = [
                    fts_sql(
                        criteria,
                        participant,
                        self.scopes[participant],
                        order,
                        after,
                        limit,
                    )
                    for participant in participants
                ]
                sql, params = merge_sql(parts, order, limit, wrapped=True)
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
        return rows * (1 + _check_cost(criteria)) <= ID_DRIVE_MAX_COST

    def _fts_drives(
        self, criteria: Criteria, participants: Sequence[str], order: Order, limit: int
    ) -> bool:
        probes = {p: self.probe(criteria, p) for p in participants}
        if not order.startswith("time"):
            # The FTS index gives newest-first order only: drive by it when it is short
            # (or when checking rows one by one would cost even more).
            uncapped = not any(capped for _, capped in probes.values())
            return uncapped or _check_cost(criteria) >= _COST_PREFIX_CHECK
        fts_cost = 0.0
        for participant, (matched, _) in probes.items():
            wanted = self.wanted(criteria, participant)
            scope_rows = self.rows_in_scope(participant) or 1
            share = wanted / scope_rows
            fts_cost += matched if matched * share <= limit else limit / share
        selectivity = self._word_selectivity(criteria, participants)
        arms = self.best_arms(criteria, limit, selectivity)
        checked_cost = _arm_cost(arms, limit, selectivity)
        return fts_cost * _COST_FTS_ROW <= checked_cost * _check_cost(criteria)

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
        parts = [arm_sql(arm, criteria, order, after) for arm in arms]
        sql, params = merge_sql(parts, order, limit)
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
        per_row = _check_cost(criteria) or _COST_INDEX_ROW
        ordered_cost = _arm_cost(ordered, limit, selectivity) * per_row
        tight = self.best_arms(criteria, limit)
        collect_cost = sum(arm.rows for arm in tight) * per_row
        if ordered_cost <= collect_cost:
            return self._run_arms(ordered, criteria, order, after, limit)
        if len(tight) > MAX_ARMS:
            return self._plain(criteria, order, after, limit)
        parts = [arm_sql(arm, criteria, "time_desc", None) for arm in tight]
        keyset, keyset_params = keyset_sql(order, after)
        sql = " UNION ALL ".join(part for part, _ in parts)
        params = [p for _, part_params in parts for p in part_params]
        outer_keyset = " AND ".join(k.replace("r.", "") for k in keyset) or "1"
        sql = f"SELECT * FROM ({sql}) WHERE {outer_keyset} ORDER BY {ORDER_BY[order]} LIMIT ?"
        return self.conn.execute(sql, [*params, *keyset_params, limit]).fetchall()

    def _plain(
        self, criteria: Criteria, order: Order, after: Sequence[int] | None, limit: int
    ) -> list[sqlite3.Row]:
        """One query with IN lists; SQLite chooses. Only for very many arms."""
        residual, params = residual_sql(criteria, fixed=frozenset(), words=True)
        keyset, keyset_params = keyset_sql(order, after)
        sql = (
            f"SELECT {LIST_COLUMNS} FROM requests AS r WHERE {where_sql(residual + keyset)}"
            f" ORDER BY {ORDER_BY[order]} LIMIT ?"
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
            residual, _ = residual_sql(criteria, fixed=frozenset({"participant"}), words=False)
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
            sql, params = ids_sql(criteria, span, "ref_asc", None)
            return sql.replace(f"SELECT {LIST_COLUMNS}", "SELECT count(*)", 1), params
        if criteria.words is not None:
            probes = [self.probe(criteria, p) for p in participants]
            if any(capped for _, capped in probes):
                return None
            if sum(found for found, _ in probes) * _COST_FTS_ROW > COUNT_MAX_COST:
                return None
            parts = [
                fts_sql(criteria, p, self.scopes[p], "time_desc", None, None) for p in participants
            ]
            sql = " UNION ALL ".join(
                part.replace(f"SELECT {LIST_COLUMNS}", "SELECT count(*) AS n", 1).replace(
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
        parts = [arm_sql(arm, criteria, "time_desc", None) for arm in arms]
        sql = " UNION ALL ".join(
            part.replace(f"SELECT {LIST_COLUMNS}", "SELECT count(*) AS n", 1) for part, _ in parts
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
            per_row = _check_cost(criteria)
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
            self._bounds[participant] = remembered(
                self.conn, ("time bounds", participant), lambda: self._read_bounds(participant)
            )
        return self._bounds[participant]

    def _read_bounds(self, participant: str) -> tuple[int | None, int | None]:
        base = self.scopes[participant] * SCOPE_SPAN
        # Two queries: SQLite answers a lone min() or max() from the index edge.
        bounds = (base, base + SCOPE_SPAN - 1)
        low = self.conn.execute(
            "SELECT min(search_key) FROM requests WHERE search_key BETWEEN ? AND ?", bounds
        ).fetchone()[0]
        high = self.conn.execute(
            "SELECT max(search_key) FROM requests WHERE search_key BETWEEN ? AND ?", bounds
        ).fetchone()[0]
        return (None if low is None else low - base, None if high is None else high - base)

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
